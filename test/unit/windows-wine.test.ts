/**
 * Murmur on Windows, for real, on this Linux machine: the win32-x64 VSIX as users get it
 * (scripts/package.mjs), unpacked into a Windows profile whose path has spaces and non-ASCII
 * letters, its sidecar run by Windows Node 22 under Wine (scripts/install-wine.sh). Windows Node
 * is installed as ...\Microsoft VS Code\Code.exe: like VS Code's Electron, an executable that is not
 * node.exe, which is what the addon's Node-API lookup is built for (native/mmap/host_napi_windows.c).
 * A driver (helpers/wine.ts) spawns the sidecar exactly as the extension does, loads the embedded
 * model, transcribes shared clips, and starts a second sidecar while the first holds the model.
 *
 * Shown and asserted: the sidecar is a Windows process (its own path joins use backslashes, there
 * is no /proc for it, Linux sees it run onnxruntime.dll); every message it sends passes the
 * protocol's validator; the model loads through the ORT cache under the profile, memory-mapped by
 * the VSIX's own Windows addon; the texts equal the Linux sidecar's exactly; the second sidecar
 * maps the same .ort files (same inode, shared mapping) and its pages are shared with the first;
 * then the first loads the shared Zipformer from the profile, whose three sessions run directly
 * through the VSIX's onnxruntime.dll by the addon (native/mmap/ort_run.c), and its text equals
 * the Linux sidecar's.
 * Wine cannot show: which Linux process is which Windows pid (Wine keeps its own pids; the two
 * sidecars are found by command line, and asserted to be exactly two); anything about Windows'
 * own memory manager (Wine's MapViewOfFile is Linux mmap, so "shared" is Linux's word for it);
 * Electron itself (Code.exe here is Node, with ELECTRON_RUN_AS_NODE set all the same); microphones.
 *
 * Needs Wine: in CI this fails, never skips, when it cannot be installed. 33-36 s after the
 * one-time install on 2 idle cores, 68 s on a busy machine (packaging 9-16 s, the Wine part
 * 17-42 s: its start, the model's conversion to ORT, two sidecars; the Linux sidecar 5-7 s).
 * The one-time install: apt ~20 s, Windows Node and a fresh prefix ~15 s.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultModelDir, packageRoot } from '../../src/engine/paths';
import type { RecognizerOptions } from '../../src/engine/recognizer';
import { sidecarArgv, sidecarEnv } from '../../src/protocol/launch';
import { PROTOCOL_VERSION } from '../../src/protocol/version';
import { validateResult, validateSidecarMessage } from '../../src/protocol/validate';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { waitUntil } from '../helpers/wait';
import {
  copyPrefix,
  DRIVER_SOURCE,
  installWine,
  killWine,
  windowsPath,
  wineEnv,
  wineProcesses,
  type DriverConfig,
  type DriverResult,
  type DriverSidecar,
  type LinuxProcess,
} from '../helpers/wine';
import { readZip } from '../helpers/zip';

/**
 * The first clip with the options users run (partials on); the others without partials: Moonshine
 * re-decodes the whole utterance for each partial, ~2 s per second of audio under Wine on 2 cores,
 * and the finals do not depend on it.
 */
const CLIPS: { file: string; options: Partial<RecognizerOptions> }[] = [
  { file: 'audio/pocketsphinx-testdata/goforward.wav', options: {} },
  { file: 'audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav', options: { partials: false } },
  { file: 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav', options: { partials: false } },
  { file: 'audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0870.wav', options: { partials: false } },
];
/** The second model the first sidecar loads: the shared Zipformer, copied into the profile. */
const ZIPFORMER_CLIP = { file: 'audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav', options: { partials: false } };
const ORT_FILES = [/^encoder_model\.[0-9a-f]+\.ort$/, /^decoder_model_merged\.[0-9a-f]+\.ort$/, /^silero_vad\.[0-9a-f]+\.ort$/];
const MINUTE = 60_000;

/** What one run found, filled in by before(). */
interface Run {
  /** The installed extension, the ORT cache, both under the profile (Linux paths). */
  extension: string;
  cacheDir: string;
  /** The same, as the Windows processes name them. */
  winExtension: string;
  winCacheDir: string;
  /** The Zipformer's folder in the profile, as Windows names it. */
  winZipformer: string;
  result: DriverResult;
  /** The sidecars' Linux processes, read while both held the model. */
  sidecars: LinuxProcess[];
  linux: string[][];
  /** The Linux sidecar's finals for ZIPFORMER_CLIP with the shared Zipformer. */
  linuxZipformer: string[];
  seconds: Record<string, number>;
}

/** The VSIX's extension/ folder, written to `dest`. */
function unpack(vsix: string, dest: string): void {
  for (const entry of readZip(vsix)) {
    if (!entry.name.startsWith('extension/') || entry.name.endsWith('/')) continue;
    const rel = entry.name.slice('extension/'.length);
    assert.ok(!rel.split('/').includes('..') && !path.isAbsolute(rel), `odd VSIX entry ${entry.name}`);
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.writeFileSync(path.join(dest, rel), entry.read());
  }
}

/** The same clips through the Linux sidecar (dist/sidecar.js, the repository's embedded model). */
async function linuxTranscripts(): Promise<{ moonshine: string[][]; zipformer: string[] }> {
  const cache = tempCacheDir('murmur-wine-linux-');
  const client = new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: cache.dir } });
  try {
    await client.waitForEvent('state');
    await client.call('hello', { version: PROTOCOL_VERSION });
    await client.call('loadModel', { location: { dir: defaultModelDir() }, threads: 1 }, 5 * MINUTE);
    const texts: string[][] = [];
    for (const clip of CLIPS) {
      const from = client.messages.length;
      const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(clip.file), realtime: false }, options: clip.options });
      await client.waitForEvent('dictationEnded', (e) => e.session === session, 2 * MINUTE, from);
      texts.push(client.events('final', from).filter((e) => e.session === session).map((e) => e.text));
    }
    await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1 }, 5 * MINUTE);
    const from = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(ZIPFORMER_CLIP.file), realtime: false }, options: ZIPFORMER_CLIP.options });
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 2 * MINUTE, from);
    const zipformer = client.events('final', from).filter((e) => e.session === session).map((e) => e.text);
    assert.deepEqual(client.invalid, []);
    return { moonshine: texts, zipformer };
  } finally {
    await client.close();
    cache.remove();
  }
}

async function runUnderWine(tmp: string): Promise<Run> {
  const seconds: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    seconds[name] = Math.round((performance.now() - t) / 100) / 10;
    t = performance.now();
  };
  const wine = installWine();
  lap('install');

  // The VSIX exactly as a release builds it. (package.mjs also writes the production bundles to
  // dist/, so the Linux sidecar below runs the same sidecar.js.)
  const out = path.join(tmp, 'vsix');
  const pack = spawnSync(process.execPath, ['scripts/package.mjs', '--only=win32-x64', `--out=${out}`], { cwd: packageRoot(), encoding: 'utf8', timeout: 10 * MINUTE });
  assert.equal(pack.status, 0, `scripts/package.mjs --only=win32-x64 failed:\n${pack.stdout.slice(-3000)}\n${pack.stderr}`);
  lap('package');

  const prefix = path.join(tmp, 'prefix');
  copyPrefix(wine.prefix, prefix);
  const profile = path.join(prefix, 'drive_c', 'users', 'Zoë Müller');
  const extension = path.join(profile, 'AppData', 'Local', 'Programs', 'murmur test');
  unpack(path.join(out, 'murmur-win32-x64.vsix'), extension);
  const codeExe = path.join(profile, 'AppData', 'Local', 'Programs', 'Microsoft VS Code', 'Code.exe');
  fs.mkdirSync(path.dirname(codeExe), { recursive: true });
  fs.copyFileSync(wine.nodeExe, codeExe);
  const clipDir = path.join(profile, 'Music', 'murmur clips');
  fs.mkdirSync(clipDir, { recursive: true });
  for (const clip of CLIPS) fs.copyFileSync(sharedPath(clip.file), path.join(clipDir, path.basename(clip.file)));
  const zipformerDir = path.join(profile, 'Documents', 'Modèles vocaux', 'zipformer');
  fs.cpSync(sharedPath(ZIPFORMER_DIR), zipformerDir, { recursive: true });
  const work = path.join(prefix, 'drive_c', 'murmur-wine-test');
  fs.mkdirSync(work);
  const cacheDir = path.join(profile, 'AppData', 'Local', 'murmur', 'ort');
  const win = (file: string) => windowsPath(prefix, file);
  const localAppData = win(path.join(profile, 'AppData', 'Local'));
  const config: DriverConfig = {
    argv: sidecarArgv(win(path.join(extension, 'dist', 'sidecar.js'))),
    env: {
      ...(sidecarEnv({}) as Record<string, string>),
      MURMUR_CACHE_DIR: win(cacheDir),
      USERPROFILE: win(profile),
      LOCALAPPDATA: localAppData,
      APPDATA: win(path.join(profile, 'AppData', 'Roaming')),
    },
    cacheDir: win(cacheDir),
    protocolVersion: PROTOCOL_VERSION,
    modelDir: win(path.join(extension, 'models', 'moonshine-tiny-en-int8')),
    clips: CLIPS.map((c) => ({ path: win(path.join(clipDir, path.basename(c.file))), options: c.options })),
    secondModel: { modelDir: win(zipformerDir), clip: { path: win(path.join(clipDir, path.basename(ZIPFORMER_CLIP.file))), options: ZIPFORMER_CLIP.options } },
    result: win(path.join(work, 'result.json')),
    trace: win(path.join(work, 'trace.txt')),
    bothLoaded: win(path.join(work, 'both-loaded.json')),
    scanned: win(path.join(work, 'scanned')),
    stepTimeoutMs: 2 * MINUTE,
    loadTimeoutMs: 5 * MINUTE,
  };
  fs.writeFileSync(path.join(work, 'driver.js'), DRIVER_SOURCE);
  fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(config, null, 2));
  lap('unpack');

  // node.exe's stdout and stderr must be files under Wine (a Unix pipe gives EBADF).
  const stdout = fs.openSync(path.join(tmp, 'driver-stdout.txt'), 'w');
  const stderr = fs.openSync(path.join(tmp, 'driver-stderr.txt'), 'w');
  const driver = spawn('wine', [win(codeExe), win(path.join(work, 'driver.js')), win(path.join(work, 'config.json'))], { cwd: tmp, env: wineEnv(prefix), stdio: ['ignore', stdout, stderr] });
  fs.closeSync(stdout);
  fs.closeSync(stderr);
  const exited = new Promise<number | string | null>((resolve) => {
    driver.on('exit', (code) => resolve(code));
    driver.on('error', (e) => resolve(`an error: ${e.message}`));
  });
  const driverLog = () =>
    ['driver-stdout.txt', 'driver-stderr.txt'].map((f) => fs.readFileSync(path.join(tmp, f), 'utf8')).join('\n') +
    (fs.existsSync(path.join(work, 'trace.txt')) ? `\ntrace:\n${fs.readFileSync(path.join(work, 'trace.txt'), 'utf8')}` : '');

  // While both sidecars hold the model, look at them from Linux; then let the driver finish.
  const bothLoaded = path.join(work, 'both-loaded.json');
  await waitUntil(() => fs.existsSync(bothLoaded) || driver.exitCode !== null, 12 * MINUTE);
  const sidecars = fs.existsSync(bothLoaded) ? wineProcesses(prefix, /\\dist\\sidecar\.js$/) : [];
  fs.writeFileSync(path.join(work, 'scanned'), '');
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 3 * MINUTE)))]);
  clearTimeout(timer);
  assert.equal(code, 0, `the driver under Wine ended with ${code}:\n${driverLog()}`);
  lap('wine');
  const result = JSON.parse(fs.readFileSync(path.join(work, 'result.json'), 'utf8')) as DriverResult;
  assert.ok(result.ok, `the driver under Wine failed: ${result.error}\n${driverLog()}`);

  const linux = await linuxTranscripts();
  lap('linux');
  return { extension, cacheDir, winExtension: win(extension), winCacheDir: win(cacheDir), winZipformer: win(zipformerDir), result, sidecars, linux: linux.moonshine, linuxZipformer: linux.zipformer, seconds };
}

/** A sidecar's reports, asserted present. */
function sidecar(run: Run, which: 'first' | 'second'): DriverSidecar {
  const s = run.result[which];
  assert.ok(s, `no report from the ${which} sidecar`);
  return s;
}

function logs(s: DriverSidecar): string[] {
  return s.messages.map((m) => validateSidecarMessage(m)).flatMap((v) => (v.ok && v.value.type === 'log' ? [v.value.message] : []));
}

describe('Windows x64 under Wine: the VSIX sidecar in a non-ASCII profile', () => {
  let tmp: string | undefined;
  let prefix: string | undefined;
  let run: Run;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-wine-'));
    prefix = path.join(tmp, 'prefix');
    const t0 = performance.now();
    run = await runUnderWine(tmp);
    console.log(`windows-wine: ${((performance.now() - t0) / 1000).toFixed(1)} s (${Object.entries(run.seconds).map(([k, v]) => `${k} ${v} s`).join(', ')}); driver ${run.result.seconds.toFixed(1)} s`);
  });

  after(() => {
    // Every Windows process of this run's prefix, even when something above failed.
    if (prefix && fs.existsSync(prefix)) killWine(prefix);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the sidecar is a Windows process running Windows binaries', () => {
    const { driver } = run.result;
    assert.equal(driver.platform, 'win32');
    assert.equal(driver.arch, 'x64');
    assert.match(driver.execPath, /^C:\\users\\Zoë Müller\\AppData\\Local\\Programs\\Microsoft VS Code\\Code\.exe$/);
    for (const which of ['first', 'second'] as const) {
      const s = sidecar(run, which);
      const hello = validateResult('hello', s.hello);
      assert.ok(hello.ok, `${which} hello: ${hello.ok ? '' : hello.reason}`);
      // The driver's own executable, so the same platform.
      assert.equal(hello.value.node, driver.node);
      // The sidecar found the model's files itself, joining the folder and the names with a
      // backslash: its `path` is Node's win32 one (on Linux it would join with a slash).
      const encoder = `${run.winExtension}\\models\\moonshine-tiny-en-int8\\encoder_model.onnx`;
      assert.ok(logs(s).some((l) => l.startsWith('loading moonshine model: ') && l.includes(encoder)), `${which}: found ${encoder}:\n${logs(s).join('\n')}`);
      // No /proc on Windows: the fd count is -1 and no children are found.
      const diagnostics = validateResult('diagnostics', s.diagnostics);
      assert.ok(diagnostics.ok, `${which} diagnostics: ${diagnostics.ok ? '' : diagnostics.reason}`);
      assert.equal(diagnostics.value.openFds, -1);
      assert.deepEqual(diagnostics.value.childPids, []);
    }
    // The two sidecars, from Linux: Wine processes of this prefix running the VSIX's
    // onnxruntime.dll (Windows can tell the pids, Linux the processes; nothing maps one to the
    // other, so they are found by command line and must be exactly two).
    assert.equal(run.sidecars.length, 2, `two sidecar processes under Wine: ${JSON.stringify(run.sidecars.map((p) => [p.pid, p.commandLine]))}`);
    const dll = path.join(run.extension, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'win32', 'x64', 'onnxruntime.dll');
    for (const p of run.sidecars) {
      assert.match(p.commandLine, /Code\.exe --max-semi-space-size=1 C:\\users\\Zoë Müller\\AppData\\Local\\Programs\\murmur test\\dist\\sidecar\.js$/);
      assert.ok(p.mappings.some((m) => m.path === dll), `process ${p.pid} runs ${dll}`);
    }
  });

  test('every message the Windows sidecars sent is valid, and they shut down cleanly', () => {
    for (const which of ['first', 'second'] as const) {
      const s = sidecar(run, which);
      const invalid = s.messages.map((m) => validateSidecarMessage(m)).flatMap((v, i) => (v.ok ? [] : [`${v.reason} in ${JSON.stringify(s.messages[i]).slice(0, 300)}`]));
      assert.deepEqual(invalid, [], `${which}: invalid messages`);
      assert.deepEqual(s.messages.filter((m) => (m as { type?: unknown }).type === 'error'), [], `${which}: error events`);
      assert.deepEqual(s.exit, { code: 0, signal: null }, `${which} exit; stderr: ${s.stderr}`);
    }
  });

  test('the embedded model loads through the memory-mapped ORT cache under the profile, by the VSIX addon', () => {
    const cached = fs.readdirSync(run.cacheDir).filter((f) => f.endsWith('.ort'));
    for (const re of ORT_FILES) assert.equal(cached.filter((f) => re.test(f)).length, 1, `${re} in ${run.cacheDir}: ${cached.join(', ')}`);
    for (const [which, how] of [['first', 'converted to ORT'], ['second', 'cached ORT']] as const) {
      const s = sidecar(run, which);
      const load = validateResult('loadModel', s.load);
      assert.ok(load.ok, `${which} load: ${load.ok ? '' : load.reason}`);
      assert.equal(load.value.family, 'moonshine');
      assert.equal(load.value.via, 'mmap', `${which} via; log:\n${logs(s).join('\n')}`);
      // Encoder, decoder and VAD, each from the cache and mapped.
      const loaded = logs(s).filter((l) => l.startsWith(`loaded ${run.winExtension}\\models\\`) && l.includes(`(${how}, mmap)`));
      assert.equal(loaded.length, 3, `${which}: three models ${how}, mapped:\n${logs(s).join('\n')}`);
    }
    // The converted files went into the cache under the profile, named with Windows paths.
    const first = logs(sidecar(run, 'first'));
    for (const re of ORT_FILES) {
      const name = cached.find((f) => re.test(f));
      assert.ok(first.some((l) => l.endsWith(` -> ${run.winCacheDir}\\${name}`)), `the first sidecar converted ${name}:\n${first.join('\n')}`);
    }
    // The addon that mapped them is the VSIX's own Windows build.
    const addon = path.join(run.extension, 'native', 'prebuilds', 'win32-x64', 'murmur_mmap.node');
    for (const p of run.sidecars) assert.ok(p.mappings.some((m) => m.path === addon), `process ${p.pid} loaded ${addon}`);
  });

  test('Windows transcribes exactly what Linux does', () => {
    assert.equal(run.linux.length, CLIPS.length);
    for (const [i, texts] of run.linux.entries()) assert.ok(texts.join(' ').length > 0, `Linux heard something in ${CLIPS[i].file}`);
    for (const which of ['first', 'second'] as const) {
      const s = sidecar(run, which);
      assert.deepEqual(
        s.clips.map((c) => c.finals),
        run.linux,
        `${which} sidecar's finals`,
      );
      for (const c of s.clips) assert.equal(c.reason, 'end-of-file', `${which}: ${c.clip} ended`);
      // The clip run with the users' options showed its partials on Windows too.
      CLIPS.forEach((clip, i) => {
        if (clip.options.partials !== false) assert.ok(s.clips[i].partials > 0, `${which}: partials for ${clip.file}`);
      });
    }
  });

  test("a Zipformer's sessions run directly through the VSIX's onnxruntime.dll, and transcribe exactly what Linux does", () => {
    const s = sidecar(run, 'first');
    assert.ok(s.secondModel, 'the first sidecar loaded the Zipformer');
    const load = validateResult('loadModel', s.secondModel.load);
    assert.ok(load.ok, `Zipformer load: ${load.ok ? '' : load.reason}`);
    assert.equal(load.value.family, 'zipformer');
    assert.equal(load.value.via, 'mmap');
    // Encoder, decoder and joiner, each through the addon's ortRun (the VAD through onnxruntime-node).
    const after = s.messages.slice(s.secondModel.from).map((m) => validateSidecarMessage(m)).flatMap((v) => (v.ok && v.value.type === 'log' ? [v.value.message] : []));
    const direct = after.filter((l) => l.startsWith(`loaded ${run.winZipformer}\\`) && l.endsWith(', run directly'));
    assert.equal(direct.length, 3, `three Zipformer sessions run directly:\n${after.join('\n')}`);
    assert.ok(!after.some((l) => l.startsWith('direct onnxruntime runs unavailable')), after.join('\n'));
    assert.ok(run.linuxZipformer.join(' ').length > 0, 'Linux heard something');
    assert.equal(s.secondModel.reason, 'end-of-file');
    assert.deepEqual(s.secondModel.finals, run.linuxZipformer);
  });

  test('the second sidecar maps the same ORT files as the first, and their pages are shared', () => {
    assert.equal(run.sidecars.length, 2);
    // The embedded model's files (the Zipformer's were converted after the look at /proc).
    for (const name of fs.readdirSync(run.cacheDir).filter((f) => ORT_FILES.some((re) => re.test(f)))) {
      const file = path.join(run.cacheDir, name);
      const { ino } = fs.statSync(file);
      for (const p of run.sidecars) {
        const maps = p.mappings.filter((m) => m.path === file);
        assert.ok(maps.length > 0, `process ${p.pid} maps ${file}`);
        for (const m of maps) {
          // Read-only and shared (MAP_SHARED, what MapViewOfFile of a file mapping is under Wine), of this very file.
          assert.equal(m.perms, 'r--s', `${file} in ${p.pid}`);
          assert.equal(m.inode, ino, `${file} in ${p.pid} is the cache's file`);
        }
        // Pages of the file resident in this process are also mapped by the other one: one copy
        // of the weights for both. (The VAD is small and touched in a few pages only.)
        if (!name.startsWith('silero_vad.')) {
          const rss = maps.reduce((n, m) => n + m.rssKb, 0);
          const shared = maps.reduce((n, m) => n + m.sharedCleanKb, 0);
          assert.ok(rss > 0 && shared >= rss / 2, `${name} in ${p.pid}: ${shared} kB of ${rss} kB resident are shared`);
        }
      }
    }
  });
});

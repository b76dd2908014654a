/**
 * Helpers for dictation tests inside the real extension host.
 *
 * The microphone is real: the sidecar runs `arecord` (src/sidecar/recorder.ts) on an ALSA device
 * whose capture data is read from a file (ALSA's `file` plugin with `infile`, slave `null`). The
 * sidecar inherits this process's environment when it is spawned, so ALSA_CONFIG_PATH is set here
 * once to a fixed config file, and each test rewrites that file (and the audio) before it starts
 * dictation: arecord reads the config afresh every time it starts.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { sharedDir } from '../../src/engine/paths';
import type { MurmurApi } from '../../src/extension/main';

export const EXTENSION_ID = 'murmur-dev.murmur';
export const DEVICE = 'murmurtest';
// Each test file is its own bundle with its own copy of this module, but the sidecar is spawned
// once and keeps the ALSA_CONFIG_PATH it inherited: every copy must write the same config file.
const CONF = (process.env.MURMUR_IT_ALSA_CONF ??= path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-it-alsa-')), 'asound.conf'));
const dir = path.dirname(CONF);

export function shared(...parts: string[]): string {
  const p = path.join(sharedDir(), ...parts);
  assert.ok(fs.existsSync(p), `missing shared test file ${p} (MURMUR_SHARED_DIR or ../shared beside the repository)`);
  return p;
}

export const GOFORWARD = () => shared('audio/pocketsphinx-testdata/goforward.wav');

/**
 * A phrase spoken by a speech synthesiser into a WAV, for words no recording in ../shared says
 * ("camel case user name"). Flite's "rms" voice: of the Debian synthesisers (espeak-ng, flite's
 * voices) it is the one Moonshine tiny transcribes reliably; the phrases the tests use were
 * checked to come back word for word.
 */
export function synthesize(phrase: string): string {
  const file = path.join(dir, `tts-${phrase.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.wav`);
  const r = spawnSync('flite', ['-voice', 'rms', '-t', phrase, '-o', file], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0 && fs.existsSync(file), `flite could not synthesise "${phrase}" (apt-get install flite): ${r.error?.message ?? r.stderr}`);
  return file;
}
export const AMIABLE = () => shared('audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0930.wav');

/** Makes the test microphone "say" these clips, separated by `gapSec` of silence. */
export function speak(clips: string[], gapSec = 1.5): void {
  const parts = clips.map((c) => toMono16k(readWav(c)));
  const gap = Math.round(gapSec * 16000);
  const total = parts.reduce((n, p) => n + p.length, 0) + gap * (parts.length - 1);
  const pcm = Buffer.alloc(total * 2);
  let at = 0;
  for (const [i, p] of parts.entries()) {
    if (i > 0) at += gap;
    for (let k = 0; k < p.length; k++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(p[k] * 32768))), (at + k) * 2);
    at += p.length;
  }
  const raw = path.join(dir, `capture-${Date.now()}.s16le`);
  fs.writeFileSync(raw, pcm);
  fs.writeFileSync(
    CONF,
    ['</usr/share/alsa/alsa.conf>', `pcm.${DEVICE} {`, '  type file', '  slave.pcm "null"', '  file "/dev/null"', `  infile ${JSON.stringify(raw)}`, '  format "raw"', '}', ''].join('\n'),
  );
  process.env.ALSA_CONFIG_PATH = CONF;
}

export async function activate(): Promise<MurmurApi> {
  const ext = vscode.extensions.getExtension<MurmurApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not installed`);
  return ext.activate();
}

/**
 * Sets a Murmur setting as the user does (User settings; in a remote window VS Code writes a
 * machine-scoped one to the remote's settings) and checks that the window now reads that value: a
 * value written where the window does not look would leave the test running on another one.
 */
export async function setting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('murmur').update(key, value, vscode.ConfigurationTarget.Global);
  const config = vscode.workspace.getConfiguration('murmur');
  const effective = config.get(key);
  const expected = value === undefined ? config.inspect(key)?.defaultValue : value;
  assert.deepEqual(effective, expected, `murmur.${key} was set to ${JSON.stringify(value)} but the window reads ${JSON.stringify(effective)} (${JSON.stringify(config.inspect(key))})`);
}

/** Resolves after `n` more finals have been committed (or rejects after `timeoutMs`). */
export function commits(api: MurmurApi, n: number, timeoutMs = 60_000): Promise<string[]> {
  const texts: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out waiting for ${n} committed phrase(s); got ${JSON.stringify(texts)}; last error ${JSON.stringify(api.murmur.stats.lastError)}`));
    }, timeoutMs);
    const sub = api.murmur.onDidCommit((c) => {
      texts.push(c.text);
      if (texts.length >= n) {
        clearTimeout(timer);
        sub.dispose();
        resolve(texts);
      }
    });
  });
}

export async function newEditor(content = ''): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content });
  return vscode.window.showTextDocument(doc);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Live child processes of `pid` whose command is `name`. */
export function children(pid: number, name: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const comm = /^Name:\s+(\S+)/m.exec(status)?.[1];
      const state = /^State:\s+(\S)/m.exec(status)?.[1];
      if (ppid === pid && comm === name && state !== 'Z') out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

/**
 * Makes `terminal` the dictation target (no editor open, the terminal focused), speaks the
 * go-forward clip and dictates it: the phrase as committed, and where it went.
 */
export async function dictateIntoTerminal(api: MurmurApi, terminal: vscode.Terminal): Promise<{ where: string; text: string }> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  terminal.show(false);
  await until('the terminal to be the active one', () => vscode.window.activeTerminal === terminal && vscode.window.activeTextEditor === undefined);
  speak([GOFORWARD()]);
  const landed = new Promise<{ where: string; text: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`no phrase committed within 60 s; last error ${JSON.stringify(api.murmur.stats.lastError)}`));
    }, 60_000);
    const sub = api.murmur.onDidCommit((c) => {
      clearTimeout(timer);
      sub.dispose();
      resolve(c);
    });
  });
  await vscode.commands.executeCommand('murmur.startDictation');
  const c = await landed;
  await vscode.commands.executeCommand('murmur.stopDictation');
  return c;
}

/**
 * Every model family dictates in the real editor (issue 17): a synthetic model of each family
 * (bench/synthetic, sherpa-onnx's export contract, random weights) is set as murmur.model.path, the
 * test microphone says a shared clip, and the words typed into the editor are the words
 * `murmur transcribe` (the CLI: same VAD, same recognizer, fed from the file) prints for the same
 * clip and model. Random weights make no English, so the comparison is word for word after the
 * editor's formatting (capitals, spacing, punctuation) is taken off both sides.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SYNTHETIC_FAMILIES } from '../../bench/synthetic/families';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import type { MurmurApi } from '../../src/extension/main';
import { writeWav } from '../helpers/samples';
import { activate, commits, DEVICE, EXTENSION_ID, GOFORWARD, newEditor, setting, speak } from './helpers';

const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}' ]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/** What the CLI prints for the clip: its finals, one per line. */
function cliFinals(extensionPath: string, clip: string, model: string): string {
  const r = spawnSync(process.execPath, [path.join(extensionPath, 'bin', 'murmur.js'), 'transcribe', clip, '--model', model], {
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `murmur transcribe failed: ${r.stderr}`);
  return r.stdout;
}

describe('every model family dictates in the editor (synthetic models)', function () {
  this.timeout(240_000);
  let api: MurmurApi;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-it-families-'));

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
  });
  after(async () => {
    await setting('model.path', '');
    fs.rmSync(root, { recursive: true, force: true });
  });

  for (const family of SYNTHETIC_FAMILIES) {
    it(`${family.name}: the words typed are the words murmur transcribe prints`, async () => {
      const dir = path.join(root, family.name);
      family.write(dir, 3);
      const extensionPath = vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath;
      assert.ok(extensionPath);
      // The clip then 2.5 s of silence, for the CLI and the test microphone alike, so that the
      // clip's phrase ends at an endpoint, not where the file or the Stop command happens to cut.
      const clip = path.join(root, `${family.name}.wav`);
      const samples = toMono16k(readWav(GOFORWARD()));
      const padded = new Float32Array(samples.length + 40_000);
      padded.set(samples);
      writeWav(clip, padded);
      // The first final of each: it ends at an endpoint for the CLI and the editor alike. What
      // follows the clip can differ: random weights keep emitting tokens in silence, so a streaming
      // model's last phrase ends where its input ends (the file's end; the Stop command live).
      const first = cliFinals(extensionPath, clip, dir).split('\n').find((line) => line.trim()) ?? '';
      const expected = words(first);
      assert.ok(expected.length >= 3, `the CLI printed too few words to compare: ${JSON.stringify(first)}`);

      await setting('model.path', dir);
      speak([clip]);
      const editor = await newEditor();
      const done = commits(api, 1, 180_000);
      await vscode.commands.executeCommand('murmur.startDictation');
      const [committed] = await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.equal(api.murmur.stats.modelFamily, family.name, 'the sidecar loaded the family detected from the folder');
      assert.deepEqual(words(committed), expected, 'the first phrase committed is the CLI\'s first final');
      assert.deepEqual(words(editor.document.getText()).slice(0, expected.length), expected, 'and it is what the editor shows');
    });
  }
});

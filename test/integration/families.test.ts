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
import type { MurmurApi } from '../../src/extension/main';
import { activate, commits, EXTENSION_ID, GOFORWARD, newEditor, setting, speak } from './helpers';

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
      const expected = words(cliFinals(extensionPath, GOFORWARD(), dir));
      assert.ok(expected.length >= 3, `the CLI printed too few words to compare: ${JSON.stringify(expected)}`);

      await setting('model.path', dir);
      speak([GOFORWARD()]);
      const editor = await newEditor();
      const done = commits(api, 1, 180_000);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.equal(api.murmur.stats.modelFamily, family.name, 'the sidecar loaded the family detected from the folder');
      assert.deepEqual(words(editor.document.getText()), expected);
    });
  }
});

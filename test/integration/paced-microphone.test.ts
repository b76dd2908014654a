/// <reference types="mocha" />
/**
 * The test microphone can be paced like a real one (test/vscode/lib/paced-arecord.ts), and is when
 * asked: a phrase cannot be typed before it has been said. Every latency figure of
 * `npm run bench:vscode` rests on this; when the pacing arecord was not on the extension host's
 * PATH, a 16.7 s clip's final arrived after 11.2 s and nothing noticed.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import type { MurmurApi } from '../../src/extension/main';
import { activate, commits, DEVICE, GOFORWARD, newEditor, setting, speak } from './helpers';

/** Seconds from the clip's start to the end of its last sound (trailing silence is not speech). */
function speechEnd(file: string): number {
  const pcm = toMono16k(readWav(file));
  let last = 0;
  for (let i = 0; i < pcm.length; i++) if (Math.abs(pcm[i]) > 0.02) last = i;
  return last / 16000;
}

function setPacing(on: boolean): void {
  const file = process.env.MURMUR_MIC_PACING_FILE;
  assert.ok(file, 'MURMUR_MIC_PACING_FILE is not set: the harness (test/vscode/run.ts) did not install the pacing arecord');
  if (on) fs.writeFileSync(file, 'realtime');
  else fs.rmSync(file, { force: true });
}

describe('paced test microphone', function () {
  this.timeout(120_000);
  let api: MurmurApi;

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
  });

  afterEach(async () => {
    setPacing(false);
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a clip\'s phrase is not typed before the clip has been said', async () => {
    const clip = GOFORWARD();
    const said = speechEnd(clip);
    assert.ok(said > 1.5, `the clip's speech ends at ${said} s: too short to tell paced from unpaced`);
    setPacing(true);
    speak([clip]);
    const editor = await newEditor();
    const done = commits(api, 1);
    const started = Date.now();
    await vscode.commands.executeCommand('murmur.startDictation');
    await done;
    const elapsed = (Date.now() - started) / 1000;
    await vscode.commands.executeCommand('murmur.stopDictation');
    console.log(`      speech ends at ${said.toFixed(2)} s of the clip; its phrase was typed ${elapsed.toFixed(2)} s after Start Dictation`);
    assert.match(editor.document.getText(), /forward/i);
    assert.ok(elapsed >= said, `the phrase was typed ${elapsed.toFixed(2)} s after Start Dictation, before its speech ended (${said.toFixed(2)} s): the microphone is not paced`);
  });
});

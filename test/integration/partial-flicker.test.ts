/// <reference types="mocha" />
/**
 * The grey partial in a real VS Code does not flicker: over a 16.7 s sentence, words already shown
 * are hardly ever changed or removed, and no partial ends in a full stop that the next one drops.
 * Before partials were stabilised (src/engine/partial-stability.ts) the same clip changed 53 shown
 * words, a trailing "." appearing and vanishing among them.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { sequenceChanges } from '../../src/engine/partial-stability';
import type { MurmurApi } from '../../src/extension/main';
import { activate, commits, DEVICE, newEditor, setting, shared, speak } from './helpers';

/** Shown words changed or removed over the whole sentence: a loose bound (the stable text changed 2 here). */
const MAX_CHANGED = 8;

describe('partial text in a real VS Code: stable, no flicker', function () {
  this.timeout(180_000);
  let api: MurmurApi;

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
  });

  afterEach(async () => {
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a long sentence: shown words are not rewritten, no partial ends in . ? !', async () => {
    speak([shared('audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav')]);
    const editor = await newEditor();
    // The partials of the first phrase, as sent to the editor, then its final.
    const texts: string[] = [];
    let ended = false;
    const sub = api.murmur.onDidRenderPartial((p) => {
      if (ended || p.editor.document !== editor.document) return;
      if (p.text === '') ended = texts.length > 0;
      else texts.push(p.text);
    });
    try {
      const done = commits(api, 1, 120_000);
      await vscode.commands.executeCommand('murmur.startDictation');
      const [final] = await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.ok(texts.length >= 5, `too few partials to judge: ${JSON.stringify(texts)}`);
      const marked = texts.filter((t) => /[.?!]$/.test(t.trim()));
      assert.deepEqual(marked, [], 'partials ending in a sentence mark the next one drops');
      const { changed, punctuationFlips } = sequenceChanges([...texts, final]);
      console.log(`      ${texts.length} partials; ${changed} shown words changed or removed (final included), ${punctuationFlips} full-stop flips`);
      assert.ok(changed <= MAX_CHANGED, `${changed} shown words were rewritten: ${JSON.stringify(texts)}`);
      assert.equal(punctuationFlips, 0);
    } finally {
      sub.dispose();
    }
  });
});

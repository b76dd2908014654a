/// <reference types="mocha" />
/**
 * Dictation end to end in a real VS Code: real extension host, real sidecar, real model (the
 * embedded Moonshine), real arecord reading a recording through ALSA.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { FocusTracker } from '../../src/extension/focus-target';
import { PhraseInserter } from '../../src/extension/inserter';
import { WorkbenchInputs } from '../../src/extension/workbench-input';
import type { MurmurApi } from '../../src/extension/main';
import { activate, AMIABLE, children, commits, DEVICE, GOFORWARD, newEditor, setting, shared, sleep, speak, until } from './helpers';

const GO = 'Go forward ten meters.';
const HE = 'He might even have been made amiable himself.';

describe('dictation in a real VS Code', function () {
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

  it('"Start Dictation" puts the clip\'s transcript into the editor', async () => {
    speak([GOFORWARD()]);
    const editor = await newEditor();
    const done = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    assert.equal(api.murmur.dictating, true);
    await done;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(editor.document.getText(), GO);
    assert.equal(api.murmur.dictating, false);
  });

  it('one undo removes exactly one phrase; phrases are spaced and capitalised', async () => {
    speak([GOFORWARD(), AMIABLE()]);
    const editor = await newEditor();
    const done = commits(api, 2);
    await vscode.commands.executeCommand('murmur.startDictation');
    await done;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(editor.document.getText(), `${GO} ${HE}`);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), GO);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), '');
  });

  it('inserts at every cursor (multi-cursor), fitted to each position', async () => {
    speak([GOFORWARD()]);
    const editor = await newEditor('first: \nsecond: ');
    editor.selections = [new vscode.Selection(0, 7, 0, 7), new vscode.Selection(1, 8, 1, 8)];
    const done = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    await done;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(editor.document.getText(), 'first: go forward ten meters.\nsecond: go forward ten meters.');
  });

  it('a key typed while a phrase is on its way: the phrase still lands in the editor, once', async () => {
    const editor = await newEditor('Hello');
    editor.selection = new vscode.Selection(0, 5, 0, 5);
    const inputs = new WorkbenchInputs(() => undefined);
    const inserter = new PhraseInserter(() => api.murmur.config().format, new FocusTracker(), inputs, () => undefined);
    try {
      await vscode.env.clipboard.writeText('clipboard before');
      // The key reaches the workbench first. The phrase's edit was composed against the document
      // before the key, so the workbench refuses it; it must be composed again, not given up.
      const typed = editor.edit((b) => b.insert(new vscode.Position(0, 5), '!'));
      const r = await inserter.commit('Go forward ten meters.');
      assert.equal(await typed, true);
      assert.equal(r.where, 'editor', `inserted, not sent elsewhere: ${JSON.stringify(r)}`);
      assert.equal(editor.document.getText(), `Hello!${r.text}`);
      assert.match(r.text, /^ Go forward ten meters\.$/);
      assert.equal(await vscode.env.clipboard.readText(), 'clipboard before', 'the clipboard is left alone');
    } finally {
      inserter.dispose();
      inputs.dispose();
    }
  });

  it('shows the partial text in place at every cursor while speaking, then the final replaces it', async () => {
    // A 6.6 s sentence: long enough for the sidecar to send partials before the final.
    speak([shared('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')]);
    const editor = await newEditor('first: \nsecond: ');
    editor.selections = [new vscode.Selection(0, 7, 0, 7), new vscode.Selection(1, 8, 1, 8)];
    const shown: { text: string; at: string[] }[] = [];
    const sub = api.murmur.onDidRenderPartial((p) => {
      if (p.editor.document === editor.document) shown.push({ text: p.text, at: p.at.map((x) => `${x.line}:${x.character}`) });
    });
    try {
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      const [final] = await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      // Until the first phrase lands, the cursors are where they were put.
      const firstClear = shown.findIndex((p) => p.text === '');
      const partials = shown.slice(0, firstClear < 0 ? shown.length : firstClear);
      assert.ok(partials.length > 0, `no partial text was shown before the final: ${JSON.stringify(shown)}`);
      for (const p of partials) assert.deepEqual(p.at, ['0:7', '1:8'], `partial "${p.text}" not shown at both cursors`);
      // Each update changed something: the workbench is not sent what it already shows.
      for (let i = 1; i < shown.length; i++) assert.notDeepEqual(shown[i], shown[i - 1], `update ${i} repeats the one before`);
      // The final replaced it: nothing partial is left, and the phrase is in the text at both cursors.
      assert.deepEqual(shown.at(-1), { text: '', at: [] });
      // (A pause in the sentence may end a phrase early: the rest is a second phrase.)
      const [one, two] = editor.document.getText().split('\n');
      assert.ok(one.startsWith('first: ') && two.startsWith('second: '), editor.document.getText());
      assert.equal(one.slice('first: '.length), two.slice('second: '.length), 'the two cursors got different text');
      assert.ok(one.includes(final) && /lamps/i.test(one), `unexpected text ${JSON.stringify(one)} (first phrase ${JSON.stringify(final)})`);
    } finally {
      sub.dispose();
    }
  });

  it('the partial shows what will be typed: after a line of code it starts in lower case, as the final does', async () => {
    // Not the start of a sentence (the line before ends in ";"), so the phrase is typed in lower
    // case; the grey preview used to show the model's capital ("After") and the final "after".
    speak([shared('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')]);
    const editor = await newEditor('const x = 1;\n');
    editor.selection = new vscode.Selection(1, 0, 1, 0);
    const shown: string[] = [];
    const sub = api.murmur.onDidRenderPartial((p) => {
      if (p.editor.document === editor.document && p.shown.length) shown.push(p.shown[0]);
    });
    try {
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      const typed = editor.document.lineAt(1).text;
      assert.match(typed, /^after /, `the final as typed: ${JSON.stringify(typed)}`);
      assert.ok(shown.length > 0, 'no partial text was shown');
      // (A long partial shows its newest words after an ellipsis: only whole ones start the phrase.)
      const capitalised = shown.filter((t) => !t.startsWith('…') && !/^\p{Ll}/u.test(t));
      assert.deepEqual(capitalised, [], `partials not shown as they would be typed (typed: ${JSON.stringify(typed)})`);
    } finally {
      sub.dispose();
    }
  });

  it('push-to-talk: holding the key (auto-repeat) dictates, releasing commits the phrase', async () => {
    speak([GOFORWARD()]);
    await setting('pushToTalk.releaseDelayMs', 400);
    const editor = await newEditor();
    const done = commits(api, 1);
    // The first press, then the keyboard's auto-repeat every 33 ms while the key is held.
    await vscode.commands.executeCommand('murmur.pushToTalk');
    const heldUntil = Date.now() + 4000;
    while (Date.now() < heldUntil) {
      await sleep(33);
      await vscode.commands.executeCommand('murmur.pushToTalk');
      assert.equal(api.murmur.dictating, true, 'dictation stopped while the key was held');
    }
    // Released: after the release delay dictation stops and the phrase is committed.
    await until('dictation to stop after the key is released', () => !api.murmur.dictating, 20_000);
    await done;
    assert.equal(editor.document.getText(), GO);
    assert.equal(api.murmur.pushToTalk.state, 'off');
  });

  it('push-to-talk: a tap toggles dictation on, the next tap off', async () => {
    speak([GOFORWARD()]);
    const editor = await newEditor();
    const done = commits(api, 1);
    await vscode.commands.executeCommand('murmur.pushToTalk');
    await until('the tap to be recognised', () => api.murmur.pushToTalk.state === 'toggle', 5000);
    await done;
    assert.equal(api.murmur.dictating, true, 'a tap keeps dictating until the next tap');
    await vscode.commands.executeCommand('murmur.pushToTalk');
    await until('dictation to stop', () => !api.murmur.dictating, 20_000);
    assert.equal(editor.document.getText(), GO);
  });

  it('push-to-talk pressed while the last dictation is still stopping: the next dictation starts once it has stopped', async () => {
    speak([GOFORWARD()]);
    const editor = await newEditor();
    const first = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    await first;
    // Stop, and press the key before the stop is over (it waits for the sidecar's last phrase).
    const stopped = vscode.commands.executeCommand('murmur.stopDictation');
    await vscode.commands.executeCommand('murmur.pushToTalk');
    assert.equal(api.murmur.pushToTalk.state, 'queued', 'the press was taken while the stop ran');
    await stopped;
    const second = commits(api, 1);
    await until('the queued dictation to start', () => api.murmur.dictating && api.murmur.pushToTalk.state !== 'queued', 10_000);
    await second;
    // The queued press was a tap: the next tap stops.
    await until('the tap to be recognised', () => api.murmur.pushToTalk.state === 'toggle', 5000);
    await vscode.commands.executeCommand('murmur.pushToTalk');
    await until('dictation to stop', () => !api.murmur.dictating, 20_000);
    assert.equal(editor.document.getText(), `${GO} ${GO}`);
  });

  it('Cancel Dictation (Escape) keeps committed text', async () => {
    speak([GOFORWARD(), AMIABLE()], 1.5);
    const editor = await newEditor();
    const first = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    await first;
    await vscode.commands.executeCommand('murmur.cancelDictation');
    assert.equal(api.murmur.dictating, false);
    const text = editor.document.getText();
    assert.ok(text.startsWith(GO), `committed text kept: ${JSON.stringify(text)}`);
  });

  it('killing the sidecar mid-dictation loses no committed text and duplicates none; dictation works again', async () => {
    // The test microphone delivers audio faster than real time, so whether the second phrase's
    // final reaches the extension before the kill is a race. What must hold either way: the
    // document is exactly the phrases whose final arrived, each once.
    speak([GOFORWARD(), AMIABLE()], 3);
    const editor = await newEditor();
    const committed: string[] = [];
    const sub = api.murmur.onDidCommit((c) => committed.push(c.text));
    const restartsBefore = api.murmur.stats.restarts;
    let killed: number | undefined;
    const first = new Promise<void>((resolve) => {
      const s2 = api.murmur.onDidCommit(() => {
        s2.dispose();
        killed = api.murmur.sidecarPid;
        if (killed) process.kill(killed, 'SIGKILL'); // mid-dictation, right after a commit
        resolve();
      });
    });
    await vscode.commands.executeCommand('murmur.startDictation');
    await first;
    assert.ok(killed, 'sidecar pid');
    await until('the crash to be noticed', () => !api.murmur.dictating && api.murmur.stats.restarts > restartsBefore, 20_000);
    sub.dispose();
    assert.ok(committed.length >= 1);
    assert.equal(editor.document.getText(), committed.join(''), 'every committed phrase is in the document, once');
    assert.ok(editor.document.getText().startsWith(GO));
    await until('the sidecar to be restarted', () => api.murmur.sidecarPid !== undefined && api.murmur.sidecarPid !== killed, 30_000);
    // The user asks again: dictation resumes at the cursor.
    const before = editor.document.getText();
    speak([AMIABLE()]);
    const again = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    await again;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(editor.document.getText(), `${before} ${HE}`);
  });

  it('a read-only editor is refused with a message', async () => {
    const provider = vscode.workspace.registerTextDocumentContentProvider('murmur-ro', { provideTextDocumentContent: () => 'read only' });
    try {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse('murmur-ro:/fixed.txt'));
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('murmur.startDictation');
      assert.equal(api.murmur.dictating, false);
      assert.equal(api.murmur.stats.lastError?.code, 'READ_ONLY');
      assert.equal(doc.getText(), 'read only');
    } finally {
      provider.dispose();
    }
  });

  it('with no editor open, a focused terminal receives the text', async () => {
    speak([GOFORWARD()]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const terminal = vscode.window.createTerminal('murmur-test');
    terminal.show(false);
    try {
      await until('the terminal to be active', () => vscode.window.activeTerminal === terminal, 10_000);
      assert.equal(vscode.window.activeTextEditor, undefined);
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.deepEqual(api.murmur.stats.lastInsert, { where: 'terminal', text: GO });
    } finally {
      terminal.dispose();
    }
  });

  it('changing the model setting reloads the model in the running sidecar (no window reload)', async () => {
    speak([GOFORWARD()]);
    const pid = api.murmur.sidecarPid;
    await setting('model.path', shared('models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01'));
    try {
      const editor = await newEditor();
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      // The streaming Zipformer writes bare upper-case words: sentence-cased, no period.
      assert.equal(editor.document.getText(), 'Go forward ten meters');
      if (pid !== undefined) assert.equal(api.murmur.sidecarPid, pid, 'same sidecar process');
    } finally {
      await setting('model.path', '');
    }
  });

  it('an engine unused for murmur.engine.stopWhenIdleMinutes stops (never under a dictation); the next dictation starts it again', async () => {
    await api.murmur.ensureReady(false);
    const first = api.murmur.sidecarPid;
    assert.ok(first !== undefined, 'a sidecar runs');
    const restartsBefore = api.murmur.stats.restarts;
    // The default wait (15 min) is running; the test ends it instead of waiting for it.
    await until('the idle wait to start', () => api.murmur.idleStopWaiting, 10_000);
    speak([GOFORWARD()]);
    const editor = await newEditor();
    const done = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    api.murmur.idleWaitOver(); // busy: a dictation is running
    await done;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(editor.document.getText(), GO);
    assert.equal(api.murmur.sidecarPid, first, 'not stopped under the dictation');

    await until('the idle wait to start after the dictation', () => api.murmur.idleStopWaiting, 10_000);
    api.murmur.idleWaitOver();
    await until('the idle sidecar to stop', () => api.murmur.sidecarPid === undefined, 15_000);
    await until('its process to exit', () => !fs.existsSync(`/proc/${first}`), 15_000);
    assert.equal(api.murmur.statusBar.state, 'idle', 'an idle stop is not an error');
    assert.match(api.murmur.statusBar.tooltip, /stopped after 15 min without use/);
    assert.equal(api.murmur.stats.restarts, restartsBefore, 'not taken for a crash');

    speak([GOFORWARD()]);
    const again = await newEditor();
    const next = commits(api, 1);
    await vscode.commands.executeCommand('murmur.startDictation');
    await next;
    await vscode.commands.executeCommand('murmur.stopDictation');
    assert.equal(again.document.getText(), GO);
    assert.ok(api.murmur.sidecarPid !== undefined && api.murmur.sidecarPid !== first, 'a new sidecar');
  });

  it('a model path edited to a bad one: the status bar shows the error (not idle), its tooltip reads well, the log says why', async () => {
    await api.murmur.ensureReady(false);
    api.murmur.stats.lastError = undefined;
    const bad = '/nonexistent/murmur-settings-edit';
    await setting('model.path', bad);
    try {
      await until('the model error', () => api.murmur.stats.lastError?.code === 'MODEL_NOT_FOUND', 30_000);
      // The reload's last step runs right after the error is reported.
      await sleep(1000);
      const { state, tooltip } = api.murmur.statusBar;
      assert.equal(state, 'error', `the status bar says ${state} after a failed load: ${tooltip}`);
      assert.match(tooltip, /murmur-settings-edit does not exist/);
      assert.ok(!/\.\./.test(tooltip), `the tooltip has a doubled full stop: ${tooltip}`);
      // The tooltip sends the user to the log: the failure is there.
      const logFiles = (): string[] => {
        const root = path.dirname(api.logUri.fsPath);
        return (fs.readdirSync(root, { recursive: true }) as string[]).filter((f) => path.basename(f) === 'Murmur.log').map((f) => path.join(root, f));
      };
      await until('the failure in the Murmur log', () => logFiles().some((f) => fs.readFileSync(f, 'utf8').includes(`${bad} does not exist`)), 10_000);
    } finally {
      await setting('model.path', '');
    }
  });

  it('a bad model path shows the error; nothing records or types behind it', async () => {
    // The model loaded before stays in the engine when the new path fails its check. A dictation
    // must not start on it behind the user's back: its recorder would run on and its phrases land
    // later, in whatever editor is active then.
    await api.murmur.ensureReady(false);
    speak([GOFORWARD()]);
    const editor = await newEditor();
    const committed: string[] = [];
    const sub = api.murmur.onDidCommit((c) => committed.push(c.text));
    api.murmur.stats.lastError = undefined;
    await setting('model.path', '/nonexistent/murmur-model');
    try {
      await vscode.commands.executeCommand('murmur.startDictation');
      const lastError = () => api.murmur.stats.lastError;
      await until('the model error', () => lastError()?.code === 'MODEL_NOT_FOUND', 30_000);
      assert.match(lastError()?.message ?? '', /\/nonexistent\/murmur-model does not exist/);
      // The load's failure and the dictation's start race (the sidecar takes a dictation while a
      // load runs); whichever lands first, the dictation ends.
      await until('dictation to end', () => !api.murmur.dictating, 5000);
      // Longer than the clip takes to be heard, endpointed and decoded.
      await sleep(4000);
      assert.deepEqual(committed, [], 'no phrase was committed');
      assert.equal(editor.document.getText(), '');
      const pid = api.murmur.sidecarPid;
      assert.ok(pid, 'the sidecar is still up');
      assert.deepEqual(children(pid, 'arecord'), [], 'no recorder left running in the sidecar');
    } finally {
      sub.dispose();
      await setting('model.path', '');
    }
  });
});

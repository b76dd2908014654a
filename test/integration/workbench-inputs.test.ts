/// <reference types="mocha" />
/**
 * Dictation goes where the keyboard is (issue 16): the Chat input, Quick Chat, inline chat, the
 * commit message, a notebook cell; where text cannot be typed (the Find widget, Quick Open) the
 * phrase goes to the clipboard. Real VS Code, real speech through the test microphone. Each test
 * focuses the place with VS Code's own command and starts dictation with the arguments the
 * place's keybinding passes (package.json; the UI test presses the real key in the Chat input).
 *
 * In every case the file behind stays as it was, and nothing is sent: a Chat input keeps its
 * text (sending clears it), the repository has no commit.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MurmurApi } from '../../src/extension/main';
import { activate, commits, DEVICE, GOFORWARD, newEditor, setting, shared, sleep, speak, synthesize, until } from './helpers';

const SAID = /^Go forward,? ten meters\.$/;

const chatInputs = () => vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'chatSessionInput');

describe('dictating into the workbench inputs', function () {
  this.timeout(240_000);
  let api: MurmurApi;
  let behind: vscode.TextEditor;

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
    // Chat exists only with the AI features on (the harness turns them off for the other tests).
    await vscode.workspace.getConfiguration('chat').update('disableAIFeatures', false, vscode.ConfigurationTarget.Global);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('chat').update('disableAIFeatures', undefined, vscode.ConfigurationTarget.Global);
  });

  beforeEach(async () => {
    behind = await newEditor('the file behind\n');
    behind.selection = new vscode.Selection(1, 0, 1, 0);
  });

  afterEach(async () => {
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(behind.document.getText(), 'the file behind\n', 'the file behind the input is unchanged');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor').then(undefined, () => undefined);
  });

  /** Speaks the clips, starts dictation as `target`'s keybinding does, waits for `n` phrases, stops. */
  async function dictate(target: string, clips: string[], n = clips.length, gapSec = 1.5): Promise<{ where: string; text: string }[]> {
    speak(clips, gapSec);
    const landed: { where: string; text: string }[] = [];
    const sub = api.murmur.onDidCommit((c) => landed.push({ where: c.where, text: c.text }));
    try {
      const done = commits(api, n, 90_000);
      await vscode.commands.executeCommand('murmur.startDictation', { target });
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
    } finally {
      sub.dispose();
    }
    return landed;
  }

  async function openChat(): Promise<vscode.TextDocument> {
    await vscode.commands.executeCommand('workbench.action.chat.open');
    await until('the Chat input document', () => chatInputs().length > 0);
    await vscode.commands.executeCommand('workbench.action.chat.focusInput');
    await sleep(300);
    // The panel's input is the first one opened; make it empty.
    const input = chatInputs()[0];
    if (input.getText() !== '') {
      await vscode.commands.executeCommand('editor.action.selectAll');
      await vscode.commands.executeCommand('deleteLeft');
    }
    return input;
  }

  it('the Chat input: the phrase is typed there, one Undo removes it, the file behind is untouched', async () => {
    const input = await openChat();
    const [c] = await dictate('chat', [GOFORWARD()]);
    assert.equal(c.where, 'chat', JSON.stringify(c));
    assert.match(input.getText(), SAID);
    await sleep(3000);
    assert.match(input.getText(), SAID, 'still there after a pause: not sent');
    await vscode.commands.executeCommand('undo');
    await until('one Undo to remove the phrase', () => input.getText() === '', 5000);
  });

  it('the Chat input: the words in progress show in the status bar while speaking, and clear when the phrase lands', async () => {
    const input = await openChat();
    const samples = new Set<string>();
    let tooltip = '';
    const poll = setInterval(() => {
      const shown = api.murmur.statusBar;
      if (shown.state === 'listening' && /[a-z]{3}/i.test(shown.text.replace(/\$\([a-z-~]+\)/g, ''))) {
        samples.add(shown.text);
        tooltip = shown.tooltip;
      }
    }, 40);
    try {
      // A 6.6 s sentence: partials arrive long before its final.
      await dictate('chat', [shared('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')]);
    } finally {
      clearInterval(poll);
    }
    assert.ok(samples.size >= 2, `the status bar showed the words as they came: ${JSON.stringify([...samples])}`);
    assert.match(tooltip, /typing into the Chat input/);
    assert.notEqual(input.getText(), '');
    assert.equal(api.murmur.statusBar.state, 'idle');
    assert.equal(api.murmur.statusBar.text, '$(mic)', 'the words are gone from the status bar');
  });

  it('the Chat input: a long pause and "new line" only type; "send it" is the one thing that sends', async () => {
    const input = await openChat();
    const landed = await dictate('chat', [GOFORWARD(), synthesize('new line'), GOFORWARD()], 3, 4);
    assert.deepEqual(landed.map((l) => l.where), ['chat', 'chat', 'chat'], JSON.stringify(landed));
    const text = input.getText();
    assert.equal(text.split('\n').length, 2, `one line break, nothing sent: ${JSON.stringify(text)}`);
    assert.equal((text.match(/forward,? ten meters/gi) ?? []).length, 2, JSON.stringify(text));
    await sleep(3000);
    assert.equal(input.getText(), text, 'nothing sent after the pause');

    await dictate('chat', [synthesize('send it')], 1);
    assert.deepEqual(api.murmur.stats.lastCommand, { command: 'send', result: 'sent the Chat message' });
    await until('the message to be sent (its input cleared)', () => input.getText() === '', 10_000);
  });

  it('"send it" outside a Chat input is typed, never sent', async () => {
    const editor = await newEditor('');
    const [c] = await dictate('editor', [synthesize('send it')]);
    assert.equal(c.where, 'editor');
    assert.match(editor.document.getText(), /^send it\.?$/i);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('Quick Chat and inline chat take the phrase the same way', async () => {
    await vscode.commands.executeCommand('workbench.action.quickchat.toggle');
    await sleep(800);
    const before = new Set(chatInputs().map((d) => d.uri.toString()));
    const [quick] = await dictate('chat', [GOFORWARD()]);
    assert.equal(quick.where, 'chat');
    const quickDoc = chatInputs().find((d) => SAID.test(d.getText()));
    assert.ok(quickDoc, `a chat input holds the phrase: ${JSON.stringify(chatInputs().map((d) => d.getText()))}`);
    await vscode.commands.executeCommand('workbench.action.quickchat.close').then(undefined, () => vscode.commands.executeCommand('workbench.action.closeQuickOpen'));

    await vscode.window.showTextDocument(behind.document);
    // Its promise resolves only when the widget closes: not awaited.
    void vscode.commands.executeCommand('inlineChat.start');
    await until('the inline chat input', () => chatInputs().some((d) => !before.has(d.uri.toString()) && d !== quickDoc), 10_000);
    const inline = chatInputs().find((d) => !before.has(d.uri.toString()) && d !== quickDoc);
    assert.ok(inline);
    const start = inline.getText();
    const [c] = await dictate('chat', [GOFORWARD()]);
    assert.equal(c.where, 'chat');
    assert.match(inline.getText().slice(start.length).trim(), /forward,? ten meters\.$/i);
    await vscode.commands.executeCommand('inlineChat.close').then(undefined, () => undefined);
  });

  it('the commit message: typed into the Source Control input, nothing committed', async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-scm-'));
    const git = (...args: string[]) => spawnSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
    assert.equal(git('init', '-q').status, 0, 'git init');
    fs.writeFileSync(path.join(repo, 'a.txt'), 'a\n');
    const gitExt = vscode.extensions.getExtension<{ getAPI(v: 1): { openRepository(uri: vscode.Uri): Promise<{ inputBox: { value: string } } | null> } }>('vscode.git');
    assert.ok(gitExt, 'the built-in Git extension');
    const gitApi = (await gitExt.activate()).getAPI(1);
    const repository = await gitApi.openRepository(vscode.Uri.file(repo));
    assert.ok(repository, 'Git opened the repository');
    repository.inputBox.value = '';
    // The first open of the view may leave focus on its way; focusing it again lands in the message box.
    await vscode.commands.executeCommand('workbench.view.scm');
    await sleep(1500);
    await vscode.commands.executeCommand('workbench.scm.focus');
    await sleep(300);
    const [c] = await dictate('scm', [GOFORWARD()]);
    assert.equal(c.where, 'scm', JSON.stringify(c));
    assert.match(repository.inputBox.value, SAID);
    assert.notEqual(git('rev-parse', 'HEAD').status, 0, 'nothing was committed');
    repository.inputBox.value = '';
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('a notebook cell in edit mode: one insertion, one Undo', async () => {
    const nb = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '', 'markdown')]));
    await vscode.window.showNotebookDocument(nb);
    await vscode.commands.executeCommand('notebook.cell.edit');
    await until('the cell to be the active text editor', () => vscode.window.activeTextEditor?.document.uri.scheme === 'vscode-notebook-cell');
    const cell = nb.cellAt(0).document;
    const [c] = await dictate('editor', [GOFORWARD()]);
    assert.equal(c.where, 'editor');
    assert.match(cell.getText(), SAID);
    await vscode.commands.executeCommand('undo');
    await until('one Undo to remove the phrase', () => cell.getText() === '', 5000);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('a selected notebook cell (not in edit mode): the phrase goes into that cell', async () => {
    const nb = await vscode.workspace.openNotebookDocument('jupyter-notebook', new vscode.NotebookData([new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, 'Notes:', 'markdown')]));
    await vscode.window.showNotebookDocument(nb);
    await vscode.commands.executeCommand('notebook.cell.edit');
    await vscode.commands.executeCommand('notebook.cell.quitEdit');
    await sleep(300);
    const cell = nb.cellAt(0).document;
    const [c] = await dictate('notebook', [GOFORWARD()]);
    assert.equal(c.where, 'editor', JSON.stringify(c));
    assert.match(cell.getText(), /^Notes: go forward,? ten meters\.$/);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('the terminal lets the push-to-talk key through to VS Code (commandsToSkipShell)', () => {
    const skip = vscode.workspace.getConfiguration('terminal.integrated').get<string[]>('commandsToSkipShell') ?? [];
    assert.ok(skip.includes('murmur.pushToTalk'), JSON.stringify(skip));
  });

  it('Push to Talk into Chat opens the Chat input and dictates there; pressed again, stops', async () => {
    const input = await openChat();
    await vscode.window.showTextDocument(behind.document);
    speak([GOFORWARD()]);
    const done = commits(api, 1, 90_000);
    await vscode.commands.executeCommand('murmur.pushToTalkIntoChat');
    await done;
    assert.match(input.getText(), SAID);
    await sleep(api.murmur.config().releaseDelayMs + 200);
    await vscode.commands.executeCommand('murmur.pushToTalkIntoChat');
    await until('dictation to stop', () => !api.murmur.dictating, 10_000);
  });

  for (const [target, open, name] of [
    ['find', 'actions.find', 'the Find widget'],
    ['quickOpen', 'workbench.action.quickOpen', 'Quick Open'],
  ] as const) {
    it(`${name}: nothing is typed anywhere; the phrase goes to the clipboard`, async () => {
      await vscode.env.clipboard.writeText('before');
      await vscode.commands.executeCommand(open);
      await sleep(500);
      const [c] = await dictate(target, [GOFORWARD()]);
      assert.equal(c.where, 'clipboard', JSON.stringify(c));
      assert.match(await vscode.env.clipboard.readText(), /forward,? ten meters/i);
      await vscode.commands.executeCommand('closeFindWidget').then(undefined, () => undefined);
    });
  }

  it('the keyboard left the Chat input for the Find widget: the paste that lands in the file is taken back, the phrase goes to the clipboard', async () => {
    await openChat();
    await vscode.window.showTextDocument(behind.document);
    await vscode.commands.executeCommand('actions.find');
    await sleep(500);
    await vscode.env.clipboard.writeText('before');
    // The last place heard was the Chat input (as when the user clicks into the Find widget mid-dictation).
    api.murmur.focus.choose('chat');
    const [c] = await dictate('chat', [GOFORWARD()]);
    assert.equal(c.where, 'clipboard', JSON.stringify(c));
    assert.match(await vscode.env.clipboard.readText(), /forward,? ten meters/i);
    await vscode.commands.executeCommand('closeFindWidget');
  });
});

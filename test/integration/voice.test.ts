/// <reference types="mocha" />
/**
 * Spoken punctuation, formatters and voice commands end to end: phrases synthesised to audio, heard
 * through the real test microphone, recognised by the real sidecar and model, interpreted and typed
 * (or obeyed) in a real editor.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MurmurApi } from '../../src/extension/main';
import { activate, AMIABLE, commits, DEVICE, GOFORWARD, newEditor, setting, speak, synthesize } from './helpers';

describe('dictating code and prose in a real VS Code', function () {
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

  async function dictate(clips: string[], phrases: number): Promise<string[]> {
    speak(clips);
    const done = commits(api, phrases, 120_000);
    await vscode.commands.executeCommand('murmur.startDictation');
    const texts = await done;
    await vscode.commands.executeCommand('murmur.stopDictation');
    return texts;
  }

  it('spoken punctuation, a number, a new line and a camel-cased identifier', async () => {
    const editor = await newEditor();
    const typed = await dictate([synthesize('the total is number forty two period'), synthesize('new line'), synthesize('camel case user name')], 3);
    assert.equal(editor.document.getText(), 'The total is 42.\nuserName', `typed: ${JSON.stringify(typed)}`);
  });

  it('"scratch that" removes the last dictated phrase, "cap that" capitalises the one before; commands are never typed', async () => {
    const editor = await newEditor();
    await dictate([GOFORWARD(), AMIABLE(), synthesize('scratch that'), synthesize('cap that')], 4);
    assert.equal(editor.document.getText(), 'Go Forward Ten Meters.');
    assert.deepEqual(api.murmur.stats.lastCommand?.command, 'cap');
    // One undo takes back the capitalisation, the next the scratch: each command is one edit.
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), 'Go forward ten meters.');
  });

  it('"Murmur: Show Voice Commands" lists what can be said, including the user\'s own forms', async () => {
    await vscode.commands.executeCommand('murmur.showVoiceCommands');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'murmur-help', path: '/Murmur Voice Commands.md' }));
    for (const said of ['"scratch that"', '"camel case"', '"new paragraph"', '"literal"'.replace(/"/g, '')]) assert.ok(doc.getText().includes(said), said);
  });

  it('"scratch that" leaves the user\'s own typing alone', async () => {
    const editor = await newEditor();
    await dictate([GOFORWARD()], 1);
    // The user edits the dictated phrase; "scratch that" must not delete their text.
    await editor.edit((b) => b.insert(new vscode.Position(0, 2), ' quickly'));
    const before = editor.document.getText();
    await dictate([synthesize('scratch that')], 1);
    assert.equal(editor.document.getText(), before);
    assert.match(api.murmur.stats.lastCommand?.result ?? '', /edited since/);
  });
});

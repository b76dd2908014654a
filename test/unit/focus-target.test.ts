/**
 * Where dictated text goes (focus-target.ts) and the one way dictation sends anything: "send it"
 * spoken in a Chat input with the user's setting on. Everything else said, a long pause and
 * "new line" included, only types.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FOCUS_KINDS, FocusTracker, isElsewhere, isInput, targetFromArgs } from '../../src/extension/focus-target';
import { USER_ONLY } from '../../src/extension/user-only-settings';
import { defaultInterpretOptions, interpretPhrase } from '../../src/text/interpret';
import { config, final, harness, listening, settle } from './dictation-fakes';

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
  contributes: {
    keybindings: { command: string; key?: string; when?: string; args?: unknown }[];
    configuration: { properties: Record<string, { scope?: string; default?: unknown }> } | { properties: Record<string, { scope?: string; default?: unknown }> }[];
    configurationDefaults?: Record<string, unknown>;
  };
};

describe('where the keyboard is', () => {
  test('a keybinding names a known place or nothing: other values (a user keybindings.json) are ignored', () => {
    assert.equal(targetFromArgs({ target: 'chat' }), 'chat');
    assert.equal(targetFromArgs({ target: 'terminal' }), 'terminal');
    for (const bad of [undefined, null, 'chat', {}, { target: 'Chat' }, { target: 'file:///etc/passwd' }, { target: 3 }, { target: ['chat'] }]) assert.equal(targetFromArgs(bad), undefined, JSON.stringify(bad));
  });

  test('the key says where; then the user typing or clicking elsewhere moves it', () => {
    const f = new FocusTracker();
    assert.equal(f.current, undefined, 'nothing known: the active editor, as always');
    f.hear({ kind: 'key', target: 'chat' });
    assert.equal(f.current, 'chat');
    assert.ok(isInput(f.current));
    f.hear({ kind: 'editor' });
    assert.equal(f.current, 'editor');
    f.hear({ kind: 'input', input: 'scm' });
    assert.equal(f.current, 'scm');
    f.hear({ kind: 'key', target: 'find' });
    assert.ok(isElsewhere(f.current), 'the Find widget: the clipboard');
    f.hear({ kind: 'key', target: undefined });
    assert.equal(f.current, undefined);
    f.choose('chat');
    assert.equal(f.current, 'chat');
  });

  test('package.json: push-to-talk is bound once per place, each binding names a place the extension knows, the general rule first', () => {
    const ptt = manifest.contributes.keybindings.filter((b) => b.command === 'murmur.pushToTalk');
    const places = ptt.map((b) => targetFromArgs(b.args));
    assert.ok(places.every((p) => p !== undefined), `every binding passes a known target: ${JSON.stringify(ptt.map((b) => b.args))}`);
    assert.equal(new Set(places).size, places.length, 'one binding per place');
    for (const p of ['editor', 'terminal', 'chat', 'scm', 'find', 'quickOpen', 'search'] as const) assert.ok(places.includes(p), `no binding for ${p}`);
    assert.ok(places.every((p) => (FOCUS_KINDS as readonly string[]).includes(p as string)));
    // VS Code lets the entry listed later win: the catch-all editor rule must come first.
    assert.equal(places[0], 'editor');
    const when = (p: string) => ptt.find((b) => targetFromArgs(b.args) === p)?.when ?? '';
    assert.match(when('chat'), /\binChatInput\b/);
    assert.match(when('scm'), /editorLangId == scminput/);
    assert.match(when('find'), /\bfindInputFocussed\b/);
    assert.match(when('terminal'), /\bterminalFocus\b/);
    const skip = manifest.contributes.configurationDefaults?.['terminal.integrated.commandsToSkipShell'];
    assert.ok(Array.isArray(skip) && skip.includes('murmur.pushToTalk'), 'the terminal lets the push-to-talk key through to VS Code');
  });

  test('murmur.voice.sendCommand is the user\'s alone: application scope and read from user settings only', () => {
    const sections = Array.isArray(manifest.contributes.configuration) ? manifest.contributes.configuration : [manifest.contributes.configuration];
    const prop = sections.map((s) => s.properties['murmur.voice.sendCommand']).find(Boolean);
    assert.ok(prop, 'the setting is declared');
    assert.equal(prop.scope, 'application');
    assert.ok(USER_ONLY.includes('voice.sendCommand'));
  });
});

describe('nothing is sent unless the user says "send it" in a Chat input', () => {
  test('"send it" and "submit" are words unless sending is allowed there', () => {
    for (const said of ['send it', 'Send it.', 'submit', 'Submit!']) {
      assert.equal(interpretPhrase(said, defaultInterpretOptions).kind, 'text', said);
      assert.deepEqual(interpretPhrase(said, { ...defaultInterpretOptions, sendCommand: true }), { kind: 'command', command: 'send' }, said);
      assert.equal(interpretPhrase(said, { ...defaultInterpretOptions, voiceCommands: false, sendCommand: true }).kind, 'text', `${said} with voice commands off`);
    }
    for (const said of ['please send it now', 'send it to Bob', 'submit the form', 'new line', 'sent', 'send']) {
      assert.equal(interpretPhrase(said, { ...defaultInterpretOptions, sendCommand: true }).kind, 'text', said);
    }
  });

  async function dictate(h: ReturnType<typeof harness>, phrases: string[]): Promise<void> {
    await listening(h, 3);
    phrases.forEach((p, i) => h.controller.handle(final(3, i + 1, p)));
    await settle();
  }

  test('in a Chat input: "send it" sends; every other phrase only types', async () => {
    const h = harness();
    h.focus.inChat = true;
    await dictate(h, ['fix the failing test', 'new line', 'scratch that', 'send it']);
    assert.deepEqual(h.commands, ['scratch', 'send']);
    assert.equal(h.doc.text, 'fix the failing test new line');
  });

  test('outside Chat, or with the setting off, "send it" is typed and nothing is sent', async () => {
    const inEditor = harness();
    await dictate(inEditor, ['send it']);
    assert.deepEqual(inEditor.commands, []);
    assert.equal(inEditor.doc.text, 'send it');

    const off = harness({ config: { ...config, voice: { ...config.voice, sendCommand: false } } });
    off.focus.inChat = true;
    await dictate(off, ['submit']);
    assert.deepEqual(off.commands, []);
    assert.equal(off.doc.text, 'submit');
  });
});

/// <reference types="mocha" />
/**
 * Dictation into a terminal types, never runs (security issue 12, finding 3). The user's own
 * mapping file maps a word of the clip to "\ntouch <marker>\n": before the fix, dictating "Go
 * forward ten meters." into a shell ran `touch`. Real VS Code, real speech through the test
 * microphone, the mapping set at user level.
 * - A pseudoterminal receives exactly what Murmur sends: no control character at all.
 * - A real bash gets the same dictation and runs nothing; the test then shows that this shell does
 *   run a line that ends in Enter, so the marker's absence means something.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MurmurApi } from '../../src/extension/main';
import { activate, DEVICE, dictateIntoTerminal, setting, sleep, until } from './helpers';

/** C0, DEL, C1 and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- what this test looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

describe('dictating into a terminal with a mapping that holds line breaks', function () {
  this.timeout(180_000);
  let api: MurmurApi;
  let dir: string;
  let marker: string;
  const terminals: vscode.Terminal[] = [];

  before(async () => {
    api = await activate();
    await setting('microphone.device', DEVICE);
    await setting('model.path', '');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-terminal-'));
    marker = path.join(dir, 'command-ran');
    const mapping = path.join(dir, 'spoken-forms.json');
    fs.writeFileSync(mapping, JSON.stringify({ forward: `\ntouch ${marker}\n` }));
    await setting('voice.mappingFile', mapping);
    assert.deepEqual(api.murmur.config().voice.extra, [{ say: 'forward', text: `\ntouch ${marker}\n` }], api.murmur.config().voiceMappingError);
  });

  afterEach(async () => {
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
  });

  after(async () => {
    for (const t of terminals) t.dispose();
    await setting('voice.mappingFile', undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const dictateInto = (terminal: vscode.Terminal) => dictateIntoTerminal(api, terminal);

  it('a pseudoterminal receives the words, with no line break or other control character', async () => {
    const received: string[] = [];
    const output = new vscode.EventEmitter<string>();
    const terminal = vscode.window.createTerminal({
      name: 'murmur capture',
      pty: { onDidWrite: output.event, open: () => output.fire('$ '), close: () => undefined, handleInput: (data: string) => received.push(data) },
    });
    terminals.push(terminal);
    const c = await dictateInto(terminal);
    assert.equal(c.where, 'terminal');
    await until('the text to reach the terminal', () => received.join('').length > 0, 10_000);
    const typed = received.join('');
    assert.ok(!CONTROL.test(typed), `control character sent to the terminal: ${JSON.stringify(typed)}`);
    // The mapping's text is typed in place of the word, its line breaks as spaces.
    assert.equal(typed.trim().replace(/ +/g, ' '), `Go touch ${marker} ten meters.`);
  });

  it('a real shell gets the same dictation and runs nothing', async () => {
    const terminal = vscode.window.createTerminal({ name: 'murmur bash', shellPath: '/bin/bash', shellArgs: ['--norc', '--noprofile'], cwd: dir, env: { HISTFILE: '/dev/null' } });
    terminals.push(terminal);
    assert.ok(await terminal.processId);
    const c = await dictateInto(terminal);
    assert.equal(c.where, 'terminal');
    assert.ok(c.text.includes(`touch ${marker}`), JSON.stringify(c.text));
    // Time for a command to run if one had been submitted.
    await sleep(2000);
    assert.equal(fs.existsSync(marker), false, 'a dictated line was run by the shell');
    // The control: this shell runs what ends in Enter (the dictated line is first cleared with ^U).
    const control = path.join(dir, 'control-ran');
    terminal.sendText(`\u0015touch ${control}`, true);
    await until('the shell to run a submitted line', () => fs.existsSync(control), 15_000);
    assert.equal(fs.existsSync(marker), false);
  });
});

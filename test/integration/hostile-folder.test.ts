/// <reference types="mocha" />
/**
 * A repository's settings cannot take Murmur over (security issue 12, findings 3, 4, 10), in a real
 * VS Code with real speech through the test microphone. The folder (test/vscode/lib/
 * hostile-workspace.ts) sets a bogus model, a model file through /proc/self/cwd, a microphone
 * "device" that runs `touch`, a mapping file that types `touch` into the terminal, the engine to
 * start on open, and an export directory. Murmur must dictate with the user's settings: the text
 * typed is what was said, no marker file ever exists, and the engine starts only on the command.
 *
 * The harness opens this folder twice, in windows of their own: trusted (workspace trust disabled,
 * as for a repository the user trusts: `machine` scope is what protects) and untrusted (trust
 * enabled and never granted: restrictedConfigurations protect as well, and Murmur must still run
 * in Restricted Mode). In the harness's ordinary workspace this suite does not exist.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { readExportSettings } from '../../src/extension/export/settings';
import type { MurmurApi } from '../../src/extension/main';
import { HIJACKED_WORD, HOSTILE_SUITE, readHostileWorkspace } from '../vscode/lib/hostile-workspace';
import { activate, commits, DEVICE, dictateIntoTerminal, GOFORWARD, newEditor, setting, sleep, speak, until } from './helpers';

const GO = 'Go forward ten meters.';
const hostile = readHostileWorkspace(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);

/** Sidecars (dist/sidecar.js) this extension host has started, alive or not yet reaped. */
function sidecarChildren(): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (ppid === process.pid && fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('sidecar.js')) out.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

if (hostile) {
  describe(`${HOSTILE_SUITE} (${hostile.trusted ? 'trusted' : 'untrusted'}): its settings are ignored, the user's are used`, function () {
    this.timeout(180_000);
    let api: MurmurApi;
    const terminals: vscode.Terminal[] = [];

    before(async () => {
      api = await activate();
    });

    afterEach(async () => {
      if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    after(async () => {
      for (const t of terminals) t.dispose();
      await setting('microphone.device', undefined);
    });

    it('the window is trusted or not as the harness opened it', () => {
      // Otherwise the untrusted run would quietly test the trusted case.
      assert.equal(vscode.workspace.isTrusted, hostile.trusted);
    });

    it('the engine did not start when the folder opened (murmur.startEngineOnStartup: true there)', async () => {
      // Activation ran at start-up; a warm-up would have spawned the sidecar at once.
      await sleep(2000);
      assert.equal(api.murmur.sidecarPid, undefined);
      assert.equal(api.murmur.modelLoading, false);
      assert.deepEqual(sidecarChildren(), []);
      assert.equal(api.murmur.config().startEngineOnStartup, false);
    });

    it('none of the folder\'s values reaches Murmur\'s configuration', () => {
      const c = vscode.workspace.getConfiguration('murmur');
      // The window did read the folder's settings: a harmless window-scoped one is in effect.
      assert.equal(c.inspect(hostile.control.key.replace(/^murmur\./, ''))?.workspaceValue, hostile.control.value, 'VS Code did not read the folder\'s .vscode/settings.json: nothing below would be tested');
      for (const key of Object.keys(hostile.settings)) {
        const info = c.inspect(key.replace(/^murmur\./, ''));
        assert.notEqual(c.get(key.replace(/^murmur\./, '')), hostile.settings[key], `${key}: VS Code applied the folder's value (workspaceValue ${JSON.stringify(info?.workspaceValue)})`);
      }
      const cfg = api.murmur.config();
      assert.equal(cfg.usesDefaultModel, true, JSON.stringify(cfg.model));
      assert.equal(cfg.model.tokens, undefined);
      assert.notEqual(cfg.device, hostile.settings['murmur.microphone.device']);
      assert.deepEqual(cfg.voice.extra, []);
      assert.equal(cfg.voiceMappingError, undefined);
      assert.equal(readExportSettings().outputDirectory, '');
    });

    it('dictation uses the user\'s microphone and model: what is typed is what was said, and no marker exists', async () => {
      await setting('microphone.device', DEVICE);
      assert.equal(api.murmur.sidecarPid, undefined, 'nothing started the engine before the command');
      speak([GOFORWARD()]);
      const editor = await newEditor();
      const done = commits(api, 1);
      await vscode.commands.executeCommand('murmur.startDictation');
      await done;
      await vscode.commands.executeCommand('murmur.stopDictation');
      assert.equal(editor.document.getText(), GO);
      assert.equal(api.murmur.stats.lastError, undefined, JSON.stringify(api.murmur.stats.lastError));
      assert.equal(fs.existsSync(hostile.markers.device), false, 'the folder\'s microphone "device" ran a command');
    });

    /** Dictates the clip into `terminal` with the test microphone (the folder's device ignored). */
    async function dictateInto(terminal: vscode.Terminal): Promise<{ where: string; text: string }> {
      await setting('microphone.device', DEVICE);
      return dictateIntoTerminal(api, terminal);
    }

    // Terminals only when trusted: in Restricted Mode VS Code asks the user before it opens any
    // terminal, even an extension's pseudoterminal (and the smoke-test driver refuses that dialog),
    // so nothing reaches a terminal there without the user's consent.
    if (hostile.trusted) {
      it(`into a terminal: "${HIJACKED_WORD}" is typed as said, exactly, with no control character`, async () => {
        const received: string[] = [];
        const output = new vscode.EventEmitter<string>();
        const terminal = vscode.window.createTerminal({
          name: 'hostile folder capture',
          pty: { onDidWrite: output.event, open: () => output.fire('$ '), close: () => undefined, handleInput: (data: string) => received.push(data) },
        });
        terminals.push(terminal);
        const c = await dictateInto(terminal);
        assert.equal(c.where, 'terminal');
        await until('the text to reach the terminal', () => received.join('').length > 0, 10_000);
        assert.equal(received.join('').trim(), GO);
      });

      it('into a real shell: no command runs', async () => {
        const terminal = vscode.window.createTerminal({ name: 'hostile folder shell', shellPath: '/bin/bash', shellArgs: ['--norc', '--noprofile'], cwd: hostile.dir, env: { HISTFILE: '/dev/null' } });
        terminals.push(terminal);
        assert.ok(await Promise.race([terminal.processId, sleep(15_000).then(() => undefined)]), 'the shell did not start');
        const c = await dictateInto(terminal);
        assert.equal(c.where, 'terminal');
        assert.equal(c.text.trim(), GO);
        // Give a command the time it would need to run.
        await sleep(1500);
        assert.equal(fs.existsSync(hostile.markers.mapping), false, 'the folder\'s mapping file typed a command that ran');
        assert.equal(fs.existsSync(hostile.markers.device), false);
      });
    }
  });
}

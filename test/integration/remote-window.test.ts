/// <reference types="mocha" />
/**
 * code-server is a browser window on a server: Murmur cannot run in the browser, so it runs on the
 * server (extensionKind ["ui", "workspace"]: the local side first, which a browser window lacks) and
 * records the server's microphone. A microphone error there must say so, and say what to do.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { MurmurApi } from '../../src/extension/main';
import { activate, EXTENSION_ID, setting, until } from './helpers';

describe('Murmur in a browser window (code-server)', function () {
  this.timeout(120_000);
  let api: MurmurApi;

  before(async () => {
    api = await activate();
  });

  after(async () => {
    if (api.murmur.dictating) await vscode.commands.executeCommand('murmur.cancelDictation');
    await setting('microphone.device', undefined);
  });

  it('runs on the server, and a microphone error says the microphone is the server\'s', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    assert.equal(vscode.env.uiKind, vscode.UIKind.Web, 'this test expects the browser window of code-server');
    assert.ok(vscode.env.remoteName, 'a browser window of code-server is a remote one');
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
    // A name no recorder lists and the strict grammar refuses: the start fails with a microphone error.
    await setting('microphone.device', 'no such microphone');
    const before = api.murmur.stats.lastError;
    await vscode.commands.executeCommand('murmur.startDictation');
    await until('a microphone error', () => api.murmur.stats.lastError !== before && api.murmur.stats.lastError !== undefined, 60_000);
    const err = api.murmur.stats.lastError;
    assert.ok(err);
    assert.match(err.code, /^MIC_/);
    assert.match(err.shown ?? '', /In a browser window Murmur runs on the server/);
    assert.match(err.shown ?? '', /VS Code Desktop/);
  });
});

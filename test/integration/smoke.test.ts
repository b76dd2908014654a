/// <reference types="mocha" />
/**
 * First real-editor test: the extension is installed from the repository, activates in a real
 * extension host, and every command its manifest contributes is actually registered (a command in
 * package.json without a registerCommand shows in the palette and fails with "command not found").
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'murmur-dev.murmur';

interface ContributedCommand {
  command: string;
}

/** The manifest's contributes.commands, checked at runtime because packageJSON is untyped. */
function contributedCommands(packageJSON: unknown): string[] {
  const commands = (packageJSON as { contributes?: { commands?: unknown } }).contributes?.commands;
  assert.ok(Array.isArray(commands), 'package.json has no contributes.commands array');
  return commands.map((c: unknown) => {
    assert.ok(typeof c === 'object' && c !== null && typeof (c as ContributedCommand).command === 'string', `bad command entry ${JSON.stringify(c)}`);
    return (c as ContributedCommand).command;
  });
}

describe('smoke: extension in a real VS Code', () => {
  it('is installed', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed; loaded: ${vscode.extensions.all.map((e) => e.id).filter((id) => !id.startsWith('vscode.')).join(', ') || 'none'}`);
  });

  it('activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    // onStartupFinished may already have activated it; activate() is idempotent either way.
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  it('registers every command package.json contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const expected = contributedCommands(ext.packageJSON);
    assert.ok(expected.includes('murmur.startDictation'), 'murmur.startDictation missing from the manifest');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = expected.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], `contributed but not registered at activation: ${missing.join(', ')}`);
  });
});

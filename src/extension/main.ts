/**
 * Extension entry point. Activation stays cheap: it only creates the context object; the sidecar is
 * spawned on first use.
 */
import * as vscode from 'vscode';

let output: vscode.LogOutputChannel | undefined;

export function activate(context: vscode.ExtensionContext): void {
  output = vscode.window.createOutputChannel('Murmur', { log: true });
  context.subscriptions.push(output);
  output.info('Murmur activated');
}

export function deactivate(): void {
  output = undefined;
}

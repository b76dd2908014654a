/**
 * "Murmur: Show Voice Commands": a read-only Markdown preview of everything that can be said,
 * generated from the same tables the interpreter uses (src/text/spoken-forms.ts), plus the user's
 * own spoken forms.
 */
import * as vscode from 'vscode';
import { voiceCommandsMarkdown } from '../text/spoken-forms';
import type { MurmurConfig } from './config';

const SCHEME = 'murmur-help';
const URI = vscode.Uri.from({ scheme: SCHEME, path: '/Murmur Voice Commands.md' });

export function registerVoiceCommandsView(config: () => MurmurConfig): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: () => voiceCommandsMarkdown(config().voice.extra),
  };
  return vscode.Disposable.from(
    changed,
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, provider),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('murmur.voice') && changed.fire(URI)),
    vscode.commands.registerCommand('murmur.showVoiceCommands', async () => {
      await vscode.commands.executeCommand('markdown.showPreview', URI);
    }),
  );
}

export const VOICE_COMMANDS_URI = URI;

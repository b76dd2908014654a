/**
 * "Murmur: Show Voice Commands": a read-only Markdown preview that first says how to start and stop
 * dictation (the keys as package.json binds them, the status bar microphone, Escape), then lists
 * everything that can be said, generated from the same tables the interpreter uses
 * (src/text/spoken-forms.ts), plus the user's own spoken forms.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { packageRoot } from '../engine/paths';
import { VOICE_COMMANDS, voiceCommandsMarkdown } from '../text/spoken-forms';
import type { MurmurConfig } from './config';
import { startStopMarkdown, type ExtensionManifest } from './voice-commands-page';

const SCHEME = 'murmur-help';
const URI = vscode.Uri.from({ scheme: SCHEME, path: '/Murmur Voice Commands.md' });

let manifest: ExtensionManifest | undefined;

/**
 * The installed package.json, read once: the keys shown are the ones this copy of Murmur binds.
 * Unreadable (it never should be), the page still lists the status bar and the palette commands.
 */
function readManifest(): ExtensionManifest {
  if (manifest) return manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as ExtensionManifest;
  } catch {
    manifest = {};
  }
  return manifest;
}

export function voiceCommandsPage(config: MurmurConfig): string {
  const sayStop = config.voice.voiceCommands ? (VOICE_COMMANDS.find((c) => c.name === 'stop')?.say ?? []) : [];
  return `${startStopMarkdown(readManifest(), process.platform, { sayStop })}\n${voiceCommandsMarkdown(config.voice.extra)}`;
}

export function registerVoiceCommandsView(config: () => MurmurConfig): vscode.Disposable {
  const changed = new vscode.EventEmitter<vscode.Uri>();
  const provider: vscode.TextDocumentContentProvider = {
    onDidChange: changed.event,
    provideTextDocumentContent: () => voiceCommandsPage(config()),
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

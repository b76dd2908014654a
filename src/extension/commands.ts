/**
 * Commands that are not the dictation state machine itself: pick the microphone, transcribe a WAV
 * file into a new document (through the DictationController, like a dictation), restart the engine.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DictationController } from './dictation-controller';
import type { EngineHost } from './engine-host';
import type { EngineLink } from './dictation-ports';

export interface CommandContext {
  engine: EngineHost;
  dictation: DictationController;
  log: vscode.LogOutputChannel;
  device(): string;
  link(client: Awaited<ReturnType<EngineHost['ensureSidecar']>>): EngineLink;
}

export async function selectMicrophone(c: CommandContext): Promise<void> {
  const client = await c.engine.ensureSidecar();
  const { devices } = await client.request({ type: 'listDevices' });
  const current = c.device();
  const pick = await vscode.window.showQuickPick(
    devices.map((d) => ({ label: d.name, description: d.name === current ? '(current)' : '', detail: d.description })),
    { title: 'Murmur: Select Microphone', placeHolder: devices.length ? 'Recording device' : 'No recording devices found' },
  );
  if (pick) await vscode.workspace.getConfiguration('murmur').update('microphone.device', pick.label, vscode.ConfigurationTarget.Global);
}

export async function transcribeFile(c: CommandContext, uri?: vscode.Uri): Promise<void> {
  const file =
    uri ??
    (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'WAV audio': ['wav', 'wave'] }, title: 'Murmur: Transcribe Audio File' }))?.[0];
  if (!file) return;
  if (c.dictation.dictating) {
    void vscode.window.showWarningMessage('Murmur: stop dictation before transcribing a file.');
    return;
  }
  const client = await c.engine.ensureReady();
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
  const editor = await vscode.window.showTextDocument(doc);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Murmur: transcribing ${path.basename(file.fsPath)}`, cancellable: true },
    async (_progress, token) => {
      const sub = token.onCancellationRequested(() => void c.dictation.cancel());
      try {
        await c.dictation.transcribe(c.link(client), file.fsPath);
      } finally {
        sub.dispose();
      }
    },
  );
  c.log.info(`transcribed ${file.fsPath} into ${editor.document.uri.toString()}`);
}

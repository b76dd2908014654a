/**
 * Extension entry point. Activation only builds the Murmur context and registers commands (cheap);
 * the sidecar is spawned on first use, or right away when murmur.startEngineOnStartup is set.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerExportPanel } from './export/panel';
import { SidecarExportBackend } from './export/sidecar-backend';
import { targetFromArgs } from './focus-target';
import { Murmur } from './murmur';
import { registerVoiceCommandsView } from './voice-commands-view';

let murmur: Murmur | undefined;

/** What tests inside the extension host can reach (returned from activate). */
export interface MurmurApi {
  murmur: Murmur;
  /** How long activate() took, ms (the benchmark reports it). */
  activationMs: number;
  /**
   * CPU time of the extension host process meanwhile, ms (all its threads, so an upper bound on
   * ours). Far below activationMs means the thread waited for a core, not that activation worked.
   */
  activationCpuMs: number;
  /** This extension host's log folder for Murmur (context.logUri); the "Murmur" channel's file is beside it. */
  logUri: vscode.Uri;
}

export function activate(context: vscode.ExtensionContext): MurmurApi {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const m = (murmur = new Murmur(context));
  const command = (id: string, fn: (...args: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  // Keybindings pass { target }: where their `when` clause saw the keyboard (focus-target.ts).
  const key = (args: unknown) => {
    if (args !== undefined) m.keyPressed(targetFromArgs(args));
  };
  command('murmur.startDictation', (args?: unknown) => (key(args), m.start()));
  command('murmur.stopDictation', () => m.stop());
  command('murmur.toggleDictation', (args?: unknown) => (key(args), m.toggle()));
  command('murmur.cancelDictation', () => m.cancel());
  command('murmur.pushToTalk', (args?: unknown) => {
    key(args);
    m.pushToTalk.press();
  });
  command('murmur.dictateIntoChat', () => m.dictateIntoChat('toggle'));
  command('murmur.pushToTalkIntoChat', () => m.dictateIntoChat('pushToTalk'));
  command('murmur.transcribeFile', (uri?: unknown) => m.transcribeFile(uri instanceof vscode.Uri ? uri : undefined));
  command('murmur.selectMicrophone', () => m.selectMicrophone());
  command('murmur.showLog', () => m.log.show());
  command('murmur.restartSidecar', () => m.restartSidecar());
  // Downloaded models live in the extension's global storage, beside the ORT cache.
  const backend = new SidecarExportBackend(m, path.join(context.globalStorageUri.fsPath, 'models'));
  context.subscriptions.push(registerExportPanel(context, backend, m.log));
  context.subscriptions.push(registerVoiceCommandsView(() => m.config()));
  context.subscriptions.push(m);
  if (m.config().startEngineOnStartup) m.warmUp();
  const activationMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { murmur: m, activationMs, activationCpuMs: (cpu.user + cpu.system) / 1000, logUri: context.logUri };
}

export function deactivate(): void {
  murmur?.dispose();
  murmur = undefined;
}

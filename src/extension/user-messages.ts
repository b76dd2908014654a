/**
 * What the user is told when something goes wrong, and what each message offers to do: the model
 * did not load (open the settings, use the default model), the microphone failed (pick another,
 * saying where that microphone is when it is not on the user's machine), a phrase went to the
 * clipboard. Also the DictationUi that the DictationController speaks through.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SidecarRequestError } from './sidecar-client';
import type { DictationStats, DictationUi } from './dictation-ports';

/** Problems with the microphone, whose fix is picking another one. */
const MIC_ERRORS = new Set<string>(['MIC_DEVICE_ERROR', 'MIC_DEVICE_REFUSED', 'MIC_RECORDER_MISSING']);
const MODEL_ERRORS = new Set(['MODEL_NOT_FOUND', 'MODEL_FILE_MISSING', 'MODEL_NOT_ONNX', 'MODEL_TRUNCATED', 'MODEL_WRONG_FAMILY', 'MODEL_DEEPSPEECH', 'MODEL_TOKENS_MISMATCH', 'MODEL_LOAD_FAILED', 'MODEL_UNSAFE']);

function codeOf(e: unknown): string {
  return e instanceof SidecarRequestError ? e.code : 'INTERNAL';
}

export function reportModelError(e: unknown, at: { log: vscode.LogOutputChannel; stats: DictationStats; usesDefaultModel: boolean }): void {
  const err = e as Error;
  at.stats.lastError = { code: codeOf(e), message: err.message };
  // The status bar's tooltip sends the user to the log: the failure must be there, whether a
  // start or a settings edit asked for the load.
  at.log.error(`the speech model did not load: ${at.stats.lastError.code}: ${err.message}`);
  if (!(err instanceof SidecarRequestError) || !MODEL_ERRORS.has(err.code)) {
    void vscode.window.showErrorMessage(`Murmur: ${err.message}`, 'Show Log').then((a) => a && at.log.show());
    return;
  }
  const actions = at.usesDefaultModel ? ['Open Settings'] : ['Open Settings', 'Use Default Model'];
  void vscode.window.showErrorMessage(`Murmur could not load the speech model: ${err.message}`, ...actions).then(async (a) => {
    // The User tab: the model settings are `application`-scoped, listed there in every window
    // (openSettings would open whichever tab was used last, in a remote window the Remote one).
    if (a === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query: 'murmur.model' });
    if (a === 'Use Default Model') {
      // The model settings have scope application: only the user's settings can hold them, so
      // that is the only place to clear; writing to the Workspace would be refused, or create a
      // .vscode/settings.json for nothing.
      const c = vscode.workspace.getConfiguration('murmur');
      for (const k of ['model.path', 'model.encoder', 'model.decoder', 'model.joiner', 'model.tokens', 'model.family']) {
        if (c.inspect(k)?.globalValue !== undefined) await c.update(k, undefined, vscode.ConfigurationTarget.Global);
      }
    }
  });
}

export interface VscodeDictationUiDeps {
  log: vscode.LogOutputChannel;
  stats: DictationStats;
  setStatusError(message: string): void;
  /** A microphone error as the user reads it: with where that microphone is when it is not theirs. */
  microphoneError(message: string): string;
  ended(): void;
}

export function vscodeDictationUi(d: VscodeDictationUiDeps): DictationUi {
  const selectMicrophone = (a: string | undefined): void => {
    if (a === 'Select Microphone...') void vscode.commands.executeCommand('murmur.selectMicrophone');
    else if (a) d.log.show();
  };
  return {
    setDictating: (on) => Promise.resolve(vscode.commands.executeCommand('setContext', 'murmur.dictating', on)),
    readOnly: (t) => void vscode.window.showWarningMessage(`Murmur: ${path.basename(t.name)} is read-only; open an editable file to dictate.`),
    startFailed: (e) => {
      const err = e as Error;
      const code = codeOf(e);
      d.log.error(`Start Dictation failed: ${err instanceof SidecarRequestError ? `${code}: ` : ''}${err.message}`);
      if (MODEL_ERRORS.has(code) && err instanceof SidecarRequestError) return;
      const micProblem = err instanceof SidecarRequestError && MIC_ERRORS.has(code);
      const shown = micProblem ? d.microphoneError(err.message) : `Murmur: ${err.message}`;
      d.stats.lastError = { code, message: err.message, shown };
      d.setStatusError(err.message);
      void vscode.window.showErrorMessage(shown, micProblem ? 'Select Microphone...' : 'Show Log').then(selectMicrophone);
    },
    engineError: (code, message) => {
      if (!MIC_ERRORS.has(code)) {
        d.stats.lastError = { code, message };
        return;
      }
      const shown = d.microphoneError(message);
      d.stats.lastError = { code, message, shown };
      void vscode.window.showErrorMessage(shown, 'Select Microphone...').then(selectMicrophone);
    },
    toClipboard: async (text) => {
      await Promise.resolve(vscode.env.clipboard.writeText(text)).catch(() => undefined);
      void vscode.window.showWarningMessage('Murmur: the dictated text could not be inserted and was copied to the clipboard. See "Murmur: Show Log".');
    },
    mappingError: (message) => {
      d.log.warn(message);
      void vscode.window.showWarningMessage(`Murmur: ${message}`);
    },
    ended: d.ended,
  };
}

/**
 * The webview side of VS Code's webview API: acquireVsCodeApi() is a global the webview host
 * injects (callable once); its state survives the panel being hidden (no retainContextWhenHidden)
 * and VS Code restarts (the panel serializer).
 */
import type { ExportSettings, PanelState } from '../protocol/webview';

export interface VsCodeApi<S> {
  postMessage(message: unknown): void;
  getState(): S | undefined;
  setState(state: S): S;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

/** What the webview keeps across reloads: the last state (drawn at once) and the user's unsaved edits. */
export interface Persisted {
  version: 1;
  panel?: PanelState;
  /** The form as the user left it (possibly unsaved, possibly invalid). */
  draft?: ExportSettings;
  metadataOpen?: boolean;
}

let api: VsCodeApi<Persisted> | undefined;

export function vscodeApi(): VsCodeApi<Persisted> {
  api ??= acquireVsCodeApi<Persisted>();
  return api;
}

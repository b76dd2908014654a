/**
 * What the model export panel needs from the speech engine. The panel never runs onnxruntime in
 * the extension host: Murmur implements this by sending requests to the sidecar (export, measure,
 * download all run there), and panel tests may implement it directly.
 */
import type * as vscode from 'vscode';
import type { CatalogEntry, DownloadProgress, DownloadResult } from '../../engine/download/types';
import type { ComparisonRow, ExportOptions, ExportProgress, ExportResult, ModelInspection } from '../../engine/export/types';
import type { ModelLocation } from '../../engine/models/spec';

export interface ExportBackend {
  /** The model the user has configured now (settings), as the panel shows it first. */
  configuredModel(): ModelLocation;
  inspect(location: ModelLocation): Promise<ModelInspection>;
  /** Rejects with an Error carrying `code` (a MurmurErrorCode such as EXPORT_EXISTS or CANCELLED). */
  exportModel(options: ExportOptions, onProgress: (p: ExportProgress) => void, token: vscode.CancellationToken): Promise<ExportResult>;
  /** Measures each model in a fresh process on the bundled sample clip. */
  compare(models: { label: string; location: ModelLocation }[], onProgress: (p: ExportProgress) => void, token: vscode.CancellationToken): Promise<ComparisonRow[]>;
  catalog(): Promise<readonly CatalogEntry[]>;
  /** Installs into the user's models directory; resolves with where it went. */
  download(id: string, onProgress: (p: DownloadProgress) => void, token: vscode.CancellationToken): Promise<DownloadResult>;
  /** Makes this model the one in use (writes murmur.model.* settings at the given target). */
  useModel(location: ModelLocation, target: vscode.ConfigurationTarget): Promise<void>;
}

/**
 * The export panel's backend, implemented over the sidecar: every heavy step (conversion,
 * measurement, download) runs there, never in the extension host. Each long request is a numbered
 * task (numbered by its request id): its taskProgress events feed the caller's progress, and VS
 * Code's cancellation sends cancelTask for that request.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DownloadProgress } from '../../engine/download/types';
import type { ExportProgress } from '../../engine/export/types';
import type { ModelLocation } from '../../engine/models/spec';
import type { RequestBody, ResultMap, TaskProgressEvent } from '../../protocol';
import type { Murmur } from '../murmur';
import type { ExportBackend } from './backend';

/** Long enough for a large model's conversion or measurement on a slow machine. */
const TOOL_TIMEOUT_MS = 30 * 60_000;
/** A 300 MB download on a slow line; stalls are caught by the downloader itself (30 s). */
const DOWNLOAD_TIMEOUT_MS = 6 * 60 * 60_000;

type TaskType = 'exportModel' | 'compareModels' | 'downloadModel';

export class SidecarExportBackend implements ExportBackend {
  constructor(
    private readonly murmur: Murmur,
    /** Where downloaded models are installed (the extension's global storage). */
    private readonly modelsRoot: string,
  ) {}

  configuredModel(): ModelLocation {
    return this.murmur.config().model;
  }

  async inspect(location: ModelLocation): Promise<ResultMap['inspectModel']> {
    return (await this.murmur.sidecar()).request({ type: 'inspectModel', location });
  }

  exportModel(options: Parameters<ExportBackend['exportModel']>[0], onProgress: (p: ExportProgress) => void, token: vscode.CancellationToken): Promise<ResultMap['exportModel']> {
    return this.task({ type: 'exportModel', options }, (e) => onProgress({ fraction: e.fraction, message: e.message }), token, TOOL_TIMEOUT_MS);
  }

  async compare(models: { label: string; location: ModelLocation }[], onProgress: (p: ExportProgress) => void, token: vscode.CancellationToken): Promise<ResultMap['compareModels']['rows']> {
    const threads = this.murmur.config().threads;
    const result = await this.task({ type: 'compareModels', models, threads }, (e) => onProgress({ fraction: e.fraction, message: e.message }), token, TOOL_TIMEOUT_MS);
    return result.rows;
  }

  async catalog(): Promise<ResultMap['modelCatalog']['entries']> {
    return (await (await this.murmur.sidecar()).request({ type: 'modelCatalog' })).entries;
  }

  download(id: string, onProgress: (p: DownloadProgress) => void, token: vscode.CancellationToken): Promise<ResultMap['downloadModel']> {
    return this.task(
      { type: 'downloadModel', entryId: id, modelsRoot: this.modelsRoot },
      (e) => onProgress({ phase: e.phase ?? 'download', receivedBytes: e.receivedBytes ?? 0, totalBytes: e.totalBytes ?? 0, resumed: e.resumed ?? false }),
      token,
      DOWNLOAD_TIMEOUT_MS,
    );
  }

  async useModel(location: ModelLocation, target: vscode.ConfigurationTarget): Promise<void> {
    const c = vscode.workspace.getConfiguration('murmur');
    // A directory is the whole location: clear explicit files that would override it.
    await c.update('model.path', location.dir ?? (location.encoder ? path.dirname(location.encoder) : undefined), target);
    for (const key of ['encoder', 'decoder', 'joiner', 'tokens'] as const) await c.update(`model.${key}`, location[key], target);
    await c.update('model.family', location.family && location.family !== 'auto' ? location.family : undefined, target);
  }

  /** A sidecar task whose number is its request id: VS Code's cancellation cancels exactly that request. */
  private async task<K extends TaskType>(
    body: Omit<RequestBody<K>, 'task'> & { type: K },
    progress: (e: TaskProgressEvent) => void,
    token: vscode.CancellationToken,
    timeoutMs: number,
  ): Promise<ResultMap[K]> {
    const running = (await this.murmur.sidecar()).task<K>(body, progress, timeoutMs);
    const cancel = token.onCancellationRequested(() => void running.cancel().catch(() => undefined));
    try {
      return await running.result;
    } finally {
      cancel.dispose();
    }
  }
}

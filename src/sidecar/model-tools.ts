/**
 * The sidecar's model tools: inspect, export, compare and download, each run as a numbered task
 * that reports progress events and can be cancelled. Export and comparison are CPU work in (or
 * spawned by) this process, so the server refuses them while dictating; a download is I/O and
 * may run beside a dictation.
 */
import * as fs from 'node:fs';
import { MODEL_CATALOG, downloadModel } from '../engine/download';
import type { CatalogEntry } from '../engine/download/types';
import { MurmurError } from '../engine/errors';
import { compareModels } from '../engine/export/compare';
import { exportModel } from '../engine/export/exporter';
import { inspectModel } from '../engine/export/inspect';
import type { Log } from '../engine/log';
import { Invalid } from '../protocol/check';
import type { Request, ResultMap, SidecarEvent } from '../protocol/messages';
import { arrayOf, catalogEntry } from '../protocol/model-tools';

type RequestOf<K extends Request['type']> = Extract<Request, { type: K }>;

/**
 * Where the catalog comes from. MURMUR_CATALOG_FILE (a JSON array of entries) replaces the built-in
 * one: for tests against a loopback server, and for organisations that mirror models internally.
 */
function catalog(): readonly CatalogEntry[] {
  const file = process.env.MURMUR_CATALOG_FILE;
  if (!file) return MODEL_CATALOG;
  try {
    return arrayOf(JSON.parse(fs.readFileSync(file, 'utf8')) as unknown, 'catalog', catalogEntry, 256);
  } catch (e) {
    const why = e instanceof Invalid ? e.reason : (e as Error).message;
    throw new MurmurError('DOWNLOAD_FAILED', `The model catalog in MURMUR_CATALOG_FILE (${file}) is not usable: ${why}`);
  }
}

export class ModelTools {
  private readonly tasks = new Map<number, AbortController>();

  constructor(
    private readonly emit: (event: SidecarEvent) => void,
    private readonly log: Log,
  ) {}

  /** True while an export or comparison runs (dictation must wait). */
  get cpuBusy(): boolean {
    return this.cpuTasks > 0;
  }

  private cpuTasks = 0;

  inspect(request: RequestOf<'inspectModel'>): ResultMap['inspectModel'] {
    return inspectModel(request.location);
  }

  async export(request: RequestOf<'exportModel'>): Promise<ResultMap['exportModel']> {
    return this.cpu(() =>
      this.task(request.task, (signal) =>
        exportModel(request.options, { signal, log: this.log, onProgress: (p) => this.emit({ type: 'taskProgress', task: request.task, fraction: p.fraction, message: p.message }) }),
      ),
    );
  }

  async compare(request: RequestOf<'compareModels'>): Promise<ResultMap['compareModels']> {
    return this.cpu(() =>
      this.task(request.task, async (signal) => {
        const rows = await compareModels(request.models, {
          clipPath: request.clipPath,
          threads: request.threads,
          signal,
          onProgress: (p) => this.emit({ type: 'taskProgress', task: request.task, fraction: p.fraction, message: p.message }),
        });
        return { rows };
      }),
    );
  }

  modelCatalog(): ResultMap['modelCatalog'] {
    return { entries: [...catalog()] };
  }

  async download(request: RequestOf<'downloadModel'>): Promise<ResultMap['downloadModel']> {
    const entry = catalog().find((e) => e.id === request.entryId);
    if (!entry) throw new MurmurError('DOWNLOAD_FAILED', `There is no model "${request.entryId}" in Murmur's catalog.`);
    return this.task(request.task, (signal) =>
      downloadModel(entry, request.modelsRoot, {
        signal,
        log: this.log,
        onProgress: (p) => {
          const fraction = p.totalBytes > 0 ? Math.min(1, p.receivedBytes / p.totalBytes) : 0;
          this.emit({ type: 'taskProgress', task: request.task, fraction, message: `${p.phase} ${entry.title}`, phase: p.phase, receivedBytes: p.receivedBytes, totalBytes: p.totalBytes, resumed: p.resumed });
        },
      }),
    );
  }

  cancel(task: number): ResultMap['cancelTask'] {
    const controller = this.tasks.get(task);
    controller?.abort();
    return { cancelled: controller !== undefined };
  }

  /** Process exit: stop everything (downloads keep their resumable part files). */
  cancelAll(): void {
    for (const c of this.tasks.values()) c.abort();
  }

  private async task<T>(task: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.tasks.has(task)) throw new MurmurError('BUSY', `Task ${task} is already running.`);
    const controller = new AbortController();
    this.tasks.set(task, controller);
    try {
      return await run(controller.signal);
    } finally {
      this.tasks.delete(task);
    }
  }

  private async cpu<T>(run: () => Promise<T>): Promise<T> {
    this.cpuTasks++;
    try {
      return await run();
    } finally {
      this.cpuTasks--;
    }
  }
}

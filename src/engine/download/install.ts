/**
 * Download -> verify -> extract -> check -> promote, for one catalog entry.
 *
 * Layout under modelsRoot:
 *   .downloads/<id>.part (+ .part.json)  the archive while it downloads; kept for resume
 *   .staging-<id>-<random>/              the unpacked model before it is checked
 *   <id>/                                the installed model (only ever a checked, complete one)
 *
 * The installed directory is replaced by renames within modelsRoot (one filesystem), so a reader
 * sees either the old model or the new one, never a mix; and any failure before the final rename
 * leaves the old model exactly as it was. A sidecar that has the old model mapped keeps working:
 * on Linux renamed or deleted files stay valid for whoever has them open.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError, toMurmurError } from '../errors';
import { asidePath, ioError, promote, tryLock, type IoContext } from '../fs-safe';
import { silentLog, type Log } from '../log';
import { resolveModel } from '../models/detect';
import { extractArchive, checkArchiveSpec } from './extract';
import { fetchToPart, removePart } from './http';
import type { CatalogEntry, DownloadProgress, DownloadResult } from './types';
import { verifyDownload } from './verify';

export interface DownloadModelOptions {
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  log?: Log;
  /** No bytes for this long fails the download (default 30 s; tests use less). */
  stallTimeoutMs?: number;
  /** Minimum time between download progress reports (default 100 ms). */
  progressIntervalMs?: number;
}

/** Ids become directory names: keep them to plain, portable names. */
const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function downloadsDir(modelsRoot: string): string {
  return path.join(modelsRoot, '.downloads');
}

export function partFileFor(modelsRoot: string, id: string): string {
  return path.join(downloadsDir(modelsRoot), `${id}.part`);
}

/** Ids downloading in this process: a second request for the same id would share its .part file. */
const inFlight = new Set<string>();

/**
 * One download per id across processes too (two VS Code windows each run a sidecar): an exclusive
 * lock file holding the owner's pid. A lock whose process is gone is stale and taken over. No age
 * limit: a slow download holds the lock for as long as it runs without touching it. A lock with
 * our own pid is a leftover too, since `inFlight` already keeps this process to one per id.
 */
function acquireLock(lockFile: string, title: string): () => void {
  let release: (() => void) | undefined;
  try {
    release = tryLock(lockFile, { ownPid: 'stale' });
  } catch (e) {
    throw ioError(e, path.dirname(lockFile), IO);
  }
  if (!release) throw new MurmurError('BUSY', `${title} is already being downloaded by another VS Code window. Wait for it to finish.`);
  return release;
}

/** Leftovers of a run that crashed mid-install (staging, set-aside old copies) for this id. */
function removeLeftovers(modelsRoot: string, id: string): void {
  for (const name of fs.readdirSync(modelsRoot)) {
    if (name.startsWith(`.staging-${id}-`) || name.startsWith(`.old-${id}-`)) fs.rmSync(path.join(modelsRoot, name), { recursive: true, force: true });
  }
}

/** How install failures read: the models folder is Murmur's own, so the fix is to make it writable. */
const IO: IoContext = { code: 'DOWNLOAD_FAILED', what: 'the model', fix: 'Make that folder writable, then try again.' };

export async function downloadModel(entry: CatalogEntry, modelsRoot: string, opts: DownloadModelOptions = {}): Promise<DownloadResult> {
  const started = Date.now();
  const log = opts.log ?? silentLog;
  if (!ID.test(entry.id)) throw new MurmurError('ARCHIVE_INVALID', `"${entry.id}" is not a usable model id. This is a bug in Murmur's model list; please report it.`);
  checkArchiveSpec(entry);
  if (opts.signal?.aborted) throw new MurmurError('CANCELLED', `The download of ${entry.title} was cancelled.`);
  if (inFlight.has(entry.id)) throw new MurmurError('BUSY', `${entry.title} is already downloading.`);

  if (!path.isAbsolute(modelsRoot) || modelsRoot.includes('\0')) {
    throw new MurmurError('DOWNLOAD_FAILED', `The models folder must be an absolute path, not ${JSON.stringify(modelsRoot.slice(0, 200))}. This is a bug in Murmur; please report it.`);
  }
  const root = path.resolve(modelsRoot);
  try {
    fs.mkdirSync(downloadsDir(root), { recursive: true });
  } catch (e) {
    throw ioError(e, root, IO);
  }
  inFlight.add(entry.id);
  let unlock: (() => void) | undefined;
  try {
    unlock = acquireLock(`${partFileFor(root, entry.id)}.lock`, entry.title);
    removeLeftovers(root, entry.id);
    return await install(entry, root, opts, log, started);
  } finally {
    unlock?.();
    inFlight.delete(entry.id);
  }
}

async function install(entry: CatalogEntry, root: string, opts: DownloadModelOptions, log: Log, started: number): Promise<DownloadResult> {
  const part = partFileFor(root, entry.id);
  const total = entry.bytes;
  let resumed = false;
  const report = (phase: DownloadProgress['phase'], receivedBytes: number) => opts.onProgress?.({ phase, receivedBytes, totalBytes: total, resumed });

  // 1. Download (the .part survives every failure here, so trying again resumes).
  log('info', `downloading ${entry.id} from ${entry.url}`);
  const fetched = await fetchToPart({
    url: entry.url,
    partFile: part,
    expectedBytes: total,
    signal: opts.signal,
    log,
    stallTimeoutMs: opts.stallTimeoutMs,
    progressIntervalMs: opts.progressIntervalMs,
    onProgress: (received, _total, wasResumed) => {
      resumed = wasResumed;
      report('download', received);
    },
  });
  resumed = fetched.resumed;

  // 2. Verify before unpacking anything (a mismatch deletes the part: resuming it cannot help).
  report('verify', 0);
  await verifyDownload(part, { bytes: total, sha256: entry.sha256, name: entry.title }, undefined, opts.signal);
  report('verify', total);

  // 3. Unpack into a private staging directory next to the target (same filesystem for the rename).
  let staging: string;
  try {
    staging = fs.mkdtempSync(path.join(root, `.staging-${entry.id}-`));
  } catch (e) {
    throw ioError(e, root, IO);
  }
  const target = path.join(root, entry.id);
  try {
    report('extract', 0);
    await extractArchive(part, entry, staging, { signal: opts.signal, log, onBytes: (read) => report('extract', read) });

    // 4. The unpacked files must load as the family the catalog promises, or nothing is installed.
    try {
      const resolved = resolveModel({ dir: staging, family: entry.family });
      log('info', `${entry.id}: checked as ${resolved.files.family}`);
    } catch (e) {
      const err = toMurmurError(e);
      throw new MurmurError('ARCHIVE_INVALID', `The downloaded ${entry.title} is not a usable model: ${err.message} Nothing was installed; please report this.`, err.code);
    }
    if (opts.signal?.aborted) throw new MurmurError('CANCELLED', `The download of ${entry.title} was cancelled.`);

    // 5. Promote.
    report('install', 0);
    try {
      promote(staging, target, { aside: asidePath(root, `.old-${entry.id}-`), log });
    } catch (e) {
      throw ioError(e, target, IO);
    }
    report('install', total);
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    const err = toMurmurError(e);
    // The archive passed its checksum: keep it when trying again can succeed without
    // downloading it again (cancelled, or the disk filled up while unpacking).
    if (err.code !== 'CANCELLED' && err.code !== 'DISK_FULL') removePart(part);
    throw err;
  }

  removePart(part);
  const result: DownloadResult = { id: entry.id, dir: target, bytes: total, resumed, elapsedMs: Date.now() - started };
  log('info', `installed ${entry.id} in ${target} (${total} bytes${resumed ? ', resumed' : ''}, ${result.elapsedMs} ms)`);
  return result;
}

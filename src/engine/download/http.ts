/**
 * Downloads one URL into a `.part` file with Node's own http/https (no dependency, and the
 * sidecar runs on plain Node). Model archives are hundreds of MB on connections that drop, so:
 * - an interrupted download keeps its `.part` and the next call resumes it with an HTTP Range
 *   request; a sidecar `<part>.json` remembers which URL and size the bytes belong to (and the
 *   server's ETag / Last-Modified, sent back as If-Range so a changed file restarts from zero
 *   instead of being spliced onto old bytes);
 * - a connection that ends early is reported as truncated (never as success), and one that
 *   stops sending is given up after a stall timeout rather than hanging forever.
 * Integrity is not judged here: the caller checks size and sha256 of the finished file.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { MurmurError } from '../errors';
import { silentLog, type Log } from '../log';

export const MAX_REDIRECTS = 5;
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

export interface FetchToPartOptions {
  url: string;
  /** Where the bytes go; kept on failure so the next call can resume. */
  partFile: string;
  /** Size the finished file must have (from the catalog): decides whether a part is complete. */
  expectedBytes: number;
  signal?: AbortSignal;
  /** Called at most every `progressIntervalMs`, and once more when the body is complete. */
  onProgress?: (receivedBytes: number, totalBytes: number, resumed: boolean) => void;
  /** Give up when no byte arrives for this long (default 30 s). */
  stallTimeoutMs?: number;
  progressIntervalMs?: number;
  log?: Log;
}

export interface FetchToPartResult {
  /** Size of the part file now. */
  bytes: number;
  /** True when bytes from an earlier attempt were kept. */
  resumed: boolean;
}

/** What the `.part.json` sidecar holds: the part's bytes are only reusable for the same file. */
export interface PartMeta {
  url: string;
  bytes: number;
  etag?: string;
  lastModified?: string;
}

export function partMetaFile(partFile: string): string {
  return `${partFile}.json`;
}

export function removePart(partFile: string): void {
  fs.rmSync(partFile, { force: true });
  fs.rmSync(partMetaFile(partFile), { force: true });
}

function readMeta(partFile: string): PartMeta | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(partMetaFile(partFile), 'utf8')) as Partial<PartMeta>;
    return typeof m.url === 'string' && typeof m.bytes === 'number' ? (m as PartMeta) : undefined;
  } catch {
    return undefined;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

export function cancelledError(url: string): MurmurError {
  return new MurmurError('CANCELLED', `The download of ${url} was cancelled. What was already downloaded is kept; start it again to resume.`);
}

function httpError(status: number, statusMessage: string | undefined, url: string): MurmurError {
  const hint =
    status === 404 || status === 410
      ? 'The file is no longer at that address: update Murmur to get the current model list.'
      : status >= 500
        ? 'The server has a problem; try again later.'
        : 'Check your internet connection (and proxy), then try again.';
  return new MurmurError('DOWNLOAD_FAILED', `Downloading ${url} failed: the server answered HTTP ${status}${statusMessage ? ` ${statusMessage}` : ''}. ${hint}`);
}

function networkError(e: NodeJS.ErrnoException, url: string): MurmurError {
  return new MurmurError(
    'DOWNLOAD_FAILED',
    `Downloading ${url} failed: ${e.code ? `${e.code} (${e.message})` : e.message}. Check your internet connection (and proxy), then try again; a partial download resumes.`,
  );
}

function stallError(url: string, ms: number): MurmurError {
  return new MurmurError(
    'DOWNLOAD_FAILED',
    `The download of ${url} stalled: no data arrived for ${Math.round(ms / 1000)} s. What was already downloaded is kept; try again to resume.`,
  );
}

function truncatedError(url: string, received: number, expected: number): MurmurError {
  return new MurmurError(
    'DOWNLOAD_TRUNCATED',
    `The connection ended after ${received} of ${expected} bytes of ${url}. What was downloaded is kept; try again to resume.`,
  );
}

function writeError(e: NodeJS.ErrnoException, partFile: string): MurmurError {
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    return new MurmurError('DISK_FULL', `The disk is full while saving ${partFile}. Free some space and try again; the download resumes where it stopped.`, e.message);
  }
  return new MurmurError('DOWNLOAD_FAILED', `Cannot write ${partFile}: ${e.message}. Check that the folder is writable, then try again.`);
}

/** `bytes start-end/total` -> numbers; undefined when absent or malformed. */
export function parseContentRange(value: string | undefined): { start: number; total?: number } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), ...(m[3] === '*' ? {} : { total: Number(m[3]) }) };
}

/** Fires `onStall` when `touch` has not been called for `ms`. */
function stallTimer(ms: number, onStall: () => void): { touch(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onStall, ms);
  };
  touch();
  return { touch, stop: () => timer && clearTimeout(timer) };
}

interface Response {
  res: http.IncomingMessage;
  /** Ends the request (used to abandon a response we do not want). */
  destroy(): void;
}

/** One GET with redirects followed (at most MAX_REDIRECTS), stall timeout and cancellation. */
async function get(url: string, headers: Record<string, string>, o: Required<Pick<FetchToPartOptions, 'stallTimeoutMs'>> & FetchToPartOptions): Promise<Response> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const lib = current.protocol === 'https:' ? https : current.protocol === 'http:' ? http : undefined;
      if (!lib) {
        reject(new MurmurError('DOWNLOAD_FAILED', `Cannot download ${current.href}: only http and https addresses are supported.`));
        return;
      }
      const req = lib.get(current, { headers });
      const onAbort = () => req.destroy(cancelledError(url));
      const stall = stallTimer(o.stallTimeoutMs, () => req.destroy(stallError(url, o.stallTimeoutMs)));
      o.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        stall.stop();
        o.signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (r) => {
        done();
        resolve(r);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        done();
        reject(e instanceof MurmurError ? e : networkError(e, current.href));
      });
    });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status >= 300 && status < 400 && status !== 304 && location) {
      res.resume(); // drain and free the socket
      if (hop >= MAX_REDIRECTS) throw new MurmurError('DOWNLOAD_FAILED', `Downloading ${url} failed: more than ${MAX_REDIRECTS} redirects. Try again later.`);
      const next = new URL(location, current);
      if (current.protocol === 'https:' && next.protocol !== 'https:') {
        throw new MurmurError('DOWNLOAD_FAILED', `Downloading ${url} failed: the server redirected from https to an insecure address (${next.href}).`);
      }
      current = next;
      continue;
    }
    return { res, destroy: () => res.destroy() };
  }
}

/**
 * Streams the response body into the part file. Resolves with the part's size once the body is
 * complete and the file closed; rejects (with the file closed, holding every byte received) when
 * the body ends early, stalls, is cancelled, or cannot be written.
 */
function saveBody(res: http.IncomingMessage, o: FetchToPartOptions, stallMs: number, append: boolean, offset: number, total: number, resumed: boolean): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const out = fs.createWriteStream(o.partFile, { flags: append ? 'a' : 'w' });
    const interval = o.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    let received = offset;
    let lastProgress = 0;
    let failure: MurmurError | undefined;
    let ended = false;

    const stall = stallTimer(stallMs, () => fail(stallError(o.url, stallMs)));
    const onAbort = () => fail(cancelledError(o.url));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();

    // Always wait for the file to close, so a resume starts from what is really on disk.
    function fail(e: MurmurError): void {
      if (failure) return;
      failure = e;
      stall.stop();
      res.destroy();
      if (!out.destroyed) out.end();
    }
    out.on('error', (e: NodeJS.ErrnoException) => fail(writeError(e, o.partFile)));
    out.on('close', () => {
      stall.stop();
      o.signal?.removeEventListener('abort', onAbort);
      if (failure) reject(failure);
      else if (received < total) reject(truncatedError(o.url, received, total));
      else {
        o.onProgress?.(received, total, resumed);
        resolve(received);
      }
    });

    res.on('data', (chunk: Buffer) => {
      if (failure) return;
      stall.touch();
      received += chunk.length;
      if (!out.write(chunk)) {
        res.pause();
        out.once('drain', () => res.resume());
      }
      const now = Date.now();
      if (o.onProgress && now - lastProgress >= interval) {
        lastProgress = now;
        o.onProgress(received, total, resumed);
      }
    });
    res.on('end', () => {
      ended = true;
      stall.stop();
      // A close-delimited body can end "cleanly" short of the size: caught in 'close' above.
      if (!failure) out.end();
    });
    // With Content-Length or chunked encoding, Node reports an early close as an error ('aborted').
    res.on('error', () => fail(truncatedError(o.url, received, total)));
    res.on('close', () => {
      if (!ended && !res.complete) fail(truncatedError(o.url, received, total));
    });
  });
}

export async function fetchToPart(opts: FetchToPartOptions): Promise<FetchToPartResult> {
  const o = { ...opts, stallTimeoutMs: opts.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS };
  const log = o.log ?? silentLog;
  if (o.signal?.aborted) throw cancelledError(o.url);

  // A part is only resumable when the sidecar says it belongs to this URL and size.
  let meta = readMeta(o.partFile);
  let offset = fileSize(o.partFile);
  if (offset > 0 && (!meta || meta.url !== o.url || meta.bytes !== o.expectedBytes || offset > o.expectedBytes)) {
    log('info', `discarding ${o.partFile}: it does not belong to ${o.url} (${o.expectedBytes} bytes)`);
    removePart(o.partFile);
    meta = undefined;
    offset = 0;
  }
  if (offset === o.expectedBytes) {
    log('info', `${o.partFile} is already complete (${offset} bytes)`);
    o.onProgress?.(offset, o.expectedBytes, true);
    return { bytes: offset, resumed: true };
  }

  // At most two rounds: a resume, then (if the server cannot resume) a fresh start.
  for (let round = 0; round < 2; round++) {
    const headers: Record<string, string> = { 'user-agent': 'Murmur (VS Code voice dictation)', 'accept-encoding': 'identity' };
    if (offset > 0) {
      headers.range = `bytes=${offset}-`;
      const validator = meta?.etag ?? meta?.lastModified;
      if (validator) headers['if-range'] = validator;
    }
    const { res, destroy } = await get(o.url, headers, o);
    const status = res.statusCode ?? 0;
    let append = false;
    if (status === 206 && offset > 0) {
      const range = parseContentRange(res.headers['content-range']);
      if (!range || range.start !== offset || (range.total !== undefined && range.total !== o.expectedBytes)) {
        destroy();
        log('warn', `${o.url}: unusable partial response (${String(res.headers['content-range'])}); restarting from zero`);
        removePart(o.partFile);
        offset = 0;
        meta = undefined;
        continue;
      }
      append = true;
    } else if (status === 416 && offset > 0) {
      destroy();
      log('warn', `${o.url}: the server cannot resume at byte ${offset}; restarting from zero`);
      removePart(o.partFile);
      offset = 0;
      meta = undefined;
      continue;
    } else if (status === 200) {
      if (offset > 0) log('info', `${o.url}: the server sent the whole file (no resume); restarting from zero`);
      offset = 0;
    } else {
      destroy();
      throw httpError(status, res.statusMessage, o.url);
    }

    const length = res.headers['content-length'];
    if (!append && length !== undefined && Number(length) !== o.expectedBytes) {
      destroy();
      removePart(o.partFile);
      throw new MurmurError(
        'DOWNLOAD_FAILED',
        `Downloading ${o.url} failed: the server offers ${length} bytes but Murmur expects ${o.expectedBytes}. The file has changed upstream; update Murmur to get the current model list.`,
      );
    }
    const etag = typeof res.headers.etag === 'string' && !res.headers.etag.startsWith('W/') ? res.headers.etag : undefined;
    const lastModified = res.headers['last-modified'];
    const next: PartMeta = append && meta ? meta : { url: o.url, bytes: o.expectedBytes, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
    fs.writeFileSync(partMetaFile(o.partFile), JSON.stringify(next));
    if (append) log('info', `${o.url}: resuming at byte ${offset}`);
    const bytes = await saveBody(res, o, o.stallTimeoutMs, append, offset, o.expectedBytes, append);
    return { bytes, resumed: append };
  }
  throw new MurmurError('DOWNLOAD_FAILED', `Downloading ${o.url} failed: the server could not resume or restart the download. Try again later.`);
}

/**
 * Converts an ONNX model once into onnxruntime's ORT flatbuffer format and keeps it in a cache.
 *
 * ORT-format bytes can be used in place by onnxruntime (weights included), so a memory-mapped ORT
 * file is shared between processes through the page cache; a protobuf ONNX file cannot be. The
 * conversion runs the graph optimiser at level "all", which may bake in layouts for this CPU; that
 * is right for a per-machine cache, and the key includes the CPU model so a copied cache is not
 * reused elsewhere.
 *
 * Weight dequantisation is folded at conversion (session.disable_quant_qdq=1 lets constant folding
 * evaluate DequantizeLinear on initializers). Moonshine's int8 export keeps its 32768x288 token
 * embedding as int8 + DequantizeLinear, which onnxruntime otherwise re-runs on every decoder step
 * (38 MB of float32 per token, in each process's private memory); folded, the float table lives in
 * the mapped file, shared, and a step is ~20% faster. Models quantised with dynamic quantisation
 * (MatMulInteger) are unaffected. The ORT file grows (Moonshine's decoder: 39 -> 96 MB), but it is
 * file-backed page cache, shared by every window.
 *
 * Key: sha256 of the ONNX content + onnxruntime version + conversion settings + CPU. Hashing 30 MB on every load
 * would cost ~100 ms, so an index remembers the hash per path, size and mtime. Writes are atomic
 * (temp file + rename) and one process converts at a time (an exclusive lock file); a second
 * process waits for the first and then uses its result, so each ORT file is written once.
 *
 * Pruning: every load marks its ORT file as used (its mtime), and after each conversion the files
 * nobody has used for UNUSED_DAYS are removed: those of models no longer used and those an older
 * Murmur or onnxruntime converted under another key (Moonshine's are 131 MB). A process that has
 * the file mapped keeps reading it; a later load would simply convert again.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { MurmurError } from '../errors';
import type { Log } from '../log';
import { silentLog } from '../log';
import { rewriteForOnnxruntime, type RewriteOptions } from './graph-rewrite';
import { fileHead } from './metadata';
import { ProtobufError } from './protobuf';

const OPT_LEVEL = 'all';
/** Part of the cache key: change it whenever the conversion settings below change. */
const CONVERSION_TAG = 'dq-folded+dwconv2d';
/** Larger models are converted as they are (the rewrite holds the whole file in memory). */
const REWRITE_MAX_BYTES = 1 << 30;
const LOCK_STALE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
export const UNUSED_DAYS = 30;
/** A conversion's temp file older than this is left over from a crash. */
const TEMP_STALE_MS = DAY_MS;
const LOCK_WAIT_MS = 10 * 60 * 1000;

export interface OrtCacheEntry {
  ortPath: string;
  converted: boolean;
  convertMs: number;
}

interface IndexEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

function readIndex(file: string): Record<string, IndexEntry> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, IndexEntry>;
  } catch {
    return {};
  }
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function sha256File(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** Content hash of an ONNX file, remembered per (path, size, mtime). */
export function contentHash(onnxPath: string, cacheDir: string): string {
  const abs = path.resolve(onnxPath);
  const st = fs.statSync(abs);
  const indexFile = path.join(cacheDir, 'index.json');
  const index = readIndex(indexFile);
  const hit = index[abs];
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.sha256;
  const sha256 = sha256File(abs);
  index[abs] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
  try {
    writeAtomic(indexFile, JSON.stringify(index));
  } catch {
    // An unwritable index only costs a re-hash next time.
  }
  return sha256;
}

export function cacheKey(sha256: string, options: RewriteOptions = {}): string {
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  // Inputs fixed at conversion make another model: part of the key, in a stable order.
  const fixed = Object.entries(options.constantInputs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return crypto.createHash('sha256').update(`${sha256}|ort ${ort.env.versions.common}|${OPT_LEVEL}|${CONVERSION_TAG}|${process.arch}|${cpu}|${fixed}`).digest('hex').slice(0, 24);
}

/** True if the file starts like an ORT flatbuffer ("ORTM" identifier at byte 4). */
export function isOrtFile(file: string): boolean {
  return fileHead(file, 8)?.subarray(4, 8).toString('latin1') === 'ORTM';
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the conversion lock, or returns false if another live process holds it. */
function tryLock(lock: string): boolean {
  try {
    const fd = fs.openSync(lock, 'wx');
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Someone holds it: steal it only if its owner is gone or it is very old.
  try {
    const owner = Number(fs.readFileSync(lock, 'utf8'));
    const age = Date.now() - fs.statSync(lock).mtimeMs;
    if ((Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) || age > LOCK_STALE_MS) {
      fs.rmSync(lock, { force: true });
      return tryLock(lock);
    }
  } catch {
    // The lock vanished while we looked: try again.
    return tryLock(lock);
  }
  return false;
}

/** Session options that make onnxruntime write `outputPath` (.ort: ORT format; .onnx: ONNX) optimised at `level`. */
export function conversionOptions(level: 'disabled' | 'basic' | 'extended' | 'all', outputPath: string): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: level,
    optimizedModelFilePath: outputPath,
    intraOpNumThreads: 1,
    logSeverityLevel: 3,
    extra: { session: { disable_quant_qdq: '1' } },
  };
}

/** A session on a model given by path or as bytes (onnxruntime-node has one overload for each). */
export function createSession(model: string | Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<ort.InferenceSession> {
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

/**
 * What onnxruntime should convert: the model with Murmur's graph edits (graph-rewrite.ts) as bytes,
 * or its path when there is nothing to edit. A file the editor cannot parse is handed over as it
 * is, so the error the user sees is onnxruntime's own.
 */
export function conversionSource(onnxPath: string, log: Log, options: RewriteOptions = {}): string | Uint8Array {
  if (fs.statSync(onnxPath).size > REWRITE_MAX_BYTES) return onnxPath;
  try {
    const rewritten = rewriteForOnnxruntime(fs.readFileSync(onnxPath), options);
    if (rewritten.depthwiseConvs === 0 && rewritten.fixedInputs.length === 0) return onnxPath;
    if (rewritten.depthwiseConvs > 0) log('info', `${path.basename(onnxPath)}: ${rewritten.depthwiseConvs} depthwise 1-D convolutions run as 2-D (onnxruntime's faster depthwise kernel)`);
    for (const name of rewritten.fixedInputs) log('info', `${path.basename(onnxPath)}: input ${name} fixed at ${String(options.constantInputs?.[name])}`);
    return rewritten.bytes;
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    log('warn', `${path.basename(onnxPath)}: not rewritten (${e.message}); converting it as it is`);
    return onnxPath;
  }
}

async function convert(onnxPath: string, ortPath: string, log: Log, options: RewriteOptions): Promise<number> {
  const tmp = `${ortPath.slice(0, -4)}.${process.pid}.tmp.ort`; // must end in .ort: that picks the format
  const t0 = performance.now();
  try {
    const source = conversionSource(onnxPath, log, options);
    const session = await createSession(source, conversionOptions(OPT_LEVEL, tmp));
    await session.release();
    if (!isOrtFile(tmp)) throw new Error('onnxruntime did not write an ORT-format file');
    fs.renameSync(tmp, ortPath);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new MurmurError('MODEL_LOAD_FAILED', `Could not convert ${onnxPath} to ORT format: ${(e as Error).message}`);
  }
  const ms = performance.now() - t0;
  log('info', `converted ${path.basename(onnxPath)} to ORT format in ${ms.toFixed(0)} ms -> ${ortPath}`);
  return ms;
}

/** The cached ORT-format file for an ONNX model, converting it first if needed. */
export async function ensureOrtModel(onnxPath: string, cacheDir: string, log: Log = silentLog, options: RewriteOptions = {}): Promise<OrtCacheEntry> {
  fs.mkdirSync(cacheDir, { recursive: true });
  const key = cacheKey(contentHash(onnxPath, cacheDir), options);
  const base = path.basename(onnxPath).replace(/\.onnx$/i, '');
  const ortPath = path.join(cacheDir, `${base}.${key}.ort`);
  const lock = `${ortPath}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (isOrtFile(ortPath)) {
      markUsed(ortPath);
      return { ortPath, converted: false, convertMs: 0 };
    }
    if (fs.existsSync(ortPath)) {
      log('warn', `discarding a corrupt cached model ${ortPath}`);
      fs.rmSync(ortPath, { force: true });
    }
    if (tryLock(lock)) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (isOrtFile(ortPath)) return { ortPath, converted: false, convertMs: 0 };
        const convertMs = await convert(onnxPath, ortPath, log, options);
        pruneCache(cacheDir, log);
        return { ortPath, converted: true, convertMs };
      } finally {
        fs.rmSync(lock, { force: true });
      }
    }
    if (Date.now() > deadline) throw new MurmurError('MODEL_LOAD_FAILED', `Timed out waiting for another process to convert ${onnxPath} (lock ${lock}).`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function markUsed(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // A read-only cache still works; it is only never pruned of this file.
  }
}

/**
 * Removes cached ORT files unused for UNUSED_DAYS and conversion temp files left by a crash.
 * Returns the names removed. Errors (a file another process holds open on Windows, a read-only
 * cache) leave the file for next time.
 */
export function pruneCache(cacheDir: string, log: Log = silentLog, now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(cacheDir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.endsWith('.ort')) continue;
    const file = path.join(cacheDir, name);
    try {
      const age = now - fs.statSync(file).mtimeMs;
      const limit = name.endsWith('.tmp.ort') ? TEMP_STALE_MS : UNUSED_DAYS * DAY_MS;
      if (age <= limit) continue;
      fs.rmSync(file);
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove now.
    }
  }
  if (removed.length > 0) log('info', `removed ${removed.length} cached model file(s) unused for ${UNUSED_DAYS} days: ${removed.join(', ')}`);
  return removed;
}

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
 * (a float32 table per token, in each process's private memory); folded, the float table lives in
 * the mapped file, shared, and a step is faster (README: Design choices, measured). Models
 * quantised with dynamic quantisation (MatMulInteger) are unaffected. The ORT file grows, but it is
 * file-backed page cache, shared by every window.
 *
 * Key: sha256 of exactly the bytes converted (the .onnx read once, and any external data files,
 * which must lie inside the model's folder: external-data.ts) + onnxruntime version + conversion
 * settings + CPU. Hashing the model on every load would cost more than the load, so an index remembers the hash
 * per path with the size and mtime of every file it covers. One process converts at a time (an
 * exclusive lock file); a second waits for the first and then uses its result.
 *
 * The cache is private: its folder is checked to be this user's and kept at mode 0700, files are
 * 0600, each conversion writes in its own mkdtemp folder before the rename into place, and a file
 * at a cache name that this user did not write (a link, another owner's) is discarded, never
 * mapped: another local user must not be able to plant a model that Murmur runs.
 *
 * Healing: each converted file has a stamp of its size and ends (ort-stamp.ts); a file that no
 * longer matches it, or that onnxruntime refuses (session.ts), is removed and converted again, once.
 *
 * Pruning: every load marks its ORT file as used (its mtime), and after each conversion the files
 * nobody has used for UNUSED_DAYS are removed: those of models no longer used and those an older
 * Murmur or onnxruntime converted under another key (a model's ORT files are large). A process that has
 * the file mapped keeps reading it; a later load would simply convert again.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { MurmurError } from '../errors';
import { sha256FileSync, tryLock } from '../fs-safe';
import type { Log } from '../log';
import { silentLog } from '../log';
import { rewriteForOnnxruntime, type RewriteOptions } from './graph-rewrite';
import { isOwnRegularFile, ensurePrivateDir } from '../private-dir';
import { checkExternalData, type ExternalDataFile } from './external-data';
import { fileHead } from './metadata';
import { ProtobufError } from './protobuf';
import { stampMismatch, stampPath, STAMP_SUFFIX, writeStamp } from './ort-stamp';
import { PROJECTION_SUFFIX, writeProjectionFile } from './projection-cache';
import type { TiedProjection } from './tied-projection';

const OPT_LEVEL = 'all';
/** Part of the cache key: change it whenever the conversion settings below change. */
const CONVERSION_TAG = 'dq-folded+dwconv2d+dq-hoisted';
/** A conversion's private working folder in the cache: `.convert-XXXXXX`. */
const CONVERT_DIR_PREFIX = '.convert-';
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

/**
 * What the index remembers per model path: the content hash and the files it was computed from
 * (the .onnx and its external data files), each with its size and mtime. Version 2 entries only:
 * earlier ones hashed the .onnx alone.
 */
interface IndexEntry {
  v: 2;
  sha256: string;
  files: { path: string; size: number; mtimeMs: number }[];
}

function readIndex(file: string): Record<string, IndexEntry> {
  // A file this user did not write (a link, someone else's) is not read: it could send a model
  // to another model's converted file.
  if (!isOwnRegularFile(file)) return {};
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, IndexEntry>) : {};
  } catch {
    return {};
  }
}

function writeAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(8).toString('hex')}.tmp`;
  // 'wx': never through a file or link someone planted at the temp name.
  fs.writeFileSync(tmp, data, { flag: 'wx', mode: 0o600 });
  fs.renameSync(tmp, file);
}

function sha256Bytes(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * A model as read for conversion: its bytes (read once: what is hashed is what is converted) and
 * the external data files it uses, checked to lie inside its folder (external-data.ts).
 */
export interface ModelSource {
  path: string;
  bytes: Uint8Array;
  externalFiles: ExternalDataFile[];
  /** sha256 of the bytes, and of each external file with its location when there are any. */
  sha256: string;
}

export function readModelSource(onnxPath: string): ModelSource {
  const abs = path.resolve(onnxPath);
  const bytes = fs.readFileSync(abs);
  let externalFiles: ExternalDataFile[];
  try {
    externalFiles = checkExternalData(bytes, abs);
  } catch (e) {
    // Not protobuf: onnxruntime reports it in its own words when it is given the file.
    if (e instanceof ProtobufError) externalFiles = [];
    else throw e;
  }
  let sha256 = sha256Bytes(bytes);
  if (externalFiles.length > 0) {
    const hash = crypto.createHash('sha256').update(sha256);
    for (const f of externalFiles) hash.update(`\0${f.location}\0${sha256FileSync(f.realPath)}`);
    sha256 = hash.digest('hex');
  }
  return { path: abs, bytes, externalFiles, sha256 };
}

function statFiles(source: ModelSource): IndexEntry['files'] {
  return [source.path, ...source.externalFiles.map((f) => f.realPath)].map((p) => {
    const st = fs.statSync(p);
    return { path: p, size: st.size, mtimeMs: st.mtimeMs };
  });
}

/** The hash the index remembers for `abs`, if none of the files it was computed from changed. */
function indexedHash(abs: string, cacheDir: string): string | undefined {
  const hit = readIndex(path.join(cacheDir, 'index.json'))[abs];
  if (hit?.v !== 2 || !Array.isArray(hit.files) || hit.files[0]?.path !== abs) return undefined;
  for (const f of hit.files) {
    try {
      const st = fs.statSync(f.path);
      if (st.size !== f.size || st.mtimeMs !== f.mtimeMs) return undefined;
    } catch {
      return undefined;
    }
  }
  return hit.sha256;
}

function rememberHash(source: ModelSource, cacheDir: string): void {
  const indexFile = path.join(cacheDir, 'index.json');
  const index = readIndex(indexFile);
  index[source.path] = { v: 2, sha256: source.sha256, files: statFiles(source) };
  try {
    writeAtomic(indexFile, JSON.stringify(index));
  } catch {
    // An unwritable index only costs a re-hash next time.
  }
}

/** Content hash of an ONNX model and its external data, remembered per path, size and mtime. */
export function contentHash(onnxPath: string, cacheDir: string): string {
  const known = indexedHash(path.resolve(onnxPath), cacheDir);
  if (known) return known;
  const source = readModelSource(onnxPath);
  rememberHash(source, cacheDir);
  return source.sha256;
}

export function cacheKey(sha256: string, options: RewriteOptions = {}): string {
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  // Inputs fixed at conversion make another model: part of the key, in a stable order.
  const fixed = Object.entries(options.constantInputs ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  const cut = options.cutTiedProjection ? '|projection-cut' : '';
  const runtime = options.dequantizeAtRunTime?.length ? `|dq-runtime=${[...options.dequantizeAtRunTime].sort().join(',')}` : '';
  return crypto.createHash('sha256').update(`${sha256}|ort ${ort.env.versions.common}|${OPT_LEVEL}|${CONVERSION_TAG}|${process.arch}|${cpu}|${fixed}${cut}${runtime}`).digest('hex').slice(0, 24);
}

/** True if the file starts like an ORT flatbuffer ("ORTM" identifier at byte 4). */
export function isOrtFile(file: string): boolean {
  return fileHead(file, 8)?.subarray(4, 8).toString('latin1') === 'ORTM';
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
 * What onnxruntime should convert, from a model read once (readModelSource): the bytes with
 * Murmur's graph edits (graph-rewrite.ts), or the bytes as read when there is nothing to edit.
 * A model with external data (already checked to keep it inside its folder) is given by path and
 * left unedited: loaded from bytes, onnxruntime would resolve those files against the process's
 * working directory instead of the model's folder. A file the editor cannot parse is handed over
 * as it is, so the error the user sees is onnxruntime's own.
 */
export function conversionInput(source: ModelSource, log: Log, options: RewriteOptions = {}): string | Uint8Array {
  return prepare(source, log, options).input;
}

/** conversionInput, and the tied projection the edits cut out (written beside the ORT file). */
function prepare(source: ModelSource, log: Log, options: RewriteOptions): { input: string | Uint8Array; projection?: TiedProjection } {
  const name = path.basename(source.path);
  if (source.externalFiles.length > 0) {
    log('info', `${name}: keeps weights in ${source.externalFiles.map((f) => f.location).join(', ')}; converted as it is`);
    return { input: source.path };
  }
  try {
    const rewritten = rewriteForOnnxruntime(source.bytes, options);
    if (rewritten.depthwiseConvs > 0) log('info', `${name}: ${rewritten.depthwiseConvs} depthwise 1-D convolutions run as 2-D (onnxruntime's faster depthwise kernel)`);
    for (const input of rewritten.fixedInputs) log('info', `${name}: input ${input} fixed at ${String(options.constantInputs?.[input])}`);
    if (rewritten.projection) log('info', `${name}: tied output projection left to Murmur (8-bit weights, not folded to float)`);
    if (rewritten.runtimeDequantize.length > 0) log('info', `${name}: ${rewritten.runtimeDequantize.join(', ')} kept 8-bit, dequantised at run time`);
    if (rewritten.hoistedDequantize > 0) log('info', `${name}: ${rewritten.hoistedDequantize} weight dequantisation(s) shared by both branches of an If, folded once`);
    return { input: rewritten.bytes, projection: rewritten.projection };
  } catch (e) {
    if (!(e instanceof ProtobufError)) throw e;
    log('warn', `${name}: not rewritten (${e.message}); converting it as it is`);
    return { input: source.bytes };
  }
}

/**
 * conversionInput for a model file (the exporter's way in); with `edit` false, the model's bytes
 * as read (or its path, with external data), checked all the same.
 */
export function conversionSource(onnxPath: string, log: Log, options: RewriteOptions = {}, edit = true): string | Uint8Array {
  const source = readModelSource(onnxPath);
  if (edit || source.externalFiles.length > 0) return conversionInput(source, log, options);
  return source.bytes;
}

async function convert(source: ModelSource, cacheDir: string, ortPath: string, log: Log, options: RewriteOptions): Promise<number> {
  // A private folder per conversion (mkdtemp: mode 0700, a name nobody can guess in advance), so
  // onnxruntime never writes through a file or link planted at a predictable temp name.
  const work = fs.mkdtempSync(path.join(cacheDir, CONVERT_DIR_PREFIX));
  const tmp = path.join(work, 'model.ort'); // must end in .ort: that picks the format
  const t0 = performance.now();
  try {
    const { input, projection } = prepare(source, log, options);
    const session = await createSession(input, conversionOptions(OPT_LEVEL, tmp));
    await session.release();
    if (!isOrtFile(tmp)) throw new Error('onnxruntime did not write an ORT-format file');
    fs.chmodSync(tmp, 0o600);
    // Before the ORT file is in place, so a load that finds it finds the projection with it (a
    // load that does not rewrites it: projection-cache.ts).
    if (projection) writeProjectionFile(ortPath, projection, log);
    writeStamp(tmp, ortPath);
    fs.renameSync(tmp, ortPath);
  } catch (e) {
    throw new MurmurError('MODEL_LOAD_FAILED', `Could not convert ${source.path} to ORT format: ${(e as Error).message}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ms = performance.now() - t0;
  log('info', `converted ${path.basename(source.path)} to ORT format in ${ms.toFixed(0)} ms -> ${ortPath}`);
  return ms;
}

/**
 * True if `ortPath` is a converted model this user wrote, as it was written (ort-stamp.ts).
 * Anything else at that name is removed and converted again: a link or another owner's file (the
 * cache folder is private, so it can only be a plant), or a file changed since its conversion (a
 * failed copy, a full disk), which onnxruntime would refuse at every start.
 */
function usableOrtFile(ortPath: string, log: Log): boolean {
  try {
    fs.lstatSync(ortPath);
  } catch {
    return false;
  }
  if (!isOwnRegularFile(ortPath)) {
    log('warn', `discarding ${ortPath}: not a converted model of this user`);
    fs.rmSync(ortPath, { force: true });
    return false;
  }
  const changed = isOrtFile(ortPath) ? stampMismatch(ortPath) : 'does not start like an ORT file';
  if (changed === undefined) return true;
  log('warn', `the cached ${ortPath} ${changed}: removing it and converting the model again`);
  discardCachedOrt(ortPath);
  return false;
}

/**
 * Removes a cached ORT file and its stamp (a file onnxruntime refused, or one found changed).
 * False if it could not be removed (on Windows, a file still mapped by another process).
 */
export function discardCachedOrt(ortPath: string): boolean {
  try {
    fs.rmSync(stampPath(ortPath), { force: true });
    fs.rmSync(ortPath, { force: true });
    return true;
  } catch {
    return false;
  }
}

function cachedOrtPath(abs: string, cacheDir: string, sha256: string, options: RewriteOptions): string {
  const base = path.basename(abs).replace(/\.onnx$/i, '');
  return path.join(cacheDir, `${base}.${cacheKey(sha256, options)}.ort`);
}

/** The cached ORT-format file for an ONNX model, converting it first if needed. */
export async function ensureOrtModel(onnxPath: string, cacheDir: string, log: Log = silentLog, options: RewriteOptions = {}): Promise<OrtCacheEntry> {
  ensurePrivateDir(cacheDir);
  const abs = path.resolve(onnxPath);
  const known = indexedHash(abs, cacheDir);
  if (known) {
    const ortPath = cachedOrtPath(abs, cacheDir, known, options);
    if (usableOrtFile(ortPath, log)) {
      markUsed(ortPath);
      return { ortPath, converted: false, convertMs: 0 };
    }
  }
  // Read once: the bytes hashed for the key are the bytes converted.
  const source = readModelSource(abs);
  rememberHash(source, cacheDir);
  const ortPath = cachedOrtPath(abs, cacheDir, source.sha256, options);
  const lock = `${ortPath}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    if (usableOrtFile(ortPath, log)) {
      markUsed(ortPath);
      return { ortPath, converted: false, convertMs: 0 };
    }
    const release = tryLock(lock, { staleAfterMs: LOCK_STALE_MS, ownPid: 'held' });
    if (release) {
      try {
        // Another process may have finished between our check and taking the lock.
        if (usableOrtFile(ortPath, log)) return { ortPath, converted: false, convertMs: 0 };
        const convertMs = await convert(source, cacheDir, ortPath, log, options);
        pruneCache(cacheDir, log);
        return { ortPath, converted: true, convertMs };
      } finally {
        release();
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
    const leftover = name.startsWith(CONVERT_DIR_PREFIX) || name.endsWith('.tmp.ort');
    // A decoder's projection file (projection-cache.ts) is used, and so aged, like an ORT file.
    if (!name.endsWith('.ort') && !name.endsWith(`.ort${PROJECTION_SUFFIX}`) && !leftover) continue;
    const file = path.join(cacheDir, name);
    try {
      const age = now - fs.lstatSync(file).mtimeMs;
      const limit = leftover ? TEMP_STALE_MS : UNUSED_DAYS * DAY_MS;
      if (age <= limit) continue;
      fs.rmSync(file, { recursive: true });
      if (!leftover) fs.rmSync(stampPath(file), { force: true });
      removed.push(name);
    } catch {
      // Gone already, or not ours to remove now.
    }
  }
  // A stamp whose file is gone (removed by hand, or its conversion cut off) has nothing to vouch
  // for; a young one may belong to a conversion about to move its file into place.
  for (const name of names) {
    if (!name.endsWith(`.ort${STAMP_SUFFIX}`) && !name.endsWith(`${PROJECTION_SUFFIX}${STAMP_SUFFIX}`)) continue;
    const stamp = path.join(cacheDir, name);
    try {
      if (!fs.existsSync(stamp.slice(0, -STAMP_SUFFIX.length)) && now - fs.lstatSync(stamp).mtimeMs > TEMP_STALE_MS) fs.rmSync(stamp, { force: true });
    } catch {
      // Gone already.
    }
  }
  if (removed.length > 0) log('info', `removed ${removed.length} cached model file(s) unused for ${UNUSED_DAYS} days: ${removed.join(', ')}`);
  return removed;
}

/**
 * The 8-bit weight of a cut tied projection (tied-projection.ts), laid out for the kernel and kept
 * in the ORT cache beside the decoder's ORT file: `<ORT file>.projection`, memory-mapped like the
 * ORT file, so every window shares one copy of it through the page cache instead of each building
 * a private one (and paying the transposition at every load).
 *
 * Layout: a 64-byte header (MAGIC, then vocab, hidden and zero point as uint32 and the scale as
 * float32, little-endian), then the weight transposed, hidden x vocab bytes. Written once from the
 * ONNX file, stamped like an ORT file (ort-stamp.ts); a file that does not match its stamp or its
 * header, or is not a regular file of this user, is removed and written again, with a log line.
 * Pruned and discarded together with its ORT file (ort-cache.ts).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../errors';
import type { Log } from '../log';
import { isOwnRegularFile } from '../private-dir';
import { mapFile } from './mmap';
import { stampMismatch, stampPath, writeStamp } from './ort-stamp';
import { findTiedProjection, type TiedProjection } from './tied-projection';

export const PROJECTION_SUFFIX = '.projection';
const MAGIC = 'MURMURP1';
const HEADER = 64;

export interface ProjectionTable {
  vocab: number;
  hidden: number;
  zeroPoint: number;
  scale: number;
  /** hidden x vocab bytes (k-major): the weight transposed. */
  table: Uint8Array;
  /** The cache file it is mapped from; undefined when it could not be written and lives in memory. */
  file?: string;
}

export const projectionPath = (ortPath: string): string => `${ortPath}${PROJECTION_SUFFIX}`;

/** The header and table of a mapped projection file, or why it is not one. */
function parse(bytes: Uint8Array, file: string): ProjectionTable | string {
  if (bytes.length < HEADER || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) return 'has no projection header';
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER);
  const [vocab, hidden, zeroPoint, scale] = [view.getUint32(8, true), view.getUint32(12, true), view.getUint32(16, true), view.getFloat32(20, true)];
  if (vocab === 0 || hidden === 0 || zeroPoint > 255 || !Number.isFinite(scale)) return 'has an impossible header';
  if (bytes.length !== HEADER + vocab * hidden) return `is ${bytes.length} bytes where its header says ${HEADER + vocab * hidden}`;
  return { vocab, hidden, zeroPoint, scale, table: bytes.subarray(HEADER), file };
}

/** A projection file's bytes (header and transposed weight) for a tied projection. */
function fileBytes(tied: TiedProjection): Uint8Array {
  const { vocab, hidden, weight } = tied;
  const out = new Uint8Array(HEADER + vocab * hidden);
  out.set(Buffer.from(MAGIC, 'latin1'));
  const view = new DataView(out.buffer, 0, HEADER);
  view.setUint32(8, vocab, true);
  view.setUint32(12, hidden, true);
  view.setUint32(16, tied.zeroPoint, true);
  view.setFloat32(20, tied.scale, true);
  const table = out.subarray(HEADER);
  // Transposed in blocks of rows, so both sides stay in the CPU's cache.
  const BLOCK = 64;
  for (let n0 = 0; n0 < vocab; n0 += BLOCK) {
    const n1 = Math.min(vocab, n0 + BLOCK);
    for (let k = 0; k < hidden; k++) {
      const row = k * vocab;
      for (let n = n0; n < n1; n++) table[row + n] = weight[n * hidden + k];
    }
  }
  return out;
}

/** A tied projection's weight in the kernel's layout, in memory (tests; a cache that cannot be written). */
export function projectionTable(tied: TiedProjection): ProjectionTable {
  const parsed = parse(fileBytes(tied), '');
  if (typeof parsed === 'string') throw new Error(`projection table ${parsed}`);
  return { ...parsed, file: undefined };
}

/** Writes the file through a private temporary name, stamped, then moved into place. */
function write(file: string, bytes: Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  try {
    // 'wx': never through a file or link someone planted at the temp name.
    fs.writeFileSync(tmp, bytes, { flag: 'wx', mode: 0o600 });
    writeStamp(tmp, file);
    fs.renameSync(tmp, file);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Why the cached file cannot be used, or undefined if it can. */
function problem(file: string): string | undefined {
  if (!isOwnRegularFile(file)) return 'is not a file of this user';
  return stampMismatch(file);
}

/**
 * The projection table for a decoder converted to `ortPath` with its projection cut, from the
 * cache, written first from `onnxPath` if it is missing or damaged.
 */
export function loadProjectionTable(onnxPath: string, ortPath: string, log: Log): ProjectionTable {
  const file = projectionPath(ortPath);
  if (fs.existsSync(file) || isSymlink(file)) {
    const wrong = problem(file);
    const parsed = wrong === undefined ? parse(mapFile(file, log).bytes, file) : wrong;
    if (typeof parsed !== 'string') {
      touch(file);
      return parsed;
    }
    log('warn', `the cached ${file} ${parsed}: removing it and writing it again`);
  }
  const tied = findTiedProjection(mapFile(onnxPath, log).bytes);
  if (!tied) throw new MurmurError('MODEL_LOAD_FAILED', `${onnxPath}: the converted decoder leaves its output projection to Murmur, but the file has no projection Murmur can compute. Load the model again.`);
  const bytes = fileBytes(tied);
  try {
    discardProjection(file);
    write(file, bytes);
  } catch (e) {
    // A read-only cache, or (Windows) a damaged file another window still maps: this process
    // keeps its own copy instead.
    log('warn', `could not write ${file} (${(e as Error).message}); keeping the decoder's output projection in this process's memory`);
    return projectionTable(tied);
  }
  log('info', `wrote ${file} (the decoder's output projection, 8-bit, ${(bytes.length / 1e6).toFixed(1)} MB)`);
  const parsed = parse(mapFile(file, log).bytes, file);
  return typeof parsed === 'string' ? projectionTable(tied) : parsed;
}

/**
 * Writes the projection file of the decoder converted to `ortPath` (at conversion, from the
 * projection the graph edit cut). A failure is only logged: the first load writes it again.
 */
export function writeProjectionFile(ortPath: string, tied: TiedProjection, log: Log): void {
  const file = projectionPath(ortPath);
  try {
    discardProjection(file);
    write(file, fileBytes(tied));
  } catch (e) {
    log('warn', `could not write ${file} (${(e as Error).message}); the decoder's first load will`);
  }
}

/** Removes a projection file and its stamp. */
export function discardProjection(file: string): void {
  fs.rmSync(stampPath(file), { force: true });
  fs.rmSync(file, { force: true });
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // A read-only cache still works; it is only never pruned of this file.
  }
}

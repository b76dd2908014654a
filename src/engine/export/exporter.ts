/**
 * Exports a model into a directory of its own, DeepSpeech's ".pb -> .pbmm" step for ONNX: each
 * ONNX file is run through onnxruntime's graph optimiser, which writes the result (`.ort`: ORT
 * flatbuffer, memory-mappable; `.onnx`: optimised ONNX), exactly as the ORT cache converts
 * (onnx/ort-cache.ts), but at the level the user picked. tokens.txt, bpe.model and licence files
 * (regular files of listed names only, see LICENSE_NAMES) are copied; a model card and
 * murmur-model.json (which keeps the ONNX metadata ORT files lose) are written.
 *
 * Atomic: everything is written into a staging directory beside the target and renamed into place
 * at the end, so the target is either untouched or a complete export, whatever happens (error,
 * cancellation, full disk). A previous Murmur export is replaced only when the caller says so;
 * anything else in the target is never deleted.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { MurmurError, isMurmurError, toMurmurError } from '../errors';
import { asidePath, ioError as mapIoError, promote, sha256File, type IoContext, type TargetState } from '../fs-safe';
import type { Log } from '../log';
import { silentLog } from '../log';
import { resolveModel, type ResolvedModel } from '../models/detect';
import { readOnnxInfo } from '../onnx/metadata';
import { conversionOptions, conversionSource, createSession, isOrtFile } from '../onnx/ort-cache';
import type { ModelFamily } from '../recognizer';
import { cardFileName, renderCard } from './card';
import { MANIFEST_NAME, MANIFEST_SCHEMA, MANIFEST_VERSION, hasManifest, outlineOf, type ManifestFile, type MurmurManifest } from './manifest';
import { EXPORT_FORMATS, OPTIMIZATION_LEVELS, type ExportOptions, type ExportProgress, type ExportResult, type ExportedFile } from './types';

export interface ExportHooks {
  onProgress?: (progress: ExportProgress) => void;
  /** Checked between files and before the export is moved into place. */
  signal?: AbortSignal;
  log?: Log;
}

/** File names inside an export, by family and role: the names detection expects of each family. */
const MODEL_NAMES: Record<ModelFamily, Record<string, string>> = {
  moonshine: { encoder: 'encoder_model', decoder: 'decoder_model_merged' },
  zipformer: { encoder: 'encoder', decoder: 'decoder', joiner: 'joiner' },
  whisper: { encoder: 'encoder', decoder: 'decoder' },
  parakeet: { encoder: 'encoder', decoder: 'decoder', joiner: 'joiner' },
  nemotron: { encoder: 'encoder', decoder: 'decoder', joiner: 'joiner' },
};

/**
 * Licence and notice files travel with the weights they cover, under these names only (matched in
 * any case, written as spelt here): a name of the source's choosing, such as LICENSE.sh or
 * NOTICE-run.bashrc, would otherwise land in the user's export folder as it is.
 */
const LICENSE_NAMES = ['LICENSE', 'LICENSE.txt', 'LICENSE.md', 'LICENCE', 'LICENCE.txt', 'LICENCE.md', 'NOTICE', 'NOTICE.txt', 'NOTICE.md', 'COPYING', 'COPYING.txt', 'COPYING.md'];
const LICENSE_BY_LOWER = new Map(LICENSE_NAMES.map((n) => [n.toLowerCase(), n]));
/** Names that look like licence files: the ones not copied are named in the export's notes. */
const LICENSE_LIKE = /^(LICEN[CS]E|NOTICE|COPYING)/i;
/** A licence is text; anything larger is not one worth carrying (and could be anything). */
const LICENSE_MAX_BYTES = 1024 * 1024;
/** More skipped files than this are counted, not listed, in the notes. */
const MAX_NOTES = 20;
/**
 * How a licence is opened: never through a symlink (O_NOFOLLOW), and never waiting for a writer if
 * a FIFO was swapped in after the lstat (O_NONBLOCK; a no-op on regular files). Windows has neither
 * flag, nor FIFOs; its symlinks are still refused by the lstat.
 */
const LICENSE_OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

interface SourceFile {
  role: string;
  path: string;
  /** Its name in the export (licences: the listed spelling); the source's own name if absent. */
  name?: string;
}

/** How export failures read: the user picked the folder, so the fix is to pick another. */
const IO: IoContext = { code: 'EXPORT_UNWRITABLE', existsCode: 'EXPORT_EXISTS', what: 'the export', fix: 'Choose a folder you can write to.' };

/** An I/O error as something the user can act on; `where` is the directory to name. */
function ioError(e: unknown, where: string): MurmurError {
  return mapIoError(e, where, IO);
}

function cancelled(outputDir: string): MurmurError {
  return new MurmurError('CANCELLED', `The export to ${outputDir} was cancelled; nothing was written there.`);
}

/**
 * What is at the target now: nothing, an empty folder, or a previous export we may replace.
 * Anything else is refused here, before any work and again just before the rename.
 */
function targetState(outputDir: string, overwrite: boolean): TargetState {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(outputDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw ioError(e, outputDir);
  }
  if (!st.isDirectory()) {
    throw new MurmurError('EXPORT_EXISTS', `${outputDir} already exists and is not a folder. Choose a new folder name or an empty folder for the export.`);
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(outputDir);
  } catch (e) {
    throw ioError(e, outputDir);
  }
  if (entries.length === 0) return 'empty';
  if (!hasManifest(outputDir)) {
    throw new MurmurError(
      'EXPORT_EXISTS',
      `${outputDir} is not empty and does not hold a Murmur export (${entries.length} item${entries.length === 1 ? '' : 's'} in it). Murmur never deletes other files: choose an empty folder or a new folder name.`,
    );
  }
  if (!overwrite) {
    throw new MurmurError('EXPORT_EXISTS', `${outputDir} already holds a Murmur export. Confirm that it may be overwritten, or choose another folder.`);
  }
  return 'replace';
}

/** Moves the staged export into place, replacing a previous export (set aside first, restored on failure). */
function promoteExport(staging: string, outputDir: string, overwrite: boolean, log: Log): void {
  const aside = asidePath(path.dirname(outputDir), `.${path.basename(outputDir)}.murmur-old-`);
  try {
    promote(staging, outputDir, { aside, log, inspect: (target) => targetState(target, overwrite) });
  } catch (e) {
    throw ioError(e, outputDir);
  }
}

/** onnxruntime reports a full disk only as a failed write; free space tells it apart. */
function diskLooksFull(dir: string, needBytes: number): boolean {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize < needBytes;
  } catch {
    return false;
  }
}

/** Runs onnxruntime's optimiser over one file, which writes the result to `dest` (its suffix picks the format). */
async function optimise(source: string, dest: string, options: ExportOptions, log: Log): Promise<void> {
  try {
    // At level "all" the graph edits of the ORT cache pay off (graph-rewrite.ts); below it they do not.
    // Murmur's graph edits only where onnxruntime then uses them (level all); the external-data
    // check at every level.
    const model = conversionSource(source, log, {}, options.optimization === 'all');
    const session = await createSession(model, conversionOptions(options.optimization, dest));
    await session.release();
  } catch (e) {
    const message = (e as Error).message;
    if (/no space|ENOSPC|quota/i.test(message) || diskLooksFull(path.dirname(dest), 2 * fs.statSync(source).size)) {
      throw new MurmurError('DISK_FULL', `The disk is full: onnxruntime could not write ${path.basename(dest)}. Free some space and try again.`, message);
    }
    throw new MurmurError('EXPORT_UNSUPPORTED', `onnxruntime could not export ${source} as ${options.format.toUpperCase()} at optimisation level "${options.optimization}": ${message}`, message);
  }
  // Check what was written, so a silent failure is not promoted as an export.
  if (options.format === 'ort' ? !isOrtFile(dest) : !fs.existsSync(dest)) {
    throw new MurmurError('EXPORT_UNSUPPORTED', `onnxruntime did not write a usable ${options.format.toUpperCase()} file for ${source}.`);
  }
  if (options.format === 'onnx') readOnnxInfo(dest);
}

function modelFiles(resolved: ResolvedModel): SourceFile[] {
  const f = resolved.files;
  const out: SourceFile[] = [
    { role: 'encoder', path: f.encoder },
    { role: 'decoder', path: f.decoder },
  ];
  if (f.family === 'zipformer') out.push({ role: 'joiner', path: f.joiner });
  return out;
}

/** Files copied as they are: tokens and BPE model (Zipformer), licences from the source directory. */
function extraFiles(resolved: ResolvedModel, notes: string[]): SourceFile[] {
  const f = resolved.files;
  const out: SourceFile[] = [];
  if (f.family === 'zipformer') {
    out.push({ role: 'tokens', path: f.tokens });
    if (f.bpeModel) out.push({ role: 'bpe', path: f.bpeModel });
  }
  const dir = path.dirname(f.encoder);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((n) => LICENSE_LIKE.test(n));
  } catch {
    // No licence files to carry over.
  }
  const taken = new Set<string>();
  for (const n of names.sort()) {
    const name = LICENSE_BY_LOWER.get(n.toLowerCase());
    if (!name) notes.push(`${JSON.stringify(n)} was not copied: its name is not one of the licence file names Murmur copies (LICENSE, LICENCE, NOTICE or COPYING, bare or with .txt or .md)`);
    else if (taken.has(name)) notes.push(`${JSON.stringify(n)} was not copied: another licence file of the source has the same name once case is ignored (${name})`);
    else {
      taken.add(name);
      out.push({ role: 'license', path: path.join(dir, n), name });
    }
  }
  return out;
}

/**
 * A licence file's bytes, or why it is not copied. The lstat turns away symlinks (LICENSE -> a
 * private key), FIFOs (a read would hang) and devices; the open and fstat check the file actually
 * opened, so one swapped in after the lstat is turned away as well; and no more than the size
 * checked (at most LICENSE_MAX_BYTES) is read, however the file grows meanwhile.
 */
function readLicence(file: string): { bytes: Buffer } | { skipped: string } {
  const failed = (e: unknown) => ({ skipped: `it could not be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  let before: fs.Stats;
  try {
    before = fs.lstatSync(file);
  } catch (e) {
    return failed(e);
  }
  if (before.isSymbolicLink()) return { skipped: 'it is a symbolic link' };
  if (!before.isFile()) return { skipped: 'it is not a regular file' };
  if (before.size > LICENSE_MAX_BYTES) return { skipped: `it is larger than 1 MiB (${before.size} bytes)` };
  let fd: number;
  try {
    fd = fs.openSync(file, LICENSE_OPEN_FLAGS);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ELOOP' ? { skipped: 'it is a symbolic link' } : failed(e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.dev !== before.dev || st.ino !== before.ino || st.size > LICENSE_MAX_BYTES) return { skipped: 'it was replaced while the export read it' };
    // One byte more than its size: reading it means the file grew after the fstat.
    const bytes = Buffer.alloc(st.size + 1);
    let got = 0;
    while (got < bytes.length) {
      const n = fs.readSync(fd, bytes, got, bytes.length - got, got);
      if (n === 0) break;
      got += n;
    }
    if (got > st.size) return { skipped: 'it grew while the export read it' };
    return { bytes: bytes.subarray(0, got) };
  } catch (e) {
    return failed(e);
  } finally {
    fs.closeSync(fd);
  }
}

function checkOptions(options: ExportOptions): void {
  if (!EXPORT_FORMATS.includes(options.format)) throw new MurmurError('EXPORT_UNSUPPORTED', `"${String(options.format)}" is not an export format; use ${EXPORT_FORMATS.join(' or ')}.`);
  if (!OPTIMIZATION_LEVELS.includes(options.optimization)) {
    throw new MurmurError('EXPORT_UNSUPPORTED', `"${String(options.optimization)}" is not an optimisation level; use one of ${OPTIMIZATION_LEVELS.join(', ')}.`);
  }
}

/**
 * The folder the user chose, as the one place the export goes: it must be absolute (a relative
 * path would land wherever the sidecar happens to run), and `..` segments are resolved here,
 * lexically, so every path derived from it (staging, card, result) names the same folder.
 */
function outputDirOf(options: ExportOptions): string {
  const given: unknown = options.outputDir;
  if (typeof given !== 'string' || given === '' || given.includes('\0') || !path.isAbsolute(given)) {
    const shown = typeof given === 'string' ? JSON.stringify(given.length > 200 ? `${given.slice(0, 200)}…` : given) : String(given);
    throw new MurmurError('EXPORT_UNWRITABLE', `The export folder must be an absolute path, not ${shown}. Choose the folder with Browse... or type its full path.`);
  }
  return path.resolve(given);
}

/** The card's file name, unless a file of the export already has it (a licence named like a card): then prefixed until unique. */
function cardNameAmong(card: ExportOptions['card'], files: readonly { name: string }[]): string {
  const taken = new Set([...files.map((f) => f.name.toLowerCase()), MANIFEST_NAME.toLowerCase()]);
  let name = cardFileName(card);
  while (taken.has(name.toLowerCase())) name = `card_${name}`;
  return name;
}

export async function exportModel(options: ExportOptions, hooks: ExportHooks = {}): Promise<ExportResult> {
  const t0 = performance.now();
  const log = hooks.log ?? silentLog;
  const outputDir = outputDirOf(options);
  const progress = (fraction: number, message: string) => hooks.onProgress?.({ fraction: Math.min(1, Math.max(0, fraction)), message });
  const checkCancel = () => {
    if (hooks.signal?.aborted) throw cancelled(outputDir);
  };
  checkOptions(options);
  checkCancel();

  progress(0, 'Checking the source model');
  const resolved = resolveModel(options.source); // DeepSpeech and broken models fail here with their MODEL_* error
  const family = resolved.files.family;
  const models = modelFiles(resolved);
  /** What the export leaves behind and why, for the log and the manifest: the user should know. */
  const notes: string[] = [];
  const extras = extraFiles(resolved, notes);
  const ortSource = models.find((m) => isOrtFile(m.path));
  if (ortSource) {
    throw new MurmurError(
      'EXPORT_UNSUPPORTED',
      `${ortSource.path} is already in ORT format (a Murmur export): onnxruntime cannot optimise ORT files again. Export from the original ONNX model (murmur-model.json names it under "source").`,
    );
  }
  targetState(outputDir, options.overwrite); // refuse early, before minutes of work
  const parent = path.dirname(outputDir);
  if (parent === outputDir) throw new MurmurError('EXPORT_UNWRITABLE', `${outputDir} is a file system root; choose a folder for the export.`);

  const staging = path.join(parent, `.${path.basename(outputDir)}.murmur-staging-${crypto.randomBytes(6).toString('hex')}`);
  try {
    fs.mkdirSync(parent, { recursive: true });
    fs.mkdirSync(staging);
  } catch (e) {
    throw ioError(e, parent);
  }
  log('info', `exporting ${family} model (${models.map((m) => m.path).join(', ')}) as ${options.format} at level ${options.optimization} via ${staging}`);

  try {
    const files: ManifestFile[] = [];
    const totalBytes = models.reduce((s, m) => s + fs.statSync(m.path).size, 0) || 1;
    let doneBytes = 0;
    // Conversions take nearly all the time: they span 5%..85% of the bar, by source size.
    for (const m of models) {
      checkCancel();
      const name = `${MODEL_NAMES[family][m.role]}.${options.format}`;
      const dest = path.join(staging, name);
      const bytes = fs.statSync(m.path).size;
      progress(0.05 + (0.8 * doneBytes) / totalBytes, `Optimising the ${m.role} (${path.basename(m.path)}, ${(bytes / 1e6).toFixed(1)} MB) into ${name}`);
      await optimise(m.path, dest, options, log);
      doneBytes += bytes;
      const info = resolved.onnx[m.role];
      files.push({
        role: m.role,
        name,
        bytes: fs.statSync(dest).size,
        sha256: await sha256File(dest),
        source: { path: m.path, bytes, sha256: await sha256File(m.path) },
        onnx: outlineOf(info),
      });
    }

    checkCancel();
    progress(0.86, 'Copying tokens and licence files');
    const copied: SourceFile[] = [];
    for (const x of extras) {
      const name = x.name ?? path.basename(x.path);
      const dest = path.join(staging, name);
      // A licence that fails its checks is left out, with a note: it is no reason to fail the export.
      const licence = x.role === 'license' ? readLicence(x.path) : undefined;
      if (licence && 'skipped' in licence) {
        notes.push(`${JSON.stringify(path.basename(x.path))} was not copied: ${licence.skipped}`);
        continue;
      }
      try {
        // Into the staging directory like everything else, so it appears with the rest at the rename.
        if (licence) fs.writeFileSync(dest, licence.bytes, { flag: 'wx' });
        else fs.copyFileSync(x.path, dest);
      } catch (e) {
        throw ioError(e, parent);
      }
      const sha256 = await sha256File(dest);
      const bytes = fs.statSync(dest).size;
      files.push({ role: x.role, name, bytes, sha256, source: { path: x.path, bytes, sha256 } });
      copied.push(x);
    }
    if (notes.length > MAX_NOTES) notes.splice(MAX_NOTES, notes.length - MAX_NOTES, `and ${notes.length - MAX_NOTES} more files named like licences were not copied`);
    for (const note of notes) log('warn', `export: ${note}`);

    progress(0.9, 'Writing the model card and manifest');
    const createdAt = new Date().toISOString();
    const onnxruntime = ort.env.versions.common;
    const source = Object.fromEntries([...models, ...copied].map((f) => [f.role === 'license' ? `license:${f.name ?? path.basename(f.path)}` : f.role, f.path]));
    const cardName = cardNameAmong(options.card, files);
    const cardText = renderCard({ card: options.card, family, format: options.format, optimization: options.optimization, files, onnxruntime, createdAt, outputDir, source });
    const cardBytes = Buffer.from(cardText, 'utf8');
    // `notes` is not part of MurmurManifest: readers ignore it, it is there for the person reading the file.
    const manifest: MurmurManifest & { notes?: string[] } = {
      schema: MANIFEST_SCHEMA,
      schemaVersion: MANIFEST_VERSION,
      family,
      format: options.format,
      optimization: options.optimization,
      card: options.card,
      files: [...files, { role: 'card', name: cardName, bytes: cardBytes.length, sha256: crypto.createHash('sha256').update(cardBytes).digest('hex') }],
      source,
      createdAt,
      onnxruntime,
      ...(notes.length > 0 ? { notes } : {}),
    };
    const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    try {
      fs.writeFileSync(path.join(staging, cardName), cardBytes);
      fs.writeFileSync(path.join(staging, MANIFEST_NAME), manifestBytes);
    } catch (e) {
      throw ioError(e, parent);
    }

    // The staged export must resolve as a model of the same family before it replaces anything.
    progress(0.94, 'Checking the exported model');
    try {
      const check = resolveModel({ dir: staging });
      if (check.files.family !== family) throw new Error(`it resolves as ${check.files.family}`);
    } catch (e) {
      throw new MurmurError('EXPORT_UNSUPPORTED', `The exported model did not come out loadable: ${toMurmurError(e).message}`);
    }

    checkCancel();
    progress(0.97, `Moving the export into ${outputDir}`);
    promoteExport(staging, outputDir, options.overwrite, log);

    const exported: ExportedFile[] = manifest.files.map(({ role, name, bytes, sha256 }) => ({ role, name, bytes, sha256 }));
    exported.push({ role: 'manifest', name: MANIFEST_NAME, bytes: manifestBytes.length, sha256: crypto.createHash('sha256').update(manifestBytes).digest('hex') });
    const elapsedMs = performance.now() - t0;
    progress(1, `Exported to ${outputDir}`);
    log('info', `exported ${family} model to ${outputDir} in ${elapsedMs.toFixed(0)} ms`);
    return {
      outputDir,
      family,
      files: exported,
      cardPath: path.join(outputDir, cardName),
      manifestPath: path.join(outputDir, MANIFEST_NAME),
      location: { dir: outputDir },
      elapsedMs,
    };
  } catch (e) {
    try {
      fs.rmSync(staging, { recursive: true, force: true });
    } catch (rmError) {
      log('warn', `could not remove the staging directory ${staging}: ${(rmError as Error).message}`);
    }
    throw isMurmurError(e) ? e : ioError(e, parent);
  }
}

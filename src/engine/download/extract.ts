/**
 * Unpacks a verified model archive into a staging directory, keeping only the catalog entry's
 * `files` under its `root`. `.tar.bz2` is decompressed by the system's `bzip2 -dc` when there is
 * one (Linux, macOS: in another process, several times faster, and the sidecar's thread stays free
 * for a dictation), else by unbzip2-stream (pure JS, slower, in this thread); either feeds node-tar.
 * `.tgz` is node-tar alone (it detects gzip).
 *
 * Only listed regular files are written: an archive is data from the internet even after the
 * checksum passed (the checksum proves it is the file the catalog names, not that the file is
 * safe), so an entry that tries to leave the staging directory (absolute path, `..`) makes the
 * whole archive refused, links are never created, and node-tar's own guard (preservePaths off)
 * stays on underneath as a second line.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tar from 'tar';
import bz2 from 'unbzip2-stream';
import { MurmurError } from '../errors';
import { silentLog, type Log } from '../log';
import type { CatalogEntry } from './types';

export type ArchiveSpec = Pick<CatalogEntry, 'archive' | 'root' | 'files'>;

export interface ExtractOptions {
  signal?: AbortSignal;
  /** Compressed bytes read so far (the archive size is the total). */
  onBytes?: (read: number) => void;
  log?: Log;
  /** Decompress bzip2 in JS even when a bzip2 program exists (tests compare both ways). */
  pureJsBzip2?: boolean;
}

let bzip2Path: string | null | undefined;

/** The bzip2 program on PATH, if any (looked up once). */
export function systemBzip2(): string | undefined {
  if (bzip2Path === undefined) {
    bzip2Path = null;
    const names = process.platform === 'win32' ? ['bzip2.exe'] : ['bzip2'];
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
      const found = names.map((n) => path.join(dir, n)).find((f) => {
        try {
          fs.accessSync(f, fs.constants.X_OK);
          return fs.statSync(f).isFile();
        } catch {
          return false;
        }
      });
      if (found) {
        bzip2Path = found;
        break;
      }
    }
  }
  return bzip2Path ?? undefined;
}

const REGULAR_FILE = new Set(['File', 'OldFile', 'ContiguousFile']);

/** Absolute (POSIX or Windows drive), or climbing out with `..`. */
export function isUnsafePath(p: string): boolean {
  const n = p.replace(/\\/g, '/');
  return n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').includes('..');
}

/** A catalog entry's own paths must be plain relative paths (they become paths on disk). */
export function checkArchiveSpec(spec: ArchiveSpec): void {
  const bad = [spec.root, ...spec.files].filter((p) => isUnsafePath(p) || p.includes('\0'));
  if (bad.length || spec.files.length === 0 || spec.files.some((f) => f === '' || f.endsWith('/'))) {
    throw new MurmurError('ARCHIVE_INVALID', `The catalog entry lists unusable paths (${bad.join(', ') || 'no files'}). This is a bug in Murmur's model list; please report it.`);
  }
}

function invalid(archive: string, what: string): MurmurError {
  return new MurmurError('ARCHIVE_INVALID', `The model archive ${path.basename(archive)} ${what}. Nothing was installed. Try the download again; if it keeps failing, report it (the published archive may have changed).`);
}

export async function extractArchive(archive: string, spec: ArchiveSpec, dest: string, opts: ExtractOptions = {}): Promise<void> {
  checkArchiveSpec(spec);
  const log = opts.log ?? silentLog;
  if (opts.signal?.aborted) throw new MurmurError('CANCELLED', 'Installing the model was cancelled.');
  const root = spec.root.replace(/^\.\/+/, '').replace(/\/+$/, '');
  const prefix = root ? `${root}/` : '';
  const wanted = new Set(spec.files);
  const unsafe: string[] = [];
  const notFiles: string[] = [];
  const topLevel = new Set<string>();
  let diskFull: string | undefined;
  const warnings: string[] = [];

  const unpack = new tar.Unpack({
    cwd: dest,
    // Drops `root/` from every kept path, so the files land directly in the staging directory.
    strip: root ? root.split('/').length : 0,
    // Explicit even though it is the default: never honour absolute or `..` paths.
    preservePaths: false,
    // When run as root, node-tar would otherwise chown to the archive's uid/gid.
    preserveOwner: false,
    strict: false,
    filter: (entryPath, entry) => {
      const p = entryPath.replace(/\\/g, '/');
      if (isUnsafePath(p)) {
        unsafe.push(p);
        return false;
      }
      const clean = root ? p : p.replace(/^(\.\/)+/, '');
      if (topLevel.size < 8) topLevel.add(clean.split('/')[0]);
      if (!clean.startsWith(prefix)) return false;
      const rel = clean.slice(prefix.length).replace(/\/+$/, '');
      if (!wanted.has(rel)) return false;
      const type = 'type' in entry ? entry.type : 'File';
      if (!REGULAR_FILE.has(type)) {
        notFiles.push(`${rel} (${type})`);
        return false;
      }
      return true;
    },
    onwarn: (code, message, data) => {
      if (data.code === 'ENOSPC' || data.code === 'EDQUOT') diskFull = message;
      warnings.push(`${code}: ${message}`);
      log('warn', `extracting ${path.basename(archive)}: ${code}: ${message}`);
    },
  });

  const bzip2 = spec.archive === 'tar.bz2' && !opts.pureJsBzip2 ? systemBzip2() : undefined;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const input = fs.createReadStream(archive);
    const child = bzip2 ? spawn(bzip2, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] }) : undefined;
    // With a bzip2 process, done means both: tar has closed and bzip2 exited cleanly (a bzip2
    // failure may otherwise look like a short, well-formed tar).
    let pending = child ? 2 : 1;
    const settle = (e?: MurmurError) => {
      if (settled) return;
      if (!e && --pending > 0) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (e) {
        input.destroy();
        child?.kill();
        reject(e);
      } else resolve();
    };
    const onAbort = () => {
      settle(new MurmurError('CANCELLED', 'Installing the model was cancelled.'));
      // Stop writing entries already parsed from buffered data, not just reading more.
      unpack.abort(new Error('cancelled'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    let read = 0;
    input.on('data', (chunk: Buffer | string) => {
      read += chunk.length;
      opts.onBytes?.(read);
    });
    input.on('error', (e) => settle(invalid(archive, `cannot be read (${e.message})`)));
    unpack.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOSPC' || e.code === 'EDQUOT') settle(new MurmurError('DISK_FULL', `The disk is full while unpacking the model into ${dest}. Free some space and try again.`, e.message));
      else settle(invalid(archive, `is damaged or not a tar archive (${e.message})`));
    });
    unpack.on('close', () => settle());

    if (child) {
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
      child.on('error', (e) => settle(invalid(archive, `could not be decompressed (${bzip2}: ${e.message})`)));
      child.on('close', (code, signal) => {
        if (code === 0) settle();
        else settle(invalid(archive, `is not valid bzip2 data (${stderr.trim() || `bzip2 ${signal ?? `exit code ${code}`}`})`));
      });
      // bzip2 stopping early (bad data) closes its stdin: that EPIPE is reported by 'close' above.
      child.stdin?.on('error', () => undefined);
      input.pipe(child.stdin as NodeJS.WritableStream);
      child.stdout?.pipe(unpack);
    } else if (spec.archive === 'tar.bz2') {
      const decompress = bz2();
      decompress.on('error', (e: Error) => settle(invalid(archive, `is not valid bzip2 data (${e.message})`)));
      input.pipe(decompress).pipe(unpack);
    } else {
      input.pipe(unpack);
    }
  });

  if (diskFull) throw new MurmurError('DISK_FULL', `The disk is full while unpacking the model into ${dest}. Free some space and try again.`, diskFull);
  if (unsafe.length) {
    throw invalid(archive, `contains entries that point outside its folder (${unsafe.slice(0, 3).join(', ')}), so it was refused`);
  }
  if (notFiles.length) throw invalid(archive, `holds links or special files where model files belong (${notFiles.join(', ')}), so it was refused`);
  const missing = spec.files.filter((f) => {
    try {
      return !fs.lstatSync(path.join(dest, f)).isFile();
    } catch {
      return true;
    }
  });
  if (missing.length) {
    const found = [...topLevel].join(', ') || 'nothing';
    const extra = warnings.length ? ` (${warnings.slice(0, 2).join('; ')})` : '';
    throw invalid(archive, `does not contain ${missing.map((f) => prefix + f).join(', ')}; it holds ${found}${extra}`);
  }
}

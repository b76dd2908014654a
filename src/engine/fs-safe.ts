/**
 * Crash-safe file code shared by the exporter, the installer and the ORT cache: moving a staged
 * folder into place atomically, hashing files, lock files between processes, and turning an I/O
 * error into a MurmurError the user can act on. One copy, so a fix to any of them reaches all three.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError, isMurmurError, type MurmurErrorCode } from './errors';
import type { Log } from './log';

// ---------------------------------------------------------------------------------------------
// I/O errors

/** Who is writing what, so one mapping can speak for the exporter and the installer. */
export interface IoContext {
  /** The code of any failure that is not a full disk (e.g. EXPORT_UNWRITABLE, DOWNLOAD_FAILED). */
  code: MurmurErrorCode;
  /** The code when the target appeared while we worked (defaults to `code`). */
  existsCode?: MurmurErrorCode;
  /** What was being written, for the message ("the export", "the model"). */
  what: string;
  /** What to do when the folder cannot be written (a sentence). */
  fix: string;
}

/** An I/O error as something the user can act on; `where` is the path to name. A MurmurError passes through. */
export function ioError(e: unknown, where: string, ctx: IoContext): MurmurError {
  if (isMurmurError(e)) return e;
  const err = (e ?? {}) as NodeJS.ErrnoException;
  const detail = typeof err.message === 'string' ? err.message : String(e);
  switch (err.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new MurmurError('DISK_FULL', `The disk is full: ${ctx.what} could not be written to ${where}. Free some space and try again; nothing was changed there.`, detail);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new MurmurError(ctx.code, `Murmur cannot write to ${where} (${err.code === 'EROFS' ? 'read-only file system' : 'permission denied'}). ${ctx.fix}`, detail);
    case 'ENOTDIR':
      return new MurmurError(ctx.code, `Murmur cannot create a folder at ${where}: part of that path is a file, not a folder. ${ctx.fix}`, detail);
    case 'EEXIST':
    case 'ENOTEMPTY':
      return new MurmurError(ctx.existsCode ?? ctx.code, `${where} appeared while ${ctx.what} was being written. Try again, or choose another folder.`, detail);
    default:
      return new MurmurError(ctx.code, `Writing ${ctx.what} to ${where} failed: ${detail}. Check that the folder is writable and try again.`, detail);
  }
}

// ---------------------------------------------------------------------------------------------
// Atomic promote

/**
 * What is at the target just before the renames: nothing, an empty folder (removed, since rename()
 * cannot replace a directory on every platform), or something to set aside and replace.
 */
export type TargetState = 'absent' | 'empty' | 'replace';

export interface PromoteOptions {
  /** Where an existing target waits until the new one is in place; beside it, so on one filesystem. */
  aside: string;
  /**
   * Looks at the target and says what it is, throwing to refuse (the exporter refuses anything
   * that is not its own previous export). Default: whatever is there is replaced.
   */
  inspect?: (target: string) => TargetState;
  log: Log;
}

/** Default inspection: lstat, so a symlink at the target is itself set aside, never followed. */
export function targetStateOf(target: string): TargetState {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
  return st.isDirectory() && fs.readdirSync(target).length === 0 ? 'empty' : 'replace';
}

/**
 * Moves `staging` to `target` by renames, so a reader sees the old copy or the new one, never a
 * mix. An existing target is set aside first and put back if the final rename fails; once the new
 * copy is in place the old one is removed (a failure there only costs disk space, so it is logged).
 * Raw fs errors propagate: the caller maps them with its own context.
 */
export function promote(staging: string, target: string, opts: PromoteOptions): void {
  const state = (opts.inspect ?? targetStateOf)(target);
  // rmdir refuses if a file appeared in the folder meanwhile: nothing of the user's is deleted.
  if (state === 'empty') fs.rmdirSync(target);
  if (state === 'replace') fs.renameSync(target, opts.aside);
  try {
    fs.renameSync(staging, target);
  } catch (e) {
    if (state === 'replace') {
      try {
        fs.renameSync(opts.aside, target);
      } catch (restore) {
        // Say where the old copy is: it is intact, only not at its name.
        opts.log('error', `could not put the previous copy back from ${opts.aside} to ${target}: ${(restore as Error).message}`);
      }
    }
    throw e;
  }
  if (state === 'replace') {
    try {
      fs.rmSync(opts.aside, { recursive: true, force: true });
    } catch (e) {
      opts.log('warn', `could not remove the previous copy ${opts.aside}: ${(e as Error).message}`);
    }
  }
}

/** A fresh name beside `target` for its set-aside copy (`prefix` lets a caller find its leftovers). */
export function asidePath(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}${crypto.randomBytes(4).toString('hex')}`);
}

// ---------------------------------------------------------------------------------------------
// Hashing

const CHUNK = 1 << 20;

export interface HashOptions {
  /** Called with the bytes hashed so far after each chunk. */
  onBytes?: (hashed: number) => void;
  signal?: AbortSignal;
}

/**
 * Streaming sha256 of a file (archives are hundreds of MB: never read whole). Rejects with
 * CANCELLED when `signal` aborts; a read failure is passed on as the fs error, for the caller to map.
 */
export function sha256File(file: string, opts: HashOptions = {}): Promise<string> {
  const { onBytes, signal } = opts;
  if (signal?.aborted) return Promise.reject(new MurmurError('CANCELLED', `Checking ${file} was cancelled.`));
  return new Promise<string>((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    const input = fs.createReadStream(file, { highWaterMark: CHUNK });
    let hashed = 0;
    const onAbort = () => input.destroy(new MurmurError('CANCELLED', `Checking ${file} was cancelled.`));
    signal?.addEventListener('abort', onAbort, { once: true });
    input.on('data', (chunk: Buffer | string) => {
      hash.update(chunk);
      hashed += chunk.length;
      onBytes?.(hashed);
    });
    input.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    input.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(hash.digest('hex'));
    });
  });
}

/**
 * The same hash, synchronously: only for the ORT cache, whose content key is computed inside
 * synchronous exported functions (contentHash, conversionSource) that other modules call.
 */
export function sha256FileSync(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
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

// ---------------------------------------------------------------------------------------------
// Lock files

/**
 * Whether a process runs. Signal 0 only checks; EPERM means it runs under another user (and is
 * what Windows answers for some live processes), so only ESRCH and the like mean gone.
 */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A lock whose content is not a pid is one being written right now (create and write are two
 * steps) or one cut short by a crash: stale only once it has stayed like that this long.
 */
export const UNREADABLE_LOCK_GRACE_MS = 10_000;

export interface LockOptions {
  /**
   * A lock older than this is stale even if its pid runs (the pid may have been reused after a
   * crash). Leave unset when a holder may legitimately keep the lock longer without touching it.
   */
  staleAfterMs?: number;
  /**
   * A lock holding this process's own pid: 'held' (another task of this process has it, so wait)
   * or 'stale' (the caller knows it holds no such lock itself, so it is a leftover from a crashed
   * process that had the same pid).
   */
  ownPid?: 'held' | 'stale';
}

/** Why a lock is or is not stale, from its content and age. */
function isStale(content: string, ageMs: number, opts: LockOptions): boolean {
  if (opts.staleAfterMs !== undefined && ageMs > opts.staleAfterMs) return true;
  const pid = /^\d+$/.test(content.trim()) ? Number(content.trim()) : NaN;
  if (!Number.isSafeInteger(pid) || pid <= 0) return ageMs > UNREADABLE_LOCK_GRACE_MS;
  if (pid === process.pid) return opts.ownPid === 'stale';
  return !isPidAlive(pid);
}

/**
 * Takes the lock file (created exclusively, holding our pid) and returns its release, or returns
 * undefined if a live holder has it. A stale lock is removed and taken over. Errors other than
 * "exists" (an unwritable folder) are thrown as fs errors.
 */
export function tryLock(lockFile: string, opts: LockOptions = {}): (() => void) | undefined {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      try {
        fs.writeSync(fd, String(process.pid));
      } finally {
        fs.closeSync(fd);
      }
      return () => fs.rmSync(lockFile, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let content: string;
    let ageMs: number;
    try {
      content = fs.readFileSync(lockFile, 'utf8');
      ageMs = Date.now() - fs.statSync(lockFile).mtimeMs;
    } catch {
      // Released by its owner while we looked: try again.
      continue;
    }
    if (!isStale(content, ageMs, opts)) return undefined;
    fs.rmSync(lockFile, { force: true });
  }
  // Lost every race to other takers: someone live holds it now.
  return undefined;
}

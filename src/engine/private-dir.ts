/**
 * Folders and files only this user may touch: the ORT cache (whose files Murmur maps and runs) and
 * the private working and temp folders of its processes. Another local user who could plant a
 * file there could plant a model, so ownership and modes are checked, not assumed, wherever the
 * platform has them (POSIX: uid and mode bits; Windows: neither, its per-user profile folders are
 * private by their ACLs already).
 */
import * as fs from 'node:fs';
import { MurmurError } from './errors';

const posix = process.platform !== 'win32';

function ownUid(): number | undefined {
  return posix && typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Creates `dir` (and its parents) if needed and makes sure it is a directory owned by this user
 * that nobody else can write or read (mode 0700, tightened if it was looser). A folder owned by
 * someone else is refused: CACHE_UNSAFE, saying what to do. `uid` is for tests.
 */
export function ensurePrivateDir(dir: string, uid = ownUid()): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // stat, not lstat: a user may keep ~/.cache on another disk through a link; what matters is
  // who owns the folder the link leads to.
  const st = fs.statSync(dir);
  if (!st.isDirectory()) throw new MurmurError('CACHE_UNSAFE', `${dir} is not a folder. Remove it, or set MURMUR_CACHE_DIR to a folder of your own.`);
  if (uid === undefined) return;
  if (st.uid !== uid) {
    throw new MurmurError(
      'CACHE_UNSAFE',
      `The folder ${dir} belongs to another user (uid ${st.uid}), who could place models there that Murmur would run. Remove it, or set MURMUR_CACHE_DIR to a folder of your own.`,
    );
  }
  if ((st.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/**
 * True if `file` is a regular file (not a link) owned by this user: what may be read back from a
 * private folder. Anything else there was not written by Murmur.
 */
export function isOwnRegularFile(file: string, uid = ownUid()): boolean {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(file);
  } catch {
    return false;
  }
  return st.isFile() && (uid === undefined || st.uid === uid);
}

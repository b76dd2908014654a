/**
 * What a converted ORT file looked like when it was written, kept beside it (`<file>.check`): its
 * size and the sha256 of its first and last 64 KiB. A failed copy, a full disk or a stray edit
 * leaves a file that still starts with "ORTM" but that onnxruntime refuses ("ORT model
 * verification failed") at every start; the stamp lets the cache notice before mapping it, and
 * convert again instead. Reading 128 KiB costs well under a millisecond where hashing the whole
 * file (up to hundreds of MB) would cost more than the load itself. Both ends cover the
 * flatbuffer's header and root tables, which is where truncation and overwrites show first.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { isOwnRegularFile } from '../private-dir';

const EDGE = 64 * 1024;
export const STAMP_SUFFIX = '.check';

interface Stamp {
  v: 1;
  size: number;
  head: string;
  tail: string;
}

export const stampPath = (ortPath: string): string => `${ortPath}${STAMP_SUFFIX}`;

function measure(ortPath: string): Stamp {
  const fd = fs.openSync(ortPath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const edge = (from: number): string => {
      const buf = Buffer.alloc(Math.min(EDGE, size));
      const n = fs.readSync(fd, buf, 0, buf.length, from);
      return crypto.createHash('sha256').update(buf.subarray(0, n)).digest('hex');
    };
    return { v: 1, size, head: edge(0), tail: edge(Math.max(0, size - EDGE)) };
  } finally {
    fs.closeSync(fd);
  }
}

/** Records the file as it is now; call once it is complete, before it is moved into place. */
export function writeStamp(ortPath: string, target = ortPath): void {
  const file = stampPath(target);
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(8).toString('hex')}.tmp`;
  // 'wx': never through a file or link someone planted at the temp name.
  fs.writeFileSync(tmp, JSON.stringify(measure(ortPath)), { flag: 'wx', mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Why the file at `ortPath` is not the one that was written, or undefined if it is. A file without
 * a stamp (one an older Murmur converted, or a conversion cut off before its stamp) cannot be
 * vouched for and counts as changed.
 */
export function stampMismatch(ortPath: string): string | undefined {
  const file = stampPath(ortPath);
  if (!isOwnRegularFile(file)) return 'has no record of how it was written';
  let recorded: Partial<Stamp>;
  try {
    recorded = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Stamp>;
  } catch {
    return 'has an unreadable record of how it was written';
  }
  const now = measure(ortPath);
  if (recorded.size !== now.size) return `is ${now.size} bytes where ${String(recorded.size)} were written`;
  if (recorded.head !== now.head || recorded.tail !== now.tail) return 'does not hold the bytes that were written';
  return undefined;
}

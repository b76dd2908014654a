/**
 * Checks a downloaded archive against the size and sha256 the catalog pins, before a single byte
 * of it is unpacked. A mismatch means the bytes are bad (corrupted in transit, spliced from two
 * versions of the file, or not the file the catalog names), so the part is deleted: resuming it
 * could never produce the right file.
 */
import * as fs from 'node:fs';
import { MurmurError, isMurmurError } from '../errors';
import { sha256File } from '../fs-safe';
import { removePart } from './http';

export interface Expected {
  bytes: number;
  sha256: string;
  /** What the file is, for the message (URL or title). */
  name: string;
}

/** Throws DOWNLOAD_CHECKSUM (after deleting the bad part and its sidecar) unless size and hash match. */
export async function verifyDownload(partFile: string, expected: Expected, onBytes?: (hashed: number) => void, signal?: AbortSignal): Promise<void> {
  const size = fs.statSync(partFile).size;
  if (size !== expected.bytes) {
    removePart(partFile);
    throw new MurmurError(
      'DOWNLOAD_CHECKSUM',
      `The download of ${expected.name} has ${size} bytes but should have ${expected.bytes}. The damaged file was deleted; try again (it starts over).`,
    );
  }
  let got: string;
  try {
    got = await sha256File(partFile, { onBytes, signal });
  } catch (e) {
    if (isMurmurError(e)) throw e;
    throw new MurmurError('DOWNLOAD_FAILED', `Cannot read ${partFile}: ${(e as Error).message}. Try the download again.`);
  }
  if (got !== expected.sha256.toLowerCase()) {
    removePart(partFile);
    throw new MurmurError(
      'DOWNLOAD_CHECKSUM',
      `The download of ${expected.name} is corrupt: its sha256 is ${got}, expected ${expected.sha256}. The bad file was deleted; try again (it starts over). If it happens again, the file has changed upstream: update Murmur.`,
    );
  }
}

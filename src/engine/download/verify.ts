/**
 * Checks a downloaded archive against the size and sha256 the catalog pins, before a single byte
 * of it is unpacked. A mismatch means the bytes are bad (corrupted in transit, spliced from two
 * versions of the file, or not the file the catalog names), so the part is deleted: resuming it
 * could never produce the right file.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { MurmurError } from '../errors';
import { removePart } from './http';

/** Streaming sha256 (archives are hundreds of MB: never read whole into memory). */
export function sha256File(file: string, onBytes?: (hashed: number) => void, signal?: AbortSignal): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const hash = crypto.createHash('sha256');
    const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
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
      reject(e instanceof MurmurError ? e : new MurmurError('DOWNLOAD_FAILED', `Cannot read ${file}: ${e.message}`));
    });
    input.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(hash.digest('hex'));
    });
  });
}

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
  const got = await sha256File(partFile, onBytes, signal);
  if (got !== expected.sha256.toLowerCase()) {
    removePart(partFile);
    throw new MurmurError(
      'DOWNLOAD_CHECKSUM',
      `The download of ${expected.name} is corrupt: its sha256 is ${got}, expected ${expected.sha256}. The bad file was deleted; try again (it starts over). If it happens again, the file has changed upstream: update Murmur.`,
    );
  }
}

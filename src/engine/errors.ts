/**
 * Errors the engine raises for things a user can fix. Every one carries a stable `code` (so the
 * sidecar can send it over the protocol and the extension can offer the right action) and a
 * message that says what is wrong and what to do about it.
 */
export type MurmurErrorCode =
  | 'MODEL_NOT_FOUND'
  | 'MODEL_FILE_MISSING'
  | 'MODEL_NOT_ONNX'
  | 'MODEL_TRUNCATED'
  | 'MODEL_WRONG_FAMILY'
  | 'MODEL_DEEPSPEECH'
  | 'MODEL_TOKENS_MISMATCH'
  | 'MODEL_LOAD_FAILED'
  | 'MODEL_UNSAFE'
  | 'CACHE_UNSAFE'
  | 'AUDIO_UNSUPPORTED'
  | 'AUDIO_NOT_FOUND'
  | 'MIC_RECORDER_MISSING'
  | 'MIC_DEVICE_ERROR'
  /** A device name that could make the recorder run a command, or names no known device (device-name.ts). */
  | 'MIC_DEVICE_REFUSED'
  | 'PROTOCOL_INVALID'
  | 'EXPORT_EXISTS'
  | 'EXPORT_UNWRITABLE'
  | 'EXPORT_UNSUPPORTED'
  | 'DISK_FULL'
  | 'DOWNLOAD_FAILED'
  | 'DOWNLOAD_CHECKSUM'
  | 'DOWNLOAD_TRUNCATED'
  | 'ARCHIVE_INVALID'
  | 'CANCELLED'
  | 'BUSY'
  | 'NO_MODEL'
  | 'INTERNAL';

export class MurmurError extends Error {
  constructor(
    readonly code: MurmurErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'MurmurError';
  }
}

export function isMurmurError(e: unknown): e is MurmurError {
  return e instanceof MurmurError;
}

/** Converts anything thrown into a MurmurError, keeping user-facing errors as they are. */
export function toMurmurError(e: unknown, fallback: MurmurErrorCode = 'INTERNAL'): MurmurError {
  if (e instanceof MurmurError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new MurmurError(fallback, message);
}

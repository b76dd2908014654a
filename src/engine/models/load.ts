/**
 * The one entry point from a user's model location to a LoadedModel of the right family.
 * PLACEHOLDER until detection (detect.ts) and both families land.
 */
import type { Log } from '../log';
import type { LoadedModel } from '../recognizer';
import type { ModelLocation } from './spec';

export interface ModelLoadOptions {
  threads: number;
  /** Silero VAD ONNX file; defaults to the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  /** Load ONNX directly, bypassing the ORT/mmap cache. */
  noCache?: boolean;
  log?: Log;
}

export async function loadModel(_location: ModelLocation, _options: ModelLoadOptions): Promise<LoadedModel> {
  throw new Error('loadModel: not implemented yet');
}

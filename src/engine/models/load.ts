/**
 * The one entry point from a user's model location to a LoadedModel of the right family.
 */
import type { Log } from '../log';
import type { LoadedModel } from '../recognizer';
import { resolveModel } from './detect';
import { loadMoonshineModel } from './moonshine/model';
import { loadParakeetModel } from './parakeet/model';
import type { ModelLocation } from './spec';
import { loadWhisperModel } from './whisper/model';
import { loadZipformerModel } from './zipformer/model';
import { loadNemotronModel } from './nemotron/model';

export interface ModelLoadOptions {
  threads: number;
  /** Silero VAD ONNX file; defaults to the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  /** Load ONNX directly, bypassing the ORT/mmap cache. */
  noCache?: boolean;
  log?: Log;
}

export async function loadModel(location: ModelLocation, options: ModelLoadOptions): Promise<LoadedModel> {
  const resolved = resolveModel(location);
  const { files, onnx } = resolved;
  options.log?.('info', `loading ${files.family} model: ${Object.values(onnx).map((o) => o.path).join(', ')}`);
  switch (files.family) {
    case 'moonshine':
      return loadMoonshineModel(files, options);
    case 'whisper':
      return loadWhisperModel(files, { ...options, encoderMetadata: onnx.encoder.metadata });
    case 'parakeet':
      return loadParakeetModel(files, { ...options, encoderMetadata: onnx.encoder.metadata });
    case 'nemotron':
      return loadNemotronModel(files, options, onnx.encoder.metadata);
    case 'zipformer':
      return loadZipformerModel(files, { encoder: onnx.encoder.metadata, decoder: onnx.decoder.metadata, joiner: onnx.joiner.metadata }, options);
  }
}

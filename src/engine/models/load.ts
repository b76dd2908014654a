/**
 * The one entry point from a user's model location to a LoadedModel of the right family.
 */
import type { Log } from '../log';
import type { LoadedModel } from '../recognizer';
import { MurmurError } from '../errors';
import { resolveModel } from './detect';
import { loadMoonshineModel } from './moonshine/model';
import type { ModelLocation } from './spec';
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
    case 'zipformer':
      break;
    case 'nemotron':
      return loadNemotronModel(files, options, onnx.encoder.metadata);
    default:
      // Detection does not yet resolve these families (issue 17, in progress).
      throw new MurmurError('MODEL_WRONG_FAMILY', `${files.family} models are not supported yet.`);
  }
  return loadZipformerModel(files, { encoder: onnx.encoder.metadata, decoder: onnx.decoder.metadata, joiner: onnx.joiner.metadata }, options);
}

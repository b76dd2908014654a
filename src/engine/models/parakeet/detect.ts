/**
 * Telling sherpa-onnx's NeMo transducer exports from Zipformers, and the offline ones (Parakeet TDT)
 * from the cache-aware streaming ones (Nemotron), by the encoder graph:
 * - NeMo encoders take `audio_signal` (features, channels first) and `length`, and carry NeMo's
 *   metadata (pred_rnn_layers, pred_hidden); Zipformer encoders take `x` and carry model_type
 *   zipformer/zipformer2.
 * - Streaming NeMo encoders also take their caches (`cache_last_channel`, `cache_last_time`).
 * Then the offline files are checked as sherpa-onnx would load them, with errors that say what to do.
 */
import { MurmurError } from '../../errors';
import type { OnnxInfo } from '../../onnx/metadata';
import type { ModelFamily } from '../../recognizer';
import type { NemoTransducerFiles } from '../spec';
import { readParakeetConfig } from './config';
import { readParakeetTokens } from './tokens';

export function nemoTransducerKind(encoder: OnnxInfo): 'parakeet' | 'nemotron' | undefined {
  const nemo = encoder.inputs.includes('audio_signal') || encoder.metadata.pred_rnn_layers !== undefined;
  if (!nemo) return undefined;
  return encoder.inputs.some((i) => i.startsWith('cache_last_')) ? 'nemotron' : 'parakeet';
}

export interface TransducerCandidates {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

/**
 * The NeMo transducer these files are, checked (Parakeet) or outlined (Nemotron, whose checks live
 * with its family), or undefined when the encoder is not a NeMo one (and the user did not ask for
 * a NeMo family, which is then an error).
 */
export function resolveNemoTransducer(
  files: TransducerCandidates,
  read: (file: string) => OnnxInfo,
  forced: ModelFamily | undefined,
): { files: NemoTransducerFiles; onnx: Record<string, OnnxInfo> } | undefined {
  const encoder = read(files.encoder);
  const kind = nemoTransducerKind(encoder);
  if (!kind) {
    if (forced === 'parakeet' || forced === 'nemotron') {
      throw new MurmurError(
        'MODEL_WRONG_FAMILY',
        `${files.encoder} is not a NeMo transducer encoder (inputs: ${encoder.inputs.slice(0, 4).join(', ')}; expected audio_signal and length). Set murmur.model.family to "auto", or use the encoder of a sherpa-onnx NeMo export.`,
      );
    }
    return undefined;
  }
  if (forced && forced !== kind) {
    const what = kind === 'parakeet' ? 'an offline NeMo transducer (Parakeet)' : 'a streaming NeMo transducer (Nemotron)';
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} is ${what}, but murmur.model.family is "${forced}". Set it to "auto" or "${kind}".`);
  }
  const decoder = read(files.decoder);
  const joiner = read(files.joiner);
  const onnx = { encoder, decoder, joiner };
  const resolved: NemoTransducerFiles = { family: kind, ...files };
  if (kind === 'nemotron') return { files: resolved, onnx };
  if (encoder.inputs.length < 2 || encoder.outputs.length < 2) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} should take features and their length and give encoder frames and their length (it has ${encoder.inputs.length} inputs, ${encoder.outputs.length} outputs). Use the encoder of a sherpa-onnx NeMo export.`);
  }
  if (decoder.inputs.length !== 4 || decoder.outputs.length < 4) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.decoder} is not a NeMo LSTM prediction network (inputs targets, target_length and two states expected; it has ${decoder.inputs.slice(0, 5).join(', ')}). Use the decoder of the same sherpa-onnx NeMo export.`,
    );
  }
  if (joiner.inputs.length !== 2) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.joiner} is not a NeMo joiner (two inputs expected, it has ${joiner.inputs.length}). Use the joiner of the same sherpa-onnx NeMo export.`);
  }
  const config = readParakeetConfig(encoder.metadata, files.encoder);
  readParakeetTokens(files.tokens, config.vocabSize, files.encoder);
  return { files: resolved, onnx };
}

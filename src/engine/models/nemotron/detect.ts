/**
 * Detection of a cache-aware streaming NeMo transducer (Nemotron speech streaming, streaming
 * FastConformer) among transducer files, from the ONNX graphs and metadata:
 * - encoder inputs audio_signal, length, cache_last_channel, cache_last_time, cache_last_channel_len
 *   and the streaming metadata sherpa-onnx reads (window_size, chunk_shift, cache dims...);
 *   an encoder with audio_signal and no caches is an offline NeMo model (Parakeet), not this family;
 * - a decoder with LSTM states (4 inputs: targets, target_length, h, c; sherpa-onnx tells NeMo from
 *   Zipformer decoders by their extra outputs), a joiner of two inputs;
 * - tokens.txt with vocab_size + 1 lines, <blk> last.
 */
import { MurmurError } from '../../errors';
import type { OnnxInfo } from '../../onnx/metadata';
import type { ModelFamily } from '../../recognizer';
import type { NemoTransducerFiles } from '../spec';
import { scanTokens } from '../zipformer/tokens';
import { parseNemotronConfig } from './config';
import * as fs from 'node:fs';

const CACHE_INPUTS = ['cache_last_channel', 'cache_last_time', 'cache_last_channel_len'];

/** 'streaming': a cache-aware NeMo encoder; 'offline': a NeMo encoder without caches; undefined: not NeMo. */
export function nemoEncoderKind(encoder: OnnxInfo): 'streaming' | 'offline' | undefined {
  if (!encoder.inputs.includes('audio_signal')) return undefined;
  return CACHE_INPUTS.every((n) => encoder.inputs.includes(n)) ? 'streaming' : 'offline';
}

export interface TransducerCandidates {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

/**
 * The Nemotron reading of transducer files, or undefined when they are not a streaming NeMo model
 * and the user did not ask for one. A family forced by the user that disagrees with the files is an
 * error that says which family they are.
 */
export function resolveNemotron(
  forced: ModelFamily | 'auto' | undefined,
  files: TransducerCandidates,
  read: (file: string) => OnnxInfo,
): { files: NemoTransducerFiles; onnx: Record<string, OnnxInfo> } | undefined {
  const encoder = read(files.encoder);
  const kind = nemoEncoderKind(encoder);
  if (kind === 'streaming' && forced === 'zipformer') {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.encoder} is a cache-aware streaming NeMo transducer (Nemotron), not a Zipformer. Set murmur.model.family to "nemotron" or "auto".`);
  }
  if (forced !== 'nemotron' && kind !== 'streaming') return undefined;
  if (kind === 'offline') {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.encoder} is an offline NeMo transducer encoder (audio_signal without cache_last_channel/cache_last_time inputs), such as Parakeet, not a cache-aware streaming one. Set murmur.model.family to "parakeet" or "auto".`,
    );
  }
  if (kind !== 'streaming') {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.encoder} is not a cache-aware streaming NeMo encoder (inputs: ${encoder.inputs.slice(0, 5).join(', ')}; expected audio_signal, length, ${CACHE_INPUTS.join(', ')}). Use a sherpa-onnx Nemotron / streaming FastConformer transducer, or set murmur.model.family to "auto".`,
    );
  }
  const config = parseNemotronConfig(encoder.metadata, files.encoder);
  const decoder = read(files.decoder);
  const joiner = read(files.joiner);
  if (decoder.inputs.length !== 4 || decoder.outputs.length !== 4) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${files.decoder} is not the decoder of a NeMo transducer (expected 4 inputs: targets, target_length and the LSTM states; found ${decoder.inputs.length}). Use the decoder that came with this model.`,
    );
  }
  if (joiner.inputs.length !== 2) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${files.joiner} is not the joiner of a NeMo transducer (expected 2 inputs, found ${joiner.inputs.length}). Use the joiner that came with this model.`);
  }
  let text: string;
  try {
    text = fs.readFileSync(files.tokens, 'utf8');
  } catch (e) {
    throw new MurmurError('MODEL_LOAD_FAILED', `Cannot read the tokens file ${files.tokens}: ${(e as Error).message}. Check the file's permissions.`);
  }
  const scan = scanTokens(text);
  if (scan.count !== config.vocabSize) {
    throw new MurmurError(
      'MODEL_TOKENS_MISMATCH',
      `${files.tokens} has ${scan.count} tokens but ${files.encoder} has vocab_size=${config.vocabSize - 1} plus the blank (${config.vocabSize}). Use the tokens.txt that came with this model.`,
    );
  }
  const why = scan.problem ?? scan.outOfRange;
  if (why) throw new MurmurError('MODEL_TOKENS_MISMATCH', `${files.tokens} is not a sherpa-onnx tokens.txt: ${why}. Use the tokens.txt that came with this model.`);
  if (scan.pieces[config.vocabSize - 1] !== '<blk>') {
    throw new MurmurError('MODEL_TOKENS_MISMATCH', `${files.tokens}: the last token is not <blk>, as a NeMo transducer's tokens.txt has it. Use the tokens.txt that came with this model.`);
  }
  return { files: { family: 'nemotron', ...files }, onnx: { encoder, decoder, joiner } };
}

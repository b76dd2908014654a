/**
 * What a cache-aware streaming NeMo transducer's encoder metadata says (sherpa-onnx's
 * online-transducer-nemo-model.cc reads the same keys), parsed with bounds: the model folder is
 * hostile input, and these numbers size the cache tensors Murmur allocates per stream.
 */
import { MurmurError } from '../../errors';
import type { OnnxMetadata } from '../spec';

export interface NemotronConfig {
  /** Feature frames per encoder call (window_size = chunk + pre-encode cache). */
  windowSize: number;
  /** Frames the window advances per call (chunk_shift). */
  chunkShift: number;
  subsamplingFactor: number;
  /** Tokens including the blank (metadata vocab_size + 1, as sherpa-onnx counts). */
  vocabSize: number;
  predRnnLayers: number;
  predHidden: number;
  /** cache_last_channel [1, dim1, dim2, dim3] and cache_last_time [1, dim1, dim2, dim3]. */
  cacheLastChannel: [number, number, number];
  cacheLastTime: [number, number, number];
}

/** Keys without which sherpa-onnx refuses the model too. */
export const REQUIRED_KEYS = [
  'vocab_size',
  'window_size',
  'chunk_shift',
  'subsampling_factor',
  'pred_rnn_layers',
  'pred_hidden',
  'cache_last_channel_dim1',
  'cache_last_channel_dim2',
  'cache_last_channel_dim3',
  'cache_last_time_dim1',
  'cache_last_time_dim2',
  'cache_last_time_dim3',
] as const;

/** Elements of one stream's caches: generous for real models (the 0.6B's are under 2 M), small enough to refuse nonsense. */
const MAX_CACHE_ELEMENTS = 64 * 1024 * 1024;

function integer(metadata: OnnxMetadata, key: (typeof REQUIRED_KEYS)[number], source: string, min: number, max: number): number {
  const raw = metadata[key];
  if (raw === undefined || raw.trim() === '') {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${source} has no metadata key "${key}": it is not a sherpa-onnx export of a cache-aware streaming NeMo transducer. Use the encoder that came with the model (sherpa-onnx's scripts/nemo export writes it).`,
    );
  }
  const value = /^\s*[0-9]+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${source}: metadata ${key}="${raw.slice(0, 20)}" is not an integer in [${min}, ${max}]. The model file is damaged or not a NeMo streaming export.`);
  }
  return value;
}

export function parseNemotronConfig(metadata: OnnxMetadata, source: string): NemotronConfig {
  const get = (key: (typeof REQUIRED_KEYS)[number], min: number, max: number) => integer(metadata, key, source, min, max);
  const config: NemotronConfig = {
    windowSize: get('window_size', 1, 4096),
    chunkShift: get('chunk_shift', 1, 4096),
    subsamplingFactor: get('subsampling_factor', 1, 64),
    vocabSize: get('vocab_size', 1, 1_000_000) + 1,
    predRnnLayers: get('pred_rnn_layers', 1, 16),
    predHidden: get('pred_hidden', 1, 8192),
    cacheLastChannel: [get('cache_last_channel_dim1', 1, 256), get('cache_last_channel_dim2', 1, 100_000), get('cache_last_channel_dim3', 1, 16_384)],
    cacheLastTime: [get('cache_last_time_dim1', 1, 256), get('cache_last_time_dim2', 1, 16_384), get('cache_last_time_dim3', 1, 1024)],
  };
  const elements = (d: number[]) => d.reduce((a, b) => a * b, 1);
  if (elements(config.cacheLastChannel) + elements(config.cacheLastTime) > MAX_CACHE_ELEMENTS) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${source}: the cache sizes in its metadata (cache_last_channel_dim*, cache_last_time_dim*) are implausibly large. The model file is damaged.`);
  }
  if (config.chunkShift > config.windowSize) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${source}: metadata chunk_shift (${config.chunkShift}) is larger than window_size (${config.windowSize}). The model file is damaged.`);
  }
  return config;
}

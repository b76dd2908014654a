/**
 * What an offline NeMo transducer's encoder metadata says, read as sherpa-onnx reads it
 * (offline-transducer-nemo-model.cc InitEncoder), with bounds: the values size tensors and tables,
 * and a model folder is untrusted input, so "pred_hidden=4000000000" is an error, not an allocation.
 */
import { MurmurError } from '../../errors';
import { parseNemoNormalizeType, type NemoNormalizeType } from '../../features/nemo-mel';
import type { OnnxMetadata } from '../spec';

export interface ParakeetConfig {
  /** Output classes of the joiner's token part: NeMo's vocab_size plus the blank (which is last). */
  vocabSize: number;
  blankId: number;
  featDim: number;
  normalize: NemoNormalizeType;
  predLayers: number;
  predHidden: number;
  subsampling: number;
  /** Token-and-duration transducer; sherpa-onnx tells it by "tdt" in the url metadata. */
  isTdt: boolean;
}

const LIMITS = {
  vocab_size: [1, 1 << 18],
  pred_rnn_layers: [1, 16],
  pred_hidden: [1, 8192],
  subsampling_factor: [1, 64],
  feat_dim: [16, 256],
} as const;

function integer(metadata: OnnxMetadata, key: keyof typeof LIMITS, file: string, fallback?: number): number {
  const raw = metadata[key];
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${file} has no "${key}" metadata, which sherpa-onnx's NeMo transducer export writes. Use the encoder of a sherpa-onnx NeMo export (e.g. sherpa-onnx-nemo-parakeet-tdt-0.6b-v3-int8).`,
    );
  }
  const [min, max] = LIMITS[key];
  const value = /^\s*-?[0-9]{1,10}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata ${key}="${raw.slice(0, 20)}" is not an integer in [${min}, ${max}]. The model file is damaged or not a NeMo transducer export.`);
  }
  return value;
}

export function readParakeetConfig(metadata: OnnxMetadata, encoderFile: string): ParakeetConfig {
  if (metadata.is_giga_am !== undefined && metadata.is_giga_am.trim() !== '0') {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${encoderFile} is a GigaAM transducer (is_giga_am metadata), whose features differ from Parakeet's; Murmur does not support it.`);
  }
  const vocab = integer(metadata, 'vocab_size', encoderFile);
  let normalize: NemoNormalizeType;
  try {
    normalize = parseNemoNormalizeType(metadata.normalize_type);
  } catch (e) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${encoderFile}: ${(e as Error).message}.`);
  }
  return {
    vocabSize: vocab + 1,
    blankId: vocab,
    // sherpa-onnx: feat_dim absent means its default, 80 bins.
    featDim: integer(metadata, 'feat_dim', encoderFile, 80),
    normalize,
    predLayers: integer(metadata, 'pred_rnn_layers', encoderFile),
    predHidden: integer(metadata, 'pred_hidden', encoderFile),
    subsampling: integer(metadata, 'subsampling_factor', encoderFile),
    isTdt: (metadata.url ?? '').includes('tdt'),
  };
}

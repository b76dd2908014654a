/**
 * The shape of a Moonshine ONNX pair, read from the sessions' declared inputs rather than assumed,
 * so tiny (6 layers, head_dim 36) and base (8 layers, head_dim 52) load alike and a wrong file
 * fails at load with a message instead of at the first utterance with an onnxruntime error.
 */
import type * as ort from 'onnxruntime-node';
import { MurmurError } from '../../errors';
import { TIED_PROJECTION_INPUT } from '../../onnx/tied-projection';

export interface MoonshineLayout {
  layers: number;
  kvHeads: number;
  headDim: number;
  /** Width of the encoder output (288 for tiny). */
  hiddenDim: number;
}

const PAST = /^past_key_values\.(\d+)\.(decoder|encoder)\.(key|value)$/;

export function readLayout(encoder: ort.InferenceSession, decoder: ort.InferenceSession, encoderPath: string, decoderPath: string): MoonshineLayout {
  if (!encoder.inputNames.includes('input_values') || !encoder.outputNames.includes('last_hidden_state')) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${encoderPath} is not a Moonshine encoder (expected input "input_values" and output "last_hidden_state"). Use encoder_model.onnx from a Moonshine ONNX export.`,
    );
  }
  const wrongDecoder = (why: string) =>
    new MurmurError('MODEL_WRONG_FAMILY', `${decoderPath} is not a merged Moonshine decoder (${why}). Use decoder_model_merged.onnx from a Moonshine ONNX export.`);
  for (const name of ['input_ids', 'encoder_hidden_states', 'use_cache_branch']) {
    if (!decoder.inputNames.includes(name)) throw wrongDecoder(`no input "${name}"`);
  }
  if (!decoder.outputNames.includes('logits') && !decoder.outputNames.includes(TIED_PROJECTION_INPUT)) throw wrongDecoder('no output "logits"');

  let layers = 0;
  let kvHeads = 0;
  let headDim = 0;
  for (const meta of decoder.inputMetadata) {
    const m = PAST.exec(meta.name);
    if (!m) continue;
    layers = Math.max(layers, Number(m[1]) + 1);
    if (meta.isTensor && typeof meta.shape[1] === 'number' && typeof meta.shape[3] === 'number') {
      kvHeads = meta.shape[1];
      headDim = meta.shape[3];
    }
  }
  if (layers === 0 || kvHeads <= 0 || headDim <= 0) throw wrongDecoder('no past_key_values.N.{decoder,encoder}.{key,value} inputs with fixed head shape');
  for (let i = 0; i < layers; i++) {
    for (const name of kvNames(i, 'past_key_values')) {
      if (!decoder.inputNames.includes(name)) throw wrongDecoder(`no input "${name}"`);
    }
    for (const name of kvNames(i, 'present')) {
      if (!decoder.outputNames.includes(name)) throw wrongDecoder(`no output "${name}"`);
    }
  }

  const hidden = decoder.inputMetadata.find((m) => m.name === 'encoder_hidden_states');
  const hiddenDim = hidden?.isTensor && typeof hidden.shape[2] === 'number' ? hidden.shape[2] : 0;
  if (hiddenDim <= 0) throw wrongDecoder('encoder_hidden_states has no fixed width');
  return { layers, kvHeads, headDim, hiddenDim };
}

/** The four cache names of one layer, in the order decoder key, decoder value, encoder key, encoder value. */
export function kvNames(layer: number, prefix: 'past_key_values' | 'present'): string[] {
  return ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value'].map((s) => `${prefix}.${layer}.${s}`);
}

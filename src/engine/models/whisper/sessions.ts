/**
 * The input and output names sherpa-onnx's Whisper export gives its two graphs, checked once the
 * sessions exist (an ORT-format export has no outline detection could read beforehand).
 */
import type * as ort from 'onnxruntime-node';
import { MurmurError } from '../../errors';
import type { WhisperFiles } from '../spec';

export const WHISPER_ENCODER_IO = { inputs: ['mel'], outputs: ['n_layer_cross_k', 'n_layer_cross_v'] };
export const WHISPER_DECODER_IO = {
  inputs: ['tokens', 'in_n_layer_self_k_cache', 'in_n_layer_self_v_cache', 'n_layer_cross_k', 'n_layer_cross_v', 'offset'],
  outputs: ['logits', 'out_n_layer_self_k_cache', 'out_n_layer_self_v_cache'],
};

function check(session: ort.InferenceSession, io: { inputs: string[]; outputs: string[] }, file: string, role: string): void {
  const lacking = [...io.inputs.filter((n) => !session.inputNames.includes(n)), ...io.outputs.filter((n) => !session.outputNames.includes(n))];
  if (lacking.length) {
    throw new MurmurError(
      'MODEL_WRONG_FAMILY',
      `${file} is not a sherpa-onnx Whisper ${role}: it lacks ${lacking.join(', ')} (it has inputs ${session.inputNames.join(', ')}). Use the *-${role}.onnx (or *-${role}.int8.onnx) that came with the model.`,
    );
  }
}

export function checkWhisperSessions(encoder: ort.InferenceSession, decoder: ort.InferenceSession, files: WhisperFiles): void {
  check(encoder, WHISPER_ENCODER_IO, files.encoder, 'encoder');
  check(decoder, WHISPER_DECODER_IO, files.decoder, 'decoder');
}

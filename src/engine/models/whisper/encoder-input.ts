/**
 * The encoder's `mel` input for one utterance, as sherpa-onnx's OfflineRecognizerWhisperImpl
 * builds it (DecodeStream):
 * - at most 3000 - 50 frames are used (Whisper's 30 s window, with room for some zero tail; longer
 *   audio is cut there);
 * - NormalizeWhisperFeatures over those frames: log10 of max(energy, 1e-10), floored at the
 *   utterance's maximum minus 8, then (x + 4) / 4;
 * - 1000 frames of zeros appended (sherpa's default tail padding, without which the model does not
 *   find the end of text), the total capped at 3000;
 * - transposed to [1, n_mels, T].
 */
import { WhisperMel } from './mel';

export const MAX_FRAMES = 3000;
/** sherpa-onnx keeps 50 frames of the window free so that some zero tail always follows. */
export const MAX_SPEECH_FRAMES = MAX_FRAMES - 50;
export const TAIL_PADDING_FRAMES = 1000;

export interface EncoderInput {
  /** [n_mels, T] row-major (the tensor [1, n_mels, T]). */
  mel: Float32Array;
  nMels: number;
  /** T: speech frames plus tail padding. */
  totalFrames: number;
  /** Frames of the utterance itself (after the 30 s cut): the decoder's token budget follows it. */
  speechFrames: number;
}

export function whisperEncoderInput(mel: WhisperMel, samples: Float32Array): EncoderInput {
  const nMels = mel.numBins;
  const { frames, energies } = mel.compute(samples, MAX_SPEECH_FRAMES);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < energies.length; i++) {
    const v = Math.fround(Math.log10(Math.max(energies[i], 1e-10)));
    energies[i] = v;
    if (v > max) max = v;
  }
  const floor = Math.fround(max - 8);
  const totalFrames = Math.min(frames + TAIL_PADDING_FRAMES, MAX_FRAMES);
  const out = new Float32Array(nMels * totalFrames);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < nMels; b++) out[b * totalFrames + t] = (Math.max(energies[t * nMels + b], floor) + 4) / 4;
  }
  return { mel: out, nMels, totalFrames, speechFrames: frames };
}

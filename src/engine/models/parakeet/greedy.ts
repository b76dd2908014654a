/**
 * Greedy search over a NeMo transducer's encoder frames, step for step as sherpa-onnx's
 * offline-transducer-greedy-search-nemo-decoder.cc (no blank penalty), so the tokens are identical:
 *
 * TDT (token-and-duration): at frame t the joiner gives token logits (blank last) and duration
 * logits; the argmax token is emitted unless blank (feeding the prediction network), the argmax
 * duration is how many frames to skip, and:
 * - a skip > 0 resets the tokens-this-frame count;
 * - at 5 tokens on one frame, skip 1;
 * - blank with skip 0 becomes skip 1.
 * Plain RNN-T: per frame, up to 10 tokens until the argmax is blank.
 */
import type { EncoderOutput, ParakeetNets } from './nets';

export interface SearchResult {
  tokens: number[];
  /** Encoder frame of each token. */
  frames: number[];
  /** TDT: the duration (frames) predicted with each token. */
  durations: number[];
}

const MAX_TOKENS_PER_FRAME_TDT = 5;
const MAX_SYMBOLS_PER_FRAME = 10;

/** Index of the first largest value in data[from, to), as std::max_element. */
export function argmaxRange(data: Float32Array, from: number, to: number): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (data[i] > data[best]) best = i;
  return best - from;
}

export async function greedyTdt(nets: ParakeetNets, enc: EncoderOutput): Promise<SearchResult> {
  const { vocabSize, blankId } = nets.config;
  const result: SearchResult = { tokens: [], frames: [], durations: [] };
  const zero = nets.zeroState();
  let state = await nets.predict(blankId, zero.h, zero.c);
  let tokensThisFrame = 0;
  let skip = 0;
  for (let t = 0; t < enc.numFrames; t += skip) {
    const logits = await nets.join(enc, t, state.out);
    const numDurations = logits.length - vocabSize;
    if (numDurations < 1) throw new Error(`the joiner gives ${logits.length} logits for ${vocabSize} tokens: no TDT durations`);
    const y = argmaxRange(logits, 0, vocabSize);
    // Note that skip can be 0.
    skip = argmaxRange(logits, vocabSize, logits.length);
    if (y !== blankId) {
      result.tokens.push(y);
      result.frames.push(t);
      result.durations.push(skip);
      state = await nets.predict(y, state.h, state.c);
      tokensThisFrame++;
    }
    if (skip > 0) tokensThisFrame = 0;
    if (tokensThisFrame >= MAX_TOKENS_PER_FRAME_TDT) {
      tokensThisFrame = 0;
      skip = 1;
    }
    if (y === blankId && skip === 0) {
      tokensThisFrame = 0;
      skip = 1;
    }
  }
  return result;
}

export async function greedyRnnt(nets: ParakeetNets, enc: EncoderOutput): Promise<SearchResult> {
  const { vocabSize, blankId } = nets.config;
  const result: SearchResult = { tokens: [], frames: [], durations: [] };
  const zero = nets.zeroState();
  let state = await nets.predict(blankId, zero.h, zero.c);
  for (let t = 0; t < enc.numFrames; t++) {
    for (let q = 0; q < MAX_SYMBOLS_PER_FRAME; q++) {
      const logits = await nets.join(enc, t, state.out);
      const y = argmaxRange(logits, 0, vocabSize);
      if (y === blankId) break;
      result.tokens.push(y);
      result.frames.push(t);
      state = await nets.predict(y, state.h, state.c);
    }
  }
  return result;
}

/**
 * Modified beam search over a NeMo transducer (TDT or plain), as sherpa-onnx's
 * offline-transducer-modified-beam-search-nemo-decoder.cc does it (without hotwords):
 *
 * Each hypothesis has its own frame position. Every round, the hypotheses at the smallest position
 * are expanded (the others carried over): the prediction network is fed the last token from the
 * hypothesis' stored state, the joiner scores the frame, token logits are log-softmaxed and the
 * best `beam` tokens each make a candidate scoring log P(token) + log P(best duration) + the
 * hypothesis' score. Blank and <unk> keep the state and advance max(1, duration) frames; other
 * tokens are appended and advance by the duration (TDT; 0 stays) or stay (plain RNN-T). At 10
 * tokens on one frame a hypothesis is forced on by one frame. The best `beam` candidates survive;
 * at the end the best-scoring hypothesis wins.
 *
 * Scores are accumulated in float32 as sherpa-onnx does, so that rankings agree with it.
 */
import type * as ort from 'onnxruntime-node';
import type { SearchResult } from './greedy';
import type { EncoderOutput, ParakeetNets } from './nets';

const MAX_SYMBOLS_PER_FRAME = 10;
const f32 = Math.fround;

interface Hypothesis {
  tokens: number[];
  frames: number[];
  durations: number[];
  score: number;
  /** LSTM state before the last token (the prediction network is fed that token from it). */
  h: ort.Tensor;
  c: ort.Tensor;
  frame: number;
  /** Tokens emitted on the current frame. */
  symbols: number;
}

/** sherpa-onnx's LogSoftmax<float> over data[from, from + n), in place. */
export function logSoftmaxF32(data: Float32Array, from: number, n: number): void {
  let m = data[from];
  for (let i = from + 1; i < from + n; i++) if (data[i] > m) m = data[i];
  let sum = 0;
  for (let i = from; i < from + n; i++) sum = f32(sum + f32(Math.exp(f32(data[i] - m))));
  const offset = f32(m + f32(Math.log(sum)));
  for (let i = from; i < from + n; i++) data[i] = data[i] - offset;
}

/** Indices of the k largest values of data[0, n), largest first. */
function topK(data: Float32Array, n: number, k: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => data[b] - data[a] || a - b);
  return idx.slice(0, Math.max(0, Math.min(n, k)));
}

export async function modifiedBeamSearch(nets: ParakeetNets, enc: EncoderOutput, beam: number, unkId: number): Promise<SearchResult> {
  const { vocabSize, blankId, isTdt } = nets.config;
  const zero = nets.zeroState();
  let hyps: Hypothesis[] = [{ tokens: [], frames: [], durations: [], score: 0, h: zero.h, c: zero.c, frame: 0, symbols: 0 }];
  let numDurations = 0;
  for (;;) {
    const minFrame = Math.min(enc.numFrames, ...hyps.map((h) => h.frame));
    if (minFrame >= enc.numFrames) break;
    const candidates: Hypothesis[] = [];
    for (const hyp of hyps) {
      if (hyp.frame > minFrame) {
        candidates.push(hyp);
        continue;
      }
      if (hyp.symbols >= MAX_SYMBOLS_PER_FRAME) {
        candidates.push({ ...hyp, frame: hyp.frame + 1, symbols: 0 });
        continue;
      }
      const last = hyp.tokens.length ? hyp.tokens[hyp.tokens.length - 1] : blankId;
      const next = await nets.predict(last, hyp.h, hyp.c);
      const logits = await nets.join(enc, hyp.frame, next.out);
      if (isTdt && numDurations === 0 && logits.length > vocabSize) numDurations = logits.length - vocabSize;
      const tokenCount = isTdt ? vocabSize : logits.length;
      logSoftmaxF32(logits, 0, tokenCount);
      let skip = 1;
      let durationScore = 0;
      if (isTdt && numDurations > 0) {
        logSoftmaxF32(logits, vocabSize, numDurations);
        skip = 0;
        for (let d = 1; d < numDurations; d++) if (logits[vocabSize + d] > logits[vocabSize + skip]) skip = d;
        durationScore = logits[vocabSize + skip];
      }
      for (const token of topK(logits, tokenCount, beam)) {
        const score = f32(f32(logits[token] + durationScore) + hyp.score);
        if (token === blankId || token === unkId) {
          candidates.push({ ...hyp, score, frame: hyp.frame + Math.max(1, skip), symbols: 0 });
        } else {
          candidates.push({
            tokens: [...hyp.tokens, token],
            frames: [...hyp.frames, hyp.frame],
            durations: isTdt ? [...hyp.durations, skip] : hyp.durations,
            score,
            h: next.h,
            c: next.c,
            frame: isTdt ? hyp.frame + skip : hyp.frame,
            symbols: isTdt ? (skip > 0 ? 0 : hyp.symbols + 1) : hyp.symbols + 1,
          });
        }
      }
    }
    if (candidates.length === 0) break;
    candidates.sort((a, b) => b.score - a.score);
    hyps = candidates.slice(0, Math.min(beam, candidates.length));
  }
  let best = hyps[0];
  for (const h of hyps) if (h.score > best.score) best = h;
  return { tokens: best.tokens, frames: best.frames, durations: best.durations };
}

/**
 * Greedy transducer search over streaming encoder chunks, as sherpa-onnx's online greedy search:
 * per encoder frame, at most one symbol (argmax of the joiner); blank and <unk> emit nothing; the
 * decoder output is recomputed only after an emission.
 */
import { contextOf, type DecoderJoiner } from './decoder-joiner';
import { argmaxRow } from '../../argmax';
import { splitHypothesis, type TransducerHypothesis, type TransducerSearch } from './search';

export class GreedySearch implements TransducerSearch {
  private hyp: TransducerHypothesis = { tokens: [], frames: [] };
  private decoderOut: Float32Array | undefined;
  private decDim = 0;
  private frameOffset = 0;

  constructor(
    private readonly nets: DecoderJoiner,
    private readonly blankId: number,
    private readonly unkId: number,
  ) {}

  get hypothesis(): TransducerHypothesis {
    return this.hyp;
  }

  reset(): void {
    this.hyp = { tokens: [], frames: [] };
    this.decoderOut = undefined;
    this.frameOffset = 0;
  }

  splitAt(frame: number): TransducerHypothesis {
    const { head, rest } = splitHypothesis(this.hyp, frame);
    this.hyp = rest;
    return head;
  }

  /**
   * The decoder output changes only after an emission, and most frames emit nothing; so the
   * joiner runs once over all the frames still to decide (one batch, the same decoder output for
   * each) and again from the frame after each emission. Same symbols as one call per frame, in a
   * handful of onnxruntime calls per chunk instead of one per frame: each call costs tens of
   * microseconds of binding and scheduling, as much as this small joiner's arithmetic.
   */
  async decodeChunk(enc: Float32Array, frames: number, encDim: number): Promise<boolean> {
    if (!this.decoderOut) await this.updateDecoder();
    let changed = false;
    let t = 0;
    while (t < frames) {
      const n = frames - t;
      const logits = await this.nets.join(enc.subarray(t * encDim, frames * encDim), encDim, repeat(this.decoderOut as Float32Array, n), this.decDim, n);
      const vocab = logits.length / n;
      let emitted = -1;
      for (let i = 0; i < n && emitted < 0; i++) {
        const best = argmaxRow(logits, vocab, i);
        if (best !== this.blankId && best !== this.unkId) {
          this.hyp.tokens.push(best);
          this.hyp.frames.push(this.frameOffset + t + i);
          emitted = i;
        }
      }
      if (emitted < 0) break;
      await this.updateDecoder();
      changed = true;
      t += emitted + 1;
    }
    this.frameOffset += frames;
    return changed;
  }

  private async updateDecoder(): Promise<void> {
    const { data, dim } = await this.nets.decode([contextOf(this.hyp.tokens, this.nets.contextSize, this.blankId)]);
    this.decoderOut = data;
    this.decDim = dim;
  }
}

/** `row` repeated `n` times (the joiner's decoder input for a batch of frames). */
function repeat(row: Float32Array, n: number): Float32Array {
  if (n === 1) return row;
  const out = new Float32Array(row.length * n);
  for (let i = 0; i < n; i++) out.set(row, i * row.length);
  return out;
}

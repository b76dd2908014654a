/**
 * Greedy transducer search over streaming encoder chunks, as sherpa-onnx's online greedy search:
 * per encoder frame, at most one symbol (argmax of the joiner); blank and <unk> emit nothing; the
 * decoder output is recomputed only after an emission.
 */
import { contextOf, type DecoderJoiner } from './decoder-joiner';
import { splitIndex, type TransducerHypothesis, type TransducerSearch } from './search';

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
    const n = splitIndex(this.hyp, frame);
    const head = { tokens: this.hyp.tokens.slice(0, n), frames: this.hyp.frames.slice(0, n) };
    this.hyp = { tokens: this.hyp.tokens.slice(n), frames: this.hyp.frames.slice(n) };
    return head;
  }

  async decodeChunk(enc: Float32Array, frames: number, encDim: number): Promise<boolean> {
    if (!this.decoderOut) await this.updateDecoder();
    let changed = false;
    for (let t = 0; t < frames; t++) {
      const logits = await this.nets.join(enc.subarray(t * encDim, (t + 1) * encDim), encDim, this.decoderOut as Float32Array, this.decDim, 1);
      let best = 0;
      let bestScore = logits[0];
      for (let v = 1; v < logits.length; v++) {
        if (logits[v] > bestScore) {
          bestScore = logits[v];
          best = v;
        }
      }
      if (best !== this.blankId && best !== this.unkId) {
        this.hyp.tokens.push(best);
        this.hyp.frames.push(this.frameOffset + t);
        await this.updateDecoder();
        changed = true;
      }
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

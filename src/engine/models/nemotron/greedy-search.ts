/**
 * Greedy search of a NeMo transducer over streaming encoder chunks, as sherpa-onnx's
 * online-transducer-greedy-search-nemo-decoder.cc: per encoder frame, up to 10 symbols (argmax of
 * the joiner, first index on ties); each emission runs the stateful decoder on that token; blank
 * moves to the next frame. The decoder starts from the blank with zero LSTM states. <unk> is fed
 * to the decoder like any token but left out of the hypothesis, as sherpa-onnx leaves it out of
 * its result. Frames are joined one at a time: an int8 joiner quantises its input per call, so a
 * batch of frames would not give the same logits.
 */
import { argmaxRow } from '../../argmax';
import { splitHypothesis, type TransducerHypothesis, type TransducerSearch } from '../zipformer/search';
import type { DecoderState, NemoDecoderJoiner } from './decoder-joiner';

const MAX_SYMBOLS_PER_FRAME = 10;

export class NemoGreedySearch implements TransducerSearch {
  private hyp: TransducerHypothesis = { tokens: [], frames: [] };
  private decoder: DecoderState | undefined;
  private frameOffset = 0;

  constructor(
    private readonly nets: NemoDecoderJoiner,
    private readonly vocabSize: number,
    private readonly blankId: number,
    private readonly unkId: number,
  ) {}

  get hypothesis(): TransducerHypothesis {
    return this.hyp;
  }

  reset(): void {
    this.hyp = { tokens: [], frames: [] };
    this.decoder = undefined;
    this.frameOffset = 0;
  }

  splitAt(frame: number): TransducerHypothesis {
    const { head, rest } = splitHypothesis(this.hyp, frame);
    this.hyp = rest;
    return head;
  }

  async decodeChunk(enc: Float32Array, frames: number, encDim: number): Promise<boolean> {
    let decoder = this.decoder ?? (await this.nets.decode(this.blankId, this.nets.initialStates()));
    let changed = false;
    for (let t = 0; t < frames; t++) {
      const frame = enc.slice(t * encDim, (t + 1) * encDim);
      for (let q = 0; q < MAX_SYMBOLS_PER_FRAME; q++) {
        const logits = await this.nets.join(frame, decoder.out);
        const y = argmaxRow(logits, this.vocabSize, 0);
        if (y === this.blankId) break;
        if (y !== this.unkId) {
          this.hyp.tokens.push(y);
          this.hyp.frames.push(this.frameOffset + t);
          changed = true;
        }
        decoder = await this.nets.decode(y, decoder.states);
      }
    }
    this.decoder = decoder;
    this.frameOffset += frames;
    return changed;
  }
}

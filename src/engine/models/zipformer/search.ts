/** What every transducer search (greedy, modified beam) offers the stream and the recognizer. */

export interface TransducerHypothesis {
  tokens: number[];
  /** Encoder output frame (counted from the stream start) at which each token was emitted. */
  frames: number[];
}

export interface TransducerSearch {
  readonly hypothesis: TransducerHypothesis;
  /** Starts over: empty hypothesis, empty decoder context, frame count zero. */
  reset(): void;
  /**
   * Ends an utterance without disturbing the stream: returns the tokens emitted before encoder frame
   * `frame` and keeps the rest (the decoder context carries on, as the audio does).
   */
  splitAt(frame: number): TransducerHypothesis;
  /** Consumes encoder frames [frames x encDim]; resolves true if the best hypothesis changed. */
  decodeChunk(enc: Float32Array, frames: number, encDim: number): Promise<boolean>;
}

/** Index of the first token emitted at or after `frame`. */
export function splitIndex(hyp: TransducerHypothesis, frame: number): number {
  let n = 0;
  while (n < hyp.frames.length && hyp.frames[n] < frame) n++;
  return n;
}

/** A hypothesis cut at `frame`: the tokens emitted before it, and the rest. */
export function splitHypothesis(hyp: TransducerHypothesis, frame: number): { head: TransducerHypothesis; rest: TransducerHypothesis } {
  const n = splitIndex(hyp, frame);
  return {
    head: { tokens: hyp.tokens.slice(0, n), frames: hyp.frames.slice(0, n) },
    rest: { tokens: hyp.tokens.slice(n), frames: hyp.frames.slice(n) },
  };
}

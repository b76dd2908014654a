/**
 * Offline Moonshine: raw 16 kHz samples in, text out (encoder once, then the greedy decoder).
 * Stateless between calls, so one transcriber serves every recognizer of a loaded model.
 */
import * as ort from 'onnxruntime-node';
import { END_TOKEN, type GreedyDecoder } from './greedy-decode';
import type { MoonshineTokenizer } from './tokenizer';
import type { Transcription } from '../offline/segmented-recognizer';

const SAMPLE_RATE = 16000;
/** moonshine-js's token budget: about 6 tokens per second of audio, which real speech never exceeds. */
const TOKENS_PER_SECOND = 6;

export class MoonshineTranscriber {
  constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: GreedyDecoder,
    /** Called at the first decode (and cached by the loader): see load-transcriber.ts. */
    private readonly tokenizer: () => Promise<MoonshineTokenizer>,
  ) {}

  /**
   * `draft`: tokens of an earlier decode of the same utterance's start, to verify in one pass
   * instead of regenerating step by step (partials only; see greedy-decode.ts).
   */
  /** Tokens start with the start token (and end with the end token if reached). */
  async transcribe(samples: Float32Array, draft?: readonly number[]): Promise<Transcription> {
    const maxLen = Math.trunc((samples.length / SAMPLE_RATE) * TOKENS_PER_SECOND);
    // Under 1/6 s there is no budget for a single token (and the encoder would have no frames).
    if (maxLen < 1) return { text: '', tokens: [], encoderMs: 0, decoderMs: 0 };
    const t0 = performance.now();
    const input = new ort.Tensor('float32', samples, [1, samples.length]);
    const { last_hidden_state: hidden } = await this.encoder.run({ input_values: input }, ['last_hidden_state']);
    input.dispose();
    const t1 = performance.now();
    let tokens: number[];
    try {
      tokens = await this.decoder.decode(hidden, maxLen, draft);
    } finally {
      hidden.dispose();
    }
    const t2 = performance.now();
    // The end token is not text. (moonshine-js drops the last id even when the budget ran out
    // first, losing a real token; the outputs differ only in that runaway case.)
    const text = (await this.tokenizer()).decode(tokens.at(-1) === END_TOKEN ? tokens.slice(0, -1) : tokens);
    return { text, tokens, encoderMs: t1 - t0, decoderMs: t2 - t1 };
  }
}

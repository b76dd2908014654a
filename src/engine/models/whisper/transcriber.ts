/**
 * Offline Whisper: 16 kHz samples in, text out (mel features, the encoder once, the greedy search).
 * Stateless between calls, so one transcriber serves every recognizer of a loaded model.
 */
import * as ort from 'onnxruntime-node';
import { whisperEncoderInput } from './encoder-input';
import type { WhisperGreedySearch } from './greedy-search';
import { WhisperMel } from './mel';
import type { WhisperMetadata } from './metadata';
import type { WhisperTokenizer } from './tokenizer';

export interface WhisperTranscription {
  /** As sherpa-onnx gives it (Whisper's text usually starts with a space). */
  text: string;
  /** Generated ids after the prompt, without eot. */
  tokens: number[];
  /** Language code used (forced or detected); undefined for English-only models. */
  language?: string;
  encoderMs: number;
  decoderMs: number;
}

export class WhisperTranscriber {
  private readonly mel: WhisperMel;
  private readonly codeOf = new Map<number, string>();

  constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly search: WhisperGreedySearch,
    private readonly tokenizer: WhisperTokenizer,
    readonly meta: WhisperMetadata,
  ) {
    this.mel = new WhisperMel(meta.nMels);
    for (const [code, id] of meta.languages) this.codeOf.set(id, code);
  }

  /** `languageToken`: forced language token (multilingual models only); undefined detects it. */
  async transcribe(samples: Float32Array, languageToken?: number): Promise<WhisperTranscription> {
    // sherpa-onnx needs at least one frame; under 5 ms there is none.
    if (WhisperMel.frameCount(samples.length) === 0) return { text: '', tokens: [], encoderMs: 0, decoderMs: 0 };
    const t0 = performance.now();
    const input = whisperEncoderInput(this.mel, samples);
    const mel = new ort.Tensor('float32', input.mel, [1, input.nMels, input.totalFrames]);
    const out = await this.encoder.run({ mel });
    mel.dispose();
    const t1 = performance.now();
    try {
      const result = await this.search.decode(out.n_layer_cross_k, out.n_layer_cross_v, input.speechFrames, languageToken);
      const t2 = performance.now();
      const language = result.languageToken === undefined ? undefined : this.codeOf.get(result.languageToken);
      return { text: this.tokenizer.decode(result.tokens), tokens: result.tokens, language, encoderMs: t1 - t0, decoderMs: t2 - t1 };
    } finally {
      for (const t of Object.values(out)) t.dispose();
    }
  }
}

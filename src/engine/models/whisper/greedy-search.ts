/**
 * Whisper's greedy search as sherpa-onnx runs it (offline-whisper-greedy-search-decoder.cc and
 * OfflineWhisperModel::DetectLanguage), step for step, so that the tokens are the same:
 * - language: the forced one, or (multilingual, auto) one decoder run of [sot] at offset 0 on
 *   zeroed self caches, and the language token with the largest logit (first on ties);
 * - prompt: sot_sequence with the language at [1] (the task at [2] stays transcribe), then
 *   no_timestamps; one run at offset 0, the next token is the argmax of its last row;
 * - then one token per run at offset = tokens fed so far, the self caches fed back, the cross
 *   caches from the encoder every time; stop at eot, after trunc(frames / 100 * 6) tokens (at most
 *   n_text_ctx / 2), or when the offset reaches n_text_ctx - 1.
 */
import * as ort from 'onnxruntime-node';
import { argmaxRow } from '../../argmax';
import type { WhisperMetadata } from './metadata';

/** sherpa-onnx's budget: at most 6 tokens per second of speech frames (100 frames per second). */
const TOKENS_PER_SECOND = 6;

export interface WhisperDecodeResult {
  /** Generated ids after the prompt, without eot. */
  tokens: number[];
  /** The language token used (forced or detected); undefined for English-only models. */
  languageToken?: number;
}

export class WhisperGreedySearch {
  private readonly cacheDims: number[];

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly meta: WhisperMetadata,
  ) {
    this.cacheDims = [meta.nTextLayer, 1, meta.nTextCtx, meta.nTextState];
  }

  private zeroCache(): ort.Tensor {
    return new ort.Tensor('float32', new Float32Array(this.cacheDims.reduce((a, b) => a * b, 1)), this.cacheDims);
  }

  private async run(tokens: number[], selfK: ort.Tensor, selfV: ort.Tensor, crossK: ort.Tensor, crossV: ort.Tensor, offset: number): Promise<ort.InferenceSession.ReturnType> {
    const feeds = {
      tokens: new ort.Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [1, tokens.length]),
      in_n_layer_self_k_cache: selfK,
      in_n_layer_self_v_cache: selfV,
      n_layer_cross_k: crossK,
      n_layer_cross_v: crossV,
      offset: new ort.Tensor('int64', BigInt64Array.of(BigInt(offset)), [1]),
    };
    return this.session.run(feeds);
  }

  /** The language token whose logit after [sot] is largest. */
  async detectLanguage(crossK: ort.Tensor, crossV: ort.Tensor): Promise<number> {
    const out = await this.run([this.meta.sot], this.zeroCache(), this.zeroCache(), crossK, crossV, 0);
    const logits = out.logits.data as Float32Array;
    let best = -1;
    let max = Number.NEGATIVE_INFINITY;
    for (const id of this.meta.languages.values()) {
      if (best < 0 || logits[id] > max) {
        max = logits[id];
        best = id;
      }
    }
    for (const t of Object.values(out)) t.dispose();
    return best;
  }

  /**
   * `languageToken`: forced language (multilingual models), or undefined to detect it.
   * `speechFrames`: mel frames of the utterance (the token budget).
   */
  async decode(crossK: ort.Tensor, crossV: ort.Tensor, speechFrames: number, languageToken?: number): Promise<WhisperDecodeResult> {
    const meta = this.meta;
    const prompt = [...meta.sotSequence];
    let language: number | undefined;
    if (meta.multilingual) {
      language = languageToken ?? (await this.detectLanguage(crossK, crossV));
      prompt[1] = language;
    }
    prompt.push(meta.noTimestamps);

    let out = await this.run(prompt, this.zeroCache(), this.zeroCache(), crossK, crossV, 0);
    let offset = prompt.length;
    const vocab = out.logits.dims[2];
    let next = argmaxRow(out.logits.data as Float32Array, vocab, out.logits.dims[1] - 1);
    const budget = Math.min(Math.trunc((speechFrames / 100) * TOKENS_PER_SECOND), Math.trunc(meta.nTextCtx / 2));
    const tokens: number[] = [];
    try {
      for (let i = 0; i < budget && next !== meta.eot; i++) {
        tokens.push(next);
        const previous = out;
        out = await this.run([next], previous.out_n_layer_self_k_cache, previous.out_n_layer_self_v_cache, crossK, crossV, offset);
        for (const t of Object.values(previous)) t.dispose();
        offset += 1;
        if (offset >= meta.nTextCtx - 1) break;
        next = argmaxRow(out.logits.data as Float32Array, vocab, 0);
      }
    } finally {
      for (const t of Object.values(out)) t.dispose();
    }
    return { tokens, languageToken: language };
  }
}

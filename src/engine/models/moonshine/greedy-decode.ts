/**
 * Moonshine's autoregressive decoder, greedy, with the KV cache of the merged ONNX decoder.
 *
 * This is the loop of moonshine-js src/model.ts, step for step, so the tokens match its reference
 * output exactly:
 *   step 0: input_ids [[1]], use_cache_branch false, every past_key_values.* an empty [0,H,1,D];
 *   each step: next = argmax(logits) (first index on ties), stop after 2 (end of text);
 *   present.*.decoder.* becomes the next past every step; present.*.encoder.* (the projected
 *   encoder states, constant for the utterance) is taken once, after step 0.
 * Per step we allocate nothing but what onnxruntime returns: the feeds object, the input_ids
 * tensor and the empty/flag tensors are reused, and after step 0 the encoder presents are not
 * fetched at all (they would be copied out of onnxruntime every step only to be ignored).
 *
 * Draft decoding (partials): re-decoding a growing utterance mostly regenerates the tokens of the
 * previous decode, one decoder step each. Given those tokens as a draft, step 0 instead feeds the
 * start token and the whole draft in one pass (the no-cache branch takes any length), keeps the
 * longest prefix the model itself predicts (its argmax after each position equals the next draft
 * token) plus the model's next token, trims the self-attention cache to that prefix and continues
 * step by step. Same algorithm, but the decoder's dynamic int8 quantisation scales its activations
 * over the whole pass rather than per token, so a near-tie can resolve differently: finals, which
 * must match the reference, never use a draft.
 *
 * With an Int8Projection the decoder's ORT file has its output projection cut out: the session
 * returns the last hidden state (TIED_PROJECTION_INPUT) and the projection picks the token from it,
 * with the same logits.
 */
import * as ort from 'onnxruntime-node';
import { kvNames, type MoonshineLayout } from './layout';
import { argmaxRow } from '../../argmax';
import { TIED_PROJECTION_INPUT } from '../../onnx/tied-projection';
import type { Int8Projection } from './int8-projection';

export const START_TOKEN = 1;
export const END_TOKEN = 2;

export class GreedyDecoder {
  private readonly decoderPast: string[] = [];
  private readonly decoderPresent: string[] = [];
  private readonly encoderPast: string[] = [];
  private readonly encoderPresent: string[] = [];
  /** Outputs of step 0 (everything) and of later steps (logits and the growing self-attention cache). */
  private readonly firstFetches: string[];
  private readonly laterFetches: string[];
  /** Shared by every decode: onnxruntime only reads inputs, so immutable tensors can be reused. */
  private readonly emptyPast: ort.Tensor;
  private readonly cacheOff = new ort.Tensor('bool', new Uint8Array([0]), [1]);
  private readonly cacheOn = new ort.Tensor('bool', new Uint8Array([1]), [1]);

  /** The output the next token is chosen from: the logits, or the hidden state for the projection. */
  private readonly scores: string;

  constructor(
    private readonly session: ort.InferenceSession,
    layout: MoonshineLayout,
    private readonly projection?: Int8Projection,
  ) {
    this.scores = projection ? TIED_PROJECTION_INPUT : 'logits';
    for (let i = 0; i < layout.layers; i++) {
      const [dk, dv, ek, ev] = kvNames(i, 'past_key_values');
      const [pdk, pdv, pek, pev] = kvNames(i, 'present');
      this.decoderPast.push(dk, dv);
      this.encoderPast.push(ek, ev);
      this.decoderPresent.push(pdk, pdv);
      this.encoderPresent.push(pek, pev);
    }
    this.laterFetches = [this.scores, ...this.decoderPresent];
    this.firstFetches = [...this.laterFetches, ...this.encoderPresent];
    this.emptyPast = new ort.Tensor('float32', new Float32Array(0), [0, layout.kvHeads, 1, layout.headDim]);
  }

  /**
   * Generated token ids for the encoder output `hidden` [1, T, hiddenDim], at most `maxLen` steps.
   * The result starts with the start token and, if the model finished, ends with the end token.
   */
  async decode(hidden: ort.Tensor, maxLen: number, draft: readonly number[] = []): Promise<number[]> {
    const tokens = [START_TOKEN];
    // Per decode, not per model: two recognizers may decode at once, and onnxruntime-node reads
    // input data only when the queued run executes.
    const ids = new BigInt64Array([BigInt(START_TOKEN)]);
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [1, 1]),
      encoder_hidden_states: hidden,
      use_cache_branch: this.cacheOff,
    };
    for (const name of [...this.decoderPast, ...this.encoderPast]) feeds[name] = this.emptyPast;
    const owned: ort.Tensor[] = [];
    try {
      let step = 0;
      // The draft's text tokens (no start, no end), within the budget.
      const body = draft.filter((t, i) => !(i === 0 && t === START_TOKEN) && t !== END_TOKEN).slice(0, maxLen - 1);
      if (body.length > 0 && maxLen > 1) {
        const done = await this.verifyDraft(feeds, body, tokens, owned);
        step = tokens.length - 1;
        if (done || step >= maxLen) return tokens;
        ids[0] = BigInt(tokens[tokens.length - 1]);
        feeds.use_cache_branch = this.cacheOn;
      }
      for (; step < maxLen; step++) {
        const out = await this.session.run(feeds, step === 0 ? this.firstFetches : this.laterFetches);
        const scores = out[this.scores];
        const next = this.pick(scores.data as Float32Array, scores.dims[scores.dims.length - 1], -1);
        scores.dispose();
        tokens.push(next);
        // The caches this step consumed are ours to drop (never the shared empty ones).
        for (const t of owned) t.dispose();
        owned.length = 0;
        for (let k = 0; k < this.decoderPast.length; k++) {
          const t = out[this.decoderPresent[k]];
          feeds[this.decoderPast[k]] = t;
          owned.push(t);
        }
        if (step === 0) {
          for (let k = 0; k < this.encoderPast.length; k++) feeds[this.encoderPast[k]] = out[this.encoderPresent[k]];
        }
        if (next === END_TOKEN) break;
        ids[0] = BigInt(next);
        feeds.use_cache_branch = this.cacheOn;
      }
    } finally {
      feeds.input_ids.dispose();
      for (const t of owned) t.dispose();
      for (const name of this.encoderPast) if (feeds[name] !== this.emptyPast) feeds[name].dispose();
    }
    return tokens;
  }

  /**
   * The greedy choice after position `row` of the scores output ([1, positions, width]; -1: the
   * last): the largest logit, the first on ties, or the projection's choice from the hidden state.
   */
  private pick(data: Float32Array, width: number, row: number): number {
    const at = row < 0 ? data.length / width - 1 : row;
    return this.projection ? this.projection.argmax(data, at) : argmaxRow(data, width, at);
  }

  /**
   * One pass over [start, ...body]: appends to `tokens` the accepted draft prefix and the model's
   * own next token, and leaves `feeds` holding the caches for every position but that last token
   * (which the caller feeds next). Returns true if that token ended the text.
   */
  private async verifyDraft(feeds: Record<string, ort.Tensor>, body: readonly number[], tokens: number[], owned: ort.Tensor[]): Promise<boolean> {
    const input = new BigInt64Array(body.length + 1);
    input[0] = BigInt(START_TOKEN);
    for (let i = 0; i < body.length; i++) input[i + 1] = BigInt(body[i]);
    const idsTensor = new ort.Tensor('int64', input, [1, input.length]);
    const stepIds = feeds.input_ids;
    feeds.input_ids = idsTensor;
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await this.session.run(feeds, this.firstFetches);
    } finally {
      feeds.input_ids = stepIds;
      idsTensor.dispose();
    }
    const scores = out[this.scores];
    const width = scores.dims[scores.dims.length - 1];
    const data = scores.data as Float32Array;
    // Position p predicts token p + 1; accept draft tokens while the model agrees.
    let p = 0;
    let next = this.pick(data, width, 0);
    while (p < body.length && next === body[p]) {
      tokens.push(body[p]);
      p++;
      next = this.pick(data, width, p);
    }
    tokens.push(next);
    scores.dispose();
    // The caches cover positions 0..body.length; keep 0..p (the inputs that produced `next`).
    const keep = p + 1;
    for (let k = 0; k < this.decoderPast.length; k++) {
      const full = out[this.decoderPresent[k]];
      const trimmed = keep === full.dims[2] ? full : sliceSequence(full, keep);
      if (trimmed !== full) full.dispose();
      feeds[this.decoderPast[k]] = trimmed;
      owned.push(trimmed);
    }
    for (let k = 0; k < this.encoderPast.length; k++) feeds[this.encoderPast[k]] = out[this.encoderPresent[k]];
    return next === END_TOKEN;
  }
}

/** The first `keep` positions of a [1, heads, seq, dim] cache tensor. */
function sliceSequence(t: ort.Tensor, keep: number): ort.Tensor {
  const [batch, heads, seq, dim] = t.dims;
  const src = t.data as Float32Array;
  const dst = new Float32Array(batch * heads * keep * dim);
  for (let h = 0; h < batch * heads; h++) dst.set(src.subarray(h * seq * dim, h * seq * dim + keep * dim), h * keep * dim);
  return new ort.Tensor('float32', dst, [batch, heads, keep, dim]);
}



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
 */
import * as ort from 'onnxruntime-node';
import { kvNames, type MoonshineLayout } from './layout';

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

  constructor(
    private readonly session: ort.InferenceSession,
    layout: MoonshineLayout,
  ) {
    for (let i = 0; i < layout.layers; i++) {
      const [dk, dv, ek, ev] = kvNames(i, 'past_key_values');
      const [pdk, pdv, pek, pev] = kvNames(i, 'present');
      this.decoderPast.push(dk, dv);
      this.encoderPast.push(ek, ev);
      this.decoderPresent.push(pdk, pdv);
      this.encoderPresent.push(pek, pev);
    }
    this.laterFetches = ['logits', ...this.decoderPresent];
    this.firstFetches = [...this.laterFetches, ...this.encoderPresent];
    this.emptyPast = new ort.Tensor('float32', new Float32Array(0), [0, layout.kvHeads, 1, layout.headDim]);
  }

  /**
   * Generated token ids for the encoder output `hidden` [1, T, hiddenDim], at most `maxLen` steps.
   * The result starts with the start token and, if the model finished, ends with the end token.
   */
  async decode(hidden: ort.Tensor, maxLen: number): Promise<number[]> {
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
      for (let step = 0; step < maxLen; step++) {
        const out = await this.session.run(feeds, step === 0 ? this.firstFetches : this.laterFetches);
        const logits = out.logits;
        const next = argmax(logits.data as Float32Array, logits.dims[logits.dims.length - 1]);
        logits.dispose();
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
}

/** Index of the largest of the last row of `data` (row width `width`); the first one on ties. */
function argmax(data: Float32Array, width: number): number {
  const base = data.length - width;
  let best = 0;
  let max = data[base];
  for (let i = 1; i < width; i++) {
    if (data[base + i] > max) {
      max = data[base + i];
      best = i;
    }
  }
  return best;
}

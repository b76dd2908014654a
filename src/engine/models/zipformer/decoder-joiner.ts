/**
 * The prediction network (decoder) and joiner of a transducer, as sherpa-onnx exports them:
 *   decoder: y int64 [N, context_size] -> decoder_out [N, D]
 *   joiner:  encoder_out [N, E], decoder_out [N, D] -> logit [N, V]
 */
import * as ort from 'onnxruntime-node';

export class DecoderJoiner {
  readonly contextSize: number;
  readonly vocabSize: number;
  private readonly decoderInput: string;
  private readonly decoderOutput: string;
  private readonly joinerEncoderInput: string;
  private readonly joinerDecoderInput: string;
  private readonly joinerOutput: string;

  constructor(
    private readonly decoder: ort.InferenceSession,
    private readonly joiner: ort.InferenceSession,
    contextSize: number,
    vocabSize: number,
  ) {
    this.contextSize = contextSize;
    this.vocabSize = vocabSize;
    this.decoderInput = decoder.inputNames[0];
    this.decoderOutput = decoder.outputNames[0];
    this.joinerEncoderInput = joiner.inputNames.includes('encoder_out') ? 'encoder_out' : joiner.inputNames[0];
    this.joinerDecoderInput = joiner.inputNames.includes('decoder_out') ? 'decoder_out' : joiner.inputNames[1];
    this.joinerOutput = joiner.outputNames[0];
  }

  /** Decoder outputs for N contexts (each the last `contextSize` token ids, -1 padded). */
  async decode(contexts: ReadonlyArray<ArrayLike<number>>): Promise<{ data: Float32Array; dim: number }> {
    const n = contexts.length;
    const ids = new BigInt64Array(n * this.contextSize);
    for (let i = 0; i < n; i++) for (let j = 0; j < this.contextSize; j++) ids[i * this.contextSize + j] = BigInt(contexts[i][j]);
    const out = await this.decoder.run({ [this.decoderInput]: new ort.Tensor('int64', ids, [n, this.contextSize]) });
    const t = out[this.decoderOutput];
    return { data: t.data as Float32Array, dim: t.dims[t.dims.length - 1] };
  }

  /** Joiner logits for N (encoder frame, decoder output) pairs. */
  async join(encoder: Float32Array, encDim: number, decoder: Float32Array, decDim: number, n: number): Promise<Float32Array> {
    const out = await this.joiner.run({
      [this.joinerEncoderInput]: new ort.Tensor('float32', encoder, [n, encDim]),
      [this.joinerDecoderInput]: new ort.Tensor('float32', decoder, [n, decDim]),
    });
    return out[this.joinerOutput].data as Float32Array;
  }
}

/**
 * The decoder context of a hypothesis: its last `size` tokens, where every hypothesis starts from
 * sherpa-onnx's empty result [-1, ..., -1, blank]. So after one token y the context is [blank, y].
 */
export function contextOf(tokens: readonly number[], size: number, blankId: number): number[] {
  const ctx: number[] = [];
  for (let i = 0; i < size; i++) {
    const k = tokens.length - size + i; // index into tokens; the virtual prefix sits at -1, -2, ...
    ctx.push(k >= 0 ? tokens[k] : k === -1 ? blankId : -1);
  }
  return ctx;
}

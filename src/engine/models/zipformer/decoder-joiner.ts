/**
 * The prediction network (decoder) and joiner of a transducer, as sherpa-onnx exports them:
 *   decoder: y int64 [N, context_size] -> decoder_out [N, D]
 *   joiner:  encoder_out [N, E], decoder_out [N, D] -> logit [N, V]
 */
import * as ort from 'onnxruntime-node';
import type { ModelSession } from '../../onnx/direct-session';

export class DecoderJoiner {
  readonly contextSize: number;
  readonly vocabSize: number;
  private readonly decoderInput: string;
  private readonly decoderOutput: string;
  private readonly joinerEncoderInput: string;
  private readonly joinerDecoderInput: string;
  private readonly joinerOutput: string;
  /** Output widths the models declare; undefined when left open (the runtime then allocates). */
  private readonly decoderWidth: number | undefined;
  private readonly joinerWidth: number | undefined;
  /**
   * Each net writes its outputs into one buffer, reused call after call (grown when a call has
   * more rows), so a call allocates no output memory: a result is valid until the next call of the
   * same net, which is how both searches use them.
   */
  private decoderBuffer = new Float32Array(0);
  private joinerBuffer = new Float32Array(0);

  constructor(
    private readonly decoder: ModelSession,
    private readonly joiner: ModelSession,
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
    this.decoderWidth = lastDim(decoder, this.decoderOutput);
    this.joinerWidth = lastDim(joiner, this.joinerOutput);
  }

  /** Decoder outputs for N contexts (each the last `contextSize` token ids, -1 padded), valid until the next decode. */
  async decode(contexts: ReadonlyArray<ArrayLike<number>>): Promise<{ data: Float32Array; dim: number }> {
    const n = contexts.length;
    const ids = new BigInt64Array(n * this.contextSize);
    for (let i = 0; i < n; i++) for (let j = 0; j < this.contextSize; j++) ids[i * this.contextSize + j] = BigInt(contexts[i][j]);
    const fetches = this.decoderWidth ? { [this.decoderOutput]: this.output('decoderBuffer', n, this.decoderWidth) } : undefined;
    const out = await this.decoder.run({ [this.decoderInput]: new ort.Tensor('int64', ids, [n, this.contextSize]) }, fetches);
    const t = out[this.decoderOutput];
    return { data: t.data as Float32Array, dim: t.dims[t.dims.length - 1] };
  }

  /** Joiner logits for N (encoder frame, decoder output) pairs, valid until the next join. */
  async join(encoder: Float32Array, encDim: number, decoder: Float32Array, decDim: number, n: number): Promise<Float32Array> {
    const fetches = this.joinerWidth ? { [this.joinerOutput]: this.output('joinerBuffer', n, this.joinerWidth) } : undefined;
    const out = await this.joiner.run(
      {
        [this.joinerEncoderInput]: new ort.Tensor('float32', encoder, [n, encDim]),
        [this.joinerDecoderInput]: new ort.Tensor('float32', decoder, [n, decDim]),
      },
      fetches,
    );
    return out[this.joinerOutput].data as Float32Array;
  }

  /** A [rows, width] tensor over the start of a net's output buffer, grown to fit. */
  private output(buffer: 'decoderBuffer' | 'joinerBuffer', rows: number, width: number): ort.Tensor {
    if (this[buffer].length < rows * width) this[buffer] = new Float32Array(Math.max(rows * width, this[buffer].length * 2));
    return new ort.Tensor('float32', this[buffer].subarray(0, rows * width), [rows, width]);
  }
}

/** The last dimension a session declares for an output, when it is a fixed number. */
function lastDim(session: ModelSession, name: string): number | undefined {
  const meta = session.outputMetadata.find((m) => m.name === name);
  const d = meta && meta.isTensor ? meta.shape[meta.shape.length - 1] : undefined;
  return typeof d === 'number' && d > 0 ? d : undefined;
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

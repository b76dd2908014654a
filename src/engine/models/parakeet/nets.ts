/**
 * The three networks of an offline NeMo transducer as sherpa-onnx exports them, run by position
 * (as sherpa-onnx does: the names differ between NeMo versions):
 *   encoder: features [1, feat_dim, T] float, length [1] int64 -> encoder out [1, D, T'], lengths [1]
 *   decoder: token [1, 1] int32, length [1] int32, h, c [layers, 1, hidden] -> out [1, hidden, 1],
 *            lengths, h', c'
 *   joiner:  encoder frame [1, D, 1], decoder out [1, hidden, 1] -> logits [..., vocab (+ durations)]
 */
import * as ort from 'onnxruntime-node';
import type { MelMatrix } from '../../features/nemo-mel';
import type { ParakeetConfig } from './config';

/** The prediction network's output and LSTM state after some tokens. */
export interface DecoderState {
  out: ort.Tensor;
  h: ort.Tensor;
  c: ort.Tensor;
}

export interface EncoderOutput {
  /** Frames, row-major [frames, dim]. */
  frames: Float32Array;
  numFrames: number;
  dim: number;
}

export class ParakeetNets {
  constructor(
    private readonly encoder: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly joiner: ort.InferenceSession,
    readonly config: ParakeetConfig,
  ) {}

  async encode(features: MelMatrix): Promise<EncoderOutput> {
    const { numFrames: t, featDim: f, data } = features;
    // (T, F) -> (1, F, T), as sherpa-onnx's RunEncoder transposes before the call.
    const transposed = new Float32Array(t * f);
    for (let i = 0; i < t; i++) for (let d = 0; d < f; d++) transposed[d * t + i] = data[i * f + d];
    const [xName, lenName] = this.encoder.inputNames;
    const x = new ort.Tensor('float32', transposed, [1, f, t]);
    const len = new ort.Tensor('int64', BigInt64Array.of(BigInt(t)), [1]);
    const out = await this.encoder.run({ [xName]: x, [lenName]: len });
    x.dispose();
    len.dispose();
    const enc = out[this.encoder.outputNames[0]];
    const lengths = out[this.encoder.outputNames[1]];
    try {
      const [, dim, total] = enc.dims;
      const n = Number((lengths.data as BigInt64Array | Int32Array)[0]);
      const numFrames = Math.max(0, Math.min(total, n));
      // (1, D, T') -> (T', D), the layout the searches slice frames from.
      const src = enc.data as Float32Array;
      const frames = new Float32Array(numFrames * dim);
      for (let d = 0; d < dim; d++) for (let i = 0; i < numFrames; i++) frames[i * dim + d] = src[d * total + i];
      return { frames, numFrames, dim };
    } finally {
      enc.dispose();
      lengths.dispose();
    }
  }

  /** The initial LSTM state (zeros), not yet fed any token. */
  zeroState(): { h: ort.Tensor; c: ort.Tensor } {
    const { predLayers, predHidden } = this.config;
    const dims = [predLayers, 1, predHidden];
    return { h: new ort.Tensor('float32', new Float32Array(predLayers * predHidden), dims), c: new ort.Tensor('float32', new Float32Array(predLayers * predHidden), dims) };
  }

  /** Feeds one token to the prediction network from state (h, c). */
  async predict(token: number, h: ort.Tensor, c: ort.Tensor): Promise<DecoderState> {
    const names = this.decoder.inputNames;
    const y = new ort.Tensor('int32', Int32Array.of(token), [1, 1]);
    const len = new ort.Tensor('int32', Int32Array.of(1), [1]);
    const out = await this.decoder.run({ [names[0]]: y, [names[1]]: len, [names[2]]: h, [names[3]]: c });
    y.dispose();
    len.dispose();
    const o = this.decoder.outputNames;
    out[o[1]].dispose();
    return { out: out[o[0]], h: out[o[2]], c: out[o[3]] };
  }

  /** Joiner logits for one encoder frame (index into `enc`) and a prediction network output. */
  async join(enc: EncoderOutput, frame: number, decoderOut: ort.Tensor): Promise<Float32Array> {
    const x = new ort.Tensor('float32', enc.frames.subarray(frame * enc.dim, (frame + 1) * enc.dim), [1, enc.dim, 1]);
    const [eName, dName] = this.joiner.inputNames;
    const out = await this.joiner.run({ [eName]: x, [dName]: decoderOut });
    x.dispose();
    const logits = out[this.joiner.outputNames[0]];
    const data = logits.data as Float32Array;
    // Copied: the searches modify logits in place (log-softmax), and the tensor is released here.
    const copy = data.slice();
    logits.dispose();
    return copy;
  }

  async release(): Promise<void> {
    await Promise.all([this.encoder.release(), this.decoder.release(), this.joiner.release()]);
  }
}

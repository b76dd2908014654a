/**
 * The encoder of a cache-aware streaming NeMo transducer, as sherpa-onnx runs it
 * (online-transducer-nemo-model.cc RunEncoder): inputs by position
 *   audio_signal [1, feat_dim, window] (the window's frames, channels first), length [1] = window,
 *   cache_last_channel [1, L, C, D], cache_last_time [1, L, D, K], cache_last_channel_len [1]
 * and outputs by position
 *   outputs [1, D, T'], encoded_lengths, and the three next caches.
 * Caches start as zeros (length 0) and each call's next caches are the following call's input.
 */
import * as ort from 'onnxruntime-node';
import { MurmurError } from '../../errors';
import type { NemotronConfig } from './config';

export interface EncoderChunk {
  /** [frames x dim], frame-major. */
  data: Float32Array;
  frames: number;
  dim: number;
}

export class CacheAwareEncoder {
  readonly featureDim: number;
  private readonly inputs: string[];
  private readonly outputs: string[];
  private cacheLastChannel!: ort.Tensor;
  private cacheLastTime!: ort.Tensor;
  private cacheLastChannelLen!: ort.Tensor;
  private readonly length: ort.Tensor;

  constructor(
    private readonly session: ort.InferenceSession,
    readonly config: NemotronConfig,
    source: string,
  ) {
    if (session.inputNames.length !== 5 || session.outputNames.length !== 5) {
      throw new MurmurError(
        'MODEL_WRONG_FAMILY',
        `${source} has ${session.inputNames.length} inputs and ${session.outputNames.length} outputs; a cache-aware streaming NeMo encoder has 5 of each (audio_signal, length and three caches in; outputs, lengths and three caches out).`,
      );
    }
    this.inputs = [...session.inputNames];
    this.outputs = [...session.outputNames];
    // sherpa-onnx takes the feature dimension from the first input's shape (feat_dim metadata is not read).
    const first = session.inputMetadata[0];
    const dim = first.isTensor ? first.shape[1] : undefined;
    if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 16 || dim > 256) {
      throw new MurmurError('MODEL_WRONG_FAMILY', `${source}: its first input (${this.inputs[0]}) has no fixed feature dimension; expected [batch, feat_dim, time].`);
    }
    this.featureDim = dim;
    this.length = new ort.Tensor('int64', BigInt64Array.of(BigInt(config.windowSize)), [1]);
    this.reset();
  }

  reset(): void {
    const [c1, c2, c3] = this.config.cacheLastChannel;
    const [t1, t2, t3] = this.config.cacheLastTime;
    this.cacheLastChannel = new ort.Tensor('float32', new Float32Array(c1 * c2 * c3), [1, c1, c2, c3]);
    this.cacheLastTime = new ort.Tensor('float32', new Float32Array(t1 * t2 * t3), [1, t1, t2, t3]);
    this.cacheLastChannelLen = new ort.Tensor('int64', new BigInt64Array(1), [1]);
  }

  /** Runs one window of `windowSize` frames (frame-major, featureDim each); returns its encoder frames. */
  async run(frames: Float32Array): Promise<EncoderChunk> {
    const window = this.config.windowSize;
    const f = this.featureDim;
    // (T, C) -> (C, T), as sherpa-onnx's Transpose12 before the call.
    const channelsFirst = new Float32Array(window * f);
    for (let t = 0; t < window; t++) for (let c = 0; c < f; c++) channelsFirst[c * window + t] = frames[t * f + c];
    const [audio, length, channel, time, channelLen] = this.inputs;
    const out = await this.session.run({
      [audio]: new ort.Tensor('float32', channelsFirst, [1, f, window]),
      [length]: this.length,
      [channel]: this.cacheLastChannel,
      [time]: this.cacheLastTime,
      [channelLen]: this.cacheLastChannelLen,
    });
    const [encoded, , nextChannel, nextTime, nextLen] = this.outputs.map((name) => out[name]);
    this.cacheLastChannel = nextChannel;
    this.cacheLastTime = nextTime;
    this.cacheLastChannelLen = nextLen;
    const [, dim, count] = encoded.dims;
    const src = encoded.data as Float32Array;
    // (D, T') -> (T', D)
    const data = new Float32Array(dim * count);
    for (let d = 0; d < dim; d++) for (let t = 0; t < count; t++) data[t * dim + d] = src[d * count + t];
    return { data, frames: count, dim };
  }
}

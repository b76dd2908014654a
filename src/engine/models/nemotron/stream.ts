/**
 * One audio stream through a cache-aware streaming NeMo transducer: NeMo mel (sherpa-onnx's
 * streaming setup, not normalised) -> encoder windows -> search, as sherpa-onnx's
 * online-recognizer-transducer-nemo-impl.h: a window of window_size frames runs once more than
 * window_size frames are ready, then the start advances by chunk_shift (the rest of the window is
 * the next call's pre-encode context). At end of input 0.8 s of silence is appended, as sherpa-onnx
 * users do before inputFinished, so the last words get their right context.
 */
import { createNemoMel, nemoStreamingMelOptions } from '../../features/nemo-mel';
import type { StreamingFbank } from '../../features/fbank';
import type { TransducerSearch } from '../zipformer/search';
import { TAIL_PADDING_SAMPLES } from '../zipformer/stream';
import type { CacheAwareEncoder } from './encoder';

export class NemoTransducerStream {
  private readonly fbank: StreamingFbank;
  /** Frames from `framesBase` on (older ones are behind every future window). */
  private frames: Float32Array[] = [];
  private processed = 0;
  private framesBase = 0;
  private readonly window: Float32Array;

  constructor(
    private readonly encoder: CacheAwareEncoder,
    readonly search: TransducerSearch,
  ) {
    this.fbank = createNemoMel(nemoStreamingMelOptions(encoder.featureDim));
    this.window = new Float32Array(encoder.config.windowSize * encoder.featureDim);
  }

  async accept(samples: Float32Array): Promise<boolean> {
    this.fbank.accept(samples);
    return this.runReadyChunks();
  }

  async finish(): Promise<boolean> {
    this.fbank.accept(new Float32Array(TAIL_PADDING_SAMPLES));
    this.fbank.finish();
    return this.runReadyChunks();
  }

  reset(): void {
    this.fbank.reset();
    this.frames = [];
    this.processed = 0;
    this.framesBase = 0;
    this.encoder.reset();
    this.search.reset();
  }

  private async runReadyChunks(): Promise<boolean> {
    for (const f of this.fbank.takeFrames()) this.frames.push(f);
    const { windowSize, chunkShift } = this.encoder.config;
    const dim = this.encoder.featureDim;
    let changed = false;
    while (this.processed + windowSize < this.framesBase + this.frames.length) {
      const first = this.processed - this.framesBase;
      for (let i = 0; i < windowSize; i++) this.window.set(this.frames[first + i], i * dim);
      const enc = await this.encoder.run(this.window);
      if (await this.search.decodeChunk(enc.data, enc.frames, enc.dim)) changed = true;
      this.processed += chunkShift;
      const drop = this.processed - this.framesBase;
      this.frames.splice(0, drop);
      this.framesBase += drop;
    }
    return changed;
  }
}

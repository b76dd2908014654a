/**
 * One audio stream through a streaming transducer: features -> chunked encoder -> search. Both
 * streaming families use it: the Zipformer (kaldi fbank, windows of T frames advancing by
 * decode_chunk_len) and NeMo's cache-aware encoders (Nemotron: NeMo mel, windows of window_size
 * frames advancing by chunk_shift, the rest of a window being the next call's pre-encode context).
 *
 * Like sherpa-onnx, a window is run only once more than its length in frames are ready. At end of
 * input, 0.8 s of silence is appended (as sherpa-onnx users do before inputFinished) so the
 * encoder's right context covers the last words.
 */
import { StreamingFbank } from '../../features/fbank';
import type { TransducerSearch } from './search';

export const TAIL_PADDING_SAMPLES = 12800;

/** An encoder with state carried from window to window (its caches). */
export interface ChunkedEncoder {
  run(window: Float32Array): Promise<{ data: Float32Array; frames: number; dim: number }>;
  reset(): void;
}

/** Feature frames per encoder window, frames the window start advances by, values per frame. */
export interface Chunking {
  windowFrames: number;
  shiftFrames: number;
  featureDim: number;
}

export class TransducerStream {
  /** Feature frames not yet behind the encoder window start; frames[0] is frame `framesBase`. */
  private frames: Float32Array[] = [];
  private processed = 0;
  private framesBase = 0;
  private readonly window: Float32Array;

  constructor(
    private readonly encoder: ChunkedEncoder,
    private readonly chunking: Chunking,
    readonly search: TransducerSearch,
    private readonly fbank: StreamingFbank = new StreamingFbank(),
  ) {
    this.window = new Float32Array(chunking.windowFrames * chunking.featureDim);
  }

  /** Feeds 16 kHz samples; resolves true if the hypothesis changed. */
  async accept(samples: Float32Array): Promise<boolean> {
    this.fbank.accept(samples);
    return this.runReadyChunks();
  }

  /** End of input: tail padding, last frames, last chunks. */
  async finish(): Promise<boolean> {
    this.fbank.accept(new Float32Array(TAIL_PADDING_SAMPLES));
    this.fbank.finish();
    return this.runReadyChunks();
  }

  /** Clears features, encoder caches and the hypothesis. */
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
    const { windowFrames, shiftFrames, featureDim } = this.chunking;
    let changed = false;
    while (this.processed + windowFrames < this.framesBase + this.frames.length) {
      const first = this.processed - this.framesBase;
      for (let i = 0; i < windowFrames; i++) this.window.set(this.frames[first + i], i * featureDim);
      // The window itself, not a copy: it is next written after this call has returned.
      const enc = await this.encoder.run(this.window);
      if (await this.search.decodeChunk(enc.data, enc.frames, enc.dim)) changed = true;
      this.processed += shiftFrames;
      const drop = this.processed - this.framesBase;
      this.frames.splice(0, drop);
      this.framesBase += drop;
    }
    return changed;
  }
}

/**
 * One audio stream through a streaming transducer: fbank -> chunked encoder -> search.
 *
 * The encoder runs on windows of T feature frames advancing by decode_chunk_len; like sherpa-onnx
 * a window is run only once more than T frames are ready. At end of input, 0.8 s of silence is
 * appended (as sherpa-onnx users do before inputFinished) so the encoder's right context covers
 * the last words.
 */
import { StreamingFbank } from '../../features/fbank';
import type { StreamingEncoder } from './encoder';
import type { TransducerSearch } from './search';

export const TAIL_PADDING_SAMPLES = 12800;

export class TransducerStream {
  private readonly fbank = new StreamingFbank();
  /** Feature frames not yet behind the encoder window start; frames[0] is frame `framesBase`. */
  private frames: Float32Array[] = [];
  private processed = 0;
  private framesBase = 0;
  private readonly window: Float32Array;

  constructor(
    private readonly encoder: StreamingEncoder,
    readonly search: TransducerSearch,
  ) {
    const { chunkFrames, featureDim } = encoder.config;
    this.window = new Float32Array(chunkFrames * featureDim);
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
    const { chunkFrames, shiftFrames, featureDim } = this.encoder.config;
    let changed = false;
    while (this.processed + chunkFrames < this.framesBase + this.frames.length) {
      const first = this.processed - this.framesBase;
      for (let i = 0; i < chunkFrames; i++) this.window.set(this.frames[first + i], i * featureDim);
      // onnxruntime may keep a reference to the input during run(): pass a copy.
      const enc = await this.encoder.run(this.window.slice());
      if (await this.search.decodeChunk(enc.data, enc.frames, enc.dim)) changed = true;
      this.processed += shiftFrames;
      const drop = this.processed - this.framesBase;
      this.frames.splice(0, drop);
      this.framesBase += drop;
    }
    return changed;
  }
}

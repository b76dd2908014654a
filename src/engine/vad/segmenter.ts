/**
 * A Segmenter: a voice activity detector (probabilities per window) feeding the endpointing rules.
 * Chunk-size invariant because both halves are: the detector scores fixed windows, the rules see
 * only those scores.
 */
import { Endpointer, defaultSegmenterOptions, type EndpointerOptions } from './endpointer';
import type { SegmentEvent, Segmenter, SegmenterOptions, VoiceActivityDetector } from './types';

export { defaultSegmenterOptions };

/** SegmenterOptions plus the endpointer's finer knobs (post-roll, split search span). */
export type SegmenterCreateOptions = Partial<SegmenterOptions & Pick<EndpointerOptions, 'postRollMs' | 'splitSearchSec'>>;

const SAMPLE_RATE = 16000;

export function createSegmenter(vad: VoiceActivityDetector, options: SegmenterCreateOptions = {}): Segmenter {
  return new VadSegmenter(vad, new Endpointer({ ...defaultSegmenterOptions, ...options, windowSamples: vad.windowSamples, sampleRate: SAMPLE_RATE }));
}

class VadSegmenter implements Segmenter {
  /** Samples accepted, including a partial window the detector has not scored yet. */
  private samples = 0;

  constructor(
    private readonly vad: VoiceActivityDetector,
    private readonly endpointer: Endpointer,
  ) {}

  get inSpeech(): boolean {
    return this.endpointer.inSpeech;
  }

  async accept(samples: Float32Array): Promise<SegmentEvent[]> {
    this.samples += samples.length;
    const probs = await this.vad.process(samples);
    return this.endpointer.pushAll(probs);
  }

  /** Closes an open segment at the end of input, then starts over from sample 0. */
  finish(): SegmentEvent[] {
    const events = this.endpointer.finish(this.samples);
    this.reset();
    return events;
  }

  reset(): void {
    this.vad.reset();
    this.endpointer.reset();
    this.samples = 0;
  }
}

/**
 * Contracts for voice activity detection and segmentation, shared by both recognizer families.
 * Implementations: silero.ts (the network), endpointer.ts (the rules), segmenter.ts (both together).
 */

/** Speech probability per fixed window of audio (Silero v5: 512 samples = 32 ms at 16 kHz). */
export interface VoiceActivityDetector {
  readonly windowSamples: number;
  /**
   * Feeds samples of any chunk size; returns one probability per window completed by them.
   * Chunk-size invariant: the same audio gives the same probabilities however it is split.
   */
  process(samples: Float32Array): Promise<Float32Array>;
  reset(): void;
}

export interface SegmenterOptions {
  /** Probability above which a window counts as speech. */
  threshold: number;
  /** Trailing non-speech that ends a segment, ms. */
  endpointSilenceMs: number;
  /** Shortest speech that opens a segment, ms (filters clicks). */
  minSpeechMs: number;
  /** Audio kept before the detected start so soft onsets are not clipped, ms. */
  preRollMs: number;
  /** A segment longer than this is cut, at the quietest recent window where possible, seconds. */
  maxSegmentSec: number;
}

/** Sample positions count from the start of the stream (16 kHz). */
export type SegmentEvent =
  | { type: 'start'; sample: number }
  /** `detectedAt`: the sample position at which the end was decided (>= sample). */
  | { type: 'end'; sample: number; reason: 'silence' | 'max-length'; detectedAt: number };

export interface Segmenter {
  /** Feeds samples of any chunk size; returns the segment boundaries they reveal. */
  accept(samples: Float32Array): Promise<SegmentEvent[]>;
  /** End of input: closes an open segment. */
  finish(): SegmentEvent[];
  /** True while inside a segment. */
  readonly inSpeech: boolean;
  reset(): void;
}

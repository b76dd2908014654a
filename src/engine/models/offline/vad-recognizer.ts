/**
 * A streaming recognizer for any offline (whole-utterance) model: the Silero VAD finds phrases, the
 * segmented recognizer decodes them (partials by re-decoding, one final per phrase). Moonshine,
 * Whisper and Parakeet share it; only the transcriber differs.
 */
import { GainNormalizer } from '../../audio/gain';
import type { ModelFamily, RecognizerOptions, StreamingRecognizer } from '../../recognizer';
import { defaultRecognizerOptions } from '../../recognizer';
import { createSegmenter, defaultSegmenterOptions } from '../../vad/segmenter';
import type { SileroVadModel } from '../../vad/silero';
import { SegmentedRecognizer, type TextCorrector, type Transcriber } from './segmented-recognizer';
import { SpeechTap } from './speech-tap';

/**
 * Context kept around speech. Moonshine punctuates and closes sentences as it does on whole clips
 * only with some silence on both sides: with the VAD's defaults (200 ms before, 100 ms after) 5 of
 * the 8 shared clips decode exactly as the whole clip does, with 300/300 ms all 8 do (the others
 * differ in commas). The post-roll adds no latency: it is shorter than the endpoint silence.
 */
const PRE_ROLL_MS = 300;
const POST_ROLL_MS = 300;
/** The segmenter's thresholds: speech at or above, a pause below threshold - 0.15 (its hysteresis). */
const THRESHOLD = defaultSegmenterOptions.threshold;
const LOW_THRESHOLD = Math.max(THRESHOLD - 0.15, 0.01);

export interface VadRecognizerParts {
  family: ModelFamily;
  transcriber: Transcriber;
  vad: SileroVadModel;
  corrector?: TextCorrector;
}

export function createVadRecognizer(parts: VadRecognizerParts, options?: Partial<RecognizerOptions>): StreamingRecognizer {
  const opts: RecognizerOptions = { ...defaultRecognizerOptions, ...options };
  const tap = new SpeechTap(parts.vad.createVad(), THRESHOLD, LOW_THRESHOLD);
  const segmenter = createSegmenter(tap, {
    threshold: THRESHOLD,
    // Without endpointing a segment ends only at finish() or the length cap; the VAD still finds
    // where speech starts, so silence alone never produces text.
    endpointSilenceMs: opts.endpointing ? opts.endpointSilenceMs : Number.POSITIVE_INFINITY,
    maxSegmentSec: opts.maxUtteranceSec,
    preRollMs: PRE_ROLL_MS,
    postRollMs: POST_ROLL_MS,
  });
  const pauses = { pauseStartAt: (sample: number) => tap.pauseStartAt(sample), postRollSamples: (POST_ROLL_MS * 16000) / 1000 };
  return new SegmentedRecognizer({ family: parts.family, transcriber: parts.transcriber, segmenter, pauses, gain: new GainNormalizer(), corrector: parts.corrector }, opts);
}

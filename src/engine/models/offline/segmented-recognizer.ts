/**
 * Streaming recognition with an offline (whole-utterance) model (Moonshine, Whisper, Parakeet): audio is buffered, the
 * VAD segmenter finds utterances, the open utterance is re-decoded from its start for partials, and
 * decoded once more when it ends for the final.
 *
 * Chunk-size invariance: every decision is taken in sample positions, never wall-clock time. The
 * final decodes exactly the samples [start, end) the segmenter reported, so its text does not depend
 * on how the audio was split. Partials are due at fixed positions on a grid from the segment start
 * (so their rate is bounded in audio time whatever the chunking); each decodes all audio received,
 * so a partial's text can depend on where its chunk ended, a final's cannot.
 *
 * Cost and latency (a decode's cost grows with the audio it covers, so partials are rationed):
 * - accept() with nothing to do is a few comparisons and one copy of the chunk;
 * - partials start once the segment is MIN_PARTIAL_SEC long and then come every
 *   partialIntervalMs of audio, or PARTIAL_INTERVAL_PER_SEC of the segment's length when that is
 *   longer (capped at MAX_PARTIAL_STEP_SEC), so re-decoding a long utterance takes a bounded share
 *   of real time while the hypothesis is still refreshed at least every half second;
 * - a partial verifies the previous partial's tokens in one decoder pass instead of regenerating
 *   them (a "draft", see greedy-decode.ts), which halves its cost; finals never use a draft;
 * - no partial in a call that produced a final;
 * - a final whose exact range the last partial decoded reuses its text. In a pause, a partial
 *   decodes exactly the range the endpoint will close the utterance at (pause start + post-roll, see
 *   speech-tap.ts), once, so at the endpoint nothing is left to decode and later grid points in the
 *   pause decode nothing. (That look-ahead decode is exact, never drafted; a drafted partial of
 *   speech running to the end of input is not reused, so finish() then decodes once, exactly.)
 */
import type { FinalEvent, ModelFamily, RecognizerEvent, RecognizerOptions, StreamingRecognizer } from '../../recognizer';
import type { Segmenter } from '../../vad/types';
import { SampleHistory } from './sample-history';

const SAMPLE_RATE = 16000;
/** Shorter open segments are not worth a partial (a syllable at most). */
const MIN_PARTIAL_SEC = 0.3;
/** Partial spacing grows with the segment: this many seconds per second of segment (0.03 = 30 ms/s)... */
const PARTIAL_INTERVAL_PER_SEC = 0.03;
/**
 * ...up to this spacing, so that, with a drafted decode of a long utterance taking a fraction of
 * it, a refreshed hypothesis still arrives about every half second however long the utterance runs.
 */
const MAX_PARTIAL_STEP_SEC = 0.4;
/**
 * Audio kept while no segment is open: the segmenter reports a start only after `minSpeechMs` of
 * speech and places it `preRollMs` earlier still, so the start lies in the past.
 */
const IDLE_HISTORY_SEC = 5;
/** Silence put on both sides of a phrase decoded again because its final read nothing. */
const PAD_SAMPLES = Math.round(0.3 * SAMPLE_RATE);

/** One decode of a stretch of audio by an offline model. */
export interface Transcription {
  text: string;
  /** Generated ids (family-specific: Moonshine keeps its start and end tokens here). */
  tokens: number[];
  encoderMs: number;
  decoderMs: number;
}

export interface Transcriber {
  /** `draft`: an earlier decode's tokens to verify rather than regenerate (partials only). */
  transcribe(samples: Float32Array, draft?: readonly number[]): Promise<Transcription>;
}

/** Audio-domain preprocessing (gain normalisation): same length out, chunk-size invariant. */
export interface SampleProcessor {
  process(samples: Float32Array): Float32Array;
  reset(): void;
}

/** Where the segmenter will end the open utterance if the current pause lasts (see speech-tap.ts). */
export interface PausePredictor {
  /** Start of the pause running as of absolute sample `sample`, or -1. Queries move forward only. */
  pauseStartAt(sample: number): number;
  /** The segmenter ends a segment this many samples after its pause started. */
  readonly postRollSamples: number;
}

export interface DecodeStats {
  /** Decodes of the open segment: partials (and, with partials off, the look-ahead decode in a pause). */
  partials: number;
  partialMs: number;
  partialMaxMs: number;
  /** Grid points whose range was already decoded (in a pause). */
  partialsSkipped: number;
  /** Finals decoded at the end of their utterance. */
  finals: number;
  finalMs: number;
  finalMaxMs: number;
  /** Finals whose exact range the last partial had already decoded (no decode at the end). */
  finalsReused: number;
  /** Finals that read nothing after a partial showed words, decoded again with silence around them. */
  finalsRetried: number;
}

/** Post-decoding text correction (the user's vocabulary, see vocabulary.ts). */
export interface TextCorrector {
  correct(text: string): { text: string };
}

export interface SegmentedRecognizerParts {
  family: ModelFamily;
  transcriber: Transcriber;
  /** Applied to partial and final text when given. */
  corrector?: TextCorrector;
  segmenter: Segmenter;
  /** Optional: lets the final reuse a partial decoded in the pause before the endpoint. */
  pauses?: PausePredictor;
  /** Optional: applied to input when options.normalizeGain. */
  gain?: SampleProcessor;
}

interface Decoded {
  start: number;
  end: number;
  text: string;
  tokens: readonly number[];
  /** Decoded from a draft (see greedy-decode.ts): fine for a partial, never reused as a final. */
  drafted: boolean;
}

export class SegmentedRecognizer implements StreamingRecognizer {
  readonly family: ModelFamily;
  private readonly transcriber: Transcriber;
  private readonly segmenter: Segmenter;
  private readonly pauses?: PausePredictor;
  private readonly gain?: SampleProcessor;
  private readonly corrector?: TextCorrector;
  private readonly audio = new SampleHistory();
  private readonly minPartialSamples = Math.round(MIN_PARTIAL_SEC * SAMPLE_RATE);
  private readonly partialIntervalSamples: number;
  private readonly stats: DecodeStats = { partials: 0, partialMs: 0, partialMaxMs: 0, partialsSkipped: 0, finals: 0, finalMs: 0, finalMaxMs: 0, finalsReused: 0, finalsRetried: 0 };

  private utterance = 0;
  /** Start of the open segment, or undefined between segments. */
  private segmentStart: number | undefined;
  /** Next grid position at which a partial is due. */
  private nextPartial = Number.POSITIVE_INFINITY;
  /** The open segment's latest decode (a pure function of its samples, so reusable for the same range). */
  private lastDecode: Decoded | undefined;
  private lastPartialText = '';

  constructor(
    parts: SegmentedRecognizerParts,
    private readonly options: RecognizerOptions,
  ) {
    this.family = parts.family;
    this.transcriber = parts.transcriber;
    this.segmenter = parts.segmenter;
    this.pauses = parts.pauses;
    this.corrector = parts.corrector;
    this.gain = options.normalizeGain ? parts.gain : undefined;
    this.partialIntervalSamples = Math.max(1, Math.round((options.partialIntervalMs / 1000) * SAMPLE_RATE));
  }

  /** Decode counts and times so far (for benchmarks and logs). */
  get decodeStats(): Readonly<DecodeStats> {
    return this.stats;
  }

  async accept(input: Float32Array): Promise<RecognizerEvent[]> {
    if (input.length === 0) return [];
    const samples = this.gain ? this.gain.process(input) : input;
    this.audio.append(samples);
    const boundaries = await this.segmenter.accept(samples);
    const events: RecognizerEvent[] = [];
    /** Where a max-length cut left speech running, until a start event takes over. */
    let remainder: number | undefined;
    for (const b of boundaries) {
      if (b.type === 'start') {
        this.open(b.sample);
        remainder = undefined;
        continue;
      }
      await this.close(b.sample, b.reason === 'max-length' ? 'max-length' : 'endpoint', events);
      remainder = b.reason === 'max-length' ? b.sample : undefined;
    }
    // A cut inside speech continues as the next utterance at once, even from a segmenter that does
    // not report that start itself; a cut in a pause (segmenter idle) waits for speech.
    if (remainder !== undefined && this.segmenter.inSpeech && this.segmentStart === undefined) this.open(remainder);

    if (this.segmentStart === undefined) {
      this.audio.discardBefore(this.audio.end - IDLE_HISTORY_SEC * SAMPLE_RATE);
    } else if (this.audio.end >= this.nextPartial && !events.some((e) => e.type === 'final')) {
      await this.partial(this.segmentStart, events);
    }
    return events;
  }

  async finish(): Promise<RecognizerEvent[]> {
    const events: RecognizerEvent[] = [];
    for (const b of this.segmenter.finish()) {
      if (b.type === 'start') this.open(b.sample);
      else await this.close(b.sample, 'end-of-input', events);
    }
    // The segmenter closes its open segment itself; this only guards against one that did not.
    if (this.segmentStart !== undefined) await this.close(this.audio.end, 'end-of-input', events);
    this.reset();
    return events;
  }

  reset(): void {
    this.segmenter.reset();
    this.gain?.reset();
    this.audio.clear();
    this.segmentStart = undefined;
    this.nextPartial = Number.POSITIVE_INFINITY;
    this.lastDecode = undefined;
    this.lastPartialText = '';
  }

  private open(sample: number): void {
    this.segmentStart = Math.max(sample, this.audio.start);
    this.lastDecode = undefined;
    this.lastPartialText = '';
    this.nextPartial = this.segmentStart + Math.max(this.minPartialSamples, this.partialIntervalSamples);
  }

  /** Grid step after position `at` of the segment starting at `start`: the interval, stretched for long segments. */
  private partialStep(start: number, at: number): number {
    const stretched = Math.min(Math.round((at - start) * PARTIAL_INTERVAL_PER_SEC), MAX_PARTIAL_STEP_SEC * SAMPLE_RATE);
    return Math.max(this.partialIntervalSamples, stretched);
  }

  private async partial(start: number, events: RecognizerEvent[]): Promise<void> {
    // The grid decides when (points a big chunk jumped over are skipped); the decode covers all the
    // audio received, so when input ends right after a partial, that partial is the final.
    let at = this.nextPartial;
    for (let next = at + this.partialStep(start, at); next <= this.audio.end; next += this.partialStep(start, next)) at = next;
    this.nextPartial = at + this.partialStep(start, at);

    // In a pause whose post-roll has passed, decode what the endpoint will close: nothing after it.
    // That decode is worth doing even with partials off: it is the final's, done ahead of time.
    let end = this.audio.end;
    let inPause = false;
    if (this.pauses) {
      const pause = this.pauses.pauseStartAt(end);
      inPause = pause > start && pause + this.pauses.postRollSamples <= end;
      if (inPause) end = pause + this.pauses.postRollSamples;
    }
    if (!this.options.partials && !inPause) return;
    const last = this.lastDecode;
    if (last && last.start === start && last.end === end && !(inPause && last.drafted)) {
      this.stats.partialsSkipped++;
      return;
    }
    // Speech still running: verify the previous partial's tokens instead of regenerating them. In a
    // pause this decode is the final's, done ahead, so it must be the exact one.
    const draft = !inPause && last?.start === start ? last.tokens : undefined;
    const { text, tokens } = await this.decode(start, end, 'partial', draft);
    this.lastDecode = { start, end, text, tokens, drafted: draft !== undefined };
    const trimmed = this.corrected(text.trim());
    if (this.options.partials && trimmed && trimmed !== this.lastPartialText) {
      this.lastPartialText = trimmed;
      events.push({ type: 'partial', text: trimmed, utterance: this.utterance });
    }
  }

  private async close(end: number, reason: FinalEvent['reason'], events: RecognizerEvent[]): Promise<void> {
    const start = this.segmentStart;
    const last = this.lastDecode;
    const reuse = last && !last.drafted && last.start === start && last.end === end ? last.text : undefined;
    const shown = this.lastPartialText;
    this.segmentStart = undefined;
    this.nextPartial = Number.POSITIVE_INFINITY;
    this.lastDecode = undefined;
    this.lastPartialText = '';
    if (start === undefined || end <= start) return;
    if (reuse !== undefined) this.stats.finalsReused++;
    let text = reuse ?? (await this.decode(start, end, 'final')).text;
    if (!text.trim() && shown) {
      // Words the user saw must not vanish. Moonshine can read nothing in a short phrase cut
      // tightly at its ends (it was trained on audio with silence around speech): decode it again
      // with silence on both sides, and if it still reads nothing, keep what was shown.
      this.stats.finalsRetried++;
      text = (await this.decode(start, end, 'final', undefined, PAD_SAMPLES)).text;
      if (!text.trim()) text = shown;
    }
    const trimmed = this.corrected(text.trim());
    if (!trimmed) return;
    events.push({ type: 'final', text: trimmed, utterance: this.utterance, startSec: start / SAMPLE_RATE, endSec: end / SAMPLE_RATE, reason });
    this.utterance++;
  }

  private corrected(text: string): string {
    return text && this.corrector ? this.corrector.correct(text).text : text;
  }

  /** `pad`: samples of silence put before and after the range (a retried final). */
  private async decode(start: number, end: number, kind: 'partial' | 'final', draft?: readonly number[], pad = 0): Promise<Transcription> {
    const t0 = performance.now();
    const range = this.audio.slice(start, end);
    let samples = range;
    if (pad > 0) {
      samples = new Float32Array(range.length + 2 * pad);
      samples.set(range, pad);
    }
    const result = await this.transcriber.transcribe(samples, draft);
    const ms = performance.now() - t0;
    const s = this.stats;
    if (kind === 'partial') {
      s.partials++;
      s.partialMs += ms;
      s.partialMaxMs = Math.max(s.partialMaxMs, ms);
    } else {
      s.finals++;
      s.finalMs += ms;
      s.finalMaxMs = Math.max(s.finalMaxMs, ms);
    }
    return result;
  }
}

/**
 * The rules that turn per-window speech probabilities into segments. No audio, no ONNX: one number
 * per window in, SegmentEvents out, so the same probabilities always give the same events.
 *
 * - Start: a window at or above `threshold` opens a candidate. It becomes a segment once speech has
 *   lasted `minSpeechMs` (windows at or above the lower threshold count, see below); a window below
 *   the lower threshold before that discards it (clicks, pops). The start event's sample is the
 *   candidate's first window minus `preRollMs`, never before the previous segment's end or 0.
 * - Hysteresis, as silero's VADIterator: inside a segment a window below `threshold - 0.15` (the
 *   lower threshold, at least 0.01) starts a silence; a window at or above `threshold` ends it;
 *   windows in between change nothing.
 * - End at a pause: when the silence has lasted `endpointSilenceMs`, the segment ends at the start
 *   of the silence plus `postRollMs` (trailing consonants score low; keep a little).
 * - End at the length cap: when one more window would take a segment past `maxSegmentSec`, it is
 *   cut at the quietest window (lowest probability, the latest of equals) among those starting in
 *   the last `splitSearchSec` (or the second half of the segment, if shorter), at that window's
 *   centre; a new segment starts at the same sample. If a silence is already running at the cap,
 *   the segment ends there instead (as a pause would end it) and no new segment starts until
 *   speech resumes. So no segment is longer than the cap.
 * - finish(): an open segment ends at the end of input (or at its running silence plus post-roll);
 *   an unconfirmed candidate is dropped. It is reported as reason 'silence' (the contract has no
 *   end-of-input reason).
 */
import type { SegmentEvent, SegmenterOptions } from './types';

export interface EndpointerOptions extends SegmenterOptions {
  /** Samples per probability window (Silero v5 at 16 kHz: 512). */
  windowSamples: number;
  sampleRate: number;
  /** Audio kept after the last speech window at a pause, ms. */
  postRollMs: number;
  /** How far back from the cap a max-length cut looks for the quietest window, seconds. */
  splitSearchSec: number;
}

export const defaultSegmenterOptions: SegmenterOptions = {
  threshold: 0.5,
  endpointSilenceMs: 800,
  minSpeechMs: 250,
  preRollMs: 200,
  maxSegmentSec: 20,
};

export const defaultEndpointerOptions: EndpointerOptions = {
  ...defaultSegmenterOptions,
  windowSamples: 512,
  sampleRate: 16000,
  postRollMs: 100,
  splitSearchSec: 2,
};

/** Hysteresis gap between the start and the end threshold, as in silero-vad. */
const HYSTERESIS = 0.15;

type Mode = 'idle' | 'candidate' | 'speech';

export class Endpointer {
  readonly options: EndpointerOptions;
  private readonly lowThreshold: number;
  private readonly minSpeechWindows: number;
  private readonly silenceWindows: number;
  private readonly preRoll: number;
  private readonly postRoll: number;
  private readonly maxSamples: number;
  private readonly searchSamples: number;

  private mode: Mode = 'idle';
  /** Index of the next window pushed. */
  private window = 0;
  private candidateStart = 0;
  private segmentStart = 0;
  private lastEnd = 0;
  /** First window of the running silence inside a segment, or -1. */
  private silenceStart = -1;
  /** Probabilities of the open segment's windows, the first being window `probsFirst`. */
  private probs: number[] = [];
  private probsFirst = 0;

  constructor(options: Partial<EndpointerOptions> = {}) {
    const o = (this.options = { ...defaultEndpointerOptions, ...options });
    if (!(o.threshold > 0 && o.threshold < 1)) throw new RangeError(`VAD threshold must be between 0 and 1, got ${o.threshold}`);
    if (!(o.maxSegmentSec > 0)) throw new RangeError(`maxSegmentSec must be positive, got ${o.maxSegmentSec}`);
    const W = o.windowSamples;
    const ms = (v: number) => (v * o.sampleRate) / 1000;
    this.lowThreshold = Math.max(o.threshold - HYSTERESIS, 0.01);
    this.minSpeechWindows = Math.max(1, Math.ceil(ms(o.minSpeechMs) / W));
    this.silenceWindows = Math.max(1, Math.ceil(ms(o.endpointSilenceMs) / W));
    this.preRoll = Math.max(0, Math.round(ms(o.preRollMs)));
    this.postRoll = Math.max(0, Math.round(ms(o.postRollMs)));
    this.maxSamples = Math.max(W, Math.round(o.maxSegmentSec * o.sampleRate));
    this.searchSamples = Math.round(o.splitSearchSec * o.sampleRate);
  }

  get inSpeech(): boolean {
    return this.mode === 'speech';
  }

  /** Samples covered by the windows pushed so far. */
  get position(): number {
    return this.window * this.options.windowSamples;
  }

  /** Feeds the probabilities of consecutive windows. */
  pushAll(probs: ArrayLike<number>): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    for (let i = 0; i < probs.length; i++) this.step(probs[i], events);
    return events;
  }

  /** Feeds the probability of the next window. */
  push(prob: number): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    this.step(prob, events);
    return events;
  }

  /**
   * End of input after `totalSamples` (default: the windows pushed; pass the true count when a
   * partial window was never scored). Closes an open segment, then resets.
   */
  finish(totalSamples: number = this.position): SegmentEvent[] {
    const events: SegmentEvent[] = [];
    if (this.mode === 'speech') {
      const end = this.silenceStart >= 0 ? Math.min(this.silenceStart * this.options.windowSamples + this.postRoll, totalSamples) : totalSamples;
      // A partial window after the last one scored can take it just past the cap: clamp.
      events.push({ type: 'end', sample: Math.max(Math.min(end, this.segmentStart + this.maxSamples), this.segmentStart), reason: 'silence', detectedAt: totalSamples });
    }
    this.reset();
    return events;
  }

  reset(): void {
    this.mode = 'idle';
    this.window = 0;
    this.candidateStart = 0;
    this.segmentStart = 0;
    this.lastEnd = 0;
    this.silenceStart = -1;
    this.probs = [];
    this.probsFirst = 0;
  }

  private step(prob: number, events: SegmentEvent[]): void {
    const w = this.window++;
    const W = this.options.windowSamples;
    const windowEnd = (w + 1) * W;
    switch (this.mode) {
      case 'idle':
        if (prob < this.options.threshold) return;
        this.mode = 'candidate';
        this.candidateStart = w;
        this.probs = [prob];
        this.probsFirst = w;
        this.confirmIfLongEnough(w, events);
        return;
      case 'candidate':
        if (prob < this.lowThreshold) {
          this.mode = 'idle';
          return;
        }
        this.probs.push(prob);
        this.confirmIfLongEnough(w, events);
        return;
      case 'speech': {
        this.probs.push(prob);
        if (prob >= this.options.threshold) this.silenceStart = -1;
        else if (prob < this.lowThreshold && this.silenceStart < 0) this.silenceStart = w;
        if (this.silenceStart >= 0 && w + 1 - this.silenceStart >= this.silenceWindows) {
          this.endAt(Math.min(this.silenceStart * W + this.postRoll, windowEnd), 'silence', events, windowEnd);
        } else if (windowEnd + W - this.segmentStart > this.maxSamples) {
          // Cut now, while the segment still fits: one more window would take it past the cap.
          this.cut(windowEnd, events);
        }
        return;
      }
    }
  }

  private confirmIfLongEnough(w: number, events: SegmentEvent[]): void {
    if (w + 1 - this.candidateStart < this.minSpeechWindows) return;
    this.mode = 'speech';
    this.silenceStart = -1;
    this.segmentStart = Math.max(this.lastEnd, this.candidateStart * this.options.windowSamples - this.preRoll, 0);
    events.push({ type: 'start', sample: this.segmentStart });
  }

  private endAt(sample: number, reason: 'silence' | 'max-length', events: SegmentEvent[], detectedAt: number): void {
    const end = Math.max(sample, this.segmentStart);
    events.push({ type: 'end', sample: end, reason, detectedAt: Math.max(detectedAt, end) });
    this.mode = 'idle';
    this.lastEnd = end;
    this.silenceStart = -1;
    this.probs = [];
  }

  /** The segment is about to reach the cap at sample `capAt`: split it at its quietest recent window. */
  private cut(capAt: number, events: SegmentEvent[]): void {
    const W = this.options.windowSamples;
    if (this.silenceStart >= 0) {
      this.endAt(Math.min(this.silenceStart * W + this.postRoll, capAt), 'max-length', events, capAt);
      return;
    }
    // Candidate windows start after the segment start, in the search span, in the segment's 2nd half.
    const from = Math.max(capAt - this.searchSamples, this.segmentStart + Math.floor(this.maxSamples / 2));
    const firstWindow = Math.max(Math.ceil(from / W), this.probsFirst);
    const lastWindow = this.window - 1;
    let best = lastWindow;
    for (let w = lastWindow; w >= firstWindow; w--) {
      if (this.probs[w - this.probsFirst] < this.probs[best - this.probsFirst]) best = w;
    }
    const at = Math.max(best * W + Math.floor(W / 2), this.segmentStart + 1);
    events.push({ type: 'end', sample: at, reason: 'max-length', detectedAt: capAt });
    events.push({ type: 'start', sample: at });
    this.segmentStart = at;
    this.lastEnd = at;
    this.probs = this.probs.slice(best + 1 - this.probsFirst);
    this.probsFirst = best + 1;
  }
}

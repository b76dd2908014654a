/**
 * Feeds audio to one recognizer strictly in order, one call at a time (the recognizer's calls must
 * not overlap), however fast the audio arrives. Audio is cut into 100 ms pieces so a cancel waits
 * for at most one short call. The queue reports when it holds too much (the source should pause)
 * and when it has caught up (resume), which bounds memory when a source is faster than real time.
 */
import type { RecognizerEvent, StreamingRecognizer } from '../engine/recognizer';

const PIECE = 1600;

export interface FeedQueueHooks {
  events(events: RecognizerEvent[]): void;
  /** The recognizer threw; the queue has stopped and drops further audio. */
  failed(error: unknown): void;
  /** true: above the high watermark, pause the source; false: below the low one, resume it. */
  pressure(high: boolean): void;
}

export interface Watermarks {
  /** Queued samples above which the source is paused. */
  high: number;
  /** Queued samples below which it is resumed. */
  low: number;
}

export const defaultWatermarks: Watermarks = { high: 3 * 16000, low: 1 * 16000 };

export class FeedQueue {
  private readonly pending: Float32Array[] = [];
  private queued = 0;
  private pump: Promise<void> | undefined;
  private paused = false;
  /** No more audio is taken: after finish(), cancel() or a failure. */
  private closed = false;
  /** Events are dropped: after cancel() or a failure. */
  private dropping = false;
  private broken = false;

  constructor(
    private readonly recognizer: StreamingRecognizer,
    private readonly hooks: FeedQueueHooks,
    private readonly marks: Watermarks = defaultWatermarks,
  ) {}

  get queuedSamples(): number {
    return this.queued;
  }

  /** The recognizer threw: finish() will not be called on it. */
  get failed(): boolean {
    return this.broken;
  }

  push(samples: Float32Array): void {
    if (this.closed || samples.length === 0) return;
    for (let i = 0; i < samples.length; i += PIECE) this.pending.push(samples.subarray(i, i + PIECE));
    this.queued += samples.length;
    if (!this.paused && this.queued > this.marks.high) {
      this.paused = true;
      this.hooks.pressure(true);
    }
    this.pump ??= this.run();
  }

  /** Feeds everything queued, then ends the input: the recognizer's last events go to the hooks. */
  async finish(): Promise<void> {
    await this.idle();
    if (this.closed) return;
    this.closed = true;
    try {
      const events = await this.recognizer.finish();
      if (!this.dropping) this.hooks.events(events);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Drops what is queued and the open utterance; no more events are delivered. */
  async cancel(): Promise<void> {
    this.closed = true;
    this.dropping = true;
    this.pending.length = 0;
    this.queued = 0;
    // The call in flight must end before reset(): calls on a recognizer never overlap.
    await this.idle();
    if (!this.broken) this.recognizer.reset();
  }

  /** Resolves when no call is in flight and nothing is queued. */
  private async idle(): Promise<void> {
    while (this.pump) await this.pump;
  }

  private async run(): Promise<void> {
    try {
      for (let piece = this.pending.shift(); piece; piece = this.pending.shift()) {
        this.queued -= piece.length;
        const events = await this.recognizer.accept(piece);
        // Events of audio fed before a cancel belong to the dropped utterance.
        if (this.dropping) break;
        if (events.length > 0) this.hooks.events(events);
        if (this.paused && this.queued < this.marks.low) {
          this.paused = false;
          this.hooks.pressure(false);
        }
      }
    } catch (e) {
      this.fail(e);
    } finally {
      this.pump = undefined;
    }
  }

  private fail(e: unknown): void {
    this.broken = true;
    this.closed = true;
    this.dropping = true;
    this.pending.length = 0;
    this.queued = 0;
    this.hooks.failed(e);
  }
}

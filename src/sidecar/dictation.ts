/**
 * One dictation session: audio from a source, through the feed queue into a recognizer, out as
 * partial/final/level events tagged with the session number. Partials are stabilised
 * (engine/partial-stability.ts): a partial event carries the text that stopped changing, and is
 * sent only when that text changed.
 *
 * It ends exactly once, in one of four ways, each followed by one dictationEnded event:
 * - stopped (request): the source stops, the queued audio is decoded, finish() flushes the open
 *   utterance and its final is emitted;
 * - end-of-file (the file source ran out): the same flush;
 * - error (the source failed, e.g. the recorder died): an error event, then the same flush, so the
 *   words heard before the failure are kept; if the recognizer itself failed there is no flush;
 * - cancelled (request): the source stops, queued audio and the open utterance are dropped, no final.
 */
import { toMurmurError, type MurmurError } from '../engine/errors';
import type { Log } from '../engine/log';
import { withStablePartials } from '../engine/partial-stability';
import type { RecognizerEvent, StreamingRecognizer } from '../engine/recognizer';
import { wallClockMs, type DictationEndReason, type SidecarEvent } from '../protocol/messages';
import type { AudioSource } from './audio-source';
import { FeedQueue, defaultWatermarks, type Watermarks } from './feed-queue';
import { isReported } from './pending-recognizer';
import { LevelMeter } from './level-meter';

/** About 20 level events a second: smooth enough for a meter, cheap on the IPC channel. */
const LEVEL_INTERVAL_MS = 50;
/**
 * While the model is still loading, audio has nowhere to go but the queue: let it hold a minute
 * (3.8 MB) rather than pausing the recorder after 3 s, which a first ONNX -> ORT conversion of a
 * large model would exceed.
 */
export const LOADING_WATERMARKS: Watermarks = { high: 60 * 16000, low: defaultWatermarks.low };

export interface DictationHooks {
  emit(event: SidecarEvent): void;
  log: Log;
  /** Audio flows: start() is about to resolve (called before any ending). */
  listening(): void;
  /** The dictation began ending (not called when start() failed). */
  ending(reason: DictationEndReason): void;
  /** dictationEnded has been emitted; the recognizer is no longer used. */
  ended(reason: DictationEndReason): void;
}

export class Dictation {
  private readonly queue: FeedQueue;
  private readonly meter = new LevelMeter();
  private levelTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private finished: Promise<void> | undefined;
  private running = false;

  constructor(
    readonly session: number,
    recognizer: StreamingRecognizer,
    private readonly source: AudioSource,
    private readonly hooks: DictationHooks,
    watermarks: Watermarks = defaultWatermarks,
  ) {
    this.queue = new FeedQueue(
      // Partials leave as the stable text (the part of the hypotheses that stopped changing), so
      // the grey text at the cursor does not flicker; finals are untouched.
      withStablePartials(recognizer),
      {
        events: (events) => this.forward(events),
        failed: (e) => this.fail(toMurmurError(e), 'the recognizer failed', isReported(e)),
        pressure: (high) => (high ? this.source.pause() : this.source.resume()),
      },
      watermarks,
    );
  }

  /** Starts the source; rejects (and leaves nothing running) when it cannot start. */
  async start(): Promise<void> {
    this.started = this.source.start({
      audio: (samples) => {
        this.meter.add(samples);
        this.queue.push(samples);
      },
      ended: (error) => (error ? this.fail(error, 'the audio source failed') : void this.end('end-of-file')),
    });
    try {
      await this.started;
    } catch (e) {
      this.source.kill();
      throw e;
    }
    this.running = true;
    this.hooks.log('info', `dictation ${this.session} started: ${this.source.label}`);
    this.hooks.listening();
    this.levelTimer = setInterval(() => {
      const level = this.meter.take();
      if (level) this.hooks.emit({ type: 'level', ...level });
    }, LEVEL_INTERVAL_MS);
  }

  /** start() succeeded (so the host was given the session number). */
  get wasStarted(): boolean {
    return this.running;
  }

  /** Ends the dictation (see the file comment); later calls return the first call's promise. */
  end(reason: DictationEndReason): Promise<void> {
    this.finished ??= this.finish(reason);
    return this.finished;
  }

  /** Process exit: stop the recorder now, synchronously. */
  kill(): void {
    clearInterval(this.levelTimer);
    this.source.kill();
  }

  private async finish(reason: DictationEndReason): Promise<void> {
    try {
      await this.started;
    } catch {
      return; // never started: start() reported it
    }
    this.hooks.ending(reason);
    if (reason === 'cancelled') {
      // Close the queue first so audio still draining from the source is not fed.
      const dropped = this.queue.cancel();
      await this.source.stop();
      await dropped;
    } else {
      await this.source.stop();
      if (this.queue.failed) await this.queue.cancel();
      else await this.queue.finish();
    }
    clearInterval(this.levelTimer);
    this.meter.take();
    this.hooks.log('info', `dictation ${this.session} ended: ${reason}`);
    this.hooks.emit({ type: 'dictationEnded', session: this.session, reason });
    this.hooks.ended(reason);
  }

  /** `reported`: the host already has this error (a failed model load): log it, do not repeat it. */
  private fail(error: MurmurError, what: string, reported = false): void {
    this.hooks.log('error', `dictation ${this.session}: ${what}: ${error.message}`);
    if (!reported) this.hooks.emit({ type: 'error', code: error.code, message: error.message });
    // A failure while already ending (the flush) keeps that ending's reason.
    if (!this.finished) void this.end('error');
  }

  private forward(events: RecognizerEvent[]): void {
    for (const e of events) {
      if (e.type === 'partial') this.hooks.emit({ type: 'partial', session: this.session, utterance: e.utterance, text: e.text });
      else this.hooks.emit({ type: 'final', session: this.session, utterance: e.utterance, text: e.text, startSec: e.startSec, endSec: e.endSec, reason: e.reason, sentAt: wallClockMs() });
    }
  }
}

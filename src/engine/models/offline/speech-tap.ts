/**
 * A pass-through around the VAD that follows pauses the way the endpointer does, so the recognizer
 * can tell where the open utterance will end before the endpoint is reported.
 *
 * Why: an utterance's end is reported `endpointSilenceMs` (800 ms) into a pause, and it ends at the
 * pause's start plus the post-roll. That audio is all there well before the report, so the
 * recognizer decodes exactly that range as a partial during the pause and reuses the text for the
 * final: the final costs no decode when the endpoint arrives. If the prediction is ever wrong (the
 * endpointer's rules changed) the final is simply decoded as usual; only latency depends on this.
 *
 * The rule mirrored from endpointer.ts: a window at or above `threshold` is speech and cancels a
 * pause; the first window below `lowThreshold` after it starts one; windows in between change
 * nothing. Positions are counted in windows from the start of the stream and the state is kept per
 * window, so queries give the same answer however the audio was chunked.
 */
import type { VoiceActivityDetector } from '../../vad/types';

/** Pause changes kept; half of it is at least 512 windows (16 s) of history, far more than a chunk. */
const MAX_CHANGES = 1024;

export class SpeechTap implements VoiceActivityDetector {
  private windows = 0;
  /** First window of the running pause, or -1 while speech goes on (or before any). */
  private pause = -1;
  /** Pause state after window `window`, recorded where it changed; oldest first. */
  private changes: { window: number; pause: number }[] = [];

  constructor(
    private readonly inner: VoiceActivityDetector,
    private readonly threshold: number,
    private readonly lowThreshold: number,
  ) {}

  get windowSamples(): number {
    return this.inner.windowSamples;
  }

  async process(samples: Float32Array): Promise<Float32Array> {
    const probs = await this.inner.process(samples);
    for (let i = 0; i < probs.length; i++) {
      const w = this.windows + i;
      const p = probs[i];
      const next = p >= this.threshold ? -1 : p < this.lowThreshold && this.pause < 0 ? w : this.pause;
      if (next !== this.pause) {
        this.pause = next;
        this.changes.push({ window: w, pause: next });
      }
    }
    // Queries are near the present; bound the history when nobody asks (long noisy idle streams).
    if (this.changes.length > MAX_CHANGES) this.changes.splice(0, this.changes.length - MAX_CHANGES / 2);
    this.windows += probs.length;
    return probs;
  }

  /**
   * Start (in samples) of the pause running once the windows ending at or before `sample` were
   * scored, or -1 if speech was going on. Queries must not go back in time: older history is dropped.
   */
  pauseStartAt(sample: number): number {
    const lastWindow = Math.floor(sample / this.inner.windowSamples) - 1;
    let i = this.changes.length - 1;
    while (i >= 0 && this.changes[i].window > lastWindow) i--;
    if (i < 0) return -1;
    if (i > 0) this.changes.splice(0, i);
    const pause = this.changes[0].pause;
    return pause < 0 ? -1 : pause * this.inner.windowSamples;
  }

  reset(): void {
    this.inner.reset();
    this.windows = 0;
    this.pause = -1;
    this.changes = [];
  }
}

/**
 * Where a dictation's audio comes from (the microphone, a file). A source pushes 16 kHz mono float
 * samples into its sink as they arrive and can be paused when the recognizer falls behind.
 */
import type { MurmurError } from '../engine/errors';

export interface AudioSink {
  audio(samples: Float32Array): void;
  /** The source stopped by itself: at the end of its input (no error) or because it failed. */
  ended(error?: MurmurError): void;
}

export interface AudioSource {
  /** A short name for logs: "microphone default", "file /x/y.wav". */
  readonly label: string;
  /** Starts delivering; resolves once audio flows, rejects with a MurmurError when it cannot start. */
  start(sink: AudioSink): Promise<void>;
  /** Stops delivering; resolves once no more audio will reach the sink. Safe to call twice. */
  stop(): Promise<void>;
  /** Backpressure: hold audio back (a recorder blocks on its pipe) until resume(). */
  pause(): void;
  resume(): void;
  /** Synchronous last resort on process exit: leave no recorder process behind. */
  kill(): void;
}

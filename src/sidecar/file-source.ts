/**
 * A WAV file as a dictation source: 100 ms chunks, either as fast as the recognizer takes them
 * (transcribing a file) or paced in real time (what a microphone would deliver: demos, latency
 * tests). The file is read and converted to 16 kHz mono before start() resolves, so an unreadable
 * file fails the startDictation request itself.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { readWav, toMono16k } from '../engine/audio/wav';
import type { AudioSink, AudioSource } from './audio-source';

const CHUNK = 1600;
const RATE = 16000;

export class FileSource implements AudioSource {
  readonly label: string;
  private stopped = false;
  private paused = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();

  /** `samples`: the file's audio when the caller has already read it (16 kHz mono). */
  constructor(
    private readonly file: string,
    private readonly realtime: boolean,
    private readonly samples?: Float32Array,
  ) {
    this.label = `file ${file}${realtime ? ' (real time)' : ''}`;
  }

  async start(sink: AudioSink): Promise<void> {
    const samples = this.samples ?? toMono16k(readWav(this.file));
    this.loop = this.feed(samples, sink);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wakeUp();
    await this.loop;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeUp();
  }

  kill(): void {
    this.stopped = true;
    this.abort.abort();
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async feed(samples: Float32Array, sink: AudioSink): Promise<void> {
    const t0 = performance.now();
    let pausedMs = 0;
    for (let offset = 0; offset < samples.length && !this.stopped; offset += CHUNK) {
      if (this.paused) {
        const p0 = performance.now();
        await new Promise<void>((resolve) => (this.wake = resolve));
        pausedMs += performance.now() - p0;
        if (this.stopped) break;
      }
      if (this.realtime) {
        // Deliver each chunk when its audio would have been recorded (its end time).
        const due = t0 + pausedMs + ((offset + CHUNK) / RATE) * 1000;
        const wait = due - performance.now();
        if (wait > 0) {
          try {
            await sleep(wait, undefined, { signal: this.abort.signal });
          } catch {
            break; // aborted by stop()
          }
        }
      } else {
        // Let requests (stop, cancel, ping) in between chunks.
        await nextTurn();
      }
      if (this.stopped) break;
      sink.audio(samples.subarray(offset, offset + CHUNK));
    }
    if (!this.stopped) sink.ended();
  }
}

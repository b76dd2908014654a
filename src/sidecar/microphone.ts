/**
 * The microphone as a dictation source, recorded by the npm package node-microphone, which spawns
 * the platform's recorder and hands us its stdout: `arecord` on Linux (ALSA), SoX `rec` on macOS,
 * SoX `sox -t waveaudio` on Windows. We ask for raw signed 16-bit little-endian, 16 kHz, mono, so
 * no resampling is needed; bytes are decoded with Pcm16Decoder (a sample may straddle two reads).
 *
 * node-microphone defaults to the ALSA device `plughw:1,0` (the second card); ours is `default`,
 * which follows the user's system setting (PulseAudio/PipeWire on desktops).
 *
 * Failures become MurmurErrors a user can act on:
 * - a device name that could make the recorder run a command, or an ALSA name no device answers
 *   to -> MIC_DEVICE_REFUSED, before anything is spawned (device-name.ts says why and what passes);
 * - the recorder is not installed (spawn ENOENT) -> MIC_RECORDER_MISSING, saying what to install;
 * - the recorder exits before any audio (bad device, device busy) -> MIC_DEVICE_ERROR quoting its
 *   stderr and naming the device;
 * - the recorder dies mid-session -> the sink is told, with the same kind of error.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import Microphone from 'node-microphone';
import { Pcm16Decoder } from '../engine/audio/pcm';
import { MurmurError } from '../engine/errors';
import { silentLog, type Log } from '../engine/log';
import type { AudioSink, AudioSource } from './audio-source';
import { checkDeviceName } from './device-name';
import { DEFAULT_DEVICE, recorderCommand, recorderMissingError } from './devices';

// They lived here before devices.ts took them (devices.ts must not import this module): old imports keep working.
export { DEFAULT_DEVICE, recorderCommand, recorderMissingError };

export interface MicrophoneOptions {
  /** Recorder device name (arecord -D); default "default". Untrusted: checked before use. */
  device?: string;
  /** The recorder's environment, also the one the device check lists devices in; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** No audio within this long after spawning is a device error. */
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL when stopping. */
  stopTimeoutMs?: number;
  log?: Log;
}

/** Keeps the last few KB of the recorder's stderr to quote in errors. */
const STDERR_KEEP = 2000;

export class MicrophoneSource implements AudioSource {
  readonly label: string;
  private readonly device: string;
  private readonly command = recorderCommand();
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;
  private mic: Microphone | undefined;
  private child: ChildProcess | undefined;
  private stream: Readable | undefined;
  private readonly decoder = new Pcm16Decoder();
  private stderr = '';
  private stopping = false;
  /** A mid-session failure was reported (the sink hears of it once). */
  private failed = false;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: MicrophoneOptions = {}) {
    this.device = options.device ?? DEFAULT_DEVICE;
    this.label = `microphone ${this.device} (${this.command})`;
    this.env = options.env ?? process.env;
    this.log = options.log ?? silentLog;
  }

  async start(sink: AudioSink): Promise<void> {
    // Before anything is spawned: some device names make ALSA or SoX run a command.
    await checkDeviceName(this.command, this.device, this.env);
    // kill() during the check (process exit): it found nothing to kill, so nothing may start now.
    if (this.stopping) throw new MurmurError('CANCELLED', 'The microphone was stopped before it started.');
    return this.record(sink);
  }

  private record(sink: AudioSink): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let started = false;
      let settled = false;
      const timeoutMs = this.options.startTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        settle(this.deviceError(`No audio from device "${this.device}" within ${timeoutMs / 1000} s of starting ${this.command}.`));
        this.kill();
      }, timeoutMs);
      const settle = (error?: MurmurError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const mic = new Microphone({
        // On macOS node-microphone puts the device in AUDIODEV; "default" there would name no device.
        device: this.command === 'rec' && this.device === DEFAULT_DEVICE ? undefined : this.device,
        rate: 16000,
        channels: 1,
        bitwidth: 16,
        encoding: 'signed-integer',
        endian: 'little',
        fileType: 'raw',
        spawnOptions: { env: this.env },
      });
      this.mic = mic;
      mic.on('info', (chunk: Buffer) => this.onStderr(chunk));
      mic.on('error', (e: Error) => {
        const err = (e as NodeJS.ErrnoException).code === 'ENOENT' ? recorderMissingError(this.command) : this.deviceError(`${this.command} failed: ${e.message}`);
        if (!started) {
          settle(err);
          this.kill();
        } else if (!this.stopping && !this.failed) {
          this.failed = true;
          sink.ended(err);
        }
      });
      this.closed = new Promise<void>((done) => {
        mic.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
          this.child = undefined;
          const tail = this.decoder.pendingBytes;
          if (tail) this.log('debug', `microphone: ${tail} byte of a partial sample dropped at close`);
          if (!started) {
            settle(this.earlyExitError(code, signal));
          } else if (!this.stopping && !this.failed) {
            this.failed = true;
            sink.ended(this.deviceError(`The recorder stopped unexpectedly (${exitText(code, signal)}) while recording from "${this.device}".`));
          }
          done();
        });
      });
      const stream = mic.startRecording();
      this.child = mic.ps ?? undefined;
      this.stream = stream;
      if (!stream) {
        settle(new MurmurError('INTERNAL', 'node-microphone did not start a recorder.'));
        return;
      }
      stream.on('error', (e: Error) => this.log('warn', `microphone: recorder output error: ${e.message}`));
      stream.on('data', (chunk: Buffer) => {
        if (!started) {
          started = true;
          this.log('info', `recording from ${this.label}`);
          settle();
        }
        sink.audio(this.decoder.decode(chunk));
      });
    });
  }

  async stop(): Promise<void> {
    if (this.stopping) return this.closed;
    this.stopping = true;
    const child = this.child;
    if (!child || !this.closed) return;
    // Read what the pipe still holds (the last words), then wait for the recorder to exit.
    this.stream?.resume();
    this.mic?.stopRecording();
    const grace = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 2000);
    await this.closed;
    clearTimeout(grace);
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  kill(): void {
    this.stopping = true;
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }

  private onStderr(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.stderr = (this.stderr + text).slice(-STDERR_KEEP);
    // An overrun means audio was lost (the recognizer fell behind and the pipe filled): worth a warning.
    for (const line of text.split('\n')) if (line.trim()) this.log(/overrun/i.test(line) ? 'warn' : 'debug', `${this.command}: ${line.trim()}`);
  }

  private earlyExitError(code: number | null, signal: NodeJS.Signals | null): MurmurError {
    return this.deviceError(`Cannot record from device "${this.device}": ${this.command} exited (${exitText(code, signal)}) before delivering audio.`);
  }

  private deviceError(message: string): MurmurError {
    const said = this.stderr.trim();
    const hint = this.command === 'arecord' ? ' List devices with `arecord -L` or "Murmur: Select Microphone...", and check murmur.microphone.device.' : ' Check murmur.microphone.device.';
    return new MurmurError('MIC_DEVICE_ERROR', `${message}${said ? ` ${this.command} said: ${said}` : ''}${hint}`);
  }
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

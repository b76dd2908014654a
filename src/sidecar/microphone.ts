/**
 * The microphone as a dictation source: the platform's recorder (recorder.ts: `arecord` on Linux,
 * SoX's `rec` on macOS, `sox -t waveaudio` on Windows) spawned with the command line recorderSpawn
 * gives, its stdout read as raw signed 16-bit little-endian, 16 kHz, mono, so no resampling is
 * needed; bytes are decoded with Pcm16Decoder (a sample may straddle two reads).
 *
 * Murmur spawns the recorder itself (it used the npm package node-microphone, which builds the same
 * command lines) because stopping needs the child process: the steps differ per platform and must
 * read the last words from the pipe before the recorder is gone (engine/process-stop.ts).
 *
 * Failures become MurmurErrors a user can act on:
 * - a device name that could make the recorder run a command, or an ALSA name no device answers
 *   to -> MIC_DEVICE_REFUSED, before anything is spawned (device-name.ts says why and what passes);
 * - the recorder is not installed (spawn ENOENT) -> MIC_RECORDER_MISSING, saying what to install;
 * - the recorder exits before any audio (bad device, device busy) -> MIC_DEVICE_ERROR quoting its
 *   stderr and naming the device;
 * - the recorder dies mid-session -> the sink is told, with the same kind of error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Pcm16Decoder } from '../engine/audio/pcm';
import { MurmurError } from '../engine/errors';
import { silentLog, type Log } from '../engine/log';
import { DEFAULT_RECORDER_STOP, recorderStopSteps, runStopSteps, terminate } from '../engine/process-stop';
import type { AudioSink, AudioSource } from './audio-source';
import { checkDeviceName } from './device-name';
import { DEFAULT_DEVICE, recorderCommand, recorderMissingError } from './devices';
import { recorderSpawn, type Recorder } from './recorder';

// They lived here before devices.ts took them (devices.ts must not import this module): old imports keep working.
export { DEFAULT_DEVICE, recorderCommand, recorderMissingError };

export interface MicrophoneOptions {
  /** Recorder device name (arecord -D, AUDIODEV for rec, sox -t waveaudio); default "default". Untrusted: checked before use. */
  device?: string;
  /** The recorder's environment, also the one the device check lists devices in; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Whose recorder and stop steps to use; default this machine's. Tests run macOS's `rec` on Linux with it. */
  platform?: NodeJS.Platform;
  /** No audio within this long after spawning is a device error. */
  startTimeoutMs?: number;
  /** POSIX: grace period after SIGTERM before SIGKILL when stopping. */
  stopTimeoutMs?: number;
  /** Windows: how long SoX may pass on buffered audio before it is terminated. */
  flushMs?: number;
  log?: Log;
}

/** Keeps the last few KB of the recorder's stderr to quote in errors. */
const STDERR_KEEP = 2000;

export class MicrophoneSource implements AudioSource {
  readonly label: string;
  private readonly device: string;
  private readonly platform: NodeJS.Platform;
  private readonly command: Recorder;
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;
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
    this.platform = options.platform ?? process.platform;
    this.command = recorderCommand(this.platform);
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
      const { command, args, env } = recorderSpawn(this.platform, this.device, this.env);
      // No shell; stdin unused; windowsHide: a console program started from the windowless sidecar
      // would otherwise open a console window on Windows.
      const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
      this.child = child;
      child.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
      child.stderr.on('error', (e: Error) => this.log('warn', `microphone: recorder stderr error: ${e.message}`));
      child.on('error', (e: Error) => {
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
        // 'close': exited and its stdout read to the end (the last words are in by then).
        child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
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
      const stream = child.stdout;
      this.stream = stream;
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
    // Per platform (process-stop.ts): POSIX asks with SIGTERM, Windows lets SoX flush then terminates;
    // either way the pipe is read to its end, so the last words reach the recognizer.
    const steps = recorderStopSteps(this.platform, {
      graceMs: this.options.stopTimeoutMs ?? DEFAULT_RECORDER_STOP.graceMs,
      flushMs: this.options.flushMs ?? DEFAULT_RECORDER_STOP.flushMs,
    });
    await runStopSteps(steps, { child, readRest: () => this.stream?.resume(), closed: this.closed });
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    this.stream?.resume();
  }

  /** Process exit: end the recorder now (SIGKILL, or TerminateProcess on Windows), synchronously. */
  kill(): void {
    this.stopping = true;
    if (this.child) terminate(this.child);
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
    return new MurmurError('MIC_DEVICE_ERROR', `${message}${said ? ` ${this.command} said: ${said}` : ''}${DEVICE_HINT[this.command]}`);
  }
}

/** Where to look next, per recorder, after a device error. */
const DEVICE_HINT: Record<Recorder, string> = {
  arecord: ' List devices with `arecord -L` or "Murmur: Select Microphone...", and check murmur.microphone.device.',
  rec: ' Pick an input with "Murmur: Select Microphone..." (the inputs System Settings > Sound lists), and check murmur.microphone.device.',
  sox: ' Pick a device with "Murmur: Select Microphone...", and check murmur.microphone.device (a device name as Windows shows it, or a device number).',
};

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

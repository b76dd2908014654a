/**
 * How Murmur stops the processes it starts, per platform.
 *
 * POSIX has signals: SIGTERM asks a process to finish (arecord stops capturing; SoX "stops
 * gracefully, as soon as it possibly can", flushing what it holds), SIGKILL ends it outright.
 * Windows has no signals: Node's child.kill() with any signal calls TerminateProcess, which ends
 * the process at once, its unwritten buffers lost. What it already wrote to a pipe survives either
 * way: the reader still gets those bytes, then end-of-file.
 *
 * So a recorder is stopped in steps that keep the last words of an utterance:
 * - POSIX: keep reading, SIGTERM, wait for it to exit (it flushes), SIGKILL only if it does not;
 * - Windows: keep reading, let SoX pass on the audio it holds (no signal can ask it to), then
 *   TerminateProcess, then read the pipe to its end. SoX's output buffer holds up to 8192 bytes
 *   (256 ms of 16 kHz mono audio), behind a device read of about 85 ms (8192 samples of 48 kHz stereo).
 * The recorder's stdout is never closed by us before it ends: closing our end would throw away
 * exactly the audio these steps are for.
 *
 * Processes that hold nothing to flush (the sidecar after its shutdown request, measurement probes)
 * are simply terminated: terminate() says what that is on each platform.
 */

export type StopStep =
  /** Resume reading the child's stdout (it may have been paused for back-pressure). */
  | { step: 'read-rest' }
  /** POSIX only: ask it to finish with this signal. */
  | { step: 'ask'; signal: 'SIGTERM' }
  /** Give the child this long to write out what it holds before it is terminated (Windows). */
  | { step: 'let-flush'; ms: number }
  /** Wait this long for it to exit on its own; the steps end there if it does. */
  | { step: 'wait-exit'; ms: number }
  /** End it now: SIGKILL on POSIX, TerminateProcess on Windows. */
  | { step: 'terminate' };

export interface RecorderStopTimes {
  /** POSIX: how long a recorder gets to exit after SIGTERM. */
  graceMs: number;
  /** Windows: how long SoX gets to pass on its buffered audio before it is terminated. */
  flushMs: number;
}

/** 256 ms of output buffer + an 85 ms read + resampling, with room for a busy machine. */
export const WINDOWS_FLUSH_MS = 600;
export const DEFAULT_RECORDER_STOP: RecorderStopTimes = { graceMs: 2000, flushMs: WINDOWS_FLUSH_MS };

/** True where POSIX signals exist; Windows is the only platform Node runs on without them. */
export function hasSignals(platform: NodeJS.Platform): boolean {
  return platform !== 'win32';
}

/** The steps that stop a recorder on `platform` (see the file comment for why). */
export function recorderStopSteps(platform: NodeJS.Platform, times: RecorderStopTimes = DEFAULT_RECORDER_STOP): StopStep[] {
  if (hasSignals(platform)) return [{ step: 'read-rest' }, { step: 'ask', signal: 'SIGTERM' }, { step: 'wait-exit', ms: times.graceMs }, { step: 'terminate' }];
  return [{ step: 'read-rest' }, { step: 'let-flush', ms: times.flushMs }, { step: 'terminate' }];
}

/** The least of a child process these steps need (a ChildProcess has it). */
export interface StoppableChild {
  kill(signal?: NodeJS.Signals): boolean;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
}

/**
 * Ends `child` now. SIGKILL on POSIX (it cannot be caught); on Windows Node turns any signal into
 * TerminateProcess, so the signal named there is only for the reader. Nothing happens if it has
 * already exited.
 */
export function terminate(child: StoppableChild): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
}

export interface StopTarget {
  child: StoppableChild;
  /** Resumes reading its stdout to the end. */
  readRest(): void;
  /** Resolves when it has exited and its output has been read to the end. */
  closed: Promise<void>;
}

/**
 * Runs `steps` on `target`, then waits for it to close. Resolves once it has closed: after a
 * terminate that is prompt on every platform.
 */
export async function runStopSteps(steps: readonly StopStep[], target: StopTarget): Promise<void> {
  let closed = false;
  void target.closed.then(() => (closed = true));
  for (const s of steps) {
    if (closed) break;
    switch (s.step) {
      case 'read-rest':
        target.readRest();
        break;
      case 'ask':
        if (target.child.exitCode === null && target.child.signalCode === null) target.child.kill(s.signal);
        break;
      case 'let-flush':
      case 'wait-exit':
        await closedWithin(target.closed, s.ms);
        break;
      case 'terminate':
        terminate(target.child);
        break;
    }
  }
  await target.closed;
}

/** Resolves when `closed` does or after `ms`, whichever is first, leaving no timer behind. */
async function closedWithin(closed: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

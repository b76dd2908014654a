/**
 * Stops the speech engine once nobody has used it for a while (murmur.engine.stopWhenIdleMinutes),
 * so that a window nobody dictates in holds no process, model or memory for it. The next dictation
 * starts the engine again exactly as the first one after opening the window does.
 *
 * "Used" is anything that goes through the sidecar (a request, a response, an event): every one
 * starts the wait again. When the wait is over and the engine is still busy (a dictation, a model
 * load, a request or task in flight, the sidecar starting), the wait starts again: the engine is
 * never stopped under the user's feet.
 *
 * No vscode here: the ports are injected, so node:test drives it with a fake clock.
 */

import { realTimers, type Timers } from './timers';

export interface IdleStopPorts {
  /** Minutes without use before the stop (read each time the wait starts); 0: never. */
  minutes(): number;
  /** The engine is doing something, or about to. */
  busy(): boolean;
  /** Stops the engine; `minutes` is the wait that ran out, for the user's messages. Failures are its own to report. */
  stop(minutes: number): Promise<void>;
  timers?: Timers;
}

export class IdleStop {
  private readonly timers: Timers;
  private handle: unknown;
  /** The minutes of the wait running, or 0. */
  private armedMinutes = 0;
  private stopping = false;

  constructor(private readonly ports: IdleStopPorts) {
    this.timers = ports.timers ?? realTimers;
  }

  /** The engine was used (or started): the wait starts again from now. */
  used(): void {
    this.cancel();
    const minutes = this.ports.minutes();
    if (!(minutes > 0) || this.stopping) return;
    this.armedMinutes = minutes;
    this.handle = this.timers.set(() => this.waited(), minutes * 60_000);
  }

  /** The engine went away by other means (stopped, crashed, disposed): nothing to stop. */
  cancel(): void {
    if (this.armedMinutes > 0) this.timers.clear(this.handle);
    this.armedMinutes = 0;
    this.handle = undefined;
  }

  /** A wait is running. */
  get waiting(): boolean {
    return this.armedMinutes > 0;
  }

  /** Ends the running wait now, as its timer would (the VS Code tests: they cannot wait minutes). */
  waitOver(): void {
    if (this.armedMinutes === 0) return;
    this.timers.clear(this.handle);
    this.waited();
  }

  private waited(): void {
    const minutes = this.armedMinutes;
    this.armedMinutes = 0;
    this.handle = undefined;
    if (this.ports.busy()) {
      this.used();
      return;
    }
    this.stopping = true;
    void this.ports
      .stop(minutes)
      .catch(() => undefined)
      .finally(() => (this.stopping = false));
  }
}

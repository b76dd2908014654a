/**
 * Push-to-talk from key auto-repeat. VS Code gives extensions no key-up events, so holding is
 * recognised from the keyboard's auto-repeat invoking the command again and again:
 *
 * - The first press starts dictation and waits `releaseDelayMs` (longer than the OS repeat delay).
 * - Another press within that time means the key is held: each repeat re-arms the timer, and when
 *   repeats stop for `releaseDelayMs` the key was released: dictation stops and the last phrase is
 *   committed.
 * - No repeat in that time means it was a tap: dictation stays on until the next tap.
 *
 * Pure logic with injected time, so it is unit-tested without VS Code; the extension wires it.
 */
export interface PushToTalkActions {
  start(): void;
  stop(): void;
  isDictating(): boolean;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export type PushToTalkMode = 'off' | 'pending' | 'hold' | 'toggle';

export class PushToTalk {
  private mode: PushToTalkMode = 'off';
  private timer: unknown;

  constructor(
    private readonly actions: PushToTalkActions,
    private releaseDelayMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  get state(): PushToTalkMode {
    return this.mode;
  }

  setReleaseDelay(ms: number): void {
    this.releaseDelayMs = ms;
  }

  /** The keybinding fired (a press or an auto-repeat). */
  press(): void {
    switch (this.mode) {
      case 'off':
        if (this.actions.isDictating()) {
          // Dictation started some other way: a tap stops it.
          this.actions.stop();
          return;
        }
        this.mode = 'pending';
        this.actions.start();
        this.arm();
        return;
      case 'pending':
      case 'hold':
        this.mode = 'hold';
        this.arm();
        return;
      case 'toggle':
        this.finish();
        return;
    }
  }

  /** Dictation ended for another reason (Stop command, error): forget the key state. */
  reset(): void {
    this.disarm();
    this.mode = 'off';
  }

  private arm(): void {
    this.disarm();
    this.timer = this.timers.set(() => this.onQuiet(), this.releaseDelayMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  private onQuiet(): void {
    this.timer = undefined;
    if (this.mode === 'hold') this.finish();
    else if (this.mode === 'pending') this.mode = 'toggle';
  }

  private finish(): void {
    this.disarm();
    this.mode = 'off';
    if (this.actions.isDictating()) this.actions.stop();
  }
}

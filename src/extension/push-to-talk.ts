/**
 * Push-to-talk from key auto-repeat. VS Code gives extensions no key-up events, so holding is
 * recognised from the keyboard's auto-repeat invoking the command again and again:
 *
 * - The first press starts dictation and waits `releaseDelayMs` (longer than the OS repeat delay).
 * - Another press within that time means the key is held: each repeat re-arms the timer, and when
 *   repeats stop for `releaseDelayMs` the key was released: dictation stops and the last phrase is
 *   committed.
 * - No repeat in that time means it was a tap: dictation stays on until the next tap.
 * - A press while the last dictation is still stopping (its last phrase being committed) is not a
 *   tap to stop it: it is queued, and dictation starts again as soon as the stop is over. Without
 *   that, a user who stops and presses the key right away gets nothing and no sign why.
 *
 * Pure logic with injected time, so it is unit-tested without VS Code; the extension wires it.
 */
import { realTimers, type Timers } from './timers';

export interface PushToTalkActions {
  start(): void;
  stop(): void;
  /** Starting, listening or stopping. */
  isDictating(): boolean;
  /** Stopping: the last phrase is being committed; reset() follows when it is over. */
  isStopping(): boolean;
}

export type PushToTalkMode = 'off' | 'queued' | 'pending' | 'hold' | 'toggle';

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
    if (this.actions.isStopping()) {
      // Whatever the key did before, that dictation is ending: this press is for the next one.
      this.disarm();
      this.mode = 'queued';
      return;
    }
    switch (this.mode) {
      case 'off':
        if (this.actions.isDictating()) {
          // Dictation started some other way: a tap stops it.
          this.actions.stop();
          return;
        }
        this.begin();
        return;
      case 'queued':
        // The stop is over and the queued start is due in this turn: still one start.
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

  /**
   * Dictation ended (Stop command, release, error): forget the key state, or start the dictation
   * queued during the stop. That start waits a turn: the caller is still finishing the old
   * dictation's end (status, context keys) when it calls this.
   */
  reset(): void {
    this.disarm();
    if (this.mode !== 'queued') {
      this.mode = 'off';
      return;
    }
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.mode = 'off';
      if (!this.actions.isDictating()) this.begin();
    }, 0);
  }

  /** Starts dictation from the key; a repeat within the release delay makes it a hold. */
  private begin(): void {
    this.mode = 'pending';
    this.actions.start();
    this.arm();
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

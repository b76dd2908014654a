/**
 * Which of the engine's finals are this side's. Only the current session's are committed; while a
 * startDictation's response is on its way, finals (and its end) that overtake it are held until it
 * lands, then only that session's are taken. Any other session's is one this side gave up
 * (cancelled, abandoned while starting): what it heard is dropped, never typed later elsewhere.
 */
import type { FinalEvent } from '../protocol';

export class SessionGate {
  /** The session this side follows. */
  current: number | undefined;
  private awaiting = false;
  private held: FinalEvent[] = [];
  private heldEnd: number | undefined;

  /** Sends a start (`send`); whatever overtakes its answer is held for `adopt`. */
  async request(send: () => Promise<number>): Promise<number> {
    this.awaiting = true;
    this.held = [];
    this.heldEnd = undefined;
    try {
      return await send();
    } finally {
      this.awaiting = false;
    }
  }

  /** The session is this side's now: its held finals, and whether its end already came. */
  adopt(session: number): { finals: FinalEvent[]; ended: boolean } {
    this.current = session;
    const finals = this.held.filter((e) => e.session === session);
    const ended = this.heldEnd === session;
    this.held = [];
    this.heldEnd = undefined;
    return { finals, ended };
  }

  /** What to do with a final: commit it (the current session's), keep it for `adopt`, or drop it. */
  route(e: FinalEvent): 'commit' | 'hold' | 'drop' {
    if (e.session === this.current) return 'commit';
    if (!this.awaiting) return 'drop';
    this.held.push(e);
    return 'hold';
  }

  /** The engine ended `session`; true if that was held for a start on its way. */
  holdEnd(session: number): boolean {
    if (!this.awaiting) return false;
    this.heldEnd = session;
    return true;
  }
}

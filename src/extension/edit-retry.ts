/**
 * An edit is composed against the document as this process last saw it. The workbench refuses it
 * when the document changed in the meantime (a key typed during the round trip) or the editor
 * closed. Either way nothing was applied, so it is composed again against the current state; only
 * a target that keeps refusing gets the fallback (the clipboard). Kept apart from inserter.ts so
 * node:test drives it without VS Code.
 */

/** Tries at an edit the workbench refused before the phrase goes to the clipboard instead. */
export const EDIT_ATTEMPTS = 3;

/** One try: done, or refused with why. */
export type EditAttempt<T> = { done: T } | { refused: string };

export async function composeUntilAccepted<T>(attempt: () => Promise<EditAttempt<T>>, giveUp: (why: string) => Promise<T>, attempts = EDIT_ATTEMPTS): Promise<T> {
  let refusal = '';
  for (let i = 0; i < attempts; i++) {
    const r = await attempt();
    if ('done' in r) return r.done;
    refusal = r.refused;
  }
  return giveUp(refusal);
}

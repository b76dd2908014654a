/**
 * The newest words of a partial that may be longer than the room at the cursor. A partial is a
 * decoration: the editor neither wraps it nor scrolls to it, so a long one runs past the editor's
 * edge with its newest words (the ones the speaker is checking) out of sight. Showing the tail, cut
 * at a word boundary and marked with an ellipsis, keeps them in view; the whole phrase is typed at
 * the pause as usual.
 */

/** Characters of partial text shown at most: about half a narrow (80-column) editor. */
export const PARTIAL_TAIL_CHARS = 40;

export function partialTail(text: string, max = PARTIAL_TAIL_CHARS): string {
  if (text.length <= max) return text;
  // Keep whole words: start after the first space of the last `max - 1` characters.
  const cut = text.slice(text.length - (max - 1));
  const space = cut.indexOf(' ');
  const words = space >= 0 && space < cut.length - 1 ? cut.slice(space + 1) : cut;
  return `…${words}`;
}

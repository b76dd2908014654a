/**
 * Fitting a recognised phrase into the text around the cursor: spacing and capitalisation.
 * Pure functions (no VS Code), so every rule is unit-tested with a table of cases.
 *
 * - A space goes between the previous word and the phrase, never two; none after an opening
 *   bracket or quote, at the start of a line, or before punctuation the phrase begins with.
 * - The phrase starts with a capital at the start of the document, of a line that starts a sentence,
 *   or after a sentence end (. ! ?); otherwise a capital the model put there only because its
 *   output is a sentence is lowered (but "I", "I'm" and all-caps acronyms stay).
 * - Text right after the cursor: a space is added if the phrase would run into a word.
 * - Models that emit bare upper-case words (streaming Zipformers) are brought to sentence case.
 */

const SENTENCE_END = /[.!?]["')\]]*\s*$/;
const OPENERS = /[([{"'`“‘]$/;

/** True if the text looks like SHOUTED model output (at least two letters, none lower-case). */
export function isAllCaps(text: string): boolean {
  const letters = text.replace(/[^A-Za-z]/g, '');
  return letters.length >= 2 && letters === letters.toUpperCase();
}

/** Upper-case model output to lower case, keeping the pronoun I. */
export function normalizeCase(text: string): string {
  if (!isAllCaps(text)) return text;
  return text
    .toLowerCase()
    .replace(/\bi\b/g, 'I')
    .replace(/\bi'(m|ll|ve|d)\b/g, (_m, s: string) => `I'${s}`);
}

function keepsCapital(word: string): boolean {
  return /^I('|$|\b)/.test(word) || (word.length > 1 && word === word.toUpperCase() && /[A-Z]/.test(word));
}

function capitalize(text: string): string {
  return text.replace(/^(\W*)(\p{Ll})/u, (_m, pre: string, c: string) => pre + c.toUpperCase());
}

function decapitalize(text: string): string {
  const first = /^\W*(\S+)/.exec(text)?.[1] ?? '';
  if (keepsCapital(first)) return text;
  return text.replace(/^(\W*)(\p{Lu})(?!\p{Lu})/u, (_m, pre: string, c: string) => pre + c.toLowerCase());
}

export interface FormatContext {
  /** Text before the cursor (the current line is enough; more lets sentence ends span lines). */
  before: string;
  /** Text after the cursor on the same line. */
  after: string;
}

export interface FormatOptions {
  smartSpacing: boolean;
  smartCapitalization: boolean;
  /** The phrase starts with a formatted identifier ("userName"): leave its case alone. */
  keepCase?: boolean;
}

export const defaultFormatOptions: FormatOptions = { smartSpacing: true, smartCapitalization: true };

/** The text to insert for `phrase` at a cursor with this context. */
export function formatPhrase(phrase: string, ctx: FormatContext, options: FormatOptions = defaultFormatOptions): string {
  // Spoken layout ("new line", "tab") survives; other runs of spaces become one.
  let text = normalizeCase(phrase.replace(/^ +| +$/g, '')).replace(/ {2,}/g, ' ');
  if (!text) return '';
  const before = ctx.before;
  if (options.smartCapitalization && !options.keepCase) {
    // A sentence starts at the start of the text or after . ! ? (even across line breaks).
    const startsSentence = before.trim() === '' || SENTENCE_END.test(before);
    text = startsSentence ? capitalize(text) : decapitalize(text);
  }
  if (options.smartSpacing) {
    const needsSpaceBefore = before !== '' && !/\s$/.test(before) && !OPENERS.test(before) && !/^[.,;:!?)\]}\n\t]/.test(text);
    if (needsSpaceBefore) text = ' ' + text;
    if (/^[\p{L}\p{N}([{"']/u.test(ctx.after)) text += ' ';
  }
  return text;
}

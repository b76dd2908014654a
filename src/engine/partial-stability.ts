/**
 * What the grey partial shows while someone speaks: the part of the recogniser's hypotheses that
 * has stopped changing, so the text at the cursor does not flicker.
 *
 * Why: a streaming recogniser revises its guess as audio arrives. Moonshine re-decodes the whole
 * open utterance for each partial, so a word it has already said can come back spelt another way
 * ("dishonoured", then "dishonored", then "dishonoured"), and the end of each guess is read as the
 * end of a sentence ("... he said." then "... he said that"). Shown raw, every such revision
 * changes text the speaker is reading. The policy, applied per utterance:
 *
 * 1. Agreement (LocalAgreement-2, as in whisper-streaming): a word may be shown once two
 *    consecutive hypotheses agree on it and on every word before it. Words are compared by a key
 *    without case or punctuation, so "cat." and "cat" agree: a mark flipping does not hold the word
 *    back; where the two end a word with different marks, it is shown without them.
 * 2. A hypothesis that stands may add its words: when no other hypothesis has come for `holdMs` of
 *    audio, its words after the shown ones are shown. Recognisers send a partial only when its
 *    text changed, so without this the last words of a phrase could wait for the final.
 * 3. Shown words stay: an agreed prefix shorter than what is shown, or one that matches it by key,
 *    leaves the shown words as they are. Only an agreed word that really differs from the shown one
 *    at the same place (another key) replaces the shown text from there. A shown last word may
 *    grow at its end ("Hello" -> "Hello,"), which changes nothing already read.
 * 4. No trailing sentence mark: a partial never ends with . ? ! (nor an ellipsis). The model ends
 *    each stretch of audio as if it were the whole phrase, with a full stop the next word takes
 *    away again; the final carries the real one.
 *
 * Latency: a hypothesis that only extends the agreed words shows its new words as soon as the next
 * hypothesis repeats them, one partial later than raw (or after `holdMs`). A recogniser whose words,
 * once emitted, stand (the streaming Zipformer) skips the agreement and pays nothing
 * (stabilityPolicyFor). The final is never touched: it replaces whatever is shown.
 */
import type { ModelFamily, RecognizerEvent, StreamingRecognizer } from './recognizer';

const SAMPLE_RATE = 16000;

export interface StabilityPolicy {
  /**
   * Consecutive hypotheses that must agree on a word before it is shown: 2 for a recogniser that
   * re-decodes the utterance (its words get revised), 1 (each hypothesis shown as it comes, less
   * its trailing mark) for one whose emitted words stand.
   */
  agreement: 1 | 2;
  /**
   * Audio (ms) after which an unchanged hypothesis may add its words (never rewrite shown ones).
   * At least Moonshine's longest partial spacing (400 ms of audio), so that a standing hypothesis
   * has been decoded again, with the same text, before it is trusted; a shorter hold trusts a guess
   * nothing has checked, and shows its revisions as flicker. Shorter than the pause that ends a
   * phrase, so the last words show before the final.
   */
  holdMs: number;
}

/**
 * Per family. Moonshine re-decodes the whole utterance for each partial: agreement. A streaming
 * Zipformer decodes each stretch of audio once and only appends tokens (its last word grows), so
 * waiting for a second hypothesis would only delay every word by one encoder chunk: its words are
 * shown as they come. bench/flicker.ts measures both.
 */
export function stabilityPolicyFor(family: ModelFamily): StabilityPolicy {
  return { agreement: family === 'moonshine' ? 2 : 1, holdMs: 400 };
}

/** Sentence marks a partial never ends with, before any closing quotes or brackets. */
const TRAILING_SENTENCE_MARK = /[.?!…]+(?=["'”’)\]]*$)/u;

/** A word ending a sentence (for counting full stops that vanish). */
const SENTENCE_END = /[.?!…]["'”’)\]]*$/u;

function words(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0);
}

/** What two spellings of a word must share to be the same word: letters and digits, in lower case. */
export function wordKey(word: string): string {
  const key = word.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  return key || word; // a word of punctuation only is compared as it is
}

/** `text` without a sentence mark at its end (a word of marks only is dropped). */
export function withoutTrailingSentenceMark(text: string): string {
  const ws = words(text);
  while (ws.length > 0) {
    const last = ws[ws.length - 1].replace(TRAILING_SENTENCE_MARK, '');
    if (/^["'”’)\]]*$/u.test(last)) {
      ws.pop();
      continue;
    }
    ws[ws.length - 1] = last;
    break;
  }
  return ws.join(' ');
}

/**
 * One utterance's hypotheses in, the text to show out (see the file comment). Pure: time is the
 * audio the caller says was decoded, never the clock.
 */
export class PartialStabilizer {
  private readonly agreement: 1 | 2;
  private readonly holdSamples: number;
  private previous: string[] | undefined;
  private latest: string[] | undefined;
  /** Audio decoded since `latest` arrived. */
  private standing = 0;
  /** The hold was already spent on `latest` (a standing hypothesis adds its words once). */
  private latestApplied = false;
  private shownWords: string[] = [];

  constructor(policy: StabilityPolicy) {
    this.agreement = policy.agreement;
    this.holdSamples = Math.round((policy.holdMs / 1000) * SAMPLE_RATE);
  }

  /** The text shown now ('' before anything is agreed). */
  get shown(): string {
    return this.shownWords.join(' ');
  }

  /** A new hypothesis of the utterance (the whole text so far); returns the text to show when it changed. */
  update(hypothesis: string): string | undefined {
    const next = words(hypothesis);
    this.previous = this.latest;
    this.latest = next;
    this.standing = 0;
    this.latestApplied = false;
    if (this.agreement === 1) return this.apply(next);
    if (!this.previous) return undefined;
    return this.apply(agreedPrefix(this.previous, next));
  }

  /** `samples` more audio were decoded with no new hypothesis; returns the text to show when it changed. */
  elapse(samples: number): string | undefined {
    if (!this.latest || this.latestApplied) return undefined;
    this.standing += samples;
    if (this.standing < this.holdSamples) return undefined;
    this.latestApplied = true;
    // One hypothesis, however long it stood, only adds words: rewriting a shown one takes two.
    const latest = this.latest;
    if (this.shownWords.some((w, i) => i < latest.length && wordKey(w) !== wordKey(latest[i]))) return undefined;
    return this.apply(latest);
  }

  reset(): void {
    this.previous = undefined;
    this.latest = undefined;
    this.standing = 0;
    this.latestApplied = false;
    this.shownWords = [];
  }

  private apply(agreed: string[]): string | undefined {
    const shown = this.shownWords;
    const n = Math.min(shown.length, agreed.length);
    let differs = -1;
    for (let i = 0; i < n && differs < 0; i++) if (wordKey(shown[i]) !== wordKey(agreed[i])) differs = i;
    let next: string[];
    if (differs >= 0) {
      // Really another word: the agreed text wins from there on.
      next = [...shown.slice(0, differs), ...agreed.slice(differs)];
    } else if (agreed.length <= shown.length) {
      next = shown.slice();
      // The last shown word may grow at its end (its mark or the rest of it came).
      const i = shown.length - 1;
      if (agreed.length === shown.length && i >= 0 && agreed[i].startsWith(shown[i])) next[i] = agreed[i];
    } else {
      next = [...shown, ...agreed.slice(shown.length)];
      const i = shown.length - 1;
      if (i >= 0 && agreed[i].startsWith(shown[i])) next[i] = agreed[i];
    }
    const text = withoutTrailingSentenceMark(next.join(' '));
    if (text === this.shown) return undefined;
    this.shownWords = words(text);
    return text;
  }
}

/**
 * The longest run of leading words two hypotheses agree on (by key). A word both spell alike is
 * taken as spelt; one they end differently ("more?" / "more,") is taken without its end marks: a
 * mark the model has not settled on would otherwise stay on screen until the final.
 */
function agreedPrefix(older: string[], newer: string[]): string[] {
  const agreed: string[] = [];
  for (let i = 0; i < older.length && i < newer.length && wordKey(older[i]) === wordKey(newer[i]); i++) {
    agreed.push(older[i] === newer[i] ? newer[i] : newer[i].replace(/[^\p{L}\p{N}]+$/u, '') || newer[i]);
  }
  return agreed;
}

/**
 * A recogniser's event stream with each partial replaced by the stable text (a PartialStabilizer
 * per utterance): a partial event only when that text changed, finals untouched. Feed it each
 * call's events and the number of samples that call decoded.
 */
export class StablePartials {
  private stabilizer: PartialStabilizer | undefined;
  private utterance: number | undefined;

  /** `policy` is asked at the start of each utterance (the family is known only once a model has loaded). */
  constructor(private readonly policy: () => StabilityPolicy) {}

  accepted(events: readonly RecognizerEvent[], samples: number): RecognizerEvent[] {
    const out: RecognizerEvent[] = [];
    let hypotheses = 0;
    for (const e of events) {
      if (e.type === 'final') {
        this.reset();
        out.push(e);
        continue;
      }
      if (!this.stabilizer || e.utterance !== this.utterance) {
        this.stabilizer = new PartialStabilizer(this.policy());
        this.utterance = e.utterance;
      }
      hypotheses++;
      const text = this.stabilizer.update(e.text);
      if (text !== undefined) out.push({ type: 'partial', text, utterance: e.utterance });
    }
    // No new hypothesis in this call: the one standing has lasted this much more audio.
    if (hypotheses === 0 && this.stabilizer && this.utterance !== undefined) {
      const text = this.stabilizer.elapse(samples);
      if (text !== undefined) out.push({ type: 'partial', text, utterance: this.utterance });
    }
    return out;
  }

  reset(): void {
    this.stabilizer = undefined;
    this.utterance = undefined;
  }
}

/**
 * `recognizer` with stable partials (StablePartials, the family's policy with `overrides`): what
 * the sidecar sends to the editor.
 */
export function withStablePartials(recognizer: StreamingRecognizer, overrides: Partial<StabilityPolicy> = {}): StreamingRecognizer {
  const stable = new StablePartials(() => ({ ...stabilityPolicyFor(recognizer.family), ...overrides }));
  return {
    get family() {
      return recognizer.family;
    },
    accept: async (samples) => stable.accepted(await recognizer.accept(samples), samples.length),
    finish: async () => {
      const events = stable.accepted(await recognizer.finish(), 0);
      stable.reset();
      return events;
    },
    reset: () => {
      recognizer.reset();
      stable.reset();
    },
  };
}

export interface ShownChanges {
  /** Words already shown that the next text changed or removed. */
  changed: number;
  /** Of those, a word that only lost its trailing . ? ! (a full stop appearing and vanishing). */
  punctuationFlips: number;
}

/**
 * The flicker between two consecutive texts shown for one utterance: the words already shown that
 * the next text changes or removes, found by aligning the two word by word (a word inserted before
 * others moves them but changes none of them). Words added are not flicker, nor is the last shown
 * word growing at its end ("dishon" -> "dishonored", "said" -> "said."): nothing the reader has
 * read goes away.
 */
export function shownChanges(before: string, after: string): ShownChanges {
  const a = words(before);
  const b = words(after);
  const same = (i: number, j: number) => a[i] === b[j] || (i === a.length - 1 && b[j].startsWith(a[i]));
  // cost[i][j]: fewest shown words of a[i..] changed or removed to turn a[i..] into b[j..]
  // (inserting a word of b is free: it changes nothing already shown).
  const cost = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    cost[i][b.length] = a.length - i;
    for (let j = b.length - 1; j >= 0; j--) {
      cost[i][j] = Math.min((same(i, j) ? 0 : 1) + cost[i + 1][j + 1], 1 + cost[i + 1][j], cost[i][j + 1]);
    }
  }
  // Walk one cheapest alignment, preferring a word for a word, to name what each changed word became.
  let punctuationFlips = 0;
  let i = 0;
  let j = 0;
  while (i < a.length) {
    if (j < b.length && cost[i][j] === (same(i, j) ? 0 : 1) + cost[i + 1][j + 1]) {
      if (!same(i, j) && SENTENCE_END.test(a[i]) && !SENTENCE_END.test(b[j]) && wordKey(a[i]) === wordKey(b[j])) punctuationFlips++;
      i++;
      j++;
    } else if (cost[i][j] === 1 + cost[i + 1][j]) {
      i++;
    } else {
      j++;
    }
  }
  return { changed: a.length === 0 ? 0 : cost[0][0], punctuationFlips };
}

/** shownChanges summed over consecutive texts shown for one utterance (end with its final to count what the final replaced). */
export function sequenceChanges(texts: readonly string[]): ShownChanges {
  const total: ShownChanges = { changed: 0, punctuationFlips: 0 };
  for (let i = 1; i < texts.length; i++) {
    const c = shownChanges(texts[i - 1], texts[i]);
    total.changed += c.changed;
    total.punctuationFlips += c.punctuationFlips;
  }
  return total;
}

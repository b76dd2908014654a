/**
 * The user's vocabulary (identifiers of their code, a list in settings) and a post-recognition
 * correction against it, for models that cannot be biased while decoding (Moonshine). It only
 * fires on close matches: a recognised word that is not itself in the vocabulary, whose spelling is
 * within a small edit distance of a vocabulary word of similar length with the same first letter,
 * and that is not a common English word (those are far more likely to be what was said); or two
 * recognised words that together spell a vocabulary word exactly ("web view" -> "webview").
 * Only rare vocabulary words take part: biasing towards "published" or "consumer" buys nothing
 * (the model knows them) and turns "punished" into "published". "Common" is a small built-in list
 * plus, when given, the model's own judgement (isCommon: for Moonshine, a word its tokenizer
 * writes as one piece).
 * Transducers are biased inside beam search instead (zipformer/context-graph.ts); both take their
 * terms from vocabularyTerms().
 */

/** "getUserName" -> ["get", "user", "name"]; "MAX_RETRY_COUNT" -> ["max", "retry", "count"]; "v2Parser" -> ["v", "2", "parser"]. */
export function identifierWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])|([0-9])([A-Za-z])/g, (_m, a?: string, b?: string, c?: string, d?: string) => (a ? `${a} ${b}` : `${c} ${d}`))
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** Identifier-like tokens of a text, most frequent first (at most `limit`). */
export function identifiersIn(text: string, limit = 500): string[] {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/[A-Za-z_][A-Za-z0-9_]{2,63}/g)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, limit).map(([w]) => w);
}

/**
 * Words worth biasing towards: the words of every term, at least 4 letters, not common English.
 * ("the", "user", "name" are said and recognised anyway; "zipformer", "kubectl" are not.)
 */
export function vocabularyTerms(terms: readonly string[], limit = 2000): string[] {
  const out = new Set<string>();
  for (const t of terms) {
    for (const w of identifierWords(t)) {
      if (w.length >= 4 && /^[a-z]+$/.test(w) && !COMMON.has(w)) out.add(w);
      if (out.size >= limit) return [...out];
    }
  }
  return [...out];
}

/** Levenshtein distance, stopping early once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

export interface Correction {
  from: string;
  to: string;
}

/** How far a word may be from a vocabulary word to be replaced by it. */
function allowedDistance(length: number): number {
  return length < 5 ? 0 : length < 8 ? 1 : 2;
}

function matchCase(model: string, word: string): string {
  if (model === model.toUpperCase() && model.length > 1) return word.toUpperCase();
  if (model[0] === model[0]?.toUpperCase()) return word.charAt(0).toUpperCase() + word.slice(1);
  return word;
}

export interface VocabularyOptions {
  /** True for a word the model knows well (never a correction source or target). */
  isCommon?: (word: string) => boolean;
  /** False while isCommon cannot answer yet (its tokenizer still loading): nothing is cached then. */
  ready?: () => boolean;
}

export class Vocabulary {
  private readonly terms: string[];
  private filtered: { words: string[]; known: Set<string> } | undefined;

  constructor(
    terms: readonly string[],
    private readonly options: VocabularyOptions = {},
  ) {
    this.terms = vocabularyTerms(terms);
  }

  /** Candidate words (before the model's own filter). */
  get size(): number {
    return this.terms.length;
  }

  private common(word: string): boolean {
    return COMMON.has(word) || (this.options.isCommon?.(word) ?? false);
  }

  /** The rare words, computed on first use (isCommon may need a tokenizer that loads late). */
  private get rare(): { words: string[]; known: Set<string> } {
    if (this.filtered) return this.filtered;
    const words = this.terms.filter((w) => !this.common(w));
    const rare = { words, known: new Set(words) };
    if (this.options.ready?.() ?? true) this.filtered = rare;
    return rare;
  }

  /** Replaces close misrecognitions of vocabulary words, single words and two-word splits ("zip former" -> "zipformer"). */
  correct(text: string): { text: string; corrections: Correction[] } {
    const corrections: Correction[] = [];
    if (this.rare.words.length === 0) return { text, corrections };
    const tokens = text.split(/(\s+)/);
    // Word tokens at even indices, whitespace at odd ones.
    const core = (t: string) => /^([^A-Za-z]*)([A-Za-z]+)([^A-Za-z]*)$/.exec(t);
    for (let i = 0; i < tokens.length; i += 2) {
      const a = core(tokens[i]);
      if (!a) continue;
      // Two words the model split: "zip former" for "zipformer" (only if the first has no trailing punctuation).
      const b = i + 2 < tokens.length && !a[3] && !a[1] ? core(tokens[i + 2]) : null;
      if (b && a[2].length >= 3 && b[2].length >= 3 && !b[1]) {
        const joined = (a[2] + b[2]).toLowerCase();
        if (this.rare.known.has(joined)) {
          const replaced = a[1] + matchCase(a[2], joined) + b[3];
          corrections.push({ from: `${a[2]} ${b[2]}`, to: joined });
          tokens.splice(i, 3, replaced);
          continue;
        }
      }
      const one = this.best(a[2].toLowerCase());
      if (one) {
        corrections.push({ from: a[2], to: one });
        tokens[i] = a[1] + matchCase(a[2], one) + a[3];
      }
    }
    return { text: tokens.join(''), corrections };
  }

  private best(word: string): string | undefined {
    const { words, known } = this.rare;
    if (known.has(word) || this.common(word)) return undefined;
    const max = allowedDistance(word.length);
    if (max === 0) return undefined;
    let best: string | undefined;
    let bestDistance = max + 1;
    for (const v of words) {
      if (v[0] !== word[0]) continue;
      const d = editDistance(word, v, max);
      if (d < bestDistance) {
        best = v;
        bestDistance = d;
      }
    }
    return bestDistance <= max ? best : undefined;
  }
}

/**
 * The most common English words (and some very common in code talk). A recognised word in this
 * list is never "corrected": it is far likelier to be what was said than a near-miss of a term.
 */
const COMMON = new Set(
  `the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an will my one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us is are was were been has had did said made find where long down may should call world over still here thing while such very again place where after line number type file code data value name user list item test case error class method function return true false null string point open close start stop word world
   about above across after again against along among around before behind below beneath beside between beyond during except inside outside through toward under until upon within without
   could would should might must shall cannot
   people person money house family water right left small large great little other same different important public able`.split(/\s+/),
);

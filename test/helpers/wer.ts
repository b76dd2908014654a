/**
 * Word error rate, for scoring transcripts against references: case, punctuation and hyphens are
 * normalised away so a cased, punctuated model (Moonshine) and an upper-case one (Zipformer) are
 * scored alike.
 */
export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/\bmr\.?(?=\s)/g, 'mister')
    .replace(/[-–—]/g, ' ')
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

/** Levenshtein distance over words divided by the reference length. */
export function wordErrorRate(reference: string, hypothesis: string): { wer: number; errors: number; words: number } {
  const r = normalizeWords(reference);
  const h = normalizeWords(hypothesis);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const cur = [i];
    for (let j = 1; j <= h.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  const errors = prev[h.length];
  return { wer: r.length ? errors / r.length : 0, errors, words: r.length };
}

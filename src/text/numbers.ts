/**
 * English number words to digits, for "number forty two" -> 42. Only what people say when they
 * dictate a number: cardinals up to the trillions, "and" inside ("one hundred and five"), "point"
 * followed by digits ("three point one four"), "minus"/"negative". Digits the model already wrote
 * ("42") pass through.
 */

const UNITS: Record<string, number> = {
  zero: 0, oh: 0, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9,
  ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fourty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const SCALES: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 };

/** True for a word that can be part of a spoken number. */
export function isNumberWord(word: string): boolean {
  const w = word.toLowerCase();
  return w in UNITS || w in TENS || w in SCALES || w === 'hundred' || /^\d+(\.\d+)?$/.test(w) || splitHyphen(w) !== undefined;
}

/** "forty-two" as the model may write it. */
function splitHyphen(w: string): [number, number] | undefined {
  const m = /^([a-z]+)-([a-z]+)$/.exec(w);
  if (!m || !(m[1] in TENS) || !(m[2] in UNITS) || UNITS[m[2]] >= 10 || UNITS[m[2]] === 0) return undefined;
  return [TENS[m[1]], UNITS[m[2]]];
}

export interface ParsedNumber {
  /** The digits, e.g. "42", "-7", "3.14". */
  text: string;
  /** How many words were used. */
  used: number;
}

/**
 * Reads a number from the start of `words`; undefined if the first word is not one. Stops at the
 * first word that cannot continue the number, so "forty two apples" uses two words.
 */
export function parseNumber(words: readonly string[]): ParsedNumber | undefined {
  let i = 0;
  let sign = '';
  const lower = words.map((w) => w.toLowerCase());
  if (lower[0] === 'minus' || lower[0] === 'negative') {
    sign = '-';
    i = 1;
  }
  let total = 0;
  let group = 0;
  let any = false;
  for (; i < lower.length; i++) {
    const w = lower[i];
    if (/^\d+$/.test(w) && !any) {
      group = Number(w);
      any = true;
      i++;
      break;
    }
    const hyphen = splitHyphen(w);
    if (w in UNITS) group += UNITS[w];
    else if (w in TENS) group += TENS[w];
    else if (hyphen) group += hyphen[0] + hyphen[1];
    else if (w === 'hundred' && any) group *= 100;
    else if (w in SCALES && any) {
      total += group * SCALES[w];
      group = 0;
    } else if (w === 'and' && any && i + 1 < lower.length && isNumberWord(lower[i + 1])) continue;
    else break;
    any = true;
  }
  if (!any) return undefined;
  let text = `${sign}${total + group}`;
  // "point" then digit words: the decimals, read digit by digit.
  if (lower[i] === 'point' && i + 1 < lower.length && lower[i + 1] in UNITS && UNITS[lower[i + 1]] < 10) {
    let decimals = '';
    let j = i + 1;
    for (; j < lower.length && lower[j] in UNITS && UNITS[lower[j]] < 10; j++) decimals += String(UNITS[lower[j]]);
    text += `.${decimals}`;
    i = j;
  }
  return { text, used: i };
}

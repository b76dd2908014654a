/**
 * murmur.language as the engine takes it. Kept free of `vscode` so node:test checks it against
 * package.json and the protocol.
 */
import { DEFAULT_LANGUAGE, isLanguageSetting } from '../engine/languages';

/**
 * "auto" or a language code, lower-cased and trimmed; anything else (a hand-edited "German", a
 * number) gets the default, as bounded() does for numbers: a dictation never fails on a typo here.
 */
export function languageSetting(v: unknown): string {
  const s = typeof v === 'string' ? v.trim().toLowerCase() : '';
  return isLanguageSetting(s) ? s : DEFAULT_LANGUAGE;
}

/**
 * Spoken languages: the `murmur.language` setting's form, and which languages a model hears.
 * Pure (no `node:` imports): the protocol, the extension and the webview share it.
 *
 * Codes are Whisper's: ISO 639-1 two-letter codes, plus the few three-letter ones Whisper uses
 * where 639-1 has none (haw, yue). "auto" lets the model detect the language where it can.
 */
import type { ModelFamily } from './recognizer';

/** A value of `murmur.language` and of RecognizerOptions.language: "auto" or a language code. */
export const LANGUAGE_PATTERN = /^(auto|[a-z]{2,3})$/;
/** Longest value the setting takes ("auto" and codes are shorter; the bound is for hand edits). */
export const LANGUAGE_MAX_LENGTH = 8;
export const DEFAULT_LANGUAGE = 'auto';

export function isLanguageSetting(v: unknown): v is string {
  return typeof v === 'string' && v.length <= LANGUAGE_MAX_LENGTH && LANGUAGE_PATTERN.test(v);
}

/**
 * Whisper's languages in its own order (openai/whisper, whisper/tokenizer.py LANGUAGES): the 99
 * of the models before large-v3. large-v3 and turbo add Cantonese (see WHISPER_V3_LANGUAGES).
 */
export const WHISPER_LANGUAGES: readonly string[] = Object.freeze([
  'en', 'zh', 'de', 'es', 'ru', 'ko', 'fr', 'ja', 'pt', 'tr', 'pl', 'ca', 'nl', 'ar', 'sv', 'it', 'id', 'hi', 'fi', 'vi',
  'he', 'uk', 'el', 'ms', 'cs', 'ro', 'da', 'hu', 'ta', 'no', 'th', 'ur', 'hr', 'bg', 'lt', 'la', 'mi', 'ml', 'cy', 'sk',
  'te', 'fa', 'lv', 'bn', 'sr', 'az', 'sl', 'kn', 'et', 'mk', 'br', 'eu', 'is', 'hy', 'ne', 'mn', 'bs', 'kk', 'sq', 'sw',
  'gl', 'mr', 'pa', 'si', 'km', 'sn', 'yo', 'so', 'af', 'oc', 'ka', 'be', 'tg', 'sd', 'gu', 'am', 'yi', 'lo', 'uz', 'fo',
  'ht', 'ps', 'tk', 'nn', 'mt', 'sa', 'lb', 'my', 'bo', 'tl', 'mg', 'as', 'tt', 'haw', 'ln', 'ha', 'ba', 'jw', 'su',
]);
export const WHISPER_V3_LANGUAGES: readonly string[] = Object.freeze([...WHISPER_LANGUAGES, 'yue']);

/** nvidia/parakeet-tdt-0.6b-v3's model card: 25 European languages. */
export const PARAKEET_V3_LANGUAGES: readonly string[] = Object.freeze([
  'bg', 'hr', 'cs', 'da', 'nl', 'en', 'et', 'fi', 'fr', 'de', 'el', 'hu', 'it',
  'lv', 'lt', 'mt', 'pl', 'pt', 'ro', 'sk', 'sl', 'es', 'sv', 'ru', 'uk',
]);

/** More codes than any model lists: a metadata value longer than this is not a language list. */
const MAX_CODES = 200;
const CODE = /^[a-z]{2,3}$/;

/** A comma-separated code list from model metadata, bounded; anything that is not a code is dropped. */
function codeList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',', MAX_CODES + 1).slice(0, MAX_CODES)) {
    const code = part.trim();
    if (CODE.test(code) && !out.includes(code)) out.push(code);
  }
  return out;
}

/** The model's own page, as NeMo and icefall exports record it (metadata "url"). */
function sourceOf(metadata: Readonly<Record<string, string>>): string {
  return `${metadata.url ?? ''} ${metadata.comment ?? ''}`.toLowerCase();
}

/**
 * The languages a model hears, from its family and its encoder's ONNX metadata; [] when the files
 * do not say. Whisper lists its languages (all_language_codes; is_multilingual 0 marks the English
 * `.en` models). NeMo exports name their source model (url): Parakeet TDT v3 hears 25 European
 * languages, v2 and the Nemotron streaming model English. Zipformer exports do not name their
 * language (the panel falls back on the catalog for the ones it offers). Moonshine files carry no
 * metadata; the Moonshine models Murmur ships and offers are English.
 */
export function languagesOf(family: ModelFamily, metadata: Readonly<Record<string, string>>): string[] {
  switch (family) {
    case 'whisper':
      if (metadata.is_multilingual?.trim() === '0') return ['en'];
      return codeList(metadata.all_language_codes);
    case 'parakeet': {
      const source = sourceOf(metadata);
      if (source.includes('parakeet-tdt-0.6b-v3')) return [...PARAKEET_V3_LANGUAGES];
      if (source.includes('parakeet-tdt-0.6b-v2')) return ['en'];
      return [];
    }
    case 'nemotron':
      return sourceOf(metadata).includes('nemotron-speech-streaming-en') ? ['en'] : [];
    case 'zipformer':
      return [];
    case 'moonshine':
      return ['en'];
  }
}

/**
 * The language a Whisper decode is told to use: "auto" (or nothing) lets a multilingual model
 * detect it; a code must be one of the model's languages, else the error lists them.
 */
import { MurmurError } from '../../errors';
import type { WhisperMetadata } from './metadata';

/** The forced language token, or undefined for detection (and for English-only models). */
export function whisperLanguageToken(meta: WhisperMetadata, language: string | undefined, model: string): number | undefined {
  const code = language?.trim().toLowerCase();
  if (!code || code === 'auto') return undefined;
  if (!meta.multilingual) {
    if (code === 'en') return undefined;
    throw new MurmurError('MODEL_WRONG_FAMILY', `${model} is an English-only Whisper model: it cannot transcribe language "${code}". Use a multilingual Whisper model (without ".en" in its name), or set the language to "en" or "auto".`);
  }
  const token = meta.languages.get(code);
  if (token === undefined) {
    throw new MurmurError('MODEL_WRONG_FAMILY', `${model} does not know the language "${code}". Its languages: ${[...meta.languages.keys()].join(', ')} (or "auto" to detect it).`);
  }
  return token;
}

/**
 * The encoder metadata sherpa-onnx's Whisper export writes (scripts/whisper/export-onnx.py) and
 * offline-whisper-model.cc reads, parsed with bounds: the model folder is untrusted, so a huge
 * number must not size an allocation and a missing key names the file, the key and the fix.
 */
import { MurmurError } from '../../errors';
import type { OnnxMetadata } from '../spec';

export interface WhisperMetadata {
  nMels: 80 | 128;
  nTextLayer: number;
  nTextCtx: number;
  nTextState: number;
  nVocab: number;
  sot: number;
  eot: number;
  translate: number;
  transcribe: number;
  noTimestamps: number;
  /** Start of every prompt: [sot] (English-only) or [sot, language, task]. */
  sotSequence: number[];
  multilingual: boolean;
  /** Language code -> its token, in the model's order (empty for English-only models). */
  languages: Map<string, number>;
}

/** Keys without which nothing can be decoded (sherpa-onnx requires them too). */
export const WHISPER_REQUIRED_KEYS = ['n_mels', 'n_text_layer', 'n_text_ctx', 'n_text_state', 'n_vocab', 'sot', 'eot', 'transcribe', 'no_timestamps', 'sot_sequence', 'is_multilingual'];

/** Self-attention cache elements (layers x ctx x state) per K and V: large-v3 needs 18 M. */
const MAX_CACHE_ELEMENTS = 64 * 1024 * 1024;

export function parseWhisperMetadata(meta: OnnxMetadata, file: string): WhisperMetadata {
  const fix = 'Use the encoder exported by sherpa-onnx (scripts/whisper/export-onnx.py) that came with this model.';
  const raw = (key: string): string => {
    const v = meta[key];
    if (v === undefined || v.trim() === '') throw new MurmurError('MODEL_WRONG_FAMILY', `${file} has no "${key}" in its ONNX metadata, so it is not a sherpa-onnx Whisper encoder. ${fix}`);
    return v.trim();
  };
  const int = (key: string, min: number, max: number): number => {
    const s = raw(key);
    const n = Number(s);
    if (!/^-?\d+$/.test(s) || n < min || n > max) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata "${key}" is "${s.slice(0, 40)}", expected an integer from ${min} to ${max}. ${fix}`);
    return n;
  };
  const nVocab = int('n_vocab', 2, 1_000_000);
  const tokenId = (key: string) => int(key, 0, nVocab - 1);
  const idList = (key: string, maxLength: number): number[] => {
    const parts = raw(key).split(',');
    if (parts.length > maxLength) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata "${key}" lists ${parts.length} ids, more than ${maxLength}. ${fix}`);
    return parts.map((p) => {
      const s = p.trim();
      const n = Number(s);
      if (!/^\d+$/.test(s) || n >= nVocab) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata "${key}" has "${s.slice(0, 20)}", not a token id below n_vocab=${nVocab}. ${fix}`);
      return n;
    });
  };
  const nMels = int('n_mels', 80, 128);
  if (nMels !== 80 && nMels !== 128) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata "n_mels" is ${nMels}; Whisper models use 80 or 128 mel bins. ${fix}`);
  const nTextLayer = int('n_text_layer', 1, 128);
  const nTextCtx = int('n_text_ctx', 8, 4096);
  const nTextState = int('n_text_state', 1, 8192);
  if (nTextLayer * nTextCtx * nTextState > MAX_CACHE_ELEMENTS) {
    throw new MurmurError('MODEL_LOAD_FAILED', `${file}: a decoder cache of ${nTextLayer} x ${nTextCtx} x ${nTextState} values is larger than any Whisper model needs. ${fix}`);
  }
  const multilingual = int('is_multilingual', 0, 1) === 1;
  const sotSequence = idList('sot_sequence', 8);
  if (multilingual && sotSequence.length < 3) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: a multilingual model's "sot_sequence" must be [sot, language, task]; it has ${sotSequence.length} ids. ${fix}`);
  const languages = new Map<string, number>();
  if (multilingual) {
    const tokens = idList('all_language_tokens', 256);
    const codes = raw('all_language_codes').split(',').map((c) => c.trim());
    if (codes.length !== tokens.length) {
      throw new MurmurError('MODEL_LOAD_FAILED', `${file}: metadata lists ${tokens.length} language tokens but ${codes.length} language codes. ${fix}`);
    }
    codes.forEach((code, i) => {
      if (!/^[a-z]{2,3}(_[a-z]+)?$/i.test(code)) throw new MurmurError('MODEL_LOAD_FAILED', `${file}: "${code.slice(0, 20)}" in "all_language_codes" is not a language code. ${fix}`);
      languages.set(code, tokens[i]);
    });
  }
  return {
    nMels,
    nTextLayer,
    nTextCtx,
    nTextState,
    nVocab,
    sot: tokenId('sot'),
    eot: tokenId('eot'),
    translate: meta.translate === undefined ? -1 : tokenId('translate'),
    transcribe: tokenId('transcribe'),
    noTimestamps: tokenId('no_timestamps'),
    sotSequence,
    multilingual,
    languages,
  };
}

/**
 * Moonshine's detokeniser: the Llama SentencePiece vocabulary as shipped in llama-tokenizer-js,
 * which is exactly what moonshine-js uses, so our text matches its output byte for byte.
 *
 * The package is ESM and builds its 32000-entry vocabulary when first evaluated (tens of ms), so
 * it is imported lazily: only loading a Moonshine model pays for it. (A dynamic import is also
 * what TypeScript allows from our CommonJS sources; esbuild bundles it all the same.)
 */

/** Llama's vocabulary; the decoder's logits are padded to 32768, and ids past this are not text. */
const VOCAB_SIZE = 32000;

export interface MoonshineTokenizer {
  /**
   * Text for generated ids. A leading start token (1) is dropped by the tokenizer, as in
   * moonshine-js; the caller drops the end token (2).
   */
  decode(ids: readonly number[]): string;
  /**
   * True if the vocabulary holds the word whole (" word" is one piece): a word the model knows
   * well. Vocabulary biasing leaves such words alone (vocabulary.ts).
   */
  isCommonWord(word: string): boolean;
}

interface LlamaDecoder {
  decode(tokenIds: number[]): string;
  encode(prompt: string, addBosToken?: boolean, addPrecedingSpace?: boolean): number[];
}

let loading: Promise<MoonshineTokenizer> | undefined;

export function loadMoonshineTokenizer(): Promise<MoonshineTokenizer> {
  loading ??= import('llama-tokenizer-js').then((m) => wrap(m.default));
  return loading;
}

function wrap(llama: LlamaDecoder): MoonshineTokenizer {
  return {
    decode(ids) {
      // Padding ids would make llama-tokenizer-js throw (no vocabulary entry); they carry no text.
      return llama.decode(ids.filter((id) => id >= 0 && id < VOCAB_SIZE));
    },
    isCommonWord(word) {
      return llama.encode(word.toLowerCase(), false, true).length <= 1;
    },
  };
}

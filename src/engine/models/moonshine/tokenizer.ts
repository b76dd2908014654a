/**
 * Moonshine's detokeniser: the Llama SentencePiece vocabulary as shipped in llama-tokenizer-js,
 * which is exactly what moonshine-js uses, so our text matches its output byte for byte.
 *
 * The package is ESM and builds its 32000-entry vocabulary when first evaluated (tens of ms), so
 * it is imported lazily: only loading a Moonshine model pays for it. (A dynamic import is also
 * what TypeScript allows from our CommonJS sources; esbuild bundles it all the same.)
 *
 * We only ever decode and look pieces up, never encode. The package builds its encoder tables
 * eagerly (a merge map of every BPE merge keyed by strings, and a reverse vocabulary map): JS heap
 * in every sidecar, paid again by every window. Once our lookup set is built they are
 * released; decoding reads only the id -> piece array.
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
  /**
   * The vocabulary, id -> SentencePiece piece ("\u2581" marks a word start, "<0x0A>" is a byte).
   * Only tests use it: they derive sherpa-onnx's tokens.txt from it, so both decode with one table.
   */
  readonly pieces: readonly string[];
}

/** The parts of llama-tokenizer-js's tokenizer object we use or release. */
interface LlamaTokenizerObject {
  vocabById: string[];
  vocabByString: Map<string, number> | null;
  merges: Map<string, number> | null;
  decode(tokenIds: number[]): string;
}

/** SentencePiece's word-start marker: " word" is the piece "\u2581word". */
const WORD_START = '\u2581';

let loading: Promise<MoonshineTokenizer> | undefined;

export function loadMoonshineTokenizer(): Promise<MoonshineTokenizer> {
  loading ??= import('llama-tokenizer-js').then((m) => wrap(m.default));
  return loading;
}

function wrap(llama: LlamaTokenizerObject): MoonshineTokenizer {
  // A word encodes to one piece exactly when "\u2581word" is in the vocabulary: checked against
  // the package's own encoder for all 11335 lower-case word pieces (test/unit/tokenizer.test.ts).
  const wholeWords = new Set(llama.vocabById.filter((piece) => piece.startsWith(WORD_START) && piece.length > 1));
  llama.merges = null;
  llama.vocabByString = null;
  return {
    decode(ids) {
      // Padding ids would make llama-tokenizer-js throw (no vocabulary entry); they carry no text.
      return llama.decode(ids.filter((id) => id >= 0 && id < VOCAB_SIZE));
    },
    isCommonWord(word) {
      return word.length === 0 || wholeWords.has(WORD_START + word.toLowerCase());
    },
    pieces: llama.vocabById,
  };
}

/**
 * Which English words are common: ones Llama's 32000-piece SentencePiece vocabulary holds whole.
 * Vocabulary biasing leaves them alone: every model already knows "fall", "itself" or "oldest",
 * and favouring them turns "nightfall" into "night fall" and "ill disposed" into "oldest post".
 * The same judgement serves every model family (the vocabulary ships with llama-tokenizer-js,
 * which Moonshine's detokeniser uses anyway).
 */
import { loadMoonshineTokenizer } from './models/moonshine/tokenizer';

export type CommonWordTest = (word: string) => boolean;

export async function loadCommonWordTest(): Promise<CommonWordTest> {
  const tokenizer = await loadMoonshineTokenizer();
  return (word) => tokenizer.isCommonWord(word);
}

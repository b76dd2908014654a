/**
 * The Moonshine detokeniser keeps only what decoding needs (tokenizer.ts releases the package's
 * encoder tables). Its answers must not change: checked against a fresh instance of the package's
 * own tokenizer, encoder included.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadMoonshineTokenizer, type MoonshineTokenizer } from '../../src/engine/models/moonshine/tokenizer';

/** The package's own tokenizer, encoder included (a fresh instance, not the one tokenizer.ts trims). */
interface ReferenceTokenizer {
  vocabById: string[];
  encode(prompt: string, addBosToken?: boolean, addPrecedingSpace?: boolean): number[];
}

describe('Moonshine tokenizer', () => {
  let ours: MoonshineTokenizer;
  let reference: ReferenceTokenizer;
  before(async () => {
    ours = await loadMoonshineTokenizer();
    // The package is ESM; our tests compile to CommonJS (esbuild bundles the import all the same).
    const { LlamaTokenizer: Tokenizer } = await import('llama-tokenizer-js');
    reference = new Tokenizer();
  });

  test('"is a common word" agrees with the package encoder for every word piece and for identifiers', () => {
    const words = reference.vocabById.filter((p) => p.startsWith('\u2581') && p.length > 1).map((p) => p.slice(1));
    words.push('userName', 'getElementById', 'XMLHttpRequest', 'murmur', 'sherpa', 'zipformer', 'Hello', 'THE', 'don\'t', 'foo bar', 'x', '42', '');
    let common = 0;
    const disagreements: string[] = [];
    for (const w of words) {
      const expected = reference.encode(w.toLowerCase(), false, true).length <= 1;
      if (expected) common++;
      if (ours.isCommonWord(w) !== expected) disagreements.push(w);
    }
    assert.deepEqual(disagreements.slice(0, 20), []);
    assert.ok(common > 10_000 && common < words.length, `common ${common} of ${words.length}`);
  });

  test('decodes what the package encodes, start token dropped, padding ids ignored', () => {
    for (const text of ['Go forward ten meters.', 'He was not an ill-disposed young man,', 'naïve café – 42 €']) {
      const ids = reference.encode(text, true, true);
      assert.equal(ours.decode([...ids, 32500, -1]), text);
    }
  });
});

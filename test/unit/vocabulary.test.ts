/**
 * The vocabulary and the close-match correction used for Moonshine, as tables.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import type { LoadedModel } from '../../src/engine/recognizer';
import { clips, MOONSHINE_DIR, sharedPath } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';
import { editDistance, identifiersIn, identifierWords, Vocabulary, vocabularyTerms } from '../../src/engine/vocabulary';

describe('vocabulary', () => {
  const split: [string, string[]][] = [
    ['getUserName', ['get', 'user', 'name']],
    ['MAX_RETRY_COUNT', ['max', 'retry', 'count']],
    ['kebab-case-name', ['kebab', 'case', 'name']],
    ['HTTPServer', ['http', 'server']],
    ['v2Parser', ['v', '2', 'parser']],
    ['zipformer', ['zipformer']],
  ];
  for (const [id, words] of split) test(`identifierWords("${id}")`, () => assert.deepEqual(identifierWords(id), words));

  test('identifiersIn lists identifiers, most frequent first', () => {
    assert.deepEqual(identifiersIn('const zipformer = loadZipformer(); zipformer.run(); x = 1;'), ['zipformer', 'const', 'loadZipformer', 'run']);
  });

  test('terms keep the rare words of identifiers, not common English', () => {
    assert.deepEqual(vocabularyTerms(['getUserName', 'loadZipformer', 'kubectlApply', 'the']).sort(), ['apply', 'kubectl', 'load', 'zipformer'].sort());
  });

  test('editDistance', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('same', 'same'), 0);
    assert.equal(editDistance('abcdef', 'zzzzzz', 2), 3, 'stops early past the limit');
  });
});

describe('close-match correction', () => {
  const v = new Vocabulary(['loadZipformer', 'endpointer', 'SherpaOnnx', 'kubectl', 'tokenizer']);
  const cases: [string, string, string][] = [
    ['a one-letter slip in a long word', 'The endpointr works.', 'The endpointer works.'],
    ['split in two', 'The end pointer works.', 'The endpointer works.'],
    ['a word the model split in two', 'Load the zip former model.', 'Load the zipformer model.'],
    ['case follows the model', 'Sharpa is fast.', 'Sherpa is fast.'],
    ['common English is never touched', 'The token is here.', 'The token is here.'],
    ['short words are never touched', 'Onyx and onnx.', 'Onyx and onnx.'],
    ['far words are never touched', 'The tokenization helper.', 'The tokenization helper.'],
    ['different first letter: untouched', 'A cubectl command.', 'A cubectl command.'],
  ];
  for (const [what, said, expected] of cases) test(`${what}: "${said}"`, () => assert.equal(v.correct(said).text, expected));

  test('reports what it changed', () => {
    assert.deepEqual(v.correct('Load the zip former and the tokeniser.').corrections, [
      { from: 'zip former', to: 'zipformer' },
      { from: 'tokeniser', to: 'tokenizer' },
    ]);
  });

  test('an empty vocabulary changes nothing', () => assert.equal(new Vocabulary([]).correct('zip former').text, 'zip former'));
});

describe('Moonshine with a vocabulary (the real model)', () => {
  let model: LoadedModel;
  const cache = tempCacheDir();
  before(async () => {
    model = await loadModel({ dir: sharedPath(MOONSHINE_DIR) }, { threads: 1, cacheDir: cache.dir });
  });
  after(async () => {
    await model.dispose();
    cache.remove();
  });

  async function transcribe(samples: Float32Array, hotwords?: string[]): Promise<string> {
    const rec = model.createRecognizer({ endpointing: false, partials: false, ...(hotwords ? { hotwords } : {}) });
    const out: string[] = [];
    for (let i = 0; i < samples.length; i += 1600) for (const e of await rec.accept(samples.subarray(i, i + 1600))) if (e.type === 'final') out.push(e.text);
    for (const e of await rec.finish()) if (e.type === 'final') out.push(e.text);
    return out.join(' ');
  }

  test('"webview" in the vocabulary turns the heard "web view" into it', async () => {
    const dir = fs.mkdtempSync(path.join(cache.dir, 'tts-'));
    const wav = path.join(dir, 'webview.wav');
    const r = spawnSync('flite', ['-voice', 'rms', '-t', 'open the webview from the extension', '-o', wav]);
    assert.ok(!r.error && r.status === 0, 'flite is needed (apt-get install flite; scripts/setup.sh installs it)');
    const clip = toMono16k(readWav(wav));
    const samples = new Float32Array(clip.length + 16000);
    samples.set(clip, 8000);
    const plain = await transcribe(samples);
    const biased = await transcribe(samples, ['renderWebview', 'ExportPanel']);
    assert.match(plain, /web view/i, `without the vocabulary: ${plain}`);
    assert.match(biased, /\bwebview\b/i, `with it: ${biased}`);
  });

  test('ordinary speech is unchanged by a vocabulary of common-looking identifiers', async () => {
    const terms = ['publishedAt', 'consumerGroup', 'finallyBlock', 'considerMe', 'anotherOne', 'segmenter', 'tokenizer'];
    for (const c of clips().slice(0, 4)) {
      const samples = toMono16k(readWav(c.path));
      assert.equal(await transcribe(samples, terms), await transcribe(samples), c.name);
    }
  });
});

/**
 * Which languages a model hears (issue 17, point 5.2): languagesOf from family + encoder metadata
 * (real files where there are some: the shared Moonshine and Zipformer, a synthetic Whisper written
 * with sherpa-onnx's metadata), its bounds on hostile metadata, and how the panel names them.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { writeSyntheticWhisper } from '../../bench/synthetic/whisper';
import type { CatalogEntry } from '../../src/engine/download/types';
import { inspectModel } from '../../src/engine/export/inspect';
import { languagesOf, PARAKEET_V3_LANGUAGES, WHISPER_LANGUAGES, WHISPER_V3_LANGUAGES } from '../../src/engine/languages';
import { readOnnxInfo } from '../../src/engine/onnx/metadata';
import { describeLanguages, inspectedLanguages, languageName } from '../../src/webview/format';
import { MOONSHINE_DIR, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

const work = tempCacheDir('murmur-languages-');
after(() => work.remove());

describe('languagesOf', () => {
  test('Whisper: the codes its encoder lists, read from a real ONNX file', () => {
    const dir = path.join(work.dir, 'whisper');
    const model = writeSyntheticWhisper(dir, { seed: 7, languages: ['en', 'de', 'fr', 'yue'] });
    const metadata = readOnnxInfo(model.encoder).metadata;
    assert.deepEqual(languagesOf('whisper', metadata), ['en', 'de', 'fr', 'yue']);
  });

  test('Whisper: an English-only (.en) model is English whatever else it lists', () => {
    assert.deepEqual(languagesOf('whisper', { is_multilingual: '0', all_language_codes: 'en,de' }), ['en']);
    assert.deepEqual(languagesOf('whisper', { is_multilingual: '1', all_language_codes: WHISPER_LANGUAGES.join(',') }), [...WHISPER_LANGUAGES]);
  });

  test('Whisper: hostile or missing metadata gives a bounded list of codes, never an error', () => {
    assert.deepEqual(languagesOf('whisper', {}), []);
    assert.deepEqual(languagesOf('whisper', { all_language_codes: 'en, de ,<script>,../x,,EN,de,toolong' }), ['en', 'de']);
    const huge = languagesOf('whisper', { all_language_codes: 'ab,'.repeat(1_000_000) + 'zz' });
    assert.deepEqual(huge, ['ab'], 'repeats collapse, and the tail past the bound is not read');
    const many = Array.from({ length: 26 * 26 }, (_, i) => String.fromCharCode(97 + Math.floor(i / 26), 97 + (i % 26)));
    assert.equal(languagesOf('whisper', { all_language_codes: many.join(',') }).length, 200);
  });

  test('Parakeet and Nemotron: from the source model their NeMo export names', () => {
    assert.deepEqual(languagesOf('parakeet', { url: 'https://huggingface.co/nvidia/parakeet-tdt-0.6b-v3' }), [...PARAKEET_V3_LANGUAGES]);
    assert.equal(PARAKEET_V3_LANGUAGES.length, 25);
    assert.deepEqual(languagesOf('parakeet', { url: 'https://huggingface.co/nvidia/parakeet-tdt-0.6b-v2' }), ['en']);
    assert.deepEqual(languagesOf('parakeet', {}), []);
    assert.deepEqual(languagesOf('nemotron', { url: 'https://huggingface.co/nvidia/nemotron-speech-streaming-en-0.6b' }), ['en']);
    assert.deepEqual(languagesOf('nemotron', { url: 'https://huggingface.co/nvidia/some-other-model' }), []);
  });

  test('the shared models: Moonshine is English; a Zipformer does not say', () => {
    const moon = inspectModel({ dir: sharedPath(MOONSHINE_DIR) });
    assert.deepEqual(moon.languages, ['en']);
    const zip = inspectModel({ dir: sharedPath(ZIPFORMER_DIR) });
    assert.deepEqual(zip.languages, []);
  });

  test('Whisper large-v3 and turbo know Cantonese as well', () => {
    assert.equal(WHISPER_LANGUAGES.length, 99);
    assert.equal(new Set(WHISPER_LANGUAGES).size, 99);
    assert.deepEqual(WHISPER_V3_LANGUAGES.filter((c) => !WHISPER_LANGUAGES.includes(c)), ['yue']);
  });
});

describe('the panel names languages', () => {
  test('a few by name, many by count with the first ones named, none as not stated', () => {
    assert.deepEqual(describeLanguages(['en']), { text: 'English', title: 'English' });
    assert.deepEqual(describeLanguages(['en', 'de']), { text: 'English, German', title: 'English, German' });
    const parakeet = describeLanguages(PARAKEET_V3_LANGUAGES);
    assert.equal(parakeet.text, '25 languages (Bulgarian, Croatian, Czech, …)');
    assert.equal(parakeet.title.split(', ').length, 25);
    assert.match(describeLanguages(WHISPER_LANGUAGES).text, /^99 languages \(English, Chinese, German, …\)$/);
    assert.deepEqual(describeLanguages([]), { text: 'Not stated', title: '' });
    assert.deepEqual(describeLanguages(undefined), { text: 'Not stated', title: '' });
  });

  test('a code without a name stays a code', () => {
    assert.equal(languageName('haw'), 'Hawaiian');
    assert.equal(languageName('qqq'), 'qqq');
  });

  test('the model to export: its own languages, else the catalog entry of its folder', () => {
    const entry = (id: string): CatalogEntry => ({ id, title: id, family: 'zipformer', description: '', url: 'https://example.org/m.tar.bz2', bytes: 1, sha256: 'ab'.repeat(32), archive: 'tar.bz2', root: '', files: ['tokens.txt'], license: '', page: '' });
    const catalog = [{ ...entry('zip-en'), languages: ['en'] }, entry('no-languages')];
    assert.deepEqual(inspectedLanguages(['de'], { dir: '/models/zip-en' }, catalog), ['de']);
    assert.deepEqual(inspectedLanguages([], { dir: '/models/zip-en' }, catalog), ['en']);
    assert.deepEqual(inspectedLanguages([], { dir: '/models/zip-en', encoder: '/x/encoder.onnx' }, catalog), [], 'explicit files are not the folder');
    assert.deepEqual(inspectedLanguages([], { dir: '/models/no-languages' }, catalog), []);
    assert.deepEqual(inspectedLanguages([], null, catalog), []);
  });
});

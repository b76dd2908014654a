/**
 * Whisper folders as sherpa-onnx releases them are recognised (issue 17, point 3): prefixed names,
 * int8 preferred, confirmed by the encoder's `mel` input and metadata; what is missing or wrong is
 * said with the file and the fix; hostile metadata is refused before anything is allocated.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../src/engine/models/detect';
import { loadModel } from '../../src/engine/models/load';
import { isMurmurError } from '../../src/engine/errors';
import { writeSyntheticWhisper } from '../../bench/synthetic/whisper';

describe('Whisper detection (sherpa-onnx release folders)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-whisper-detect-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A release-like folder: tiny-encoder(.int8).onnx, tiny-decoder(.int8).onnx, tiny-tokens.txt. */
  function releaseFolder(name: string, options: { omit?: string[]; metadataOverrides?: Record<string, string> } = {}): string {
    const dir = path.join(root, name);
    const m = writeSyntheticWhisper(path.join(root, `${name}-src`), { seed: 3, metadataOverrides: options.metadataOverrides });
    fs.mkdirSync(dir);
    const files: Record<string, string> = {
      'tiny-encoder.onnx': m.encoder,
      'tiny-encoder.int8.onnx': m.encoder,
      'tiny-decoder.onnx': m.decoder,
      'tiny-decoder.int8.onnx': m.decoder,
      'tiny-tokens.txt': m.tokens,
    };
    for (const [file, from] of Object.entries(files)) if (!options.omit?.includes(file)) fs.copyFileSync(from, path.join(dir, file));
    return dir;
  }

  const fails = (dir: string, code: string, message: RegExp, family: 'auto' | 'whisper' = 'auto') =>
    assert.throws(
      () => resolveModel({ dir, family }),
      (e: unknown) => isMurmurError(e) && e.code === code && message.test(e.message),
    );

  test('auto and --family whisper pick the int8 encoder and decoder and the tokens', () => {
    const dir = releaseFolder('full');
    for (const family of ['auto', 'whisper'] as const) {
      const { files } = resolveModel({ dir, family });
      assert.deepEqual(files, { family: 'whisper', encoder: path.join(dir, 'tiny-encoder.int8.onnx'), decoder: path.join(dir, 'tiny-decoder.int8.onnx'), tokens: path.join(dir, 'tiny-tokens.txt') });
    }
  });

  test('fp32 files alone are used when there is no int8 variant', () => {
    const dir = releaseFolder('fp32', { omit: ['tiny-encoder.int8.onnx', 'tiny-decoder.int8.onnx'] });
    const { files } = resolveModel({ dir });
    assert.equal(files.family, 'whisper');
    assert.ok(files.encoder.endsWith('tiny-encoder.onnx') && files.decoder.endsWith('tiny-decoder.onnx'));
  });

  test('a missing decoder or tokens file is named, with the file names expected', () => {
    fails(releaseFolder('no-decoder', { omit: ['tiny-decoder.onnx', 'tiny-decoder.int8.onnx'] }), 'MODEL_FILE_MISSING', /missing the Whisper decoder \(tiny-decoder\.int8\.onnx or tiny-decoder\.onnx\)/);
    fails(releaseFolder('no-tokens', { omit: ['tiny-tokens.txt'] }), 'MODEL_FILE_MISSING', /missing the Whisper tokens file \(tiny-tokens\.txt\)/);
  });

  test('--family whisper on a folder without a Whisper encoder says what is missing', () => {
    const dir = releaseFolder('no-encoder', { omit: ['tiny-encoder.onnx', 'tiny-encoder.int8.onnx'] });
    fails(dir, 'MODEL_FILE_MISSING', /missing the Whisper encoder/, 'whisper');
  });

  test('a decoder that is not a Whisper decoder is refused by name', () => {
    const dir = releaseFolder('wrong-decoder');
    fs.copyFileSync(path.join(dir, 'tiny-encoder.onnx'), path.join(dir, 'tiny-decoder.int8.onnx'));
    fails(dir, 'MODEL_WRONG_FAMILY', /tiny-decoder\.int8\.onnx is not a sherpa-onnx Whisper decoder: it lacks tokens/);
  });

  test('a tokens file with an id beyond n_vocab or a line that is not "<base64> <id>" fails the load, naming the line', async () => {
    for (const [name, line, message] of [
      ['big-id', 'YWJj 999999', /line 1 is not "<base64> <id>" with an id below the model's n_vocab=\d+: "YWJj 999999"/],
      ['not-base64', 'a b c', /line 1 is not "<base64> <id>"/],
    ] as const) {
      const dir = releaseFolder(name);
      fs.writeFileSync(path.join(dir, 'tiny-tokens.txt'), `${line}\n`);
      await assert.rejects(
        () => loadModel({ dir }, { threads: 1, noCache: true }),
        (e: unknown) => isMurmurError(e) && e.code === 'MODEL_TOKENS_MISMATCH' && message.test(e.message),
      );
    }
  });

  test('hostile metadata: a huge context, a bad mel count, unequal language lists', () => {
    fails(releaseFolder('huge-ctx', { metadataOverrides: { n_text_ctx: '99999999999' } }), 'MODEL_LOAD_FAILED', /"n_text_ctx" is "99999999999", expected an integer from 8 to 4096/);
    fails(releaseFolder('mels', { metadataOverrides: { n_mels: '100' } }), 'MODEL_LOAD_FAILED', /use 80 or 128 mel bins/);
    fails(releaseFolder('langs', { metadataOverrides: { all_language_codes: 'en,de' } }), 'MODEL_LOAD_FAILED', /3 language tokens but 2 language codes/);
  });
});

/**
 * sherpa-onnx's own Moonshine packages (its four-file v1 export and its ORT-format v2 release),
 * which Murmur does not load, are named as such with what to use instead, rather than taken for an
 * incomplete transducer. File names as sherpa-onnx ships them (.github/scripts/test-offline-moonshine.sh,
 * scripts/moonshine/v2/run.sh in its sources).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../src/engine/models/detect';
import { MurmurError } from '../../src/engine/errors';

describe("sherpa-onnx's Moonshine packages", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-sherpa-moonshine-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  function dirWith(name: string, files: string[]): string {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    for (const f of files) fs.writeFileSync(path.join(dir, f), 'not a model');
    return dir;
  }

  function errorFor(dir: string): MurmurError {
    try {
      resolveModel({ dir });
    } catch (e) {
      assert.ok(e instanceof MurmurError, String(e));
      return e;
    }
    assert.fail(`${dir} resolved`);
  }

  test('the four-file v1 export is named, with the format to use instead', () => {
    const dir = dirWith('sherpa-onnx-moonshine-tiny-en-int8', ['preprocess.onnx', 'encode.int8.onnx', 'uncached_decode.int8.onnx', 'cached_decode.int8.onnx', 'tokens.txt']);
    const e = errorFor(dir);
    assert.equal(e.code, 'MODEL_WRONG_FAMILY');
    assert.match(e.message, /four-file Moonshine export/);
    assert.match(e.message, /encoder_model\.onnx \+ decoder_model_merged\.onnx/);
    assert.ok(e.message.includes(dir));
  });

  test('the ORT-format v2 release is named, with the format to use instead', () => {
    const dir = dirWith('sherpa-onnx-moonshine-tiny-en-quantized-2026-02-27', ['encoder_model.ort', 'decoder_model_merged.ort', 'tokens.txt']);
    const e = errorFor(dir);
    assert.equal(e.code, 'MODEL_WRONG_FAMILY');
    assert.match(e.message, /ORT-format Moonshine/);
    assert.match(e.message, /encoder_model\.onnx \+ decoder_model_merged\.onnx/);
  });

  test('a folder with only some of those names is not claimed', () => {
    const e = errorFor(dirWith('partial', ['preprocess.onnx', 'cached_decode.int8.onnx', 'tokens.txt']));
    assert.doesNotMatch(e.message, /sherpa-onnx's/);
  });
});

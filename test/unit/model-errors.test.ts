/**
 * Every way a model location can be wrong gets its own error code and a message that names the
 * path and says what to do. Built from real model files in temp directories.
 */
import { describe, test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../src/engine/models/detect';
import { loadModel } from '../../src/engine/models/load';
import { readOnnxInfo } from '../../src/engine/onnx/metadata';
import { MurmurError } from '../../src/engine/errors';
import type { ModelLocation } from '../../src/engine/models/spec';
import { defaultModelDir } from '../../src/engine/paths';
import { sharedPath, ZIPFORMER_DIR, MOONSHINE_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bad-models-'));
let n = 0;

/** A directory holding copies of the zipformer files, with `edit` applied. */
function zipformerDir(edit: (dir: string) => void = () => undefined): string {
  const src = sharedPath(ZIPFORMER_DIR);
  const dir = path.join(root, `z${n++}`);
  fs.mkdirSync(dir);
  for (const f of ['encoder.int8.fixed.onnx', 'decoder.onnx', 'joiner.int8.onnx', 'tokens.txt']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  edit(dir);
  return dir;
}

function dirWith(files: Record<string, Buffer | string>): string {
  const dir = path.join(root, `d${n++}`);
  fs.mkdirSync(dir);
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

function expectError(location: ModelLocation, code: string, ...words: RegExp[]): void {
  let caught: unknown;
  try {
    resolveModel(location);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MurmurError, `expected ${code}, got ${caught instanceof Error ? caught.message : 'no error'}`);
  assert.equal(caught.code, code, caught.message);
  for (const w of words) assert.match(caught.message, w);
}

const tflite = () => Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), Buffer.alloc(64, 7)]);

describe('model detection', () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('the shared zipformer, the shared Moonshine and the embedded default resolve with their files', () => {
    const z = resolveModel({ dir: sharedPath(ZIPFORMER_DIR) });
    assert.equal(z.files.family, 'zipformer');
    assert.ok(z.files.family === 'zipformer');
    assert.equal(path.basename(z.files.encoder), 'encoder.int8.fixed.onnx');
    assert.equal(path.basename(z.files.decoder), 'decoder.onnx');
    assert.equal(path.basename(z.files.joiner), 'joiner.int8.onnx');
    assert.equal(z.onnx.encoder.metadata.model_type, 'zipformer2');
    assert.equal(z.onnx.encoder.metadata.decode_chunk_len, '32');
    assert.equal(z.onnx.encoder.metadata.T, '45');
    assert.equal(z.onnx.encoder.metadata.left_context_len, '64,32,16,8,16,32');
    assert.equal(z.onnx.decoder.metadata.context_size, '2');
    assert.equal(z.onnx.decoder.metadata.vocab_size, '500');
    assert.equal(z.onnx.joiner.metadata.joiner_dim, '320');
    for (const dir of [sharedPath(MOONSHINE_DIR), defaultModelDir()]) {
      const m = resolveModel({ dir });
      assert.equal(m.files.family, 'moonshine');
      assert.deepEqual(m.onnx.encoder.metadata, {});
      assert.equal(m.onnx.decoder.irVersion, 10);
      assert.deepEqual(m.onnx.decoder.opsets.find((o) => o.domain === ''), { domain: '', version: 14 });
      assert.equal(m.onnx.decoder.quantized, false, 'op types are not scanned while loading');
      const full = readOnnxInfo(m.onnx.decoder.path, { scanOps: true });
      assert.equal(full.quantized, true);
      assert.ok(full.opTypes.includes('DequantizeLinear') || full.opTypes.includes('MatMulInteger'), full.opTypes.join(','));
    }
  });

  test('explicit file paths override the directory', () => {
    const dir = sharedPath(ZIPFORMER_DIR);
    const r = resolveModel({ dir, joiner: path.join(dir, 'joiner.onnx') });
    assert.ok(r.files.family === 'zipformer');
    assert.equal(path.basename(r.files.joiner), 'joiner.onnx');
  });

  test('a path that does not exist', () => expectError({ dir: path.join(root, 'nope') }, 'MODEL_NOT_FOUND', /does not exist/, /nope/));
  test('a single file instead of a directory', () => expectError({ dir: path.join(sharedPath(ZIPFORMER_DIR), 'decoder.onnx') }, 'MODEL_FILE_MISSING', /single file/, /directory/));
  test('a directory missing the joiner', () =>
    expectError({ dir: zipformerDir((d) => fs.rmSync(path.join(d, 'joiner.int8.onnx'))) }, 'MODEL_FILE_MISSING', /joiner/, /Found: .*decoder\.onnx/));
  test('a directory missing tokens.txt', () => expectError({ dir: zipformerDir((d) => fs.rmSync(path.join(d, 'tokens.txt'))) }, 'MODEL_FILE_MISSING', /tokens\.txt/));
  test('an empty directory', () => expectError({ dir: dirWith({}) }, 'MODEL_FILE_MISSING', /no files/));
  test('an empty encoder file', () => expectError({ dir: zipformerDir((d) => fs.writeFileSync(path.join(d, 'encoder.int8.fixed.onnx'), '')) }, 'MODEL_NOT_ONNX', /empty/));
  test('random bytes as the encoder', () =>
    expectError({ dir: zipformerDir((d) => fs.writeFileSync(path.join(d, 'encoder.int8.fixed.onnx'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 251)))) }, 'MODEL_NOT_ONNX', /not an ONNX model/));
  test('a truncated encoder (interrupted download)', () =>
    expectError(
      {
        dir: zipformerDir((d) => {
          const f = path.join(d, 'encoder.int8.fixed.onnx');
          fs.truncateSync(f, Math.floor(fs.statSync(f).size * 0.6));
        }),
      },
      'MODEL_TRUNCATED',
      /truncated/,
      /again/,
    ));
  test('readOnnxInfo reports a truncated file and a text file', () => {
    const f = path.join(root, 'short.onnx');
    fs.writeFileSync(f, fs.readFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'decoder.onnx')).subarray(0, 100_000));
    assert.throws(() => readOnnxInfo(f), (e: MurmurError) => e.code === 'MODEL_TRUNCATED');
    fs.writeFileSync(f, '{"not": "onnx"}\n'.repeat(100));
    assert.throws(() => readOnnxInfo(f), (e: MurmurError) => e.code === 'MODEL_NOT_ONNX' && /text file/.test(e.message));
  });
  for (const ext of ['pb', 'pbmm', 'tflite']) {
    test(`a DeepSpeech .${ext} export says how to convert`, () =>
      expectError({ dir: dirWith({ [`output_graph.${ext}`]: ext === 'tflite' ? tflite() : Buffer.alloc(1000, 3) }) }, 'MODEL_DEEPSPEECH', /TensorFlow/, /tf2onnx/, /sherpa-onnx streaming Zipformer/));
  }
  test('a .tflite file renamed to .onnx is still recognised', () =>
    expectError({ dir: zipformerDir((d) => fs.writeFileSync(path.join(d, 'encoder.int8.fixed.onnx'), tflite())) }, 'MODEL_DEEPSPEECH', /tf2onnx/));
  test('a DeepSpeech file given directly', () => expectError({ dir: path.join(dirWith({ 'model.pbmm': Buffer.alloc(100, 1) }), 'model.pbmm') }, 'MODEL_DEEPSPEECH'));
  test('tokens.txt that does not match the decoder', () =>
    expectError({ dir: zipformerDir((d) => fs.appendFileSync(path.join(d, 'tokens.txt'), 'extra 500\n')) }, 'MODEL_TOKENS_MISMATCH', /501 tokens/, /vocab_size=500/));
  test('family forced to zipformer on a Moonshine model', () => expectError({ dir: defaultModelDir(), family: 'zipformer' }, 'MODEL_WRONG_FAMILY', /Moonshine/));
  test('family forced to moonshine on a zipformer model', () => expectError({ dir: sharedPath(ZIPFORMER_DIR), family: 'moonshine' }, 'MODEL_FILE_MISSING', /encoder_model\.onnx/));
  test('a Silero VAD given as the encoder', () =>
    expectError({ dir: zipformerDir((d) => fs.copyFileSync(sharedPath('models/silero-vad-v5/silero_vad.onnx'), path.join(d, 'encoder.int8.fixed.onnx'))) }, 'MODEL_WRONG_FAMILY', /Silero VAD/));
  test('a non-streaming encoder (no streaming metadata)', () =>
    expectError(
      {
        dir: zipformerDir((d) => {
          // Rename the metadata keys in place (same length): the model stays valid ONNX.
          const f = path.join(d, 'encoder.int8.fixed.onnx');
          const bytes = fs.readFileSync(f);
          const at = bytes.indexOf('decode_chunk_len');
          assert.ok(at > 0);
          bytes.write('decode_chunk_lex', at);
          fs.writeFileSync(f, bytes);
        }),
      },
      'MODEL_WRONG_FAMILY',
      /streaming/,
    ));

  test('loadModel gives the same errors and leaves nothing half-written in the cache', async () => {
    const cache = tempCacheDir();
    try {
      await assert.rejects(loadModel({ dir: path.join(root, 'nope') }, { threads: 1, cacheDir: cache.dir }), (e: MurmurError) => e.code === 'MODEL_NOT_FOUND');
      const bad = zipformerDir((d) => fs.truncateSync(path.join(d, 'joiner.int8.onnx'), 1000));
      await assert.rejects(loadModel({ dir: bad }, { threads: 1, cacheDir: cache.dir }), (e: MurmurError) => e.code === 'MODEL_TRUNCATED');
      const left = fs.existsSync(cache.dir) ? fs.readdirSync(cache.dir).filter((f) => /\.(tmp|lock)|\.tmp\.ort$/.test(f)) : [];
      assert.deepEqual(left, []);
    } finally {
      cache.remove();
    }
  });
});

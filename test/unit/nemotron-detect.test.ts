/**
 * Detection of cache-aware streaming NeMo transducers (nemotron/detect.ts, config.ts): told from a
 * Zipformer and from an offline NeMo encoder by the ONNX inputs; metadata read with bounds; every
 * wrong file is an error that names it and says what to do.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModel } from '../../src/engine/models/detect';
import { parseNemotronConfig } from '../../src/engine/models/nemotron/config';
import { writeSyntheticNemotron } from '../../bench/synthetic/nemotron';
import { GraphBuilder } from '../../bench/synthetic/onnx-graph';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';

describe('nemotron detection', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-nemotron-detect-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const model = writeSyntheticNemotron(path.join(dir, 'good'), { seed: 4 });
  const metadata = (): Record<string, string> => resolveModel({ dir: path.join(dir, 'good') }).onnx.encoder.metadata;

  test('a streaming NeMo folder is the nemotron family, with its four files', () => {
    const r = resolveModel({ dir: path.join(dir, 'good') });
    assert.equal(r.files.family, 'nemotron');
    assert.deepEqual(r.files, { family: 'nemotron', encoder: model.encoder, decoder: model.decoder, joiner: model.joiner, tokens: model.tokens });
  });

  test('forcing zipformer on it says it is a Nemotron', () => {
    assert.throws(() => resolveModel({ dir: path.join(dir, 'good'), family: 'zipformer' }), /cache-aware streaming NeMo.*"nemotron"/);
  });

  test('forcing nemotron on a Zipformer says what the encoder lacks', () => {
    assert.throws(() => resolveModel({ dir: sharedPath(ZIPFORMER_DIR), family: 'nemotron' }), /not a cache-aware streaming NeMo encoder.*cache_last_channel/);
  });

  test('forcing nemotron on an offline NeMo encoder (no caches) names Parakeet', () => {
    const offline = path.join(dir, 'offline');
    fs.cpSync(path.join(dir, 'good'), offline, { recursive: true });
    const g = new GraphBuilder();
    g.op('Identity', ['audio_signal'], {}, 'outputs');
    g.op('Identity', ['length'], {}, 'encoded_lengths');
    const bytes = g.model(
      [
        { name: 'audio_signal', type: 'float32', shape: [1, 80, 'T'] },
        { name: 'length', type: 'int64', shape: [1] },
      ],
      [
        { name: 'outputs', type: 'float32', shape: [1, 80, 'T'] },
        { name: 'encoded_lengths', type: 'int64', shape: [1] },
      ],
      metadata(),
    );
    fs.writeFileSync(path.join(offline, 'encoder.onnx'), bytes);
    assert.throws(() => resolveModel({ dir: offline, family: 'nemotron' }), /offline NeMo transducer encoder.*"parakeet"/);
  });

  test('a tokens.txt of another size or without <blk> last is refused, naming the file', () => {
    const bad = path.join(dir, 'tokens');
    fs.cpSync(path.join(dir, 'good'), bad, { recursive: true });
    const lines = fs.readFileSync(model.tokens, 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(bad, 'tokens.txt'), lines.slice(0, -1).join('\n') + '\n');
    assert.throws(() => resolveModel({ dir: bad }), (e: Error) => e.message.includes(path.join(bad, 'tokens.txt')) && /tokens but/.test(e.message));
    const swapped = [...lines.slice(0, -2), lines[lines.length - 1].replace(/ \d+$/, ` ${lines.length - 2}`), lines[lines.length - 2].replace(/ \d+$/, ` ${lines.length - 1}`)];
    fs.writeFileSync(path.join(bad, 'tokens.txt'), swapped.join('\n') + '\n');
    assert.throws(() => resolveModel({ dir: bad }), /last token is not <blk>/);
  });

  test('metadata: a missing key is named; huge or malformed values are refused before anything is allocated', () => {
    const good = metadata();
    assert.doesNotThrow(() => parseNemotronConfig(good, 'enc.onnx'));
    const { window_size: _dropped, ...withoutWindow } = good;
    assert.throws(() => parseNemotronConfig(withoutWindow, 'enc.onnx'), /enc\.onnx has no metadata key "window_size"/);
    assert.throws(() => parseNemotronConfig({ ...good, cache_last_channel_dim2: '99999999999' }, 'enc.onnx'), /cache_last_channel_dim2/);
    assert.throws(() => parseNemotronConfig({ ...good, cache_last_channel_dim1: '256', cache_last_channel_dim2: '100000', cache_last_channel_dim3: '16384' }, 'enc.onnx'), /implausibly large/);
    assert.throws(() => parseNemotronConfig({ ...good, chunk_shift: '0x10' }, 'enc.onnx'), /chunk_shift/);
    assert.throws(() => parseNemotronConfig({ ...good, chunk_shift: '4000' }, 'enc.onnx'), /larger than window_size/);
  });
});

/**
 * Parakeet's small parts that the token-exact test does not reach: byte-fallback pieces and word
 * starts in the text (as sherpa-onnx's symbol table makes them), the tokens.txt checks, metadata
 * bounds, and telling offline from streaming NeMo encoders.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readParakeetConfig } from '../../src/engine/models/parakeet/config';
import { nemoTransducerKind } from '../../src/engine/models/parakeet/detect';
import { readParakeetTokens } from '../../src/engine/models/parakeet/tokens';
import type { OnnxInfo } from '../../src/engine/onnx/metadata';

function info(inputs: string[], metadata: Record<string, string> = {}): OnnxInfo {
  return { path: 'x.onnx', bytes: 0, irVersion: 8, producerName: '', producerVersion: '', opsets: [], metadata, inputs, outputs: [], opTypes: [], initializers: 0, quantized: false } as OnnxInfo;
}

const META = { vocab_size: '4', normalize_type: 'per_feature', pred_rnn_layers: '2', pred_hidden: '640', subsampling_factor: '8', feat_dim: '128', url: 'https://huggingface.co/nvidia/parakeet-tdt-0.6b-v2' };

describe('Parakeet parts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-parakeet-parts-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, lines: string[]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, lines.map((l, i) => `${l} ${i}`).join('\n') + '\n');
    return file;
  };

  test('text: a leading U+2581 is a space, one leading space dropped, inner U+2581 kept, byte pieces are bytes', () => {
    const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    const pieces = ['<unk>', '\u2581hel', 'lo', '\u2581w\u2581x', ...bytes, '<blk>'];
    const t = readParakeetTokens(write('bytes.txt', pieces), pieces.length, 'enc.onnx');
    const byte = (b: number) => 4 + b;
    assert.equal(t.text([1, 2, 3]), 'hello w\u2581x');
    // "é" is C3 A9 in UTF-8: two byte pieces make one character.
    assert.equal(t.text([1, byte(0xc3), byte(0xa9)]), 'hel\u00e9');
    assert.equal(t.piece(1), ' hel');
    assert.equal(t.piece(byte(0x41)), 'A');
    assert.equal(t.piece(byte(0x0a)), '<0x0A>');
  });

  test('tokens.txt must end with <blk> and have vocab_size + 1 lines', () => {
    assert.throws(() => readParakeetTokens(write('short.txt', ['<unk>', 'a', '<blk>']), 5, 'enc.onnx'), /3 tokens but enc.onnx has vocab_size 4/);
    assert.throws(() => readParakeetTokens(write('noblank.txt', ['<unk>', 'a', 'b', 'c', 'd']), 5, 'enc.onnx'), /no blank token <blk>/);
    assert.throws(() => readParakeetTokens(write('blankfirst.txt', ['<blk>', 'a', 'b', 'c', 'd']), 5, 'enc.onnx'), /must be the last line/);
  });

  test('metadata: read as sherpa-onnx reads it, bounded, missing keys named', () => {
    const c = readParakeetConfig(META, 'enc.onnx');
    assert.deepEqual(c, { vocabSize: 5, blankId: 4, featDim: 128, normalize: 'per_feature', predLayers: 2, predHidden: 640, subsampling: 8, isTdt: true });
    assert.equal(readParakeetConfig({ ...META, url: 'https://huggingface.co/nvidia/stt_en_fastconformer_transducer_large', feat_dim: undefined as unknown as string }, 'e').isTdt, false);
    assert.equal(readParakeetConfig({ ...META, feat_dim: undefined as unknown as string }, 'e').featDim, 80);
    assert.throws(() => readParakeetConfig({ ...META, pred_hidden: '4000000000' }, 'enc.onnx'), /pred_hidden="4000000000" is not an integer in/);
    assert.throws(() => readParakeetConfig({ ...META, vocab_size: '1e3' }, 'enc.onnx'), /vocab_size/);
    const { pred_rnn_layers: _, ...missing } = META;
    void _;
    assert.throws(() => readParakeetConfig(missing, 'enc.onnx'), /enc.onnx has no "pred_rnn_layers" metadata/);
    assert.throws(() => readParakeetConfig({ ...META, normalize_type: 'all_features' }, 'enc.onnx'), /all_features/);
    assert.throws(() => readParakeetConfig({ ...META, is_giga_am: '1' }, 'enc.onnx'), /GigaAM/);
  });

  test('NeMo encoders: offline (Parakeet) vs cache-aware streaming (Nemotron) vs not NeMo (Zipformer)', () => {
    assert.equal(nemoTransducerKind(info(['audio_signal', 'length'], META)), 'parakeet');
    assert.equal(nemoTransducerKind(info(['audio_signal', 'length', 'cache_last_channel', 'cache_last_time', 'cache_last_channel_len'], META)), 'nemotron');
    assert.equal(nemoTransducerKind(info(['x', 'x_lens'], { model_type: 'zipformer2' })), undefined);
  });
});

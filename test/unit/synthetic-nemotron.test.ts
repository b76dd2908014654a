/**
 * The seeded synthetic cache-aware streaming NeMo transducer (bench/synthetic/nemotron.ts) is a
 * faithful stand-in for sherpa-onnx's Nemotron / streaming FastConformer export: sherpa-onnx-node
 * loads it and decodes every shared clip into varied, clip-specific tokens, fewer than the encoder
 * frames (not all blank, not a token per frame); and each of the three encoder caches changes the
 * output, so a decoder that dropped or mixed them up could not match the reference.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { writeSyntheticNemotron } from '../../bench/synthetic/nemotron';
import { sherpaDecodeWhole, sherpaNemoRecognizer } from '../../bench/sherpa';
import { mulberry32 } from '../helpers/random';
import { clips } from '../helpers/shared';

describe('synthetic Nemotron (sherpa-onnx cache-aware streaming NeMo export contract)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-synthetic-nemotron-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the same seed writes the same model; another seed another one', () => {
    const a = writeSyntheticNemotron(path.join(dir, 'a'), { seed: 5 });
    const b = writeSyntheticNemotron(path.join(dir, 'b'), { seed: 5 });
    const c = writeSyntheticNemotron(path.join(dir, 'c'), { seed: 6 });
    for (const k of ['encoder', 'decoder', 'joiner', 'tokens'] as const) assert.ok(fs.readFileSync(a[k]).equals(fs.readFileSync(b[k])), k);
    assert.ok(!fs.readFileSync(a.encoder).equals(fs.readFileSync(c.encoder)));
  });

  for (const [seed, featDim] of [
    [1, 80],
    [2, 128],
  ] as const) {
    test(`seed ${seed}, ${featDim} mel bins: sherpa-onnx-node decodes every shared clip into varied, clip-specific tokens`, () => {
      const model = writeSyntheticNemotron(path.join(dir, `m${seed}`), { seed, featDim });
      const rec = sherpaNemoRecognizer(model, 1);
      const sequences = new Set<string>();
      for (const clip of clips()) {
        const samples = toMono16k(readWav(clip.path));
        const r = sherpaDecodeWhole(rec, samples);
        // Encoder frames sherpa-onnx runs: one chunk per chunk_shift feature frames (10 ms each), audio + 0.8 s tail.
        const frames = Math.floor((samples.length / 160 + 80) / model.chunkShift) * (model.chunkShift / 8);
        console.log(`${clip.name}: ${r.tokens.length} tokens over ~${frames} frames: ${r.text.slice(0, 50)}`);
        assert.ok(r.tokens.length >= 5, `${clip.name}: ${r.tokens.length} tokens`);
        assert.ok(r.tokens.length < frames, `${clip.name}: ${r.tokens.length} tokens for ~${frames} frames`);
        assert.ok(new Set(r.tokens).size >= 5, `${clip.name}: only ${new Set(r.tokens).size} distinct tokens`);
        sequences.add(r.tokens.join('|'));
      }
      assert.equal(sequences.size, clips().length, 'each clip decodes to its own sequence');
    });
  }

  test('the encoder output depends on each cache: earlier chunks matter', async () => {
    const model = writeSyntheticNemotron(path.join(dir, 'caches'), { seed: 3 });
    const session = await ort.InferenceSession.create(model.encoder);
    try {
      const random = mulberry32(9);
      const window = (): ort.Tensor => new ort.Tensor('float32', Float32Array.from({ length: 80 * model.windowSize }, () => -12 + 8 * random()), [1, 80, model.windowSize]);
      const length = new ort.Tensor('int64', BigInt64Array.of(BigInt(model.windowSize)), [1]);
      const zero = {
        cache_last_channel: new ort.Tensor('float32', new Float32Array(2 * 24 * 48), [1, 2, 24, 48]),
        cache_last_time: new ort.Tensor('float32', new Float32Array(2 * 48 * 8), [1, 2, 48, 8]),
        cache_last_channel_len: new ort.Tensor('int64', new BigInt64Array(1), [1]),
      };
      // Three chunks of other audio first, their caches kept.
      let caches: Record<string, ort.Tensor> = zero;
      for (let i = 0; i < 3; i++) {
        const out = await session.run({ audio_signal: window(), length, ...caches });
        caches = { cache_last_channel: out.cache_last_channel_next, cache_last_time: out.cache_last_time_next, cache_last_channel_len: out.cache_last_channel_next_len };
      }
      assert.equal(caches.cache_last_channel_len.data[0], 6n, 'the cached rows are counted');
      const x = window();
      const fresh = (await session.run({ audio_signal: x, length, ...zero })).outputs.data as Float32Array;
      for (const name of Object.keys(zero) as (keyof typeof zero)[]) {
        const one = (await session.run({ audio_signal: x, length, ...zero, [name]: caches[name] })).outputs.data as Float32Array;
        const diff = Math.max(...one.map((v, i) => Math.abs(v - fresh[i])));
        assert.ok(diff > 1e-3, `${name} changes the output (max difference ${diff})`);
      }
    } finally {
      await session.release();
    }
  });
});

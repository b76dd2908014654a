/**
 * Token-exact with the reference implementation for cache-aware streaming NeMo transducers (issue 17,
 * points 2 and 4): seeded synthetic models with sherpa-onnx's Nemotron export contract
 * (bench/synthetic/nemotron.ts), loaded through detection like a user's folder, decoded by Murmur's
 * reference mode (LoadedModel.decodeWhole: the clip, 0.8 s of silence, end of input) and by
 * sherpa-onnx-node's OnlineRecognizer on the same files and audio: the same tokens and text on
 * every shared clip. Greedy search is the only method sherpa-onnx runs for these models. Fed as a
 * microphone delivers it (100 ms chunks, no endpointing, no gain), the final text is the same.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import { readTokens } from '../../src/engine/models/zipformer/tokens';
import type { LoadedModel } from '../../src/engine/recognizer';
import { writeSyntheticNemotron, type SyntheticNemotron } from '../../bench/synthetic/nemotron';
import { sherpaDecodeWhole, sherpaNemoRecognizer } from '../../bench/sherpa';
import { clips } from '../helpers/shared';

const CHUNK = 1600;

for (const [seed, featDim] of [
  [21, 80],
  [22, 128],
] as const) {
  describe(`token-exact with sherpa-onnx-node: synthetic Nemotron, seed ${seed}, ${featDim} mel bins`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-nemotron-exact-'));
    let files: SyntheticNemotron;
    let model: LoadedModel;
    let pieces: string[];

    before(async () => {
      files = writeSyntheticNemotron(path.join(dir, 'model'), { seed, featDim });
      model = await loadModel({ dir: path.join(dir, 'model') }, { threads: 1, noCache: true });
      pieces = readTokens(files.tokens).pieces;
    });
    after(async () => {
      await model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('detection finds the nemotron family', () => {
      assert.equal(model.family, 'nemotron');
    });

    test('greedy: the same tokens and text on every shared clip, and the same final text fed in 100 ms chunks', async () => {
      const rec = sherpaNemoRecognizer(files, 1);
      let compared = 0;
      for (const clip of clips()) {
        const samples = toMono16k(readWav(clip.path));
        const reference = sherpaDecodeWhole(rec, samples);
        const mine = await model.decodeWhole(samples);
        const mineAsPieces = mine.tokens.map((t) => (pieces[t] ?? `<${t}>`).replace(/^\u2581/, ' '));
        assert.ok(reference.tokens.length > 0, `${clip.name}: sherpa-onnx emitted tokens`);
        assert.deepEqual(mineAsPieces, reference.tokens, clip.name);
        assert.equal(mine.text, reference.text, clip.name);

        const r = model.createRecognizer({ endpointing: false, normalizeGain: false });
        const finals: string[] = [];
        for (let i = 0; i < samples.length; i += CHUNK) for (const e of await r.accept(samples.subarray(i, i + CHUNK))) if (e.type === 'final') finals.push(e.text);
        for (const e of await r.finish()) if (e.type === 'final') finals.push(e.text);
        assert.equal(finals.join(' '), reference.text, `${clip.name}, fed in 100 ms chunks`);
        compared++;
      }
      assert.equal(compared, clips().length);
    });

    test('modified beam search, which sherpa-onnx refuses for these models, decodes as greedy search', async () => {
      const samples = toMono16k(readWav(clips()[0].path));
      const greedy = await model.decodeWhole(samples);
      const beam = await model.decodeWhole(samples, { decoding: 'modified-beam-search', beamSize: 4 });
      assert.ok(greedy.tokens.length > 0);
      assert.deepEqual(beam.tokens, greedy.tokens);
    });
  });
}

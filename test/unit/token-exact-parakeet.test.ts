/**
 * Parakeet (offline NeMo transducer) token-exact against sherpa-onnx-node (issue 17, points 1 and 4):
 * seeded synthetic Parakeet TDT models (bench/synthetic/parakeet.ts; two seeds, 128 and 80 mel bins)
 * loaded through Murmur's detection (loadModel on the folder), every shared clip decoded whole by
 * Murmur and by sherpa-onnx-node's OfflineRecognizer (nemo_transducer), greedy and modified beam
 * search: identical token sequences and identical texts. Equal tokens on random weights need equal
 * features (NeMo mel + per-feature normalisation), encoder runs and TDT search step for step.
 * Plus: the VAD-segmented recognizer gives finals on a clip, and detection's errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import { resolveModel } from '../../src/engine/models/detect';
import { readTokens } from '../../src/engine/models/zipformer/tokens';
import type { FinalEvent, LoadedModel } from '../../src/engine/recognizer';
import { writeSyntheticParakeet, type SyntheticParakeet } from '../../bench/synthetic/parakeet';
import { clips } from '../helpers/shared';
import { sherpaParakeet } from '../helpers/sherpa-offline';

const VARIANTS = [
  { seed: 7, featDim: 128 },
  { seed: 21, featDim: 128 },
  { seed: 7, featDim: 80 },
  { seed: 33, featDim: 80 },
];

/** sherpa-onnx lists tokens with a leading U+2581 shown as a space. */
function sherpaPieces(tokensFile: string, ids: number[]): string[] {
  const { pieces } = readTokens(tokensFile);
  return ids.map((id) => pieces[id].replace(/^\u2581/, ' '));
}

describe('Parakeet TDT token-exact vs sherpa-onnx-node', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-parakeet-exact-'));
  const audio = clips().map((c) => ({ name: c.name, samples: toMono16k(readWav(c.path)) }));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const v of VARIANTS) {
    describe(`seed ${v.seed}, ${v.featDim} mel bins`, () => {
      let model: SyntheticParakeet;
      let murmur: LoadedModel;
      before(async () => {
        model = writeSyntheticParakeet(path.join(root, `s${v.seed}-${v.featDim}`), v);
        murmur = await loadModel({ dir: path.dirname(model.encoder) }, { threads: 1, cacheDir: path.join(root, 'cache') });
      });
      after(async () => murmur?.dispose());

      for (const method of ['greedy_search', 'modified_beam_search'] as const) {
        test(`${method}: every shared clip gives sherpa-onnx's tokens and text`, async () => {
          assert.equal(murmur.family, 'parakeet');
          const sherpa = sherpaParakeet(model, method, { maxActivePaths: 4 });
          let total = 0;
          for (const clip of audio) {
            const ref = sherpa.decode(clip.samples);
            const ours = await murmur.decodeWhole(clip.samples, { decoding: method === 'greedy_search' ? 'greedy' : 'modified-beam-search', beamSize: 4 });
            assert.ok(ref.tokens.length >= 5, `${clip.name}: sherpa gave only ${ref.tokens.length} tokens`);
            assert.deepEqual(sherpaPieces(model.tokens, ours.tokens), ref.tokens, `${clip.name}: tokens`);
            assert.equal(ours.text, ref.text, `${clip.name}: text`);
            total += ours.tokens.length;
          }
          console.log(`seed ${v.seed}, ${v.featDim} bins, ${method}: ${total} tokens identical over ${audio.length} clips`);
        });
      }
    });
  }

  test('the VAD-segmented recognizer gives finals with text on a clip', async () => {
    const model = writeSyntheticParakeet(path.join(root, 'vad'), { seed: 7 });
    const loaded = await loadModel({ dir: path.dirname(model.encoder) }, { threads: 1, noCache: true });
    try {
      const rec = loaded.createRecognizer({ normalizeGain: false });
      const clip = audio.find((c) => c.samples.length > 16000 * 5) ?? audio[0];
      const finals: FinalEvent[] = [];
      for (let i = 0; i < clip.samples.length; i += 1600) {
        for (const e of await rec.accept(clip.samples.subarray(i, i + 1600))) if (e.type === 'final') finals.push(e);
      }
      for (const e of await rec.accept(new Float32Array(16000))) if (e.type === 'final') finals.push(e);
      for (const e of await rec.finish()) if (e.type === 'final') finals.push(e);
      assert.ok(finals.length >= 1, 'at least one final');
      assert.ok(finals.some((f) => f.text.length > 0), 'a final with text');
      for (const f of finals) assert.ok(f.endSec > f.startSec && f.startSec >= 0, `final ${f.startSec}..${f.endSec}`);
    } finally {
      await loaded.dispose();
    }
  });

  test('language: v3 takes auto or one of its 25 languages (it detects which it hears); another code is refused, naming them', async () => {
    const model = writeSyntheticParakeet(path.join(root, 'language'), { seed: 5 });
    const loaded = await loadModel({ dir: path.dirname(model.encoder) }, { threads: 1, noCache: true });
    try {
      const clip = audio[0].samples;
      const auto = await loaded.decodeWhole(clip, { language: 'auto' });
      assert.deepEqual((await loaded.decodeWhole(clip, { language: 'de' })).tokens, auto.tokens, 'a language the model knows changes nothing: Parakeet takes no prompt');
      await assert.rejects(() => loaded.decodeWhole(clip, { language: 'ja' }), /does not hear "ja".*bg, hr, cs/);
      assert.throws(() => loaded.createRecognizer({ language: 'ja' }), /does not hear "ja"/);
      assert.ok(loaded.createRecognizer({ language: 'fr' }));
    } finally {
      await loaded.dispose();
    }
  });

  test('detection: Parakeet by its graph; wrong family, wrong tokens and missing metadata are clear errors', () => {
    const model = writeSyntheticParakeet(path.join(root, 'detect'), { seed: 3 });
    const dir = path.dirname(model.encoder);
    assert.equal(resolveModel({ dir }).files.family, 'parakeet');
    assert.equal(resolveModel({ encoder: model.encoder, decoder: model.decoder, joiner: model.joiner, tokens: model.tokens }).files.family, 'parakeet');
    assert.throws(() => resolveModel({ dir, family: 'zipformer' }), /offline NeMo transducer.*"zipformer".*"auto" or "parakeet"/);
    const lines = fs.readFileSync(model.tokens, 'utf8').trim().split('\n');
    fs.writeFileSync(model.tokens, lines.slice(0, -2).concat(lines.at(-1) as string).map((l, i) => l.replace(/ \d+$/, ` ${i}`)).join('\n') + '\n');
    assert.throws(() => resolveModel({ dir }), /tokens.txt has \d+ tokens but .*vocab_size/);
    fs.writeFileSync(model.tokens, lines.join('\n') + '\n');
    // An encoder without NeMo's metadata keys: sherpa-onnx could not load it either.
    const bytes = fs.readFileSync(model.encoder);
    const stripped = Buffer.from(bytes.toString('latin1').replace('pred_hidden', 'pred_hiddeX'), 'latin1');
    fs.writeFileSync(model.encoder, stripped);
    assert.throws(() => resolveModel({ dir }), /no "pred_hidden" metadata/);
  });
});

/**
 * Token-exact with the reference implementation for Moonshine (issue 17, point 4): the embedded
 * Moonshine tiny int8 (encoder_model.onnx + decoder_model_merged.onnx, the moonshine-js export)
 * decoded by Murmur's reference mode (LoadedModel.decodeWhole) and by sherpa-onnx-node's Moonshine
 * v2 recognizer, which loads those very files, give the same tokens and the same text on every
 * shared clip. sherpa-onnx's tokens.txt is derived from Murmur's vocabulary (sherpa-moonshine.ts).
 *
 * The two differ in one rule, the token budget: Murmur stops after trunc(seconds * 6) tokens
 * (moonshine-js's rule), sherpa-onnx's v2 decoder after trunc(frames * 384 / 16000 * 15) (its v1
 * decoder uses 6 there too). The shared clips stay well inside both; the last test shows the rule
 * where it matters, on speech played twice as fast.
 *
 * sherpa-onnx-node runs its own bundled onnxruntime, older than Murmur's onnxruntime-node. On clear
 * speech that makes no difference; on distorted audio the int8 model meets near-ties that the two
 * versions can resolve differently (with sherpa-onnx pointed at Murmur's onnxruntime instead, the
 * two agreed on every token of every input tried), which is why the budget test uses clips on
 * which the versions agree.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import { loadMoonshineTokenizer } from '../../src/engine/models/moonshine/tokenizer';
import { defaultModelDir } from '../../src/engine/paths';
import type { LoadedModel } from '../../src/engine/recognizer';
import { clips } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';
import {
  idsOf,
  sherpaDecodeOffline,
  sherpaModule,
  sherpaMoonshineRecognizer,
  writeSherpaIdTokens,
  writeSherpaMoonshineTokens,
  type SherpaOfflineRecognizer,
} from '../helpers/sherpa-moonshine';

/**
 * sherpa-onnx's v2 budget (offline-moonshine-v2-greedy-search-decoder.cc): encoder frames times the
 * encoder's stride of 384 samples, in seconds, times 15 tokens.
 */
function sherpaV2Budget(frames: number): number {
  return Math.trunc(((frames * 384) / 16000) * 15);
}

/** Murmur's budget (transcriber.ts), restated here to recognise a decode that ran out of it. */
function murmurBudget(samples: number): number {
  return Math.trunc((samples / 16000) * 6);
}

/** More ids than any Moonshine decoder has logits (32768 for tiny and base). */
const ID_TABLE_SIZE = 1 << 16;

describe('token-exact with sherpa-onnx-node: Moonshine tiny int8 (the embedded model)', () => {
  const cache = tempCacheDir();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-moonshine-sherpa-'));
  let model: LoadedModel;
  /** sherpa-onnx with the text table (its text) and with the id table (its exact ids). */
  let textRec: SherpaOfflineRecognizer;
  let idRec: SherpaOfflineRecognizer;

  before(async () => {
    const dir = defaultModelDir();
    const encoder = path.join(dir, 'encoder_model.onnx');
    const decoder = path.join(dir, 'decoder_model_merged.onnx');
    const textTokens = path.join(work, 'tokens.txt');
    const idTokens = path.join(work, 'ids.txt');
    writeSherpaMoonshineTokens(textTokens, (await loadMoonshineTokenizer()).pieces);
    writeSherpaIdTokens(idTokens, ID_TABLE_SIZE);
    model = await loadModel({ dir }, { threads: 1, cacheDir: cache.dir });
    await model.settled;
    textRec = sherpaMoonshineRecognizer({ encoder, decoder, tokens: textTokens }, 1);
    idRec = sherpaMoonshineRecognizer({ encoder, decoder, tokens: idTokens }, 1);
  });
  after(async () => {
    await model.dispose();
    cache.remove();
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('sherpa-onnx reads every shared clip as the same samples Murmur does', () => {
    for (const clip of clips()) {
      const theirs = sherpaModule().readWave(clip.path);
      assert.equal(theirs.sampleRate, 16000, clip.name);
      assert.deepEqual(theirs.samples, toMono16k(readWav(clip.path)), clip.name);
    }
  });

  test('every shared clip: the same tokens and the same text', async () => {
    let compared = 0;
    for (const clip of clips()) {
      const samples = toMono16k(readWav(clip.path));
      const referenceIds = idsOf(sherpaDecodeOffline(idRec, samples));
      const reference = sherpaDecodeOffline(textRec, samples);
      const mine = await model.decodeWhole(samples);
      console.log(`${clip.name}: ${mine.tokens.length} tokens (Murmur's budget ${murmurBudget(samples.length)}): ${mine.text}`);
      assert.ok(referenceIds.length > 0, `${clip.name}: sherpa-onnx emitted tokens`);
      assert.ok(mine.tokens.length < murmurBudget(samples.length), `${clip.name}: Murmur reached the end token within its budget`);
      assert.deepEqual(mine.tokens, referenceIds, clip.name);
      assert.equal(mine.text, reference.text, clip.name);
      compared++;
    }
    assert.equal(compared, 8);
  });

  test("the budgets: where Murmur's trunc(seconds * 6) runs out, sherpa-onnx goes on along the same tokens, up to its own rule", async () => {
    // Speech played faster (every k-th sample) carries more tokens per second than Murmur's budget
    // allows. Distorted audio makes the model unsure, and on such inputs a near-tie can go either
    // way between onnxruntime versions (see above), so these are clips on which the two agree.
    const encoder = await ort.InferenceSession.create(path.join(defaultModelDir(), 'encoder_model.onnx'), { intraOpNumThreads: 1 });
    try {
      for (const [name, speed] of [
        ['0.wav', 2],
        ['sense_and_sensibility_01_austen_64kb-0890.wav', 2],
        ['sense_and_sensibility_01_austen_64kb-0890.wav', 1.8],
      ] as const) {
        const clip = clips().find((c) => c.name === name);
        assert.ok(clip, name);
        const whole = toMono16k(readWav(clip.path));
        const fast = new Float32Array(Math.floor(whole.length / speed)).map((_, i) => whole[Math.floor(speed * i)]);
        const mine = await model.decodeWhole(fast);
        const reference = idsOf(sherpaDecodeOffline(idRec, fast));
        const input = new ort.Tensor('float32', fast, [1, fast.length]);
        const { last_hidden_state: hidden } = await encoder.run({ input_values: input });
        const theirBudget = sherpaV2Budget(hidden.dims[1]);
        hidden.dispose();
        const label = `${name} at ${speed}x`;
        console.log(`${label}: Murmur ${mine.tokens.length} tokens (budget ${murmurBudget(fast.length)}), sherpa-onnx ${reference.length} (budget ${theirBudget})`);
        assert.equal(mine.tokens.length, murmurBudget(fast.length), `${label}: Murmur stopped at its budget, not at the end token`);
        assert.deepEqual(reference.slice(0, mine.tokens.length), mine.tokens, `${label}: the same tokens up to Murmur's budget`);
        assert.ok(reference.length > mine.tokens.length, `${label}: sherpa-onnx's budget let it decode more`);
        assert.ok(reference.length <= theirBudget, `${label}: sherpa-onnx kept to its own budget`);
        // This one runs on to sherpa-onnx's budget too: the rule read from its sources is the one it applies.
        if (speed === 1.8) assert.equal(reference.length, theirBudget, `${label}: sherpa-onnx stopped at its budget`);
      }
    } finally {
      await encoder.release();
    }
  });
});

/**
 * Whisper decodes token for token as sherpa-onnx-node does (issue 17, point 4): two seeds of the
 * synthetic Whisper (sherpa-onnx's export contract, random weights that emit long clip-specific
 * sequences) and a small model of Whisper's real architecture, every shared clip, language detected
 * and forced. Murmur loads the folder as a user
 * would (detection, loadModel, decodeWhole); sherpa-onnx-node's OfflineRecognizer decodes the same
 * files. Pieces are distinct in the synthetic tokens.txt, so sherpa's pieces map back to ids.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import type { LoadedModel } from '../../src/engine/recognizer';
import { isMurmurError } from '../../src/engine/errors';
import { writeSyntheticWhisper } from '../../bench/synthetic/whisper';
import { clips } from '../helpers/shared';
import { sherpaWhisperDecode, sherpaWhisperRecognizer, type WhisperModelFiles } from '../../bench/sherpa-whisper';
import { writeRealWhisper } from '../../bench/synthetic/whisper-real';

/** id of each piece, from the model's own tokens.txt (base64 piece, id). */
function pieceIds(tokensFile: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of fs.readFileSync(tokensFile, 'utf8').split('\n')) {
    const [b64, id] = line.trim().split(/\s+/);
    if (id !== undefined) map.set(Buffer.from(b64, 'base64').toString('utf8'), Number(id));
  }
  return map;
}

const audio = clips().map((c) => ({ name: c.name, samples: toMono16k(readWav(c.path)) }));

/**
 * The models: the synthetic Whisper at two seeds, and a small float32 model of Whisper's
 * architecture (whisper-real.ts: attention over the self caches written at `offset`, cross
 * attention over the encoder's K/V), whose tokens depend on every cache the loop feeds back.
 */
const MODELS: { label: string; write: (dir: string) => WhisperModelFiles; languages: string }[] = [
  { label: 'synthetic, seed 7', write: (dir) => writeSyntheticWhisper(dir, { seed: 7 }), languages: 'en, de, fr' },
  { label: 'synthetic, seed 23', write: (dir) => writeSyntheticWhisper(dir, { seed: 23 }), languages: 'en, de, fr' },
  {
    label: 'transformer with self-attention caches, small, float32',
    write: (dir) => writeRealWhisper(dir, 5, { state: 64, heads: 2, ffn: 256, encoderLayers: 2, decoderLayers: 2, int8: false }),
    languages: 'en, zh, de',
  },
];

for (const { label, write, languages } of MODELS) {
  describe(`Whisper token-exact with sherpa-onnx-node (${label})`, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-whisper-exact-'));
    const model = write(dir);
    const ids = pieceIds(model.tokens);
    let murmur: LoadedModel;
    before(async () => {
      murmur = await loadModel({ dir }, { threads: 1, noCache: true });
    });
    after(async () => {
      await murmur.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const language of ['auto', 'de']) {
      test(`every shared clip, language ${language}: same tokens, text and language`, async () => {
        const reference = sherpaWhisperRecognizer(model, { language });
        const detected = new Set<string>();
        for (const clip of audio) {
          const want = sherpaWhisperDecode(reference, clip.samples);
          const got = await murmur.decodeWhole(clip.samples, { language });
          const wantIds = want.tokens.map((p) => ids.get(p) ?? -1);
          assert.ok(wantIds.length >= 10, `${clip.name}: the reference decoded only ${wantIds.length} tokens`);
          assert.deepEqual(got.tokens, wantIds, `${clip.name}: token ids`);
          assert.equal(got.text, want.text.trim(), `${clip.name}: text`);
          assert.equal(got.language, want.lang, `${clip.name}: language`);
          detected.add(want.lang);
        }
        if (language !== 'auto') assert.deepEqual([...detected], [language]);
        else console.log(`${label}: languages detected: ${[...detected].join(', ')}`);
      });
    }

    test('an unknown language is refused with the languages the model has', async () => {
      await assert.rejects(
        () => murmur.decodeWhole(audio[0].samples, { language: 'xx' }),
        (e: unknown) => isMurmurError(e) && /"xx"/.test(e.message) && e.message.includes(languages),
      );
      assert.throws(() => murmur.createRecognizer({ language: 'xx' }), (e: unknown) => isMurmurError(e) && e.message.includes(languages));
    });

    test('the VAD-segmented recognizer (dictation) gives finals with text on a clip', async () => {
      const rec = murmur.createRecognizer({ language: 'auto', partials: true });
      const clip = audio[0];
      const events = [];
      for (let i = 0; i < clip.samples.length; i += 1600) events.push(...(await rec.accept(clip.samples.subarray(i, i + 1600))));
      events.push(...(await rec.finish()));
      const finals = events.filter((e) => e.type === 'final');
      assert.ok(finals.length >= 1, 'at least one final');
      assert.ok(finals.every((f) => f.text.trim().length > 0), 'finals carry text');
    });
  });
}

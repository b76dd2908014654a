/**
 * The streaming Zipformer transducer on the real shared model and real speech:
 * greedy output equals sherpa-onnx's reference text exactly; modified beam search equals
 * sherpa-onnx-node's own modified beam search; chunking does not change the final text.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadModel } from '../../src/engine/models/load';
import type { LoadedModel, RecognizerEvent, RecognizerOptions } from '../../src/engine/recognizer';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { clips, referenceOutputs, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { wordErrorRate } from '../helpers/wer';
import { tempCacheDir } from '../helpers/temp';
import { sherpaDecodeWhole, sherpaRecognizer } from '../../bench/sherpa';

function audio(file: string): Float32Array {
  return toMono16k(readWav(file));
}

async function transcribe(model: LoadedModel, samples: Float32Array, options: Partial<RecognizerOptions>, chunk = samples.length): Promise<RecognizerEvent[]> {
  const rec = model.createRecognizer(options);
  const events: RecognizerEvent[] = [];
  for (let i = 0; i < samples.length; i += chunk) events.push(...(await rec.accept(samples.subarray(i, i + chunk))));
  events.push(...(await rec.finish()));
  return events;
}

const finals = (events: RecognizerEvent[]) => events.filter((e) => e.type === 'final').map((e) => e.text);

/** Exact decoding, as sherpa-onnx does it: one utterance, no gain change. */
const exact: Partial<RecognizerOptions> = { endpointing: false, normalizeGain: false, partials: false };

describe('zipformer transducer', () => {
  let model: LoadedModel;
  const cache = tempCacheDir();
  before(async () => {
    model = await loadModel({ dir: sharedPath(ZIPFORMER_DIR) }, { threads: 1, cacheDir: cache.dir });
    assert.equal(model.family, 'zipformer');
  });
  after(async () => {
    await model?.dispose();
    cache.remove();
  });

  test('greedy search equals the sherpa-onnx reference text for every clip', async () => {
    const refs = referenceOutputs(path.join(ZIPFORMER_DIR, 'reference-output.sherpa-onnx-node-1.13.8.txt'));
    let errors = 0;
    let words = 0;
    for (const clip of clips()) {
      const want = refs.get(clip.name);
      assert.ok(want !== undefined, `no reference output for ${clip.name}`);
      const got = finals(await transcribe(model, audio(clip.path), exact)).join(' ');
      assert.equal(got, want, clip.name);
      const w = wordErrorRate(clip.transcript, got);
      errors += w.errors;
      words += w.words;
      console.log(`  ${clip.name}: WER ${(100 * w.wer).toFixed(1)}%  ${got}`);
    }
    console.log(`  zipformer greedy WER over ../shared/audio: ${((100 * errors) / words).toFixed(2)}% (${errors}/${words})`);
  });

  test('modified beam search equals sherpa-onnx-node modified_beam_search', async () => {
    // sherpa-onnx-node is the reference implementation (a devDependency, used only in tests and the bench).
    const rec = sherpaRecognizer(sharedPath(ZIPFORMER_DIR), 1, { decodingMethod: 'modified_beam_search' });
    for (const clip of clips()) {
      const samples = audio(clip.path);
      const want = sherpaDecodeWhole(rec, samples).text;
      const got = finals(await transcribe(model, samples, { ...exact, decoding: 'modified-beam-search', beamSize: 4 })).join(' ');
      assert.equal(got, want, clip.name);
    }
  });

  test('chunks of 1, 160, 1234 and 16000 samples give the same finals (with endpointing)', async () => {
    // Two utterances separated by silence, so endpointing splits them.
    const a = audio(sharedPath('audio/pocketsphinx-testdata/goforward.wav'));
    const b = audio(sharedPath('audio/pocketsphinx-testdata/sense_and_sensibility_01_austen_64kb-0930.wav'));
    const joined = new Float32Array(a.length + 24000 + b.length);
    joined.set(a, 0);
    joined.set(b, a.length + 24000);
    const results: string[][] = [];
    for (const chunk of [16000, 1234, 160, 1]) {
      const events = await transcribe(model, joined, { partials: true }, chunk);
      results.push(finals(events));
      assert.ok(events.some((e) => e.type === 'partial'), `partials with chunk ${chunk}`);
    }
    assert.equal(results[0].length, 2, `two utterances expected, got ${JSON.stringify(results[0])}`);
    assert.match(results[0][0], /GO FORWARD TEN METERS/);
    assert.match(results[0][1], /HE MIGHT EVEN HAVE BEEN MADE/);
    for (const r of results.slice(1)) assert.deepEqual(r, results[0]);
  });

  test('partials grow while speech goes on and the final ends the utterance', async () => {
    const events = await transcribe(model, audio(sharedPath('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')), { partials: true }, 1600);
    const partials = events.filter((e) => e.type === 'partial').map((e) => e.text);
    assert.ok(partials.length >= 5, `expected several partials, got ${partials.length}`);
    assert.ok(partials[0].length < partials[partials.length - 1].length);
    const last = events[events.length - 1];
    assert.equal(last.type, 'final');
    assert.match(last.text, /^AFTER EARLY NIGHTFALL/);
  });
});

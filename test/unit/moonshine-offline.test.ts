/**
 * Offline Moonshine decoding against the reference output of moonshine-js's loop on
 * onnxruntime-node 1.30: every shared clip must give exactly the reference text.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { clips, MOONSHINE_DIR, referenceOutputs, sharedPath } from '../helpers/shared';
import { wordErrorRate } from '../helpers/wer';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadMoonshineTranscriber, type LoadedMoonshine } from '../../src/engine/models/moonshine/load-transcriber';
import { END_TOKEN, START_TOKEN } from '../../src/engine/models/moonshine/greedy-decode';
import { loadMoonshineTokenizer } from '../../src/engine/models/moonshine/tokenizer';

function readClip(file: string): Float32Array {
  return toMono16k(readWav(file));
}

const REFERENCE = `${MOONSHINE_DIR}/reference-output.onnxruntime-node-1.30.txt`;

function moonshineFiles() {
  const dir = sharedPath(MOONSHINE_DIR);
  return { family: 'moonshine' as const, encoder: path.join(dir, 'encoder_model.onnx'), decoder: path.join(dir, 'decoder_model_merged.onnx') };
}

describe('moonshine offline transcription', () => {
  let loaded: LoadedMoonshine;
  before(async () => {
    loaded = await loadMoonshineTranscriber(moonshineFiles(), { threads: 2, noCache: true });
  });
  after(async () => {
    await Promise.all([loaded.encoder.session.release(), loaded.decoder.session.release()]);
  });

  test('a draft is verified, not trusted: own tokens, a stale prefix and garbage all decode to (nearly) the exact text', async () => {
    for (const clip of clips().slice(0, 4)) {
      const samples = readClip(clip.path);
      const exact = await loaded.transcriber.transcribe(samples);
      // What a partial has: the decode of the first two thirds of the same audio.
      const stale = await loaded.transcriber.transcribe(samples.subarray(0, Math.round((samples.length * 2) / 3)));
      const garbage = [START_TOKEN, ...Array.from({ length: 12 }, (_, i) => 1000 + 37 * i)];
      for (const [label, draft] of [['own tokens', exact.tokens], ['stale prefix', stale.tokens], ['garbage', garbage]] as const) {
        const drafted = await loaded.transcriber.transcribe(samples, draft);
        assert.equal(drafted.tokens[0], START_TOKEN);
        assert.ok(drafted.tokens.indexOf(END_TOKEN) === -1 || drafted.tokens.indexOf(END_TOKEN) === drafted.tokens.length - 1, 'nothing after the end token');
        // The one-pass verification quantises activations over the whole draft (see
        // greedy-decode.ts), so a near-tie may go the other way; anything more is a bug.
        const { errors, words } = wordErrorRate(exact.text, drafted.text);
        assert.ok(errors <= Math.max(1, Math.floor(words / 10)), `${clip.name} with ${label}: "${drafted.text}" vs exact "${exact.text}"`);
      }
    }
  });

  test('reads the tiny layout from the decoder inputs', () => {
    assert.deepEqual(loaded.layout, { layers: 6, kvHeads: 8, headDim: 36, hiddenDim: 288 });
  });

  test('every shared clip decodes to exactly the reference text', async () => {
    const refs = referenceOutputs(REFERENCE);
    const all = clips();
    assert.equal(all.length, refs.size, 'every clip has a reference line');
    let errors = 0;
    let words = 0;
    for (const clip of all) {
      const expected = refs.get(clip.name);
      assert.ok(expected !== undefined, `no reference for ${clip.name}`);
      const samples = readClip(clip.path);
      // Warm-up run on the first clip so its timing is comparable to the others.
      if (clip === all[0]) await loaded.transcriber.transcribe(samples);
      const t0 = performance.now();
      const result = await loaded.transcriber.transcribe(samples);
      const ms = performance.now() - t0;
      const wer = wordErrorRate(clip.transcript, result.text);
      errors += wer.errors;
      words += wer.words;
      console.log(
        `${clip.name}: ${(samples.length / 16000).toFixed(2)} s audio, ${ms.toFixed(0)} ms (encoder ${result.encoderMs.toFixed(0)}, ` +
          `decoder ${result.decoderMs.toFixed(0)} for ${result.tokens.length - 1} steps), WER ${(100 * wer.wer).toFixed(1)}% | ${result.text}`,
      );
      assert.equal(result.text, expected, clip.name);
      assert.equal(result.tokens[0], START_TOKEN);
    }
    console.log(`moonshine offline WER over ${words} words: ${((100 * errors) / words).toFixed(1)}%`);
  });

  test('stops at the end token and never emits it as text', async () => {
    const samples = readClip(clips().find((c) => c.name === 'goforward.wav')?.path ?? '');
    const result = await loaded.transcriber.transcribe(samples);
    assert.equal(result.tokens.at(-1), END_TOKEN);
    assert.equal(result.tokens.indexOf(END_TOKEN), result.tokens.length - 1);
    assert.ok(result.tokens.length - 1 < Math.trunc((samples.length / 16000) * 6), 'finished within the token budget');
    assert.ok(!result.text.includes('</s>'));
  });

  test('input too short for one token gives empty text without running the model', async () => {
    const result = await loaded.transcriber.transcribe(new Float32Array(2000));
    assert.deepEqual(result, { text: '', tokens: [], encoderMs: 0, decoderMs: 0 });
  });

  test('the same samples give the same text from a subarray view (no byteOffset mix-ups)', async () => {
    const samples = readClip(clips().find((c) => c.name === 'goforward.wav')?.path ?? '');
    const padded = new Float32Array(samples.length + 1000);
    padded.set(samples, 1000);
    const fromView = await loaded.transcriber.transcribe(padded.subarray(1000));
    const direct = await loaded.transcriber.transcribe(samples);
    assert.equal(fromView.text, direct.text);
  });

  test('tokenizer drops the start token and ignores ids past the vocabulary', async () => {
    const tokenizer = await loadMoonshineTokenizer();
    const hello = tokenizer.decode([START_TOKEN, 15043, 3186]);
    assert.equal(hello, 'Hello world');
    assert.equal(tokenizer.decode([START_TOKEN, 15043, 32500, 3186]), hello);
  });
});

/**
 * Silero VAD v5 through onnxruntime on real speech: plausible probabilities, the same whatever the
 * chunking, a clean reset, and clear errors for a missing or wrong model.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { bundledVadPath } from '../../src/engine/paths';
import { SileroVad, createSileroVad, loadSileroVadModel, type SileroVadModel } from '../../src/engine/vad/silero';
import { sharedPath } from '../helpers/shared';

const CLIP_0 = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav';
const GO_CLIP = 'audio/pocketsphinx-testdata/goforward.wav';

function speech(rel: string): Float32Array {
  const wav = readWav(sharedPath(rel));
  assert.equal(wav.sampleRate, 16000);
  return wav.samples;
}

async function chunked(vad: SileroVad, x: Float32Array, size: number): Promise<Float32Array> {
  vad.reset();
  const out: number[] = [];
  for (let i = 0; i < x.length; i += size) out.push(...(await vad.process(x.subarray(i, i + size))));
  return Float32Array.from(out);
}

function assertIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: window ${i} differs: ${a[i]} vs ${b[i]}`);
}

describe('Silero VAD', () => {
  let model: SileroVadModel;
  before(async () => {
    assert.ok(fs.existsSync(bundledVadPath()), `missing the bundled VAD ${bundledVadPath()}: run npm run models`);
    model = await loadSileroVadModel();
  });
  after(async () => {
    await model?.dispose();
  });

  test('0.wav: one probability per 512 samples, mostly speech, silent edges', async () => {
    const x = speech(CLIP_0);
    const vad = model.createVad();
    const t0 = performance.now();
    const p = await vad.process(x);
    const ms = performance.now() - t0;
    assert.equal(vad.windowSamples, 512);
    assert.equal(p.length, Math.floor(x.length / 512));
    assert.ok(p.every((v) => v >= 0 && v <= 1), 'probabilities in [0, 1]');
    const fraction = p.filter((v) => v >= 0.5).length / p.length;
    console.log(`# Silero: ${(ms / (x.length / 16000)).toFixed(2)} ms per second of audio, speech fraction ${fraction.toFixed(3)} on 0.wav`);
    // 0.wav is continuous read speech with ~0.2 s of silence at each end.
    assert.ok(fraction > 0.7 && fraction < 0.97, `speech fraction ${fraction}`);
    assert.ok(Math.max(...p.subarray(0, 5)) < 0.2, 'the first 160 ms are silence');
    assert.ok(Math.max(...p.subarray(p.length - 5)) < 0.2, 'the last 160 ms are silence');
    assert.ok(Math.min(...p.subarray(20, 150)) > 0.2, 'the middle is speech');
  });

  test('digital silence and low noise are not speech', async () => {
    const vad = model.createVad();
    const silence = await vad.process(new Float32Array(3 * 16000));
    assert.ok(Math.max(...silence) < 0.05, `silence max ${Math.max(...silence)}`);
    const hiss = new Float32Array(3 * 16000).map((_, i) => 0.001 * Math.sin(i * 12.9898) * Math.sin(i * 78.233));
    const noise = await vad.process(hiss);
    assert.ok(Math.max(...noise) < 0.2, `noise max ${Math.max(...noise)}`);
  });

  test('chunk sizes 1, 160, 1234, 16000 give bit-identical probabilities', async () => {
    const x = speech('audio/pocketsphinx-testdata/goforward.wav');
    const vad = model.createVad();
    const reference = await chunked(vad, x, x.length);
    assert.equal(reference.length, Math.floor(x.length / 512));
    for (const size of [1, 160, 1234, 16000]) assertIdentical(await chunked(vad, x, size), reference, `chunks of ${size}`);
  });

  test('the context and state matter (not just per-window scoring)', async () => {
    // Feeding each window to a fresh detector must differ from the stream: the state is fed back.
    const x = speech(CLIP_0).subarray(16000, 32000);
    const vad = model.createVad();
    const stream = await vad.process(x);
    const isolated: number[] = [];
    for (let i = 0; i + 512 <= x.length; i += 512) {
      vad.reset();
      isolated.push((await vad.process(x.subarray(i, i + 512)))[0]);
    }
    const diff = stream.reduce((m, v, i) => Math.max(m, Math.abs(v - isolated[i])), 0);
    assert.ok(diff > 0.05, `streamed and isolated windows agree to ${diff}`);
  });

  test('reset gives the same probabilities as a fresh detector; detectors are independent', async () => {
    const x = speech(CLIP_0).subarray(0, 3 * 16000);
    const a = model.createVad();
    const b = model.createVad();
    const fresh = await a.process(x);
    await b.process(speech('audio/pocketsphinx-testdata/goforward.wav').subarray(0, 12345));
    b.reset();
    assertIdentical(await b.process(x), fresh, 'after reset');
    a.reset();
    // Two detectors interleaved on one session do not disturb each other.
    const [pa, pb] = await Promise.all([a.process(x), model.createVad().process(x)]);
    assertIdentical(pa, fresh, 'interleaved a');
    assertIdentical(pb, fresh, 'interleaved b');
  });

  test('reset() while a call is in flight: that call stops, the next starts clean', async () => {
    const x = speech(CLIP_0).subarray(0, 2 * 16000);
    const vad = model.createVad();
    const fresh = await vad.process(x);
    vad.reset();
    const abandoned = vad.process(speech(GO_CLIP));
    await new Promise((resolve) => setImmediate(resolve)); // let it get into onnxruntime
    vad.reset();
    const next = vad.process(x);
    assert.ok((await abandoned).length < Math.floor(speech(GO_CLIP).length / 512), 'the abandoned call stopped early');
    assertIdentical(await next, fresh, 'after a reset in flight');
  });

  test('overlapping process() calls are queued in order', async () => {
    const x = speech(CLIP_0).subarray(0, 2 * 16000);
    const vad = model.createVad();
    const whole = await vad.process(x);
    vad.reset();
    const parts = await Promise.all([vad.process(x.subarray(0, 7000)), vad.process(x.subarray(7000, 20000)), vad.process(x.subarray(20000))]);
    assertIdentical(Float32Array.from(parts.flatMap((p) => Array.from(p))), whole, 'queued');
  });

  test('createSileroVad loads its own session with the default bundled model', async () => {
    const vad = await createSileroVad();
    const p = await vad.process(speech(CLIP_0).subarray(0, 16000));
    assert.equal(p.length, 31);
    await vad.dispose();
    await assert.rejects(vad.process(new Float32Array(512)), 'the session is released');
  });

  test('the shared copy of the model gives the same probabilities as the bundled one', async () => {
    const shared = await createSileroVad(sharedPath('models/silero-vad-v5/silero_vad.onnx'));
    const x = speech(CLIP_0).subarray(0, 2 * 16000);
    assertIdentical(await shared.process(x), await model.createVad().process(x), 'shared vs bundled');
    await shared.dispose();
  });

  test('a missing model file: MODEL_FILE_MISSING with the path', async () => {
    const p = path.join(os.tmpdir(), 'murmur-no-vad.onnx');
    await assert.rejects(createSileroVad(p), (e: unknown) => e instanceof MurmurError && e.code === 'MODEL_FILE_MISSING' && e.message.includes(p));
  });

  test('a file that is not ONNX: MODEL_LOAD_FAILED', async () => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-vad-')), 'bad.onnx');
    fs.writeFileSync(p, 'this is not a model');
    await assert.rejects(createSileroVad(p, { noCache: true }), (e: unknown) => e instanceof MurmurError && e.code === 'MODEL_LOAD_FAILED' && e.message.includes(p));
  });

  test('another ONNX model: MODEL_WRONG_FAMILY naming the inputs', async () => {
    const other = sharedPath('models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01/decoder.onnx');
    await assert.rejects(createSileroVad(other), (e: unknown) => e instanceof MurmurError && e.code === 'MODEL_WRONG_FAMILY' && /expected inputs \[input, state, sr\]/.test(e.message));
  });
});

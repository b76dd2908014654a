/**
 * NeMo log-mel features (src/engine/features/nemo-mel.ts). sherpa-onnx-node does not expose its
 * feature frames, so the match with sherpa-onnx is proven end to end by the Parakeet token-exact test
 * (test/unit/token-exact-parakeet.test.ts); here: the properties that distinguish NeMo's features
 * from Kaldi's (Slaney-normalised banks from 0 Hz), chunking invariance for streaming use, the frame
 * count, and the per-feature normalisation.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeNemoMel,
  createNemoMel,
  MelMatrix,
  nemoOfflineMelOptions,
  nemoStreamingMelOptions,
  normalizePerFeature,
  parseNemoNormalizeType,
  stackFrames,
} from '../../src/engine/features/nemo-mel';
import { mulberry32 } from '../helpers/random';

function noise(n: number, seed: number, amplitude = 0.1): Float32Array {
  const rand = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * amplitude;
  return out;
}

function tone(n: number, hz: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = 0.3 * Math.sin((2 * Math.PI * hz * i) / 16000);
  return out;
}

function column(m: MelMatrix, d: number): number[] {
  const out: number[] = [];
  for (let t = 0; t < m.numFrames; t++) out.push(m.data[t * m.featDim + d]);
  return out;
}

function meanOverFrames(m: MelMatrix): number[] {
  const out: number[] = [];
  for (let d = 0; d < m.featDim; d++) out.push(column(m, d).reduce((a, b) => a + b, 0) / m.numFrames);
  return out;
}

/** Slaney mel scale (librosa htk=False), written out independently of the module. */
function slaneyCentreHz(bin: number, numBins: number, highHz: number): number {
  const toMel = (hz: number) => (hz < 1000 ? hz / (200 / 3) : 15 + Math.log(hz / 1000) / (Math.log(6.4) / 27));
  const toHz = (mel: number) => (mel < 15 ? mel * (200 / 3) : 1000 * Math.exp((mel - 15) * (Math.log(6.4) / 27)));
  return toHz(((bin + 1) * toMel(highHz)) / (numBins + 1));
}

describe('NeMo mel features', () => {
  for (const featDim of [80, 128]) {
    test(`${featDim} bins: one frame per 10 ms (snip_edges=false), every value finite`, () => {
      for (const n of [400, 16000, 16080, 16081, 23999]) {
        const m = computeNemoMel(noise(n, n), nemoOfflineMelOptions(featDim));
        assert.equal(m.featDim, featDim);
        assert.equal(m.numFrames, Math.floor((n + 80) / 160), `n=${n}`);
        assert.ok(m.data.every(Number.isFinite));
      }
    });

    test(`${featDim} bins: a pure tone peaks in the bin whose Slaney centre is nearest to it`, () => {
      for (const hz of [300, 1000, 2500, 5000]) {
        const m = computeNemoMel(tone(16000, hz), nemoOfflineMelOptions(featDim));
        const mean = meanOverFrames(m);
        const peak = mean.indexOf(Math.max(...mean));
        let nearest = 0;
        for (let b = 0; b < featDim; b++) {
          if (Math.abs(slaneyCentreHz(b, featDim, 7600) - hz) < Math.abs(slaneyCentreHz(nearest, featDim, 7600) - hz)) nearest = b;
        }
        assert.ok(Math.abs(peak - nearest) <= 1, `${hz} Hz: peak bin ${peak}, expected about ${nearest}`);
      }
    });
  }

  test('Slaney area normalisation: white noise gives a flat log-mel (Kaldi banks would rise with frequency)', () => {
    const m = computeNemoMel(noise(16000 * 4, 3), nemoOfflineMelOptions(80));
    const mean = meanOverFrames(m);
    // Pre-emphasis (0.97) tilts the white spectrum by |1 - 0.97 e^-jw|^2; take that out at each bin's
    // centre, and what is left is flat only if every triangle has unit area (Slaney normalisation).
    // Kaldi's unnormalised triangles widen tenfold from bin 10 to bin 79, which would show as ~2 nats.
    const flattened: number[] = [];
    for (let b = 10; b < 80; b++) {
      const w = (2 * Math.PI * slaneyCentreHz(b, 80, 7600)) / 16000;
      flattened.push(mean[b] - Math.log(1 + 0.97 * 0.97 - 2 * 0.97 * Math.cos(w)));
    }
    const spread = Math.max(...flattened) - Math.min(...flattened);
    assert.ok(spread < 0.5, `bins 10..79 span ${spread.toFixed(2)} nats after removing the pre-emphasis tilt`);
  });

  test('streaming in random chunks gives exactly the frames of the whole signal (both option sets)', () => {
    const rand = mulberry32(5);
    const samples = noise(16000 * 2 + 37, 9);
    for (const options of [nemoOfflineMelOptions(128), nemoStreamingMelOptions(128)]) {
      const whole = computeNemoMel(samples, options);
      const fbank = createNemoMel(options);
      const frames: Float32Array[] = [];
      for (let i = 0; i < samples.length; ) {
        const n = 1 + Math.floor(rand() * 900);
        fbank.accept(samples.subarray(i, i + n));
        frames.push(...fbank.takeFrames());
        i += n;
      }
      fbank.finish();
      frames.push(...fbank.takeFrames());
      const chunked = stackFrames(frames, 128);
      assert.equal(chunked.numFrames, whole.numFrames);
      assert.deepEqual(chunked.data, whole.data);
    }
  });

  test('the streaming set (Hann window, up to 8 kHz) differs from the offline set', () => {
    const samples = noise(8000, 4);
    const a = computeNemoMel(samples, nemoOfflineMelOptions(80));
    const b = computeNemoMel(samples, nemoStreamingMelOptions(80));
    assert.notDeepEqual(a.data, b.data);
  });

  test('per-feature normalisation: each bin has mean 0 and deviation about 1; a constant bin becomes 0', () => {
    const m = computeNemoMel(noise(16000, 8), nemoOfflineMelOptions(80));
    for (let t = 0; t < m.numFrames; t++) m.data[t * 80 + 7] = -3.25;
    normalizePerFeature(m);
    for (let d = 0; d < 80; d++) {
      const col = column(m, d);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) * (b - mean), 0) / col.length);
      assert.ok(Math.abs(mean) < 1e-4, `bin ${d}: mean ${mean}`);
      if (d === 7) assert.ok(col.every((x) => x === 0), 'constant bin');
      else assert.ok(Math.abs(sd - 1) < 1e-3, `bin ${d}: deviation ${sd}`);
    }
  });

  test('normalize_type metadata: per_feature, none, or a clear error', () => {
    assert.equal(parseNemoNormalizeType('per_feature'), 'per_feature');
    assert.equal(parseNemoNormalizeType(''), '');
    assert.equal(parseNemoNormalizeType('NA'), '');
    assert.equal(parseNemoNormalizeType(undefined), '');
    assert.throws(() => parseNemoNormalizeType('all_features'), /all_features.*not supported/);
  });

  test('feature dimensions outside what NeMo exports are refused', () => {
    assert.throws(() => nemoOfflineMelOptions(100000), /feature dimension/);
    assert.throws(() => nemoOfflineMelOptions(2.5), /feature dimension/);
  });
});

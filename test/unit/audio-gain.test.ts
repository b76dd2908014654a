/**
 * Gain normalisation on real speech: quiet clips are brought up to speech level, silence and steady
 * noise are not, nothing clips, and the output does not depend on chunking.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GainNormalizer, defaultGainOptions } from '../../src/engine/audio/gain';
import { readWav } from '../../src/engine/audio/wav';
import { sharedPath } from '../helpers/shared';
import { assertIdentical, concat } from '../helpers/samples';

const LIBRI = 'audio/librispeech-test-clean-sherpa-kws-test_wavs';
const POCKET = 'audio/pocketsphinx-testdata';

function clip(rel: string): Float32Array {
  return readWav(sharedPath(rel)).samples;
}

function peak(x: Float32Array, from = 0, to = x.length): number {
  let p = 0;
  for (let i = from; i < to; i++) p = Math.max(p, Math.abs(x[i]));
  return p;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
}

/** Scaled so its peak is 2790/32768 (= 0.085), a real quiet recording's level. */
function quiet(x: Float32Array): Float32Array {
  const k = 2790 / 32768 / peak(x);
  return x.map((v) => v * k);
}

/** Deterministic white noise with the given RMS (a linear congruential generator, uniform). */
function noise(n: number, level: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * level * Math.sqrt(12);
  }
  return out;
}

const dbfs = (v: number) => 20 * Math.log10(v);

describe('gain normalisation on real speech', () => {
  for (const rel of [`${LIBRI}/0.wav`, `${LIBRI}/1.wav`, `${POCKET}/sense_and_sensibility_01_austen_64kb-0870.wav`, `${POCKET}/sense_and_sensibility_01_austen_64kb-0920.wav`]) {
    const name = rel.split('/').pop();
    test(`${name} at peak 2790/32768 is brought to 0.5-0.9 peak`, () => {
      const input = quiet(clip(rel));
      const out = new GainNormalizer().process(input);
      const p = peak(out);
      console.log(`# ${name}: peak ${peak(input).toFixed(3)} -> ${p.toFixed(3)}, RMS ${dbfs(rms(input)).toFixed(1)} -> ${dbfs(rms(out)).toFixed(1)} dBFS`);
      assert.ok(p >= 0.5 && p <= 0.9, `output peak ${p}`);
      // Not just one lucky peak: the louder half of the clip sits at speech level throughout.
      assert.ok(peak(out, out.length >> 1) >= 0.4, `second-half peak ${peak(out, out.length >> 1)}`);
    });
  }

  test('the waveform survives: ×0.085 clip out correlates with the original', () => {
    // Gain is a scalar (mostly): the waveform shape must survive. Correlate with the original.
    const original = clip(`${LIBRI}/0.wav`);
    const out = new GainNormalizer().process(original.map((v) => v * 0.085));
    // Over the second half: the first ~0.4 s is still rising by design.
    const from = out.length >> 1;
    let dot = 0;
    for (let i = from; i < out.length; i++) dot += out[i] * original[i];
    const correlation = dot / ((out.length - from) * rms(out, from) * rms(original, from));
    assert.ok(correlation > 0.98, `correlation ${correlation}`);
    assert.ok(peak(out) >= 0.5, `peak ${peak(out)}`);
  });

  test('short clips: the first ~0.4 s is still rising, the rest is at level', () => {
    const input = quiet(clip(`${POCKET}/goforward.wav`));
    const out = new GainNormalizer().process(input);
    assert.ok(peak(out) >= 0.4, `peak ${peak(out)}`);
    assert.ok(peak(out) > 4 * peak(input), 'gain applied');
  });

  test('already-loud speech gets little or no gain', () => {
    const input = clip(`${LIBRI}/0.wav`).map((v) => v * (0.95 / 0.535)); // peak 0.95
    const g = new GainNormalizer();
    let most = 0;
    const parts: Float32Array[] = [];
    for (let i = 0; i < input.length; i += 160) {
      parts.push(g.process(input.subarray(i, i + 160)));
      most = Math.max(most, g.gainDb);
    }
    // A soft onset is briefly taken for the speaker's level; the first loud syllable corrects it.
    assert.ok(most < 6, `gain reached ${most.toFixed(1)} dB`);
    const out = concat(parts);
    const changeDb = dbfs(rms(out, 16000) / rms(input, 16000));
    assert.ok(Math.abs(changeDb) < 2, `level changed by ${changeDb.toFixed(2)} dB after the first second`);
  });
});

describe('silence stays silent', () => {
  test('digital silence stays exactly zero', () => {
    const out = new GainNormalizer().process(new Float32Array(48000));
    assert.ok(out.every((v) => v === 0));
  });

  test('low background noise on its own is passed through unchanged', () => {
    const input = noise(5 * 16000, 3e-4); // -70 dBFS RMS
    assertIdentical(new GainNormalizer().process(input), input, 'noise');
  });

  test('loud steady noise with no speech is not lifted to speech level', () => {
    const input = noise(10 * 16000, 0.01); // -40 dBFS RMS fan
    const g = new GainNormalizer();
    const out = g.process(input);
    const levelDb = dbfs(rms(out, 5 * 16000));
    assert.ok(levelDb <= defaultGainOptions.noiseCeilingDbfs + 1, `noise lifted to ${levelDb.toFixed(1)} dBFS (gain ${g.gainDb.toFixed(1)} dB)`);
  });

  test('the gain does not rise in a pause after speech (no pumping)', () => {
    const speech = quiet(clip(`${LIBRI}/0.wav`));
    const pause = noise(4 * 16000, 2e-5, 7); // -94 dBFS: the clip's own noise floor after scaling
    const input = concat([speech, pause, speech]);
    const g = new GainNormalizer();
    const head = g.process(input.subarray(0, speech.length));
    const gainAtPause = g.gainDb;
    const mid = g.process(input.subarray(speech.length, speech.length + pause.length));
    assert.equal(g.gainDb, gainAtPause, 'gain frozen through the pause');
    // Sample by sample, the pause is scaled by the same factor (not more) all the way through.
    const ratio = (i: number) => mid[i] / pause[i];
    const first = ratio(1000);
    const last = ratio(pause.length - 1);
    assert.ok(Math.abs(first - last) < 1e-3 * first, `pause gain went from ${first} to ${last}`);
    assert.ok(peak(mid) < 0.01, `pause peak ${peak(mid)}`);
    assert.ok(peak(head) >= 0.5);
  });
});

describe('limits', () => {
  test('never exceeds the ceiling, even for over-range float input', () => {
    const square = new Float32Array(32000).map((_, i) => ((i >> 5) & 1 ? 4 : -4));
    const quietThenLoud = concat([quiet(clip(`${LIBRI}/0.wav`)), square]);
    const out = new GainNormalizer().process(quietThenLoud);
    assert.ok(peak(out) < defaultGainOptions.ceiling, `peak ${peak(out)}`);
  });

  test('gain is bounded by maxGainDb', () => {
    const tiny = clip(`${LIBRI}/0.wav`).map((v) => v * 0.01); // peak -45 dBFS: needs > 30 dB
    const g = new GainNormalizer();
    const out = g.process(tiny);
    assert.ok(g.gainDb <= defaultGainOptions.maxGainDb + 1e-9, `gain ${g.gainDb}`);
    assert.ok(peak(out) <= peak(tiny) * 10 ** (defaultGainOptions.maxGainDb / 20) * 1.0001);
  });
});

describe('gain streaming', () => {
  test('chunk sizes 1, 160, 1234, 16000 give identical output', () => {
    const input = concat([quiet(clip(`${LIBRI}/0.wav`)), noise(16000, 1e-4), quiet(clip(`${POCKET}/goforward.wav`))]);
    const reference = new GainNormalizer().process(input);
    const g = new GainNormalizer();
    for (const size of [1, 160, 1234, 16000]) {
      g.reset();
      const parts: Float32Array[] = [];
      for (let i = 0; i < input.length; i += size) parts.push(g.process(input.subarray(i, i + size)));
      assertIdentical(concat(parts), reference, `chunks of ${size}`);
    }
  });
});

/**
 * The resampler keeps speech-band tones exact (frequency, amplitude, phase), removes what would alias,
 * is bit-identical however the input is chunked, and is far faster than real time.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { StreamingDownmixer, StreamingResampler, downmix, resample } from '../../src/engine/audio/resample';
import { readWav } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { sharedPath } from '../helpers/shared';
import { concat } from '../helpers/samples';

const CHUNKS = [1, 160, 1234, 16000];

function sine(freq: number, rate: number, n: number, amplitude: number): Float32Array {
  const s = new Float32Array(n);
  for (let i = 0; i < n; i++) s[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return s;
}

function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / (to - from));
}

function chunked(r: StreamingResampler, input: Float32Array, size: number): Float32Array {
  const parts: Float32Array[] = [];
  for (let i = 0; i < input.length; i += size) parts.push(r.process(input.subarray(i, i + size)));
  parts.push(r.flush());
  return concat(parts);
}

/** Bit-for-bit equality with a useful message at the first difference. */
function assertIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: sample ${i} differs: ${a[i]} vs ${b[i]}`);
  }
}

/** Real speech at 16 kHz, moved to `rate` (by the resampler itself; exactness is tested separately). */
function speechAt(rate: number): Float32Array {
  const clip = readWav(sharedPath('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')).samples;
  return resample(clip.subarray(0, 3 * 16000), 16000, rate);
}

describe('resampler accuracy', () => {
  for (const rate of [48000, 44100, 22050, 8000, 11025, 44056]) {
    test(`1 kHz sine at ${rate} Hz keeps frequency, amplitude and timing`, () => {
      const amplitude = 0.5;
      const out = resample(sine(1000, rate, rate * 2, amplitude), rate);
      assert.equal(out.length, 32000, 'two seconds out');
      // Compare with the ideal 16 kHz sine, away from the edges where the stream starts/ends.
      const ideal = sine(1000, 16000, 32000, amplitude);
      let dot = 0;
      let worst = 0;
      for (let n = 1000; n < 31000; n++) {
        dot += out[n] * ideal[n];
        worst = Math.max(worst, Math.abs(out[n] - ideal[n]));
      }
      const correlation = dot / (30000 * rms(out, 1000, 31000) * rms(ideal, 1000, 31000));
      const gainDb = 20 * Math.log10(rms(out, 1000, 31000) / rms(ideal, 1000, 31000));
      assert.ok(correlation > 0.99999, `${rate}: correlation ${correlation}`);
      assert.ok(Math.abs(gainDb) < 0.01, `${rate}: gain ${gainDb} dB`);
      assert.ok(worst < 1e-3, `${rate}: worst sample error ${worst} (also catches images and aliases)`);
    });
  }

  for (const freq of [7900, 12000, 20000]) {
    test(`${freq} Hz at 48 kHz is removed (>= 40 dB) rather than aliased`, () => {
      const input = sine(freq, 48000, 96000, 0.5);
      const out = resample(input, 48000);
      const attenuationDb = 20 * Math.log10(rms(input) / rms(out, 1000, 31000));
      assert.ok(attenuationDb >= 40, `${freq} Hz attenuated only ${attenuationDb.toFixed(1)} dB`);
    });
  }

  test('12 kHz at 44.1 kHz is removed too', () => {
    const input = sine(12000, 44100, 88200, 0.5);
    const attenuationDb = 20 * Math.log10(rms(input) / rms(resample(input, 44100), 1000, 31000));
    assert.ok(attenuationDb >= 40, `attenuated only ${attenuationDb.toFixed(1)} dB`);
  });

  test('output length is ceil(n * 16000 / rate)', () => {
    for (const [rate, n] of [[48000, 48001], [44100, 44100], [8000, 7], [22050, 1], [48000, 2]] as const) {
      assert.equal(resample(new Float32Array(n), rate).length, Math.ceil((n * 16000) / rate), `${rate} x ${n}`);
    }
  });

  test('16 kHz in is a copy', () => {
    const x = speechAt(16000);
    const y = resample(x, 16000);
    assertIdentical(y, x, '16k identity');
    assert.notEqual(y, x);
  });

  test('bad rates are refused with a MurmurError', () => {
    assert.throws(() => new StreamingResampler(0), (e: unknown) => e instanceof MurmurError && e.code === 'AUDIO_UNSUPPORTED' && /0 Hz/.test(e.message));
    assert.throws(() => new StreamingResampler(44100.5), (e: unknown) => e instanceof MurmurError && /44100.5 Hz/.test(e.message));
  });
});

describe('resampler streaming', () => {
  for (const rate of [48000, 44100, 8000]) {
    test(`chunk sizes ${CHUNKS.join(', ')} give identical output (${rate} Hz speech)`, () => {
      const input = speechAt(rate);
      const r = new StreamingResampler(rate);
      const reference = chunked(r, input, input.length);
      assert.equal(reference.length, Math.ceil((input.length * 16000) / rate));
      for (const size of CHUNKS) assertIdentical(chunked(r, input, size), reference, `chunks of ${size}`);
      // Irregular chunks too (as a microphone delivers them).
      const parts: Float32Array[] = [];
      let i = 0;
      for (let k = 0; i < input.length; k++) {
        const size = 1 + ((k * 7919) % 3001);
        parts.push(r.process(input.subarray(i, i + size)));
        i += size;
      }
      parts.push(r.flush());
      const joined = new Float32Array(reference.length);
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
      assert.equal(o, reference.length);
      assertIdentical(joined, reference, 'irregular chunks');
    });
  }

  test('output lags the input by at most the filter half-length', () => {
    const r = new StreamingResampler(48000);
    const out = r.process(new Float32Array(48000));
    assert.ok(out.length >= 16000 - Math.ceil(r.latencyInputSamples / 3) - 1, `only ${out.length} of 16000 out before flush`);
    assert.equal(out.length + r.flush().length, 16000);
  });

  test('flush resets: a second stream gives the same output', () => {
    const input = speechAt(44100);
    const r = new StreamingResampler(44100);
    const first = chunked(r, input, 1234);
    assertIdentical(chunked(r, input, 1234), first, 'after flush');
    r.process(input.subarray(0, 5000));
    r.reset();
    assertIdentical(chunked(r, input, 1234), first, 'after reset');
  });

  test('60 s of 48 kHz audio resamples in well under a second', () => {
    const input = sine(440, 48000, 48000 * 60, 0.3);
    const r = new StreamingResampler(48000);
    r.process(input.subarray(0, 48000)); // warm up the JIT
    r.reset();
    // Best of three, in CPU time as well as wall time: other work on a shared machine inflates the latter.
    let bestWall = Infinity;
    let bestCpu = Infinity;
    for (let run = 0; run < 3; run++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      for (let i = 0; i < input.length; i += 4800) n += r.process(input.subarray(i, i + 4800)).length;
      n += r.flush().length;
      bestWall = Math.min(bestWall, performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1000);
      assert.equal(n, 16000 * 60);
    }
    console.log(`# resample 60 s 48 kHz -> 16 kHz: ${bestWall.toFixed(0)} ms wall, ${bestCpu.toFixed(0)} ms CPU (${((60 * 1000) / bestWall).toFixed(0)}x real time)`);
    assert.ok(bestCpu < 800, `took ${bestCpu.toFixed(0)} ms of CPU`);
    assert.ok(bestWall < 1500, `took ${bestWall.toFixed(0)} ms (wall; is the machine busy?)`);
  });
});

describe('downmix', () => {
  test('mean of the channels', () => {
    assert.deepEqual(Array.from(downmix(Float32Array.of(1, 0, 0.5, 0.25, -1, -1), 2)), [0.5, 0.375, -1]);
    assert.ok(Math.abs(downmix(Float32Array.of(0.3, 0.6, 0.9), 3)[0] - 0.6) < 1e-7);
    assert.throws(() => downmix(new Float32Array(3), 2), /whole number of 2-channel frames/);
  });

  test('streaming downmix is chunk-size invariant, even when chunks split frames', () => {
    const interleaved = speechAt(48000).subarray(0, 3 * 20000);
    const expected = downmix(interleaved, 3);
    const d = new StreamingDownmixer(3);
    for (const size of [1, 2, 160, 1234, 16000]) {
      const parts: Float32Array[] = [];
      for (let i = 0; i < interleaved.length; i += size) parts.push(d.process(interleaved.subarray(i, i + size)));
      const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        joined.set(p, o);
        o += p.length;
      }
      assertIdentical(joined, expected, `downmix chunks of ${size}`);
    }
  });
});

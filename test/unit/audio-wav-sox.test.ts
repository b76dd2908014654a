/**
 * WAV files written by a real encoder (SoX), so the reader is not only checked against this
 * project's own byte builder: every encoding SoX writes that Murmur reads is decoded to the same
 * samples as the 16-bit source, and the ones it does not read are refused by name.
 * Needs the `sox` command (apt-get install sox); fails, never skips, without it.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { sharedPath } from '../helpers/shared';

let dir = '';
let source: Float32Array;
let sourcePath = '';

function sox(out: string, ...args: string[]): string {
  const file = path.join(dir, out);
  execFileSync('sox', ['-D', sourcePath, ...args, file], { stdio: 'pipe' });
  return file;
}

function maxError(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'length');
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('reading what SoX writes', () => {
  before(() => {
    try {
      execFileSync('sox', ['--version'], { stdio: 'pipe' });
    } catch {
      assert.fail('these tests need the `sox` command: apt-get install sox');
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-sox-'));
    sourcePath = sharedPath('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav');
    source = readWav(sourcePath).samples;
  });

  const exact: [string, string[], number, boolean][] = [
    ['24-bit (SoX writes WAVE_FORMAT_EXTENSIBLE)', ['-b', '24'], 0, true],
    ['32-bit integer', ['-b', '32'], 0, true],
    ['float32', ['-e', 'floating-point', '-b', '32'], 0, false],
    ['float64', ['-e', 'floating-point', '-b', '64'], 0, false],
    ['8-bit unsigned', ['-b', '8'], 1 / 256 + 1e-7, false],
  ];
  for (const [name, args, tolerance, extensible] of exact) {
    test(name, () => {
      const wav = readWav(sox(`${name.split(' ')[0]}.wav`, ...args));
      assert.equal(wav.sampleRate, 16000);
      assert.equal(wav.channels, 1);
      if (extensible) assert.equal(wav.extensible, true);
      const err = maxError(wav.samples, source);
      assert.ok(err <= tolerance, `max error ${err}`);
    });
  }

  /** SNR of a 16 kHz round trip against the source (both conversions are band-limited). */
  function roundTripSnrDb(back: Float32Array): number {
    // 16000 * n / 44100 is not whole: SoX rounds the frame count, so allow one sample either way.
    assert.ok(Math.abs(back.length - source.length) <= 1, `length ${back.length} vs ${source.length}`);
    let err = 0;
    let sig = 0;
    for (let i = 0; i < Math.min(back.length, source.length); i++) {
      err += (back[i] - source[i]) ** 2;
      sig += source[i] ** 2;
    }
    return 10 * Math.log10(sig / err);
  }

  for (const [name, args] of [
    ['48 kHz stereo 16-bit', ['-r', '48000', '-c', '2']],
    ['44.1 kHz stereo 24-bit', ['-r', '44100', '-c', '2', '-b', '24']],
    ['22.05 kHz mono float', ['-r', '22050', '-e', 'floating-point']],
  ] as const) {
    test(`${name} (SoX's resampler) comes back to the source through toMono16k`, () => {
      const wav = readWav(sox(`${name.replace(/\W/g, '')}.wav`, ...args));
      assert.equal(wav.sampleRate, Number(args[1]));
      const snrDb = roundTripSnrDb(toMono16k(wav));
      // The round trip differs only in the band between our passband edge (6.8 kHz) and 8 kHz.
      console.log(`# ${name}: round-trip SNR ${snrDb.toFixed(1)} dB`);
      assert.ok(snrDb > 30, `round-trip SNR ${snrDb.toFixed(1)} dB`);
    });
  }

  const refused: [string, string[], RegExp][] = [
    ['μ-law', ['-e', 'u-law'], /μ-law.*0x0007/],
    ['A-law', ['-e', 'a-law'], /A-law.*0x0006/],
    ['MS ADPCM', ['-e', 'ms-adpcm'], /Microsoft ADPCM.*0x0002/],
    ['IMA ADPCM', ['-e', 'ima-adpcm'], /IMA ADPCM.*0x0011/],
    ['GSM', ['-e', 'gsm-full-rate'], /GSM 6\.10.*0x0031/],
  ];
  for (const [name, args, message] of refused) {
    test(`${name} is refused by name`, () => {
      const file = sox(`${name.replace(/\W/g, '')}.wav`, ...args);
      assert.throws(
        () => readWav(file),
        (e: unknown) => e instanceof MurmurError && e.code === 'AUDIO_UNSUPPORTED' && message.test(e.message) && /ffmpeg/.test(e.message),
      );
    });
  }

  for (const [ext, message] of [['flac', /FLAC file/], ['aiff', /AIFF file/], ['au', /\.au file/]] as const) {
    test(`a .${ext} file renamed to .wav is recognised`, () => {
      const real = sox(`x.${ext}`);
      const renamed = path.join(dir, `${ext}-renamed.wav`);
      fs.copyFileSync(real, renamed);
      assert.throws(() => readWav(renamed), (e: unknown) => e instanceof MurmurError && e.code === 'AUDIO_UNSUPPORTED' && message.test(e.message));
    });
  }
});

/**
 * Whisper's features: the 400-point spectrum equals a direct DFT, and the encoder input follows
 * sherpa-onnx's rules (offline-recognizer-whisper-impl.h): frame count of a whole signal, the cut
 * at 2950 frames, 1000 zero frames of tail capped at 3000, log10 floored at the maximum minus 8.
 * (Token equality with sherpa-onnx-node, which exercises all of it, is token-exact-whisper.test.ts.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EvenSizePowerSpectrum } from '../../src/engine/models/whisper/even-dft';
import { whisperEncoderInput } from '../../src/engine/models/whisper/encoder-input';
import { WhisperMel } from '../../src/engine/models/whisper/mel';
import { mulberry32 } from '../helpers/random';

function directPower(x: Float64Array): Float64Array {
  const n = x.length;
  const out = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < n; t++) {
      re += x[t] * Math.cos((2 * Math.PI * k * t) / n);
      im -= x[t] * Math.sin((2 * Math.PI * k * t) / n);
    }
    out[k] = re * re + im * im;
  }
  return out;
}

describe('Whisper features', () => {
  test('the even-size power spectrum equals a direct DFT (400 = 16 x 25, and other splits)', () => {
    const random = mulberry32(9);
    for (const size of [400, 6, 25, 64, 30]) {
      const x = Float64Array.from({ length: size }, () => random() * 2 - 1);
      const got = new Float64Array(size / 2 + 1);
      new EvenSizePowerSpectrum(size).compute(x, got);
      const want = directPower(x);
      for (let k = 0; k < want.length; k++) assert.ok(Math.abs(got[k] - want[k]) <= 1e-9 * Math.max(1, want[k]), `size ${size} bin ${k}: ${got[k]} vs ${want[k]}`);
    }
  });

  test('frames: round(samples / 160); the encoder input adds 1000 zero frames, at most 3000 in all', () => {
    const mel = new WhisperMel(80);
    const random = mulberry32(4);
    for (const [samples, frames] of [
      [16000, 100],
      [16079, 100],
      [16080, 101],
      [40 * 16000, 2950],
    ]) {
      const input = whisperEncoderInput(mel, Float32Array.from({ length: samples }, () => random() - 0.5));
      assert.equal(input.speechFrames, frames, `${samples} samples`);
      assert.equal(input.totalFrames, Math.min(frames + 1000, 3000));
      assert.equal(input.mel.length, 80 * input.totalFrames);
      // The tail is zeros (after normalisation), in every mel row.
      for (let b = 0; b < 80; b += 13) for (let t = frames; t < input.totalFrames; t += 97) assert.equal(input.mel[b * input.totalFrames + t], 0);
    }
  });

  test('normalisation: (max(log10 e, max - 8) + 4) / 4, so no value lies more than 2 below the largest', () => {
    const samples = new Float32Array(32000);
    // A loud tone in the first half, digital silence after: the silence floors at max - 8.
    for (let i = 0; i < 16000; i++) samples[i] = 0.5 * Math.sin((2 * Math.PI * 440 * i) / 16000);
    const input = whisperEncoderInput(new WhisperMel(128), samples);
    const speech: number[] = [];
    for (let b = 0; b < 128; b++) for (let t = 0; t < input.speechFrames; t++) speech.push(input.mel[b * input.totalFrames + t]);
    const max = Math.max(...speech);
    const min = Math.min(...speech);
    assert.ok(Math.abs(max - min - 2) < 1e-5, `range ${max - min}`);
  });
});

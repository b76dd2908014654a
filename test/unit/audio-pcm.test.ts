/**
 * s16le bytes to float: exact values, and the same samples however the byte stream is split (a
 * chunk may end halfway through a sample).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Pcm16Decoder, s16leToFloat32 } from '../../src/engine/audio/pcm';
import { readWav } from '../../src/engine/audio/wav';
import { sharedPath } from '../helpers/shared';
import { concat } from '../helpers/samples';

describe('s16le decoding', () => {
  test('exact values at zero and the extremes', () => {
    const bytes = Uint8Array.of(0x00, 0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x80, 0x34, 0x12);
    assert.deepEqual(Array.from(s16leToFloat32(bytes)), [0, 1 / 32768, -1 / 32768, 32767 / 32768, -1, 0x1234 / 32768]);
  });

  test('an odd trailing byte is ignored by the one-shot decoder', () => {
    assert.equal(s16leToFloat32(Uint8Array.of(0, 0x40, 7)).length, 1);
  });

  test('matches the WAV reader on a real clip', () => {
    const file = sharedPath('audio/pocketsphinx-testdata/goforward.wav');
    const raw = fs.readFileSync(file).subarray(44);
    assert.deepEqual(s16leToFloat32(raw), readWav(file).samples);
  });
});

describe('Pcm16Decoder streaming', () => {
  const raw = new Uint8Array(fs.readFileSync(sharedPath('audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav')).subarray(44));
  const expected = s16leToFloat32(raw);

  // Byte chunk sizes: the odd ones split samples. 2 * [1, 160, 1234, 16000] samples too.
  for (const size of [1, 3, 2, 320, 321, 1233, 2468, 32000, 32001]) {
    test(`chunks of ${size} bytes`, () => {
      const d = new Pcm16Decoder();
      const parts: Float32Array[] = [];
      for (let i = 0; i < raw.length; i += size) parts.push(d.decode(raw.subarray(i, i + size)));
      assert.deepEqual(concat(parts), expected);
      assert.equal(d.pendingBytes, raw.length & 1);
    });
  }

  test('irregular chunks, including empty ones', () => {
    const d = new Pcm16Decoder();
    const parts: Float32Array[] = [];
    for (let i = 0, k = 0; i < raw.length; k++) {
      const size = (k * 7919) % 1501; // 0 sometimes
      parts.push(d.decode(raw.subarray(i, i + size)));
      i += size;
    }
    assert.deepEqual(concat(parts), expected);
  });

  test('a carried byte survives an empty chunk; reset drops it', () => {
    const d = new Pcm16Decoder();
    assert.equal(d.decode(Uint8Array.of(0x00)).length, 0);
    assert.equal(d.pendingBytes, 1);
    assert.equal(d.decode(new Uint8Array(0)).length, 0);
    assert.deepEqual(Array.from(d.decode(Uint8Array.of(0x80))), [-1]);
    d.decode(Uint8Array.of(0x12));
    d.reset();
    assert.equal(d.pendingBytes, 0);
    assert.deepEqual(Array.from(d.decode(Uint8Array.of(0x00, 0x40))), [0.5]);
  });
});

/**
 * WAV reading: every real clip in ../shared/audio, and synthesised variants written byte by byte
 * here (8/24/32-bit, float, 48 kHz stereo, extensible, extra chunks, odd padding, streaming sizes,
 * truncation) plus the files it must refuse, with the message the user will see.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseWav, readWav, toMono16k } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { sharedPath } from '../helpers/shared';

// ---- byte builders -------------------------------------------------------------------------

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, true);
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function ascii(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** A chunk with its pad byte; `declared` overrides the size field (lies, streaming sizes). */
function chunk(id: string, body: Uint8Array, declared = body.length): Uint8Array {
  return concat([ascii(id), u32(declared), body, body.length & 1 ? new Uint8Array(1) : new Uint8Array(0)]);
}

interface Fmt {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  /** Write WAVE_FORMAT_EXTENSIBLE with this sub-format tag. */
  subTag?: number;
  validBits?: number;
}

function fmtChunk(f: Fmt): Uint8Array {
  const ext = f.subTag !== undefined;
  const body = new Uint8Array(ext ? 40 : 16);
  const v = new DataView(body.buffer);
  v.setUint16(0, ext ? 0xfffe : f.tag, true);
  v.setUint16(2, f.channels, true);
  v.setUint32(4, f.rate, true);
  v.setUint32(8, (f.rate * f.channels * f.bits) / 8, true);
  v.setUint16(12, (f.channels * f.bits) / 8, true);
  v.setUint16(14, f.bits, true);
  if (ext) {
    v.setUint16(16, 22, true);
    v.setUint16(18, f.validBits ?? f.bits, true);
    v.setUint32(20, f.channels === 2 ? 3 : 4, true);
    // KSDATAFORMAT_SUBTYPE_xxx: {0000xxxx-0000-0010-8000-00aa00389b71}
    v.setUint16(24, f.subTag ?? 1, true);
    body.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 26);
  }
  return chunk('fmt ', body);
}

function riff(chunks: Uint8Array[], declared?: number): Uint8Array {
  const body = concat([ascii('WAVE'), ...chunks]);
  return concat([ascii('RIFF'), u32(declared ?? body.length), body]);
}

/** Encodes float samples in [-1, 1] the way each format stores them. */
function encode(samples: Float32Array, f: Fmt): Uint8Array {
  const bytes = new Uint8Array((samples.length * f.bits) / 8);
  const v = new DataView(bytes.buffer);
  const float = (f.subTag ?? f.tag) === 3;
  samples.forEach((x, i) => {
    if (float && f.bits === 32) v.setFloat32(4 * i, x, true);
    else if (float) v.setFloat64(8 * i, x, true);
    else if (f.bits === 8) v.setUint8(i, Math.max(0, Math.min(255, Math.round(x * 128) + 128)));
    else if (f.bits === 16) v.setInt16(2 * i, Math.max(-32768, Math.min(32767, Math.round(x * 32768))), true);
    else if (f.bits === 24) {
      const s = Math.max(-8388608, Math.min(8388607, Math.round(x * 8388608)));
      v.setUint8(3 * i, s & 0xff);
      v.setUint8(3 * i + 1, (s >> 8) & 0xff);
      v.setInt8(3 * i + 2, s >> 16);
    } else v.setInt32(4 * i, Math.max(-2147483648, Math.min(2147483647, Math.round(x * 2147483648))), true);
  });
  return bytes;
}

/** A test signal that exercises both signs and full scale: a 440 Hz sine at 0.9 plus extremes. */
function signal(frames: number, channels: number): Float32Array {
  const s = new Float32Array(frames * channels);
  for (let f = 0; f < frames; f++) for (let c = 0; c < channels; c++) s[f * channels + c] = 0.9 * Math.sin((2 * Math.PI * 440 * f) / 8000 + c);
  s[0] = -1;
  return s;
}

function assertClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= tolerance, `${what}: max error ${worst} > ${tolerance}`);
}

function rejects(bytes: Uint8Array, code: string, message: RegExp): void {
  assert.throws(
    () => parseWav(bytes),
    (e: unknown) => {
      assert.ok(e instanceof MurmurError, `expected a MurmurError, got ${String(e)}`);
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    },
  );
}

// ---- the real corpus -------------------------------------------------------------------------

describe('readWav on ../shared/audio', () => {
  test('every clip is 16 kHz mono 16-bit with the README duration', () => {
    const readme = fs.readFileSync(sharedPath('audio/README.txt'), 'utf8');
    const durations = new Map<string, number>();
    for (const m of readme.matchAll(/(\S+\.wav)\s+([\d.]+) s\b/g)) durations.set(m[1], Number(m[2]));
    assert.equal(durations.size, 8, `expected 8 durations in the README, found ${[...durations.keys()].join(', ')}`);
    const dirs = ['librispeech-test-clean-sherpa-kws-test_wavs', 'pocketsphinx-testdata'];
    let seen = 0;
    for (const dir of dirs) {
      for (const name of fs.readdirSync(sharedPath('audio', dir)).filter((f) => f.endsWith('.wav'))) {
        const wav = readWav(sharedPath('audio', dir, name));
        assert.equal(wav.sampleRate, 16000, name);
        assert.equal(wav.channels, 1, name);
        assert.equal(wav.bitsPerSample, 16, name);
        assert.equal(wav.format, 'pcm', name);
        assert.equal(wav.truncated, false, name);
        assert.equal(wav.samples.length, wav.frames, name);
        const expected = durations.get(name);
        assert.ok(expected !== undefined, `${name} has no duration in the README`);
        assert.ok(Math.abs(wav.durationSec - expected) <= 0.01, `${name}: ${wav.durationSec} s vs README ${expected} s`);
        // Real speech: not silent, within range.
        let peak = 0;
        for (const x of wav.samples) peak = Math.max(peak, Math.abs(x));
        assert.ok(peak > 0.1 && peak <= 1, `${name}: peak ${peak}`);
        seen++;
      }
    }
    assert.equal(seen, 8);
  });

  test('samples match the raw s16 data exactly', () => {
    const file = sharedPath('audio/pocketsphinx-testdata/goforward.wav');
    const bytes = fs.readFileSync(file);
    const wav = readWav(file);
    // goforward.wav is a canonical 44-byte-header file (README: header added to the raw s16le).
    const raw = new Int16Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
    assert.equal(wav.samples.length, raw.length);
    for (let i = 0; i < raw.length; i++) assert.equal(wav.samples[i], raw[i] / 32768);
  });

  test('missing file: AUDIO_NOT_FOUND naming the path', () => {
    const p = path.join(os.tmpdir(), 'murmur-no-such-file.wav');
    assert.throws(() => readWav(p), (e: unknown) => e instanceof MurmurError && e.code === 'AUDIO_NOT_FOUND' && e.message.includes(p));
  });

  test('errors from a file name the file', () => {
    const p = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-wav-')), 'song.wav');
    fs.writeFileSync(p, concat([ascii('ID3'), new Uint8Array(64)]));
    assert.throws(() => readWav(p), (e: unknown) => e instanceof MurmurError && e.code === 'AUDIO_UNSUPPORTED' && e.message.includes(p) && /MP3/.test(e.message));
  });
});

// ---- synthesised variants ------------------------------------------------------------------------

describe('parseWav encodings', () => {
  const cases: { name: string; fmt: Fmt; tolerance: number }[] = [
    { name: '8-bit unsigned', fmt: { tag: 1, channels: 1, rate: 8000, bits: 8 }, tolerance: 1 / 128 },
    { name: '16-bit', fmt: { tag: 1, channels: 1, rate: 16000, bits: 16 }, tolerance: 1 / 32768 },
    { name: '24-bit', fmt: { tag: 1, channels: 1, rate: 44100, bits: 24 }, tolerance: 1 / 8388608 },
    { name: '32-bit int', fmt: { tag: 1, channels: 1, rate: 16000, bits: 32 }, tolerance: 1e-7 },
    { name: 'float32', fmt: { tag: 3, channels: 1, rate: 16000, bits: 32 }, tolerance: 0 },
    { name: 'float64', fmt: { tag: 3, channels: 1, rate: 22050, bits: 64 }, tolerance: 1e-7 },
    { name: '48 kHz stereo 16-bit', fmt: { tag: 1, channels: 2, rate: 48000, bits: 16 }, tolerance: 1 / 32768 },
    { name: 'extensible 24-bit stereo', fmt: { tag: 1, subTag: 1, channels: 2, rate: 48000, bits: 24 }, tolerance: 1 / 8388608 },
    { name: 'extensible 24-in-32 (left-justified)', fmt: { tag: 1, subTag: 1, validBits: 24, channels: 1, rate: 96000, bits: 32 }, tolerance: 1e-7 },
    { name: 'extensible float32 4-channel', fmt: { tag: 3, subTag: 3, channels: 4, rate: 32000, bits: 32 }, tolerance: 0 },
  ];
  for (const { name, fmt, tolerance } of cases) {
    test(name, () => {
      const frames = 1001;
      const s = signal(frames, fmt.channels);
      const wav = parseWav(riff([fmtChunk(fmt), chunk('data', encode(s, fmt))]));
      assert.equal(wav.sampleRate, fmt.rate);
      assert.equal(wav.channels, fmt.channels);
      assert.equal(wav.bitsPerSample, fmt.bits);
      assert.equal(wav.format, (fmt.subTag ?? fmt.tag) === 3 ? 'float' : 'pcm');
      assert.equal(wav.extensible, fmt.subTag !== undefined);
      assert.equal(wav.frames, frames);
      assert.equal(wav.truncated, false);
      assert.ok(Math.abs(wav.durationSec - frames / fmt.rate) < 1e-12);
      assertClose(wav.samples, s, tolerance, name);
    });
  }

  test('8-bit silence is 128, not 0', () => {
    const wav = parseWav(riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 8 }), chunk('data', new Uint8Array([128, 0, 255]))]));
    assert.deepEqual(Array.from(wav.samples), [0, -1, 127 / 128]);
  });

  test('24-bit sign extension at the extremes', () => {
    const wav = parseWav(riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 24 }), chunk('data', new Uint8Array([0, 0, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]))]));
    assert.deepEqual(Array.from(wav.samples), [-1, 8388607 / 8388608, -1 / 8388608]);
  });
});

describe('parseWav chunk walking and damaged headers', () => {
  const fmt16: Fmt = { tag: 1, channels: 1, rate: 16000, bits: 16 };
  const s = signal(500, 1);
  const data = encode(s, fmt16);

  test('LIST and fact chunks before data are skipped', () => {
    const list = chunk('LIST', concat([ascii('INFOISFT'), u32(14), ascii('Lavf58.76.100\0')]));
    const wav = parseWav(riff([fmtChunk(fmt16), list, chunk('fact', u32(500)), chunk('data', data)]));
    assertClose(wav.samples, s, 1 / 32768, 'after LIST');
  });

  test('an odd-sized chunk is followed by its pad byte', () => {
    const odd = chunk('junk', new Uint8Array([1, 2, 3]));
    assert.equal(odd.length, 8 + 4, 'builder pads');
    const wav = parseWav(riff([odd, fmtChunk(fmt16), chunk('data', data)]));
    assertClose(wav.samples, s, 1 / 32768, 'after odd chunk');
  });

  test('an odd-sized 8-bit data chunk before a trailing LIST', () => {
    const f8: Fmt = { tag: 1, channels: 1, rate: 8000, bits: 8 };
    const wav = parseWav(riff([fmtChunk(f8), chunk('data', new Uint8Array([128, 255, 0])), chunk('LIST', ascii('INFO'))]));
    assert.equal(wav.frames, 3);
  });

  test('data before fmt', () => {
    const wav = parseWav(riff([chunk('data', data), fmtChunk(fmt16)]));
    assertClose(wav.samples, s, 1 / 32768, 'data first');
  });

  test('streaming writer: data size 0xFFFFFFFF means the rest of the file', () => {
    const wav = parseWav(riff([fmtChunk(fmt16), chunk('data', data, 0xffffffff)], 0xffffffff));
    assert.equal(wav.truncated, false);
    assertClose(wav.samples, s, 1 / 32768, '0xFFFFFFFF');
  });

  test('streaming writer: data size 0 with audio after it', () => {
    const wav = parseWav(riff([fmtChunk(fmt16), chunk('data', data, 0)], 0));
    assert.equal(wav.truncated, false);
    assertClose(wav.samples, s, 1 / 32768, 'size 0');
  });

  test('data size past the end of the file: what is there, truncated', () => {
    // Written by hand: the chunk builder would add a pad byte and complete the last sample.
    const wav = parseWav(riff([fmtChunk(fmt16), concat([ascii('data'), u32(1000), data.subarray(0, 601)])]));
    assert.equal(wav.truncated, true);
    assert.equal(wav.frames, 300, 'whole frames only');
    assertClose(wav.samples, s.subarray(0, 300), 1 / 32768, 'truncated');
  });

  test('RF64 (ds64 carries the real data size)', () => {
    const ds64 = new Uint8Array(28);
    const v = new DataView(ds64.buffer);
    v.setUint32(8, data.length, true); // data size, low 32 bits (high bits 0)
    const body = concat([ascii('WAVE'), chunk('ds64', ds64), fmtChunk(fmt16), chunk('data', data, 0xffffffff), chunk('LIST', ascii('INFO'))]);
    const wav = parseWav(concat([ascii('RF64'), u32(0xffffffff), body]));
    assert.equal(wav.frames, 500, 'the LIST after the data is not read as audio');
    assertClose(wav.samples, s, 1 / 32768, 'RF64');
  });

  test('absurd data size (2 GiB claimed by a 1 kB file): truncated, not an allocation', () => {
    const wav = parseWav(riff([fmtChunk(fmt16), chunk('data', data, 0x7ffffff0)]));
    assert.equal(wav.truncated, true);
    assert.equal(wav.frames, 500);
  });

  test('absurd RIFF size is ignored', () => {
    const wav = parseWav(riff([fmtChunk(fmt16), chunk('data', data)], 0x7fffffff));
    assert.equal(wav.frames, 500);
  });

  test('absurd chunk size before the data: corrupt header', () => {
    rejects(riff([fmtChunk(fmt16), chunk('LIST', ascii('INFO'), 0x7fffffff), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /'LIST' chunk .* claims 2147483647 bytes .* truncated or the header is corrupt/);
  });

  test('absurd sample rate and channel count', () => {
    rejects(riff([fmtChunk({ ...fmt16, rate: 0 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /sample rate is 0 Hz/);
    rejects(riff([fmtChunk({ ...fmt16, rate: 0x7fffffff }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /sample rate is 2147483647 Hz/);
    rejects(riff([fmtChunk({ ...fmt16, channels: 2000 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /2000 channels/);
  });

  test('zero channels', () => {
    rejects(riff([fmtChunk({ ...fmt16, channels: 0 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /0 channels/);
  });

  test('no data chunk', () => {
    rejects(riff([fmtChunk(fmt16), chunk('LIST', ascii('INFO'))]), 'AUDIO_UNSUPPORTED', /no data chunk/);
  });

  test('zero-length data', () => {
    rejects(riff([fmtChunk(fmt16), chunk('data', new Uint8Array(0))]), 'AUDIO_UNSUPPORTED', /contains no audio/);
    rejects(riff([fmtChunk(fmt16), chunk('data', new Uint8Array(0)), chunk('LIST', ascii('INFO'))]), 'AUDIO_UNSUPPORTED', /contains no audio/);
    rejects(riff([fmtChunk(fmt16), chunk('data', new Uint8Array(1))]), 'AUDIO_UNSUPPORTED', /less than one 2-byte frame/);
  });

  test('no fmt chunk', () => {
    rejects(riff([chunk('data', data)]), 'AUDIO_UNSUPPORTED', /no 'fmt ' chunk/);
  });

  test('fmt chunk too short', () => {
    rejects(riff([chunk('fmt ', new Uint8Array(10)), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /'fmt ' chunk is 10 bytes/);
  });
});

describe('parseWav refuses what it cannot read, saying what it is', () => {
  const data = new Uint8Array(100);
  const encodings: [number, RegExp][] = [
    [7, /μ-law.*format tag 0x0007/],
    [6, /A-law.*format tag 0x0006/],
    [2, /Microsoft ADPCM.*format tag 0x0002/],
    [0x11, /IMA ADPCM.*format tag 0x0011/],
    [0x55, /MP3.*format tag 0x0055/],
    [0x1234, /unsupported encoding \(format tag 0x1234\)/],
  ];
  for (const [tag, message] of encodings) {
    test(`format tag 0x${tag.toString(16)}`, () => {
      rejects(riff([fmtChunk({ tag, channels: 1, rate: 8000, bits: tag === 2 || tag === 0x11 ? 4 : 8 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', message);
    });
  }

  test('extensible μ-law names the sub-format', () => {
    rejects(riff([fmtChunk({ tag: 1, subTag: 7, channels: 1, rate: 8000, bits: 8 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /μ-law.*WAVE_FORMAT_EXTENSIBLE sub-format 0x0007/);
  });

  test('unsupported bit depths', () => {
    rejects(riff([fmtChunk({ tag: 1, channels: 1, rate: 8000, bits: 12 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /12-bit PCM WAV is not supported/);
    rejects(riff([fmtChunk({ tag: 3, channels: 1, rate: 8000, bits: 16 }), chunk('data', data)]), 'AUDIO_UNSUPPORTED', /16-bit IEEE float WAV is not supported/);
  });

  const signatures: [string, Uint8Array, RegExp][] = [
    ['MP3 with ID3 tag', concat([ascii('ID3'), new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0])]), /MP3 file.*ffmpeg -i input -ar 16000 -ac 1 output\.wav/],
    ['bare MP3 frame', new Uint8Array([0xff, 0xfb, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0]), /MP3 file/],
    ['FLAC', concat([ascii('fLaC'), new Uint8Array(12)]), /FLAC file.*sox/],
    ['Ogg', concat([ascii('OggS'), new Uint8Array(12)]), /Ogg file/],
    ['AIFF', concat([ascii('FORM'), u32(4), ascii('AIFF')]), /AIFF file/],
    ['M4A', concat([u32(0x20000000), ascii('ftypM4A '), new Uint8Array(8)]), /MP4\/M4A/],
    ['WebM', new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 0, 0, 0, 0, 0, 0, 0, 0]), /WebM/],
    ['AAC (ADTS)', new Uint8Array([0xff, 0xf1, 0x50, 0x80, 0, 0, 0, 0, 0, 0, 0, 0]), /AAC \(ADTS\)/],
    ['AVI', concat([ascii('RIFF'), u32(4), ascii('AVI ')]), /RIFF file of type 'AVI '/],
    ['text', ascii('hello, world, this is text'), /starts with bytes 68 65 6c 6c 6f/],
    ['empty', new Uint8Array(0), /empty/],
    ['RIFF too short', ascii('RIFF'), /too short/],
  ];
  for (const [name, bytes, message] of signatures) {
    test(name, () => rejects(bytes, 'AUDIO_UNSUPPORTED', message));
  }
});

describe('toMono16k', () => {
  test('48 kHz stereo becomes 16 kHz mono of the channel mean', () => {
    const frames = 48000;
    const fmt: Fmt = { tag: 3, channels: 2, rate: 48000, bits: 32 };
    // Left 0.4 * 500 Hz sine, right 0.2 * the same: the mean is 0.3 * the sine.
    const s = new Float32Array(frames * 2);
    for (let f = 0; f < frames; f++) {
      const v = Math.sin((2 * Math.PI * 500 * f) / 48000);
      s[2 * f] = 0.4 * v;
      s[2 * f + 1] = 0.2 * v;
    }
    const mono = toMono16k(parseWav(riff([fmtChunk(fmt), chunk('data', encode(s, fmt))])));
    assert.equal(mono.length, 16000);
    let worst = 0;
    for (let n = 200; n < 15800; n++) worst = Math.max(worst, Math.abs(mono[n] - 0.3 * Math.sin((2 * Math.PI * 500 * n) / 16000)));
    assert.ok(worst < 1e-3, `max error ${worst}`);
  });

  test('16 kHz mono passes through unchanged', () => {
    const wav = readWav(sharedPath('audio/pocketsphinx-testdata/goforward.wav'));
    assert.deepEqual(toMono16k(wav), wav.samples);
  });
});

/**
 * The bad input zoo: every kind of wrong input a user (or a confused host) can hand Murmur, each
 * through the real entry point: engine loadModel/resolveModel for model locations, readWav for audio
 * files, and a real sidecar process (dist/sidecar.js) over IPC for audio files and protocol
 * messages. Every case checks the specific error code and a message that names the problem and says
 * what to do, that nothing crashed (a sidecar still answers ping afterwards), and that nothing
 * half-written was left in the test's temp directory or the ORT cache directory (passed explicitly).
 * It ends with a seeded fuzz run of 500 random messages against one sidecar.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { resolveModel } from '../../src/engine/models/detect';
import { loadModel } from '../../src/engine/models/load';
import type { ModelLocation } from '../../src/engine/models/spec';
import { ERROR_CODES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, readableId, REQUEST_TYPES, type ErrorInfo } from '../../src/protocol';
import { MOONSHINE_DIR, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { mulberry32 as prng } from '../helpers/random';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
const LONG_CLIP = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav';
const SILERO = 'models/silero-vad-v5/silero_vad.onnx';
const ZIPFORMER_FILES = ['encoder.int8.fixed.onnx', 'decoder.onnx', 'joiner.int8.onnx', 'tokens.txt'];
const MOONSHINE_FILES = ['encoder_model.onnx', 'decoder_model_merged.onnx'];
/** Generous: the machine is shared and slow; nothing here asserts a duration. */
const LOAD_TIMEOUT = 10 * 60_000;
const REPLY_TIMEOUT = 120_000;

const isRoot = process.getuid?.() === 0;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-zoo-'));
const cache = tempCacheDir('murmur-zoo-cache-');
let n = 0;

// ---- deterministic bytes --------------------------------------------------------------------------


function randomBytes(length: number, seed: number): Buffer {
  const next = prng(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

// ---- model directories ------------------------------------------------------------------------------

/**
 * A model directory in the temp root: the named shared files as symlinks (unchanged, and no 30 MB
 * copies), then `edit` replaces or removes what the case is about.
 */
function modelDir(sharedDir: string, files: string[], edit: (dir: string) => void = () => undefined): string {
  const src = sharedPath(sharedDir);
  const dir = path.join(root, `model-${n++}`);
  fs.mkdirSync(dir);
  for (const f of files) fs.symlinkSync(path.join(src, f), path.join(dir, f));
  edit(dir);
  return dir;
}

/** Replaces a symlinked file in a model directory with real bytes. */
function put(dir: string, name: string, data: Buffer | string): void {
  fs.rmSync(path.join(dir, name), { force: true });
  fs.writeFileSync(path.join(dir, name), data);
}

function dirWith(files: Record<string, Buffer | string>): string {
  const dir = path.join(root, `files-${n++}`);
  fs.mkdirSync(dir);
  for (const [name, data] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), data);
  return dir;
}

function sharedTokens(): string {
  return fs.readFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'tokens.txt'), 'utf8');
}

// ---- nothing half-written ------------------------------------------------------------------------------

/** Names of files a crashed or interrupted writer leaves: temp files, partial downloads, locks, staging. */
const PARTIAL = /\.tmp(\.|$)|\.part(\.json)?$|partial|\.download$|\.lock$|staging|~$/i;

/** Every file (path -> size) under the temp root and the ORT cache directory. */
function snapshot(): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // gone, or a folder a (non-root) case made unreadable on purpose
    }
    for (const e of entries) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.isFile()) out.set(file, fs.statSync(file, { throwIfNoEntry: false })?.size ?? -1);
    }
  };
  walk(root);
  walk(cache.dir);
  return out;
}

function isCompleteOrt(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    return fs.readSync(fd, head, 0, 8, 0) === 8 && head.subarray(4, 8).toString('latin1') === 'ORTM';
  } finally {
    fs.closeSync(fd);
  }
}

/** Files that appeared since `before` and look half-written: a temp/partial name, empty, or an incomplete ORT file. */
function assertNothingHalfWritten(before: Map<string, number>, what: string): void {
  const bad: string[] = [];
  for (const [file, size] of snapshot()) {
    if (before.has(file)) continue;
    if (PARTIAL.test(path.basename(file))) bad.push(`${file} (temp/partial name)`);
    else if (size === 0) bad.push(`${file} (empty)`);
    else if (file.endsWith('.ort') && !isCompleteOrt(file)) bad.push(`${file} (not a complete ORT file)`);
  }
  assert.deepEqual(bad, [], `${what} left half-written files behind`);
}

// ---- engine entry points ------------------------------------------------------------------------------

function checkError(e: unknown, code: string, patterns: RegExp[], what: string): MurmurError {
  assert.ok(e instanceof MurmurError, `${what}: expected MurmurError ${code}, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  assert.equal(e.code, code, `${what}: ${e.message}`);
  for (const p of patterns) assert.match(e.message, p, what);
  return e;
}

/**
 * A model location that must fail: loadModel (the real entry point, with an explicit temp cacheDir)
 * and resolveModel give the same code, the message matches, and nothing half-written is left.
 */
async function expectModelError(location: ModelLocation, code: string, ...patterns: RegExp[]): Promise<MurmurError> {
  const before = snapshot();
  let caught: unknown;
  try {
    const model = await loadModel(location, { threads: 1, cacheDir: cache.dir });
    await model.dispose();
  } catch (e) {
    caught = e;
  }
  const error = checkError(caught, code, patterns, `loadModel(${JSON.stringify(location)})`);
  let resolved: unknown;
  try {
    resolveModel(location);
  } catch (e) {
    resolved = e;
  }
  checkError(resolved, code, [], `resolveModel(${JSON.stringify(location)})`);
  assertNothingHalfWritten(before, 'the failed load');
  return error;
}

function expectWavError(file: string, code: string, ...patterns: RegExp[]): MurmurError {
  const before = snapshot();
  let caught: unknown;
  try {
    readWav(file);
  } catch (e) {
    caught = e;
  }
  const error = checkError(caught, code, patterns, `readWav(${file})`);
  assertNothingHalfWritten(before, 'the failed read');
  return error;
}

// ---- WAV files --------------------------------------------------------------------------------------

function wavFile(name: string, bytes: Buffer | string): string {
  const file = path.join(root, `${n++}-${name}`);
  fs.writeFileSync(file, bytes);
  return file;
}

/** A canonical 44-byte 16 kHz mono 16-bit header whose data chunk says `dataBytes`. */
function wavHeader(dataBytes: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes, 4);
  h.write('WAVEfmt ', 8, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(16000, 24);
  h.writeUInt32LE(32000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(declared >>> 0, 4);
  return Buffer.concat([head, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

/** goforward.wav is a canonical 44-byte-header file (../shared/audio/README): fmt at 12, data at 36. */
function goforward(): { bytes: Buffer; fmt: Buffer; data: Buffer } {
  const bytes = fs.readFileSync(sharedPath(GOFORWARD));
  assert.equal(bytes.toString('latin1', 36, 40), 'data', 'goforward.wav has its data chunk at byte 36');
  return { bytes, fmt: bytes.subarray(12, 36), data: bytes.subarray(44) };
}

function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const head = Buffer.alloc(8);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

function sox(out: string, ...args: string[]): string {
  const file = path.join(root, `${n++}-${out}`);
  try {
    execFileSync('sox', ['-D', sharedPath(GOFORWARD), ...args, file], { stdio: 'pipe' });
  } catch (e) {
    assert.fail(`these tests need the \`sox\` command (apt-get install sox): ${(e as Error).message}`);
  }
  return file;
}

// ---- the engine zoo -----------------------------------------------------------------------------------

describe('bad input zoo: model locations (engine loadModel/resolveModel)', () => {
  before(() => {
    sharedPath(ZIPFORMER_DIR);
    sharedPath(MOONSHINE_DIR);
    sharedPath(SILERO);
  });

  test('an empty model file (0-byte encoder_model.onnx)', async () => {
    const dir = modelDir(MOONSHINE_DIR, MOONSHINE_FILES, (d) => put(d, 'encoder_model.onnx', ''));
    await expectModelError({ dir }, 'MODEL_NOT_ONNX', /encoder_model\.onnx is empty \(0 bytes\), not an ONNX model/, /Download or export it again/);
  });

  test('a truncated ONNX file (the first 1 MB of the real Moonshine decoder)', async () => {
    const real = fs.readFileSync(path.join(sharedPath(MOONSHINE_DIR), 'decoder_model_merged.onnx'));
    const dir = modelDir(MOONSHINE_DIR, MOONSHINE_FILES, (d) => put(d, 'decoder_model_merged.onnx', real.subarray(0, 1 << 20)));
    await expectModelError({ dir }, 'MODEL_TRUNCATED', /decoder_model_merged\.onnx is truncated: it ends in the middle of the model \(1048576 bytes\)/, /interrupted; fetch the file again/);
  });

  test('random bytes named .onnx', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'encoder.int8.fixed.onnx', randomBytes(64 * 1024, 0xbad)));
    await expectModelError({ dir }, 'MODEL_NOT_ONNX', /encoder\.int8\.fixed\.onnx is not an ONNX model \(unrecognised content\)/, /Murmur needs ONNX \(\.onnx\) files/);
  });

  test('wrong family: the Silero VAD directory given as the model', async () => {
    await expectModelError(
      { dir: path.dirname(sharedPath(SILERO)) },
      'MODEL_WRONG_FAMILY',
      /silero-vad-v5 holds a Silero VAD model \(silero_vad(_16k_op15)?\.onnx: voice activity detection\), not a speech recognition model/,
      /set murmur\.model\.path to a Moonshine or sherpa-onnx streaming Zipformer model directory/,
    );
  });

  test('wrong family: the Silero VAD as the Moonshine encoder', async () => {
    const dir = modelDir(MOONSHINE_DIR, ['decoder_model_merged.onnx'], (d) => fs.symlinkSync(sharedPath(SILERO), path.join(d, 'encoder_model.onnx')));
    await expectModelError({ dir }, 'MODEL_WRONG_FAMILY', /encoder_model\.onnx is not a Moonshine encoder .*expected input_values/, /Silero VAD/, /Use the encoder_model\.onnx that came with the Moonshine model/);
  });

  test('wrong family: the Silero VAD as the zipformer encoder', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES.slice(1), (d) => fs.symlinkSync(sharedPath(SILERO), path.join(d, 'encoder.onnx')));
    await expectModelError({ dir }, 'MODEL_WRONG_FAMILY', /encoder\.onnx is a Silero VAD model, not a speech recognition model/, /set murmur\.model\.path to a Moonshine or sherpa-onnx/);
  });

  test('wrong family: a Moonshine directory with the family forced to zipformer', async () => {
    await expectModelError({ dir: sharedPath(MOONSHINE_DIR), family: 'zipformer' }, 'MODEL_WRONG_FAMILY', /holds a Moonshine model, but murmur\.model\.family is "zipformer"/, /Set it to "auto" or "moonshine"/);
  });

  for (const ext of ['pb', 'pbmm', 'tflite'] as const) {
    test(`a DeepSpeech .${ext} model explains converting to ONNX`, async () => {
      // A .tflite flatbuffer carries "TFL3" at byte 4; .pb/.pbmm are protobuf graphs (content does not matter).
      const bytes = ext === 'tflite' ? Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), randomBytes(256, 3)]) : Buffer.concat([Buffer.from([0x0a, 0x0f, 0x0a, 0x07]), Buffer.from('input_node'), randomBytes(256, 4)]);
      const dir = dirWith({ [`output_graph.${ext}`]: bytes });
      const advice = [/is a TensorFlow model \(DeepSpeech \.\w+ export\)\. Murmur runs ONNX models/, /convert the graph with tf2onnx/, /--output model\.onnx/, /use the embedded Moonshine model .* or download a sherpa-onnx streaming Zipformer/];
      await expectModelError({ dir }, 'MODEL_DEEPSPEECH', new RegExp(`output_graph\\.${ext} is a TensorFlow model`), ...advice);
      // The file itself given as the model path says the same.
      await expectModelError({ dir: path.join(dir, `output_graph.${ext}`) }, 'MODEL_DEEPSPEECH', ...advice);
    });
  }

  test('a DeepSpeech .tflite renamed to .onnx is still recognised', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'joiner.int8.onnx', Buffer.concat([Buffer.from([0x1c, 0, 0, 0]), Buffer.from('TFL3'), randomBytes(256, 5)])));
    await expectModelError({ dir }, 'MODEL_DEEPSPEECH', /joiner\.int8\.onnx is a TensorFlow model/, /tf2onnx/);
  });

  test('tokens.txt with the wrong number of tokens', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'tokens.txt', sharedTokens().split('\n').slice(0, 400).join('\n')));
    await expectModelError({ dir }, 'MODEL_TOKENS_MISMATCH', /tokens\.txt has 400 tokens but .*decoder\.onnx was trained with vocab_size=500/, /Use the tokens\.txt that came with this model/);
  });

  test('tokens.txt with a malformed line (same count)', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'tokens.txt', sharedTokens().replace('\nQ 499', '\nQ499')));
    await expectModelError({ dir }, 'MODEL_TOKENS_MISMATCH', /tokens\.txt is not a sherpa-onnx tokens\.txt: line 500 is not "<piece> <id>" \(a token and its integer id\)/, /Use the tokens\.txt that came with this model/);
  });

  test('tokens.txt with an id beyond the vocabulary (same count)', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'tokens.txt', sharedTokens().replace('\nQ 499', '\nQ 4990')));
    await expectModelError({ dir }, 'MODEL_TOKENS_MISMATCH', /tokens\.txt has token id 4990 but .*vocab_size=500 \(ids 0 to 499\)/, /Use the tokens\.txt that came with this model/);
  });

  test('tokens.txt with a repeated id (same count)', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES, (d) => put(d, 'tokens.txt', sharedTokens().replace('\nQ 499', '\nQ 498')));
    await expectModelError({ dir }, 'MODEL_TOKENS_MISMATCH', /lines 499 and 500 both have id 498/, /Use the tokens\.txt that came with this model/);
  });

  test('an unreadable model path', async () => {
    if (!isRoot) {
      // chmod 000 blocks reads for everyone but root.
      const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES.filter((f) => f !== 'encoder.int8.fixed.onnx'), (d) => {
        fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'encoder.int8.fixed.onnx'), path.join(d, 'encoder.int8.fixed.onnx'));
        fs.chmodSync(path.join(d, 'encoder.int8.fixed.onnx'), 0o000);
      });
      await expectModelError({ dir }, 'MODEL_LOAD_FAILED', /Cannot read .*encoder\.int8\.fixed\.onnx: EACCES: permission denied/, /Check the file's permissions/);
    }
    // Running as root (as CI containers do), chmod 000 does not stop a read, so the unreadable path
    // is one the kernel refuses to anyone: its parent is a regular file (ENOTDIR). It runs in both cases.
    const file = path.join(root, `plain-${n++}.txt`);
    fs.writeFileSync(file, 'not a folder');
    await expectModelError({ dir: path.join(file, 'model') }, 'MODEL_NOT_FOUND', /plain-\d+\.txt\/model does not exist/, /Check murmur\.model\.path, or leave it empty for the embedded model/);
    await expectModelError({ dir: sharedPath(ZIPFORMER_DIR), encoder: path.join(file, 'encoder.onnx') }, 'MODEL_FILE_MISSING', /The encoder file .*plain-\d+\.txt\/encoder\.onnx does not exist/, /Check the murmur\.model\.encoder setting/);
  });

  test('a directory given where a file is needed (tokens, encoder)', async () => {
    const zip = sharedPath(ZIPFORMER_DIR);
    const folder = dirWith({});
    await expectModelError({ dir: zip, tokens: folder }, 'MODEL_FILE_MISSING', /The tokens file .* is a directory, not a file/, /Set murmur\.model\.tokens to the tokens file itself/);
    await expectModelError({ dir: zip, encoder: folder }, 'MODEL_FILE_MISSING', /The encoder file .* is a directory, not a file/, /Set murmur\.model\.encoder to the encoder file itself/);
  });

  test('a zipformer directory without its joiner', async () => {
    const dir = modelDir(ZIPFORMER_DIR, ZIPFORMER_FILES.filter((f) => !f.startsWith('joiner')));
    await expectModelError({ dir }, 'MODEL_FILE_MISSING', /is missing the transducer joiner \(joiner\*\.onnx\)\. Found: decoder\.onnx, encoder\.int8\.fixed\.onnx, tokens\.txt/, /needs encoder\*\.onnx, decoder\*\.onnx, joiner\*\.onnx and tokens\.txt/);
  });

  test('a Moonshine directory without its decoder', async () => {
    const dir = modelDir(MOONSHINE_DIR, ['encoder_model.onnx']);
    await expectModelError({ dir }, 'MODEL_FILE_MISSING', /is missing decoder_model_merged\.onnx\. Found: encoder_model\.onnx/, /A Moonshine model needs encoder_model\.onnx and decoder_model_merged\.onnx/);
  });
});

describe('bad input zoo: WAV files (engine readWav)', () => {
  test('RIFF, but not WAVE', () => {
    const avi = Buffer.concat([Buffer.from('RIFF'), Buffer.from([28, 0, 0, 0]), Buffer.from('AVI LIST'), Buffer.alloc(20)]);
    expectWavError(wavFile('movie.wav', avi), 'AUDIO_UNSUPPORTED', /Not a WAV file: it is a RIFF file of type 'AVI ', not WAVE/, /Convert it to WAV, e\.g\. `ffmpeg -i input -ar 16000 -ac 1 output\.wav`/);
  });

  test('a text file named .wav', () => {
    expectWavError(wavFile('notes.wav', 'hello, these are my notes\n'), 'AUDIO_UNSUPPORTED', /notes\.wav: Not a WAV file: it starts with bytes 68 65 6c 6c 6f/, /Convert it to WAV/);
  });

  test('8-bit PCM is accepted and decoded (unsigned, 128 = silence)', () => {
    const file = sox('goforward-8bit.wav', '-b', '8');
    const before = snapshot();
    const wav = readWav(file);
    const source = readWav(sharedPath(GOFORWARD));
    assert.equal(wav.bitsPerSample, 8);
    assert.equal(wav.format, 'pcm');
    assert.equal(wav.frames, source.frames);
    let worst = 0;
    for (let i = 0; i < wav.samples.length; i++) worst = Math.max(worst, Math.abs(wav.samples[i] - source.samples[i]));
    assert.ok(worst <= 1 / 128 + 1e-6, `max error ${worst} against the 16-bit source`);
    assertNothingHalfWritten(before, 'reading');
  });

  test('48 kHz stereo is accepted and resampled to 16 kHz mono', () => {
    const file = sox('goforward-48k-stereo.wav', '-r', '48000', '-c', '2');
    const wav = readWav(file);
    assert.equal(wav.sampleRate, 48000);
    assert.equal(wav.channels, 2);
    const source = readWav(sharedPath(GOFORWARD));
    assert.ok(Math.abs(wav.durationSec - source.durationSec) < 0.01, `${wav.durationSec} s vs ${source.durationSec} s`);
    const mono = toMono16k(wav);
    assert.ok(Math.abs(mono.length - source.frames) <= 3, `${mono.length} samples at 16 kHz vs ${source.frames}`);
  });

  test('a zero-length WAV (header only)', () => {
    expectWavError(wavFile('empty.wav', wavHeader(0)), 'AUDIO_UNSUPPORTED', /empty\.wav: The WAV file contains no audio \(its data chunk is empty: only a header was written\)/, /Record again .* or choose a file that has audio in it/);
  });

  test('a header that promises data but has none', () => {
    expectWavError(wavFile('promise.wav', wavHeader(32000)), 'AUDIO_UNSUPPORTED', /contains no audio: its data chunk holds 0 bytes, less than one 2-byte frame/, /Record again/);
  });

  test('a data chunk size far beyond the file size: the audio that is there, marked truncated', () => {
    const { bytes, data } = goforward();
    const lying = Buffer.from(bytes);
    lying.writeUInt32LE(0x7ff00000, 40);
    const wav = readWav(wavFile('lying-size.wav', lying));
    assert.equal(wav.truncated, true);
    assert.equal(wav.frames, data.length / 2);
  });

  test('a 1 MB unknown chunk before the data is skipped', () => {
    const { fmt, data } = goforward();
    const wav = readWav(wavFile('huge-header.wav', riff([fmt, chunk('zzzz', Buffer.alloc(1 << 20, 0xab)), chunk('data', data)])));
    assert.equal(wav.truncated, false);
    assert.equal(wav.frames, data.length / 2);
    assert.deepEqual(wav.samples.subarray(0, 100), readWav(sharedPath(GOFORWARD)).samples.subarray(0, 100));
  });

  test('an unknown chunk claiming 2 GiB before the data', () => {
    const { fmt, data } = goforward();
    const file = wavFile('bogus-chunk.wav', riff([fmt, chunk('LIST', Buffer.from('INFO'), 0x7fffffff), chunk('data', data)]));
    expectWavError(file, 'AUDIO_UNSUPPORTED', /The 'LIST' chunk at byte 36 claims 2147483647 bytes but only \d+ remain: the file is truncated or the header is corrupt/, /record or export it again; otherwise re-save it, e\.g\. `ffmpeg -i input\.wav/);
  });

  test('an unreadable WAV path', () => {
    if (!isRoot) {
      // chmod 000 blocks reads for everyone but root.
      const file = wavFile('locked.wav', goforward().bytes);
      const folder = path.join(root, `locked-folder-${n++}`);
      fs.mkdirSync(folder);
      fs.copyFileSync(file, path.join(folder, 'clip.wav'));
      fs.chmodSync(file, 0o000);
      fs.chmodSync(folder, 0o000);
      try {
        expectWavError(file, 'AUDIO_NOT_FOUND', /Cannot read the audio file .*locked\.wav: permission denied/, /Check the file's permissions/);
        expectWavError(path.join(folder, 'clip.wav'), 'AUDIO_NOT_FOUND', /Cannot reach the audio file .*clip\.wav: permission denied on a folder of its path/, /Check the folders' permissions/);
      } finally {
        fs.chmodSync(folder, 0o700);
      }
    }
    // As root chmod does not block reads, so these run in both cases: a path whose parent is a
    // regular file, and a directory where the file is needed.
    const plain = wavFile('plain.txt', 'not a folder');
    expectWavError(path.join(plain, 'clip.wav'), 'AUDIO_NOT_FOUND', /Audio file not found: .*plain\.txt\/clip\.wav \(a folder on that path is a file\)/, /Check the path/);
    expectWavError(root, 'AUDIO_NOT_FOUND', /is a directory, not an audio file/, /Choose a \.wav file/);
  });
});

// ---- the sidecar zoo ----------------------------------------------------------------------------------

/** The sidecar logs exceptions nothing caught (it stays up): there must be none. */
function assertNoCrashLogs(client: SidecarClient): void {
  const crashes = client.events('log').filter((l) => l.level === 'error' && /uncaught exception|unhandled rejection|failed: .*\n\s+at /.test(l.message));
  assert.deepEqual(crashes.map((l) => l.message.slice(0, 500)), [], 'the sidecar logged crashes');
}

/** Finals of one file dictation, joined. */
async function transcribe(client: SidecarClient, file: string): Promise<string> {
  const start = client.messages.length;
  const { session } = await client.call('startDictation', { source: { kind: 'file', path: file, realtime: false } });
  const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, REPLY_TIMEOUT, start);
  assert.equal(ended.reason, 'end-of-file', `${file}: ${client.stderr.slice(-500)}`);
  return client
    .events('final', start)
    .filter((f) => f.session === session)
    .map((f) => f.text)
    .join(' ');
}

describe('bad input zoo: a real sidecar', () => {
  let client: SidecarClient;
  let rawId = 10_000;

  before(() => {
    client = new SidecarClient();
  });
  after(async () => {
    await client.close();
  });

  /** Runs a case, then: the sidecar is alive, answers ping, spoke valid protocol, and left nothing half-written. */
  function sidecarCase(name: string, body: () => Promise<void>): void {
    test(name, async () => {
      const before = snapshot();
      await body();
      assert.ok(client.alive, `the sidecar exited: ${client.stderr.slice(-1000)}`);
      const pong = await client.call('ping', {}, REPLY_TIMEOUT);
      assert.ok(pong.uptimeMs >= 0);
      assert.deepEqual(client.invalid, [], 'everything the sidecar sent was valid protocol');
      assertNoCrashLogs(client);
      assertNothingHalfWritten(before, name);
    });
  }

  /** Sends a raw request with a readable id and returns its error. */
  async function rawError(raw: Record<string, unknown>): Promise<ErrorInfo> {
    const id = rawId++;
    client.sendRaw({ ...raw, id });
    const response = await client.response(id, REPLY_TIMEOUT);
    assert.ok(!response.ok, `${JSON.stringify(raw).slice(0, 200)} unexpectedly succeeded`);
    return response.error;
  }

  /** Sends a raw message without a readable id and returns the error event it causes. */
  async function rawErrorEvent(raw: unknown): Promise<ErrorInfo> {
    const from = client.messages.length;
    // null and arrays are what a confused host might send; Node's IPC carries them as JSON.
    client.sendRaw(raw as Parameters<SidecarClient['sendRaw']>[0]);
    const event = await client.waitForEvent('error', () => true, REPLY_TIMEOUT, from);
    return { code: event.code, message: event.message };
  }

  function assertError(error: ErrorInfo, code: string, ...patterns: RegExp[]): void {
    assert.equal(error.code, code, error.message);
    for (const p of patterns) assert.match(error.message, p);
  }

  sidecarCase('handshake and the Moonshine model from ../shared (explicit cacheDir)', async () => {
    await client.waitForEvent('state', () => true, REPLY_TIMEOUT, 0);
    assert.equal((await client.call('hello', { version: PROTOCOL_VERSION })).version, PROTOCOL_VERSION);
    const info = await client.call('loadModel', { location: { dir: sharedPath(MOONSHINE_DIR) }, threads: 1, cacheDir: cache.dir }, LOAD_TIMEOUT);
    assert.equal(info.family, 'moonshine');
    assert.ok(fs.readdirSync(cache.dir).some((f) => f.endsWith('.ort')), 'the ORT cache is the temp cacheDir');
  });

  sidecarCase('protocol: messages that are not objects (error events)', async () => {
    for (const [raw, got] of [
      [42, 'the number 42'],
      ['ping', 'the string "ping"'],
      [null, 'null'],
      [[1, 2], 'an array of 2'],
      [true, 'true'],
    ] as const) {
      const error = await rawErrorEvent(raw);
      assertError(error, 'PROTOCOL_INVALID', new RegExp(`^Invalid message: message: expected an object, got ${got.replace(/[[\]()]/g, '\\$&')}$`));
    }
  });

  sidecarCase('protocol: an unknown request type', async () => {
    assertError(await rawError({ type: 'reboot' }), 'PROTOCOL_INVALID', /^Invalid message: message\.type: expected one of "hello", "loadModel", .*, got the string "reboot"$/);
    assertError(await rawError({ type: 'final', text: 'x' }), 'PROTOCOL_INVALID', /message\.type: expected one of .*got the string "final"$/);
    assertError(await rawError({}), 'PROTOCOL_INVALID', /message\.type: expected one of .*got nothing \(missing\)$/);
  });

  sidecarCase('protocol: a request without an id', async () => {
    assertError(await rawErrorEvent({ type: 'ping' }), 'PROTOCOL_INVALID', /^Invalid message: ping\.id: expected an integer >= 0, got nothing \(missing\)$/);
    assertError(await rawErrorEvent({ type: 'unloadModel', id: null }), 'PROTOCOL_INVALID', /^Invalid message: unloadModel\.id: expected an integer >= 0, got null$/);
    assertError(await rawErrorEvent({ type: 'stopDictation', id: -3 }), 'PROTOCOL_INVALID', /stopDictation\.id: expected an integer >= 0, got the number -3$/);
    assert.equal(client.events('state').at(-1)?.state, 'ready', 'nothing was unloaded or stopped');
  });

  sidecarCase('protocol: wrong field types', async () => {
    for (const [raw, reason] of [
      [{ type: 'loadModel', location: { dir: '/m' }, threads: 'two' }, /loadModel\.threads: expected an integer from 1 to 64, got the string "two"$/],
      [{ type: 'loadModel', location: '/m', threads: 1 }, /loadModel\.location: expected an object, got the string "\/m"$/],
      [{ type: 'startDictation', source: { kind: 'file', path: '/a.wav', realtime: 'yes' } }, /startDictation\.source\.realtime: expected true or false, got the string "yes"$/],
      [{ type: 'startDictation', source: { kind: 'file', path: 7, realtime: false } }, /startDictation\.source\.path: expected a non-empty string, got the number 7$/],
      [{ type: 'setOptions', options: { partials: 1 } }, /setOptions\.options\.partials: expected true or false, got the number 1$/],
      [{ type: 'setOptions', options: { hotwords: [1] } }, /setOptions\.options\.hotwords\[0\]: expected a non-empty string, got the number 1$/],
      [{ type: 'hello', version: 1 }, /hello\.version: expected a non-empty string, got the number 1$/],
      [{ type: 'cancelTask', task: '4' }, /cancelTask\.task: expected an integer >= 0, got the string "4"$/],
    ] as const) {
      assertError(await rawError(raw), 'PROTOCOL_INVALID', /^Invalid message: /, reason);
    }
    assert.equal(client.events('state').at(-1)?.state, 'ready', 'the model is still loaded');
  });

  sidecarCase('protocol: an oversized message (a 5 MB string in a field)', async () => {
    const error = await rawError({ type: 'setOptions', options: { partials: true }, note: 'x'.repeat(5 * 1024 * 1024) });
    assertError(error, 'PROTOCOL_INVALID', new RegExp(`^Invalid message: message: larger than the ${MAX_MESSAGE_BYTES}-byte limit$`));
    assert.ok(error.message.length < 200, 'the reason does not echo the payload');
  });

  sidecarCase('out of order: stopDictation and cancelDictation with nothing running (harmless)', async () => {
    assert.deepEqual(await client.call('stopDictation', {}), { session: null });
    assert.deepEqual(await client.call('cancelDictation', {}), { session: null });
  });

  sidecarCase('out of order: cancelTask of an unknown task', async () => {
    assert.deepEqual(await client.call('cancelTask', { task: 987_654 }), { cancelled: false });
  });

  sidecarCase('out of order: startDictation twice, unloadModel and loadModel while dictating from a file (BUSY)', async () => {
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(LONG_CLIP), realtime: true } });
    assertError(await client.callError('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } }), 'BUSY', new RegExp(`Dictation ${session} is already running: stop or cancel it first`));
    assertError(await client.callError('unloadModel', {}), 'BUSY', new RegExp(`Dictation ${session} is running: stop or cancel it before unloading the model`));
    assertError(await client.callError('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache.dir }), 'BUSY', /stop or cancel it before loading a model/);
    assert.deepEqual(await client.call('cancelDictation', {}), { session });
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, REPLY_TIMEOUT, start);
    assert.equal(ended.reason, 'cancelled');
  });

  // WAV files through startDictation: the file is read before the request is answered.
  sidecarCase('audio: RIFF-but-not-WAVE, a text file, header-only and bogus-chunk WAVs are refused by name', async () => {
    const { fmt, data } = goforward();
    for (const [file, pattern] of [
      [wavFile('movie.wav', Buffer.concat([Buffer.from('RIFF'), Buffer.from([12, 0, 0, 0]), Buffer.from('AVI '), Buffer.alloc(12)])), /RIFF file of type 'AVI ', not WAVE.*Convert it to WAV/],
      [wavFile('notes.wav', 'just some text, not audio'), /Not a WAV file: it starts with bytes 6a 75 73 74.*Convert it to WAV/],
      [wavFile('empty.wav', wavHeader(0)), /contains no audio.*Record again/],
      [wavFile('bogus.wav', riff([fmt, chunk('LIST', Buffer.from('INFO'), 0x7fffffff), chunk('data', data)])), /the file is truncated or the header is corrupt.*ffmpeg/],
    ] as const) {
      const error = await client.callError('startDictation', { source: { kind: 'file', path: file, realtime: false } });
      assertError(error, 'AUDIO_UNSUPPORTED', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `), pattern);
    }
    assertError(await client.callError('startDictation', { source: { kind: 'file', path: root, realtime: false } }), 'AUDIO_NOT_FOUND', /is a directory, not an audio file\. Choose a \.wav file/);
    assert.equal(client.events('state').at(-1)?.state, 'ready');
  });

  sidecarCase('audio: 48 kHz stereo (sox) is resampled and recognised', async () => {
    const text = await transcribe(client, sox('goforward-48k-stereo.wav', '-r', '48000', '-c', '2'));
    assert.match(text, /go forward ten meters/i);
  });

  sidecarCase('audio: 8-bit PCM (sox) is accepted and recognised', async () => {
    // The 8-bit noise floor tips Moonshine into writing the number as digits ("Go forward 10 meters.").
    assert.match(await transcribe(client, sox('goforward-8bit.wav', '-b', '8')), /go forward (ten|10) meters/i);
  });

  sidecarCase('audio: a data size far beyond the file, and a 1 MB unknown chunk before the data, are read', async () => {
    const { bytes, fmt, data } = goforward();
    const lying = Buffer.from(bytes);
    lying.writeUInt32LE(0x7ff00000, 40);
    assert.match(await transcribe(client, wavFile('lying-size.wav', lying)), /go forward ten meters/i);
    assert.match(await transcribe(client, wavFile('huge-header.wav', riff([fmt, chunk('zzzz', Buffer.alloc(1 << 20, 0xab)), chunk('data', data)]))), /go forward ten meters/i);
  });

  // Last: the sidecar disposes the loaded model before loading the next (src/sidecar/server.ts
  // replaceModel), so today a bad path leaves no model. See the report that came with this test.
  sidecarCase('out of order: loadModel of a bad path while a model is loaded keeps the old model working', async () => {
    const missing = path.join(root, 'no-such-model');
    assertError(await client.callError('loadModel', { location: { dir: missing }, threads: 1, cacheDir: cache.dir }), 'MODEL_NOT_FOUND', /no-such-model does not exist/, /Check murmur\.model\.path/);
    const deepspeech = dirWith({ 'output_graph.pbmm': randomBytes(64, 6) });
    assertError(await client.callError('loadModel', { location: { dir: deepspeech }, threads: 1, cacheDir: cache.dir }), 'MODEL_DEEPSPEECH', /tf2onnx/);
    try {
      assert.match(await transcribe(client, sharedPath(GOFORWARD)), /go forward ten meters/i, 'the Moonshine model loaded before still transcribes');
    } finally {
      // Leave a working model for anything after this case, whatever the outcome.
      if (client.alive && client.events('state').at(-1)?.state !== 'ready') {
        await client.call('loadModel', { location: { dir: sharedPath(MOONSHINE_DIR) }, threads: 1, cacheDir: cache.dir }, LOAD_TIMEOUT);
      }
    }
  });
});

// ---- the fuzz -------------------------------------------------------------------------------------------

describe('bad input zoo: seeded fuzz of a real sidecar', () => {
  const fuzzRoot = path.join(root, 'fuzz');
  let client: SidecarClient;

  before(() => {
    fs.mkdirSync(fuzzRoot);
    // An empty catalog: a downloadModel that gets past validation can never reach the network.
    const catalog = path.join(fuzzRoot, 'catalog.json');
    fs.writeFileSync(catalog, '[]');
    client = new SidecarClient({ env: { ...process.env, MURMUR_CATALOG_FILE: catalog } });
  });
  after(async () => {
    await client.close();
  });

  test('500 random messages: every request with an id is answered, the sidecar never exits, ping works', async () => {
    await client.waitForEvent('state', () => true, REPLY_TIMEOUT, 0);
    const before = snapshot();
    const random = prng(20240601);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    // shutdown is never sent with a readable id: it would (rightly) end the process.
    const types = REQUEST_TYPES.filter((t) => t !== 'shutdown');
    const junkTypes = ['reboot', 'final', 'response', 'state', '', 'PING', 'constructor', 'toString', 'shutdown'];
    const fields = ['type', 'id', 'version', 'location', 'threads', 'vadPath', 'cacheDir', 'source', 'options', 'task', 'models', 'clipPath', 'entryId', 'modelsRoot'];
    const inner = ['dir', 'family', 'encoder', 'decoder', 'joiner', 'tokens', 'kind', 'path', 'realtime', 'device', 'partials', 'endpointSilenceMs', 'decoding', 'beamSize', 'hotwords', 'label', 'location', 'format', 'outputDir', 'card', 'overwrite', 'optimization', 'source'];
    const fuzzPath = () => path.join(fuzzRoot, `nope-${int(0, 999)}${pick(['', '.wav', '.onnx', '.pbmm', '/model'])}`);
    const text = (): string =>
      pick([() => '', () => 'x', fuzzPath, () => 'models/relative', () => pick(types), () => pick(junkTypes), () => 'a'.repeat(int(1, 5000)), () => 'nul\u0000byte', () => '💥 ünïcödé', () => '1.0', () => `${int(0, 9)}.${int(0, 9)}`])();
    const numberValue = () => pick([0, 1, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308, int(0, 100), int(0, 100_000)]);
    const value = (depth: number): unknown => {
      const r = random();
      if (r < 0.14) return numberValue();
      if (r < 0.3) return text();
      if (r < 0.36) return random() < 0.5;
      if (r < 0.4) return null;
      if (r < 0.55 && depth < 4) return Array.from({ length: int(0, 4) }, () => value(depth + 1));
      if (r < 0.8 && depth < 4) return Object.fromEntries(Array.from({ length: int(0, 5) }, () => [pick(inner), value(depth + 1)]));
      // Plausibly shaped values, so requests get past validation into the handlers.
      return pick([
        () => ({ dir: fuzzPath(), ...(random() < 0.3 ? { family: pick(['auto', 'moonshine', 'zipformer', 'whisper']) } : {}) }),
        () => ({ kind: pick(['file', 'microphone', 'mic']), path: fuzzPath(), realtime: random() < 0.5 }),
        () => ({ partials: random() < 0.5, endpointSilenceMs: int(0, 70_000), decoding: pick(['greedy', 'modified-beam-search', 'beam']), beamSize: int(0, 70) }),
        () => [{ label: text(), location: { dir: fuzzPath() } }],
        () => fuzzPath(),
      ])();
    };
    /** Valid-looking bodies for a type, with random values mixed in. */
    const plausible = (type: string): Record<string, unknown> => {
      const location = () => (random() < 0.8 ? { dir: fuzzPath() } : value(1));
      switch (type) {
        case 'hello':
          return { version: pick(['1.0', '1.1', '1.99', '2.0', '0.9', 'one', PROTOCOL_VERSION]) };
        case 'loadModel':
          return { location: location(), threads: random() < 0.8 ? int(1, 4) : value(1), ...(random() < 0.5 ? { cacheDir: fuzzRoot } : {}) };
        case 'inspectModel':
          return { location: location() };
        case 'startDictation':
          return { source: random() < 0.8 ? { kind: pick(['file', 'microphone']), path: fuzzPath(), realtime: random() < 0.5 } : value(1), ...(random() < 0.5 ? { options: value(1) } : {}) };
        case 'setOptions':
          return { options: random() < 0.5 ? { partials: random() < 0.5, endpointSilenceMs: int(10, 2000) } : value(1) };
        case 'cancelTask':
          return { task: random() < 0.8 ? int(0, 50) : value(1) };
        case 'exportModel':
          return {
            task: int(0, 50),
            options: {
              source: location(),
              format: pick(['ort', 'onnx', 'pbmm']),
              optimization: pick(['all', 'basic', 'max']),
              outputDir: fuzzPath(),
              card: { author: 'Fuzz', name: 'fuzz', version: '0.0.1', license: 'MIT', language: 'en', description: 'd', source: 'https://example.org/m' },
              overwrite: random() < 0.5,
            },
          };
        case 'compareModels':
          return { task: int(0, 50), threads: 1, models: random() < 0.5 ? [] : [{ label: 'fuzz', location: location() }] };
        case 'downloadModel':
          return { task: int(0, 50), entryId: pick(['sherpa-onnx-streaming-zipformer-en-20M-2023-02-17', 'nope', '../evil']), modelsRoot: fuzzRoot };
        default:
          return {};
      }
    };
    let nextId = 50_000;
    const message = (): unknown => {
      if (random() < 0.12) return pick([() => numberValue(), () => text(), () => null, () => random() < 0.5, () => value(0) as unknown[], () => [pick(types), nextId]])();
      const type = random() < 0.75 ? pick(types) : random() < 0.5 ? pick(junkTypes) : value(1);
      const m: Record<string, unknown> = typeof type === 'string' && random() < 0.6 ? plausible(type) : {};
      for (let k = int(0, 4); k > 0; k--) m[pick(fields)] = value(1);
      if (random() < 0.9) m.type = type;
      const idRoll = random();
      if (idRoll < 0.75) m.id = 0; // replaced below by a unique id
      else if (idRoll < 0.85) delete m.id;
      else m.id = pick([-1, 1.5, 'seven', null, [3], { id: 3 }]);
      return m;
    };

    let answered = 0;
    let events = 0;
    /** Responses by outcome: "ok" or the error code (PROTOCOL_INVALID: refused by the validator; others: a handler ran). */
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      // As the sidecar will see it (JSON), with any readable id made unique so its response can be told apart.
      const sent = JSON.parse(JSON.stringify(message() ?? null)) as unknown;
      if (readableId(sent) !== undefined) (sent as Record<string, unknown>).id = nextId++;
      const o = sent as Record<string, unknown> | null;
      if (o && typeof o === 'object' && o.type === 'shutdown' && readableId(o) !== undefined) o.id = 'never';
      const id = readableId(sent);
      const from = client.messages.length;
      assert.ok(client.alive, `the sidecar exited before message ${i}: ${client.stderr.slice(-2000)}`);
      client.sendRaw(sent as Parameters<SidecarClient['sendRaw']>[0]);
      const what = `message ${i}: ${JSON.stringify(sent).slice(0, 300)}`;
      if (id !== undefined) {
        const response = await client.response(id, REPLY_TIMEOUT).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
        if (!response.ok) assert.ok(ERROR_CODES.includes(response.error.code) && response.error.message.length > 0, what);
        const outcome = response.ok ? 'ok' : response.error.code;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        answered++;
      } else {
        // Nothing to answer: the sidecar reports the message as an error event instead.
        const event = await client.waitForEvent('error', () => true, REPLY_TIMEOUT, from).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
        assert.equal(event.code, 'PROTOCOL_INVALID', what);
        events++;
      }
    }
    const tally = JSON.stringify(Object.fromEntries(outcomes));
    assert.ok(answered > 250 && events > 25, `a mix of requests (${answered} answered) and id-less messages (${events} error events): ${tally}`);
    const handled = [...outcomes.keys()].filter((k) => k !== 'ok' && k !== 'PROTOCOL_INVALID');
    assert.ok((outcomes.get('ok') ?? 0) > 0 && handled.length >= 3, `requests got past validation into the handlers: ${tally}`);
    assert.ok(!outcomes.has('INTERNAL'), `no handler failed with an unexpected exception: ${tally}`);
    assertNoCrashLogs(client);
    // A stray dictation (none should have started without a model) would be ended here.
    await client.call('cancelDictation', {}, REPLY_TIMEOUT);
    assert.ok(client.alive, `the sidecar exited: ${client.stderr.slice(-2000)}`);
    const pong = await client.call('ping', {}, REPLY_TIMEOUT);
    assert.ok(pong.uptimeMs > 0);
    assert.deepEqual(client.invalid, [], 'everything the sidecar sent was valid protocol');
    assertNothingHalfWritten(before, 'the fuzz run');
  });
});

after(() => {
  // chmod 000 files must be writable again to be removed (non-root runs).
  if (!isRoot && fs.existsSync(root)) {
    for (const rel of fs.readdirSync(root, { recursive: true }).map(String)) {
      const file = path.join(root, rel);
      try {
        if (!fs.lstatSync(file).isSymbolicLink()) fs.chmodSync(file, 0o700);
      } catch {
        // already gone
      }
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
  cache.remove();
});

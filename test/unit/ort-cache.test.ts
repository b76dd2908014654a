/**
 * The ORT cache keeps what is used and drops what is not: a load marks its file as used, and a
 * conversion removes files unused for 30 days (left by other versions or models) and crash
 * leftovers, never the file just written nor one in use.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheKey, contentHash, ensureOrtModel, pruneCache, UNUSED_DAYS } from '../../src/engine/onnx/ort-cache';
import { zipformerFiles } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

const DAY_MS = 24 * 60 * 60 * 1000;

function age(file: string, days: number): void {
  const t = new Date(Date.now() - days * DAY_MS);
  fs.utimesSync(file, t, t);
}

test('pruneCache removes ORT files unused for 30 days and stale temp files, and nothing else', () => {
  const cache = tempCacheDir();
  try {
    const f = (name: string, days: number) => {
      const p = path.join(cache.dir, name);
      fs.writeFileSync(p, 'x');
      age(p, days);
      return p;
    };
    const old = f('encoder_model.0123456789abcdef01234567.ort', UNUSED_DAYS + 1);
    const recent = f('encoder_model.89abcdef0123456789abcdef.ort', UNUSED_DAYS - 1);
    const crashTemp = f('decoder.0123.4242.tmp.ort', 2);
    const liveTemp = f('decoder.0123.4343.tmp.ort', 0);
    const index = f('index.json', 400);
    const lock = f('decoder.0123.ort.lock', 400);
    const messages: string[] = [];
    const removed = pruneCache(cache.dir, (_l, m) => messages.push(m));
    assert.deepEqual(removed.sort(), [path.basename(crashTemp), path.basename(old)].sort());
    for (const kept of [recent, liveTemp, index, lock]) assert.ok(fs.existsSync(kept), `${path.basename(kept)} kept`);
    assert.match(messages.join('\n'), /removed 2 cached model file\(s\) unused for 30 days/);
    assert.deepEqual(pruneCache(path.join(cache.dir, 'missing')), [], 'a missing cache is nothing to prune');
  } finally {
    cache.remove();
  }
});

test('a load marks its cached file as used, and a later conversion prunes only the unused ones', async () => {
  const cache = tempCacheDir();
  try {
    const { joiner, decoder } = zipformerFiles();
    const first = await ensureOrtModel(joiner, cache.dir);
    assert.ok(first.converted);
    age(first.ortPath, UNUSED_DAYS + 5);
    // A file another version left behind, unused as long.
    const foreign = path.join(cache.dir, 'joiner.int8.ffffffffffffffffffffffff.ort');
    fs.copyFileSync(first.ortPath, foreign);
    age(foreign, UNUSED_DAYS + 5);

    const hit = await ensureOrtModel(joiner, cache.dir);
    assert.equal(hit.converted, false);
    assert.equal(hit.ortPath, first.ortPath);
    assert.ok(Date.now() - fs.statSync(hit.ortPath).mtimeMs < DAY_MS, 'the hit marked the file as used');

    const other = await ensureOrtModel(decoder, cache.dir);
    assert.ok(other.converted);
    assert.ok(fs.existsSync(first.ortPath), 'the file in use survives the prune');
    assert.ok(fs.existsSync(other.ortPath), 'the file just written survives the prune');
    assert.ok(!fs.existsSync(foreign), 'the unused file is pruned');
  } finally {
    cache.remove();
  }
});

test('a conversion waits while a live process holds the lock, and takes the lock over once that process exits', async () => {
  const cache = tempCacheDir();
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  try {
    const { joiner } = zipformerFiles();
    // The name ensureOrtModel will convert to (as security-models.test.ts computes it).
    const ortPath = path.join(cache.dir, `${path.basename(joiner).replace(/\.onnx$/i, '')}.${cacheKey(contentHash(joiner, cache.dir))}.ort`);
    const lock = `${ortPath}.lock`;
    assert.ok(child.pid);
    fs.writeFileSync(lock, String(child.pid));
    let done = false;
    const converting = ensureOrtModel(joiner, cache.dir).finally(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(done, false, 'it waits for the live holder');
    assert.equal(fs.readFileSync(lock, 'utf8'), String(child.pid), 'and leaves its lock alone');
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
    const r = await converting;
    assert.ok(r.converted, 'the dead holder\'s lock was taken over and the model converted');
    assert.equal(r.ortPath, ortPath);
    assert.ok(!fs.existsSync(lock), 'the lock is released');
  } finally {
    child.kill();
    cache.remove();
  }
});

test('a lock left by a process that exited does not hold up a conversion', async () => {
  const cache = tempCacheDir();
  try {
    const { joiner } = zipformerFiles();
    const ortPath = path.join(cache.dir, `${path.basename(joiner).replace(/\.onnx$/i, '')}.${cacheKey(contentHash(joiner, cache.dir))}.ort`);
    const gone = spawnSync(process.execPath, ['-e', '']);
    assert.ok(gone.pid);
    fs.writeFileSync(`${ortPath}.lock`, String(gone.pid));
    const r = await ensureOrtModel(joiner, cache.dir);
    assert.ok(r.converted);
    assert.ok(!fs.existsSync(`${ortPath}.lock`));
  } finally {
    cache.remove();
  }
});

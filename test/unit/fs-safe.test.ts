/**
 * The shared crash-safe file code (src/engine/fs-safe.ts) on real files in temp folders: the atomic
 * promote, hashing, lock files (held by real child processes, live and exited) and I/O error mapping.
 */
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../../src/engine/errors';
import { asidePath, ioError, isPidAlive, promote, sha256File, sha256FileSync, tryLock, UNREADABLE_LOCK_GRACE_MS, type IoContext, type TargetState } from '../../src/engine/fs-safe';
import { silentLog } from '../../src/engine/log';
import { tempCacheDir } from '../helpers/temp';

const work = tempCacheDir('murmur-fs-safe-test-');
after(() => work.remove());
let n = 0;
const fresh = (name: string) => {
  const d = path.join(work.dir, `${name}-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

/** A staging folder holding `files`, beside where it will be promoted. */
function staged(root: string, files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(root, '.staging-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

const read = (dir: string) => Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
const leftovers = (root: string) => fs.readdirSync(root).filter((f) => f.startsWith('.'));

// ---- promote ---------------------------------------------------------------------------------

test('promote into an absent target and into an empty folder', () => {
  const root = fresh('promote');
  const absent = path.join(root, 'a');
  promote(staged(root, { x: '1' }), absent, { aside: asidePath(root, '.old-'), log: silentLog });
  assert.deepEqual(read(absent), { x: '1' });

  const empty = path.join(root, 'b');
  fs.mkdirSync(empty);
  promote(staged(root, { y: '2' }), empty, { aside: asidePath(root, '.old-'), log: silentLog });
  assert.deepEqual(read(empty), { y: '2' });
  assert.deepEqual(leftovers(root), [], 'no staging or aside left');
});

test('promote over an existing copy replaces it as a whole and removes the old copy', () => {
  const root = fresh('promote');
  const target = path.join(root, 'model');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'old-only'), 'v1');
  fs.writeFileSync(path.join(target, 'x'), 'v1');
  promote(staged(root, { x: 'v2' }), target, { aside: asidePath(root, '.old-'), log: silentLog });
  assert.deepEqual(read(target), { x: 'v2' });
  assert.deepEqual(leftovers(root), []);
});

test('an inspect that refuses (an existing export without overwrite) changes nothing', () => {
  const root = fresh('promote');
  const target = path.join(root, 'export');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'murmur-model.json'), 'old');
  const staging = staged(root, { 'murmur-model.json': 'new' });
  // The exporter's rule in miniature: a previous export is replaced only with overwrite.
  const inspect = (overwrite: boolean) => (): TargetState => {
    if (!overwrite) throw new MurmurError('EXPORT_EXISTS', 'already holds an export');
    return 'replace';
  };
  assert.throws(() => promote(staging, target, { aside: asidePath(root, '.old-'), log: silentLog, inspect: inspect(false) }), (e: unknown) => e instanceof MurmurError && e.code === 'EXPORT_EXISTS');
  assert.deepEqual(read(target), { 'murmur-model.json': 'old' }, 'the old export is untouched');
  assert.deepEqual(read(staging), { 'murmur-model.json': 'new' }, 'the staging folder is untouched');

  promote(staging, target, { aside: asidePath(root, '.old-'), log: silentLog, inspect: inspect(true) });
  assert.deepEqual(read(target), { 'murmur-model.json': 'new' }, 'with overwrite it is replaced');
});

test('an empty target folder that gains a file before the rename is refused, and the file stays', () => {
  const root = fresh('promote');
  const target = path.join(root, 'out');
  fs.mkdirSync(target);
  const staging = staged(root, { x: '1' });
  // Inspection saw it empty; a file appears before rmdir: rmdir must refuse rather than delete it.
  const inspect = (): TargetState => {
    fs.writeFileSync(path.join(target, 'users-file'), 'keep me');
    return 'empty';
  };
  assert.throws(() => promote(staging, target, { aside: asidePath(root, '.old-'), log: silentLog, inspect }), (e: unknown) => ['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? ''));
  assert.deepEqual(read(target), { 'users-file': 'keep me' });
});

test('a failure of the final rename puts the old copy back intact', () => {
  const root = fresh('promote');
  const target = path.join(root, 'model');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'x'), 'v1');
  const missing = path.join(root, '.staging-gone'); // the rename of staging fails (ENOENT), after the old copy was set aside
  const aside = asidePath(root, '.old-');
  assert.throws(() => promote(missing, target, { aside, log: silentLog }), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
  assert.deepEqual(read(target), { x: 'v1' }, 'the old copy is back in place');
  assert.ok(!fs.existsSync(aside), 'and not left aside');
});

// ---- hashing ---------------------------------------------------------------------------------

test('sha256File and sha256FileSync equal node:crypto over the file, with progress up to its size', async () => {
  const file = path.join(fresh('hash'), 'data.bin');
  const bytes = crypto.randomBytes(3 * (1 << 20) + 12345); // several chunks and a partial one
  fs.writeFileSync(file, bytes);
  const expected = crypto.createHash('sha256').update(bytes).digest('hex');
  const seen: number[] = [];
  assert.equal(await sha256File(file, { onBytes: (h) => seen.push(h) }), expected);
  assert.equal(sha256FileSync(file), expected);
  assert.ok(seen.length > 1, 'progress reported per chunk');
  assert.deepEqual([...seen].sort((a, b) => a - b), seen, 'monotonic');
  assert.equal(seen.at(-1), bytes.length);
});

test('sha256File honours abort: already aborted, and aborted while hashing', async () => {
  const file = path.join(fresh('hash'), 'data.bin');
  fs.writeFileSync(file, crypto.randomBytes(8 * (1 << 20)));
  const isCancelled = (e: unknown) => e instanceof MurmurError && e.code === 'CANCELLED';
  await assert.rejects(sha256File(file, { signal: AbortSignal.abort() }), isCancelled);
  const controller = new AbortController();
  let chunks = 0;
  await assert.rejects(sha256File(file, { signal: controller.signal, onBytes: () => { if (++chunks === 1) controller.abort(); } }), isCancelled);
  assert.ok(chunks < 8, 'stopped before reading the whole file');
});

test('sha256File of a missing file rejects with the fs error (the caller names it)', async () => {
  await assert.rejects(sha256File(path.join(work.dir, 'nope')), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
});

// ---- locks -----------------------------------------------------------------------------------

/** A real process that holds `lockFile` (created exclusively with its pid) until killed. */
async function holder(lockFile: string): Promise<ChildProcess> {
  const script = `require('fs').writeFileSync(${JSON.stringify(lockFile)}, String(process.pid), { flag: 'wx' }); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return child;
}

/** The pid of a process that has run and exited (and been reaped). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  assert.equal(r.status, 0);
  assert.ok(r.pid && !isPidAlive(r.pid), 'the child is gone');
  return r.pid;
}

test('isPidAlive: this process yes, an exited child no', () => {
  assert.equal(isPidAlive(process.pid), true);
  assert.equal(isPidAlive(deadPid()), false);
});

test('a lock held by a live process is refused; once that process exits its lock is stale and taken over', async () => {
  const lock = path.join(fresh('lock'), 'x.lock');
  const child = await holder(lock);
  try {
    assert.equal(tryLock(lock), undefined, 'a second taker fails while the holder lives');
    assert.equal(tryLock(lock, { staleAfterMs: 60_000 }), undefined, 'a young lock is not stale by age');
    assert.equal(fs.readFileSync(lock, 'utf8'), String(child.pid), 'and leaves the lock alone');
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill();
    await exited;
  }
  const release = tryLock(lock);
  assert.ok(release, 'the dead holder\'s lock is taken over');
  assert.equal(fs.readFileSync(lock, 'utf8'), String(process.pid));
  assert.equal(tryLock(lock), undefined, 'held by this process: another task of it must wait');
  release();
  assert.ok(!fs.existsSync(lock), 'release removes the lock');
});

test('a lock of an exited process is taken over at once', () => {
  const lock = path.join(fresh('lock'), 'x.lock');
  fs.writeFileSync(lock, String(deadPid()));
  const release = tryLock(lock);
  assert.ok(release);
  assert.equal(fs.readFileSync(lock, 'utf8'), String(process.pid));
  release();
});

test('a live pid\'s lock older than staleAfterMs is stale; without the limit it is not', () => {
  const lock = path.join(fresh('lock'), 'x.lock');
  fs.writeFileSync(lock, String(process.ppid)); // a live process that is not us
  const old = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(lock, old, old);
  assert.equal(tryLock(lock), undefined);
  const release = tryLock(lock, { staleAfterMs: 5 * 60_000 });
  assert.ok(release);
  release();
});

test('a lock with no pid in it yet is left alone for a grace period, then taken over', () => {
  const lock = path.join(fresh('lock'), 'x.lock');
  fs.writeFileSync(lock, ''); // created, not yet written: the taker is between its two steps
  assert.equal(tryLock(lock), undefined);
  const old = new Date(Date.now() - 2 * UNREADABLE_LOCK_GRACE_MS);
  fs.utimesSync(lock, old, old);
  const release = tryLock(lock);
  assert.ok(release);
  release();
});

test('ownPid "stale": a lock with our own pid is a leftover and is taken over', () => {
  const lock = path.join(fresh('lock'), 'x.lock');
  fs.writeFileSync(lock, String(process.pid));
  assert.equal(tryLock(lock, { ownPid: 'held' }), undefined);
  const release = tryLock(lock, { ownPid: 'stale' });
  assert.ok(release);
  release();
});

test('a lock in a folder that does not exist throws the fs error', () => {
  assert.throws(() => tryLock(path.join(work.dir, 'no-such-dir', 'x.lock')), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
});

// ---- I/O errors ------------------------------------------------------------------------------

const CTX: IoContext = { code: 'EXPORT_UNWRITABLE', existsCode: 'EXPORT_EXISTS', what: 'the export', fix: 'Choose a folder you can write to.' };
const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });

test('ioError names the path and says what to do', () => {
  const where = '/some/where';
  const full = ioError(errno('ENOSPC'), where, CTX);
  assert.equal(full.code, 'DISK_FULL');
  assert.match(full.message, /disk is full/i);
  assert.ok(full.message.includes(where));
  assert.match(full.message, /Free some space and try again/);

  const denied = ioError(errno('EACCES'), where, CTX);
  assert.equal(denied.code, 'EXPORT_UNWRITABLE');
  assert.ok(denied.message.includes(where));
  assert.match(denied.message, /permission denied.*Choose a folder you can write to/);
  assert.match(ioError(errno('EROFS'), where, CTX).message, /read-only/);

  const exists = ioError(errno('ENOTEMPTY'), where, CTX);
  assert.equal(exists.code, 'EXPORT_EXISTS');
  assert.ok(exists.message.includes(where));

  const other = ioError(errno('EIO'), where, { code: 'DOWNLOAD_FAILED', what: 'the model', fix: 'Make that folder writable, then try again.' });
  assert.equal(other.code, 'DOWNLOAD_FAILED');
  assert.ok(other.message.includes(where) && other.message.includes('the model'));
  assert.match(other.message, /try again/);

  const mine = new MurmurError('CANCELLED', 'cancelled');
  assert.equal(ioError(mine, where, CTX), mine, 'a MurmurError passes through');
});

test('ioError of a real ENOTDIR (a file where a folder should be) explains it', () => {
  const file = path.join(fresh('io'), 'a-file');
  fs.writeFileSync(file, 'x');
  const where = path.join(file, 'sub');
  let caught: unknown;
  try {
    fs.mkdirSync(where);
  } catch (e) {
    caught = e;
  }
  const err = ioError(caught, where, CTX);
  assert.equal(err.code, 'EXPORT_UNWRITABLE');
  assert.ok(err.message.includes(where));
  assert.match(err.message, /is a file, not a folder/);
});

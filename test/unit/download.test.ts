/**
 * The model download engine against a real HTTP server on the loopback interface, serving
 * archives built at test time (with the system's tar + bzip2) from the shared zipformer model.
 * The server sends small chunks on separate ticks, so "drop the connection after N bytes" and
 * "cancel mid-download" happen at known points.
 */
import { describe, test, before, after, beforeEach } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { MODEL_CATALOG, downloadModel, type DownloadModelOptions } from '../../src/engine/download';
import { extractArchive, systemBzip2 } from '../../src/engine/download/extract';
import { fetchToPart } from '../../src/engine/download/http';
import type { CatalogEntry, DownloadProgress } from '../../src/engine/download/types';
import { MurmurError } from '../../src/engine/errors';
import { isLanguageSetting } from '../../src/engine/languages';
import { resolveModel } from '../../src/engine/models/detect';
import { packageRoot } from '../../src/engine/paths';
import { catalogEntry } from '../../src/protocol/model-tools';
import { formatBytes } from '../../src/webview/format';
import { sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

const MODEL = 'sherpa-onnx-streaming-zipformer-en-test-2024-01-01';
const FILES = ['decoder.onnx', 'encoder.int8.onnx', 'joiner.int8.onnx', 'tokens.txt'];

const work = tempCacheDir('murmur-download-test-');
let n = 0;
const fresh = (name: string) => {
  const d = path.join(work.dir, `${name}-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

// ---- archives -------------------------------------------------------------------------------

interface Archive {
  file: string;
  body: Buffer;
  sha256: string;
}

function archive(file: string): Archive {
  const body = fs.readFileSync(file);
  return { file, body, sha256: crypto.createHash('sha256').update(body).digest('hex') };
}

function tarc(args: string[]): void {
  execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** <parent>/<MODEL>/ with the listed files (from the shared model, `edit` applied) and files to skip. */
function modelTree(edit: (dir: string) => void = () => undefined, parent = fresh('src'), name = MODEL): string {
  const src = sharedPath(ZIPFORMER_DIR);
  const dir = path.join(parent, name);
  fs.mkdirSync(path.join(dir, 'test_wavs'), { recursive: true });
  for (const f of FILES) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, 'README.md'), 'not part of the model\n');
  fs.writeFileSync(path.join(dir, 'test_wavs', 'trans.txt'), 'skipped too\n');
  edit(dir);
  return parent;
}

let good: Archive;
let v2: Archive;
let tokensMismatch: Archive;
let evil: Archive;
let tgz: Archive;
let evilOutside: string;
let evilAbsolute: string;

function buildArchives(): void {
  const bz = spawnSync('bzip2', ['--help'], { encoding: 'utf8' });
  assert.ok(!bz.error, `bzip2 is required to build the test archives: apt-get install -y bzip2 (${bz.error?.message})`);
  const out = fresh('archives');

  const goodFile = path.join(out, 'good.tar.bz2');
  tarc(['-cjf', goodFile, '-C', modelTree(), MODEL]);
  good = archive(goodFile);

  // A different but valid encoder under the same name, to see which copy ends up installed.
  const v2File = path.join(out, 'v2.tar.bz2');
  tarc(['-cjf', v2File, '-C', modelTree((d) => fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), 'encoder.int8.fixed.onnx'), path.join(d, 'encoder.int8.onnx'))), MODEL]);
  v2 = archive(v2File);

  // Unpacks fine, but resolveModel refuses it (tokens.txt does not match the decoder).
  const mmFile = path.join(out, 'mismatch.tar.bz2');
  tarc(['-cjf', mmFile, '-C', modelTree((d) => fs.appendFileSync(path.join(d, 'tokens.txt'), 'extra 500\n')), MODEL]);
  tokensMismatch = archive(mmFile);

  // Entries that climb out with `..` and an absolute path (-P keeps them as written).
  const evilParent = fresh('evil-src');
  modelTree(undefined, evilParent);
  evilOutside = path.join(path.dirname(evilParent), 'evil');
  fs.writeFileSync(evilOutside, 'written outside\n');
  evilAbsolute = path.join(work.dir, 'absolute-evil');
  fs.writeFileSync(evilAbsolute, 'absolute\n');
  const evilFile = path.join(out, 'evil.tar.bz2');
  tarc(['-P', '-cjf', evilFile, '-C', evilParent, MODEL, '../evil', evilAbsolute]);
  evil = archive(evilFile);
  fs.rmSync(evilOutside);
  fs.rmSync(evilAbsolute);
  const listing = execFileSync('tar', ['-P', '-tjf', evilFile], { encoding: 'utf8' });
  assert.match(listing, /^\.\.\/evil$/m, 'the evil archive must really hold ../evil');
  assert.ok(listing.includes(evilAbsolute), 'the evil archive must really hold an absolute path');

  // npm-style .tgz: files two levels down, next to things to skip.
  const tgzParent = fresh('tgz-src');
  const pkg = path.join(tgzParent, 'package');
  modelTree(undefined, pkg, 'model');
  fs.writeFileSync(path.join(pkg, 'package.json'), '{}\n');
  const tgzFile = path.join(out, 'model.tgz');
  tarc(['-czf', tgzFile, '-C', tgzParent, 'package']);
  tgz = archive(tgzFile);
}

// ---- server ---------------------------------------------------------------------------------

interface Behaviour {
  /** Close the socket after sending this many body bytes. */
  dropAfter?: number;
  /** Stop sending (keep the connection open) after this many body bytes. */
  stallAfter?: number;
  /** Answer every request with 200 and the whole body. */
  ignoreRange?: boolean;
}

interface Seen {
  path: string;
  range?: string;
  ifRange?: string;
}

const routes = new Map<string, (req: http.IncomingMessage, res: http.ServerResponse, call: number) => void>();
let seen: Seen[] = [];
let base = '';
const server = http.createServer((req, res) => {
  const p = new URL(req.url ?? '/', 'http://x').pathname;
  seen.push({ path: p, range: req.headers.range, ifRange: req.headers['if-range'] as string | undefined });
  const route = routes.get(p);
  if (!route) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  route(req, res, seen.filter((s) => s.path === p).length);
});

const CHUNK = 16 * 1024;

/** Serves `body` in small chunks, one per tick, honouring `bytes=N-` unless told not to. */
function serve(p: string, body: Buffer, behaviour: (call: number) => Behaviour = () => ({})): string {
  routes.set(p, (req, res, call) => {
    const b = behaviour(call);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const etag = '"archive-v1"';
    let pos = 0;
    if (m && !b.ignoreRange) {
      pos = Number(m[1]);
      res.writeHead(206, { 'content-length': body.length - pos, 'content-range': `bytes ${pos}-${body.length - 1}/${body.length}`, etag, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': body.length, etag, ...(b.ignoreRange ? {} : { 'accept-ranges': 'bytes' }) });
    }
    let sent = 0;
    const step = () => {
      if (res.destroyed) return;
      if (b.dropAfter !== undefined && sent >= b.dropAfter) {
        // Give the client time to take in every byte sent before the connection goes, so the
        // part holds exactly `dropAfter` bytes (a dropped connection discards what the client
        // had not read yet).
        setTimeout(() => res.socket?.destroy(), 150);
        return;
      }
      if (b.stallAfter !== undefined && sent >= b.stallAfter) return;
      if (pos >= body.length) {
        res.end();
        return;
      }
      const limit = b.dropAfter ?? b.stallAfter ?? Infinity;
      const size = Math.min(CHUNK, body.length - pos, limit - sent);
      const piece = body.subarray(pos, pos + size);
      pos += size;
      sent += size;
      res.write(piece, () => setImmediate(step));
    };
    step();
  });
  return `${base}${p}`;
}

function redirect(p: string, to: string): string {
  routes.set(p, (_req, res) => res.writeHead(302, { location: to }).end());
  return `${base}${p}`;
}

// ---- helpers --------------------------------------------------------------------------------

function entryFor(a: Archive, url: string, over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id: 'test-zipformer',
    title: 'Test zipformer',
    family: 'zipformer',
    description: 'built by the test',
    url,
    bytes: a.body.length,
    sha256: a.sha256,
    archive: 'tar.bz2',
    root: MODEL,
    files: [...FILES],
    license: 'Apache-2.0',
    page: 'https://example.invalid/',
    ...over,
  };
}

const quick: DownloadModelOptions = { stallTimeoutMs: 10_000, progressIntervalMs: 0 };

async function expectCode(p: Promise<unknown>, code: string, ...words: RegExp[]): Promise<MurmurError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MurmurError, `expected ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : 'success'}`);
  assert.equal(caught.code, code, caught.message);
  for (const w of words) assert.match(caught.message, w);
  return caught;
}

/** modelsRoot holds no installed model, no staging directory and no set-aside copy. */
function assertNothingInstalled(root: string, id = 'test-zipformer'): void {
  assert.ok(!fs.existsSync(path.join(root, id)), `${id} must not be installed`);
  assertNoLeftovers(root);
}

function assertNoLeftovers(root: string): void {
  const left = fs.readdirSync(root).filter((f) => f.startsWith('.staging-') || f.startsWith('.old-'));
  assert.deepEqual(left, [], 'no staging or set-aside directories may be left');
}

const partOf = (root: string, id = 'test-zipformer') => path.join(root, '.downloads', `${id}.part`);

function assertInstalled(dir: string, encoderFrom: string): void {
  const resolved = resolveModel({ dir });
  assert.equal(resolved.files.family, 'zipformer');
  assert.deepEqual(fs.readdirSync(dir).sort(), FILES, 'exactly the listed files, nothing skipped ones');
  assert.ok(fs.readFileSync(path.join(dir, 'encoder.int8.onnx')).equals(fs.readFileSync(encoderFrom)), 'the encoder is the archived one');
}

const sharedEncoder = () => path.join(sharedPath(ZIPFORMER_DIR), 'encoder.int8.onnx');

// ---- tests ----------------------------------------------------------------------------------

describe('model download', () => {
  before(async () => {
    buildArchives();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    work.remove();
  });
  beforeEach(() => {
    seen = [];
    routes.clear();
  });

  test('every catalog entry is well-formed', () => {
    assert.ok(MODEL_CATALOG.length >= 2);
    const ids = new Set<string>();
    for (const e of MODEL_CATALOG) {
      const what = `catalog entry ${e.id}`;
      assert.ok(!ids.has(e.id), `${what}: duplicate id`);
      ids.add(e.id);
      assert.match(e.id, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, `${what}: id must be a plain directory name`);
      assert.equal(new URL(e.url).protocol, 'https:', `${what}: url must be https`);
      assert.equal(new URL(e.page).protocol, 'https:', `${what}: page must be https`);
      assert.match(e.sha256, /^[0-9a-f]{64}$/, `${what}: sha256`);
      assert.ok(Number.isInteger(e.bytes) && e.bytes > 0, `${what}: bytes`);
      assert.ok(e.url.endsWith(e.archive === 'tgz' ? '.tgz' : '.tar.bz2'), `${what}: archive type matches the url`);
      assert.ok(e.title && e.description && e.license, `${what}: title, description, license`);
      assert.ok(!e.root.split('/').includes('..') && !e.root.startsWith('/'), `${what}: root`);
      for (const f of e.files) assert.ok(!f.split('/').includes('..') && !f.startsWith('/') && f.length > 0, `${what}: file ${f}`);
      assert.ok(e.files.some((f) => /encoder/i.test(f) && f.endsWith('.onnx')), `${what}: an encoder`);
      assert.ok(e.files.some((f) => /decoder/i.test(f) && f.endsWith('.onnx')), `${what}: a decoder`);
      if (e.family === 'zipformer' || e.family === 'parakeet' || e.family === 'nemotron') {
        assert.ok(e.files.some((f) => /joiner/i.test(f) && f.endsWith('.onnx')), `${what}: a joiner`);
        assert.ok(e.files.includes('tokens.txt'), `${what}: tokens.txt`);
      }
      if (e.family !== 'moonshine') assert.ok(e.files.filter((f) => f.endsWith('.onnx')).every((f) => /int8/.test(f)), `${what}: int8 weights`);
      if (e.family === 'whisper') assert.ok(e.files.some((f) => f.endsWith('tokens.txt')), `${what}: tokens`);
      // Every built-in entry says which languages it hears, as codes the panel can name.
      assert.ok(e.languages && e.languages.length > 0, `${what}: languages`);
      for (const code of e.languages) assert.ok(isLanguageSetting(code) && code !== 'auto', `${what}: language ${code}`);
      assert.equal(new Set(e.languages).size, e.languages.length, `${what}: no language twice`);
      assert.equal(catalogEntry.check(e, what).languages?.length, e.languages.length, `${what}: passes the protocol's check`);
    }
    assert.ok(MODEL_CATALOG.some((e) => e.family === 'moonshine'));
    assert.ok(MODEL_CATALOG.some((e) => e.id === 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17'));
    assert.ok(MODEL_CATALOG.some((e) => e.id === 'sherpa-onnx-streaming-zipformer-en-2023-06-26'));
    for (const family of ['whisper', 'parakeet', 'nemotron'] as const) assert.ok(MODEL_CATALOG.some((e) => e.family === family), `a ${family} model is offered`);
  });

  test("the README's Languages section says what the catalog says", () => {
    const readme = fs.readFileSync(path.join(packageRoot(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Languages'), readme.indexOf('## How it is built'));
    assert.ok(section.length > 100, 'the README has a Languages section');
    for (const e of MODEL_CATALOG.filter((x) => ['whisper', 'parakeet', 'nemotron'].includes(x.family))) {
      const size = formatBytes(e.bytes).replace(' MB', '');
      assert.ok(section.includes(`${size} MB`) || section.includes(`${size},`), `${e.id}: its download size (${size} MB) as the panel shows it`);
    }
    const v3 = MODEL_CATALOG.find((e) => e.id.includes('parakeet-tdt-0.6b-v3'))?.languages ?? [];
    assert.ok(section.includes(`25 European: ${[...v3].sort().join(', ')} |`), 'the Parakeet v3 languages, sorted');
  });

  test('the catalog says which model suits which language', () => {
    const offering = (code: string) => MODEL_CATALOG.filter((e) => e.languages?.includes(code)).map((e) => e.id);
    assert.deepEqual(
      MODEL_CATALOG.filter((e) => e.languages?.length === 1).map((e) => [e.family, e.languages?.[0]]),
      MODEL_CATALOG.filter((e) => ['moonshine', 'zipformer', 'nemotron'].includes(e.family) || e.id.includes('parakeet-tdt-0.6b-v2')).map((e) => [e.family, 'en']),
      'the single-language models are the English ones',
    );
    assert.ok(offering('de').some((id) => id.includes('parakeet-tdt-0.6b-v3')) && offering('de').some((id) => id.includes('whisper')), 'German: Parakeet v3 and Whisper');
    assert.deepEqual(offering('ja'), MODEL_CATALOG.filter((e) => e.family === 'whisper').map((e) => e.id), 'Japanese: the Whisper models only');
    assert.deepEqual(offering('yue'), ['sherpa-onnx-whisper-turbo'], 'Cantonese: turbo only');
  });

  test('a full download installs exactly the listed files as a model resolveModel accepts', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const r = await downloadModel(entryFor(good, url), root, quick);
    assert.equal(r.id, 'test-zipformer');
    assert.equal(r.dir, path.join(root, 'test-zipformer'));
    assert.equal(r.bytes, good.body.length);
    assert.equal(r.resumed, false);
    assert.ok(r.elapsedMs >= 0);
    assertInstalled(r.dir, sharedEncoder());
    assertNoLeftovers(root);
    assert.deepEqual(fs.readdirSync(path.join(root, '.downloads')), [], 'the archive and its sidecar are removed once installed');
  });

  test('progress is reported, monotonic, and goes download -> verify -> extract -> install', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const events: DownloadProgress[] = [];
    await downloadModel(entryFor(good, url), root, { ...quick, onProgress: (p) => events.push({ ...p }) });
    const downloads = events.filter((e) => e.phase === 'download');
    assert.ok(downloads.length > 5, `several download reports (${downloads.length})`);
    for (let i = 1; i < downloads.length; i++) assert.ok(downloads[i].receivedBytes >= downloads[i - 1].receivedBytes, `download progress went back at report ${i}`);
    assert.equal(downloads.at(-1)?.receivedBytes, good.body.length);
    assert.ok(events.every((e) => e.totalBytes === good.body.length && e.resumed === false));
    const phases = events.map((e) => e.phase).filter((p, i, all) => i === 0 || all[i - 1] !== p);
    assert.deepEqual(phases, ['download', 'verify', 'extract', 'install']);
    const extracts = events.filter((e) => e.phase === 'extract');
    for (let i = 1; i < extracts.length; i++) assert.ok(extracts[i].receivedBytes >= extracts[i - 1].receivedBytes);
  });

  test('the default progress throttle reports far fewer times than there are chunks', async () => {
    const url = serve('/good.tar.bz2', good.body);
    let reports = 0;
    await fetchToPart({ url, partFile: path.join(fresh('parts'), 'x.part'), expectedBytes: good.body.length, onProgress: () => reports++ });
    const chunks = Math.ceil(good.body.length / CHUNK);
    assert.ok(reports >= 1 && reports < chunks / 4, `${reports} reports for ${chunks} chunks`);
  });

  test('a dropped connection keeps the part; the next call resumes with Range and passes the checksum', async () => {
    const root = fresh('models');
    const cut = 1_000_003;
    const url = serve('/good.tar.bz2', good.body, (call) => (call === 1 ? { dropAfter: cut } : {}));
    const entry = entryFor(good, url);
    await expectCode(downloadModel(entry, root, quick), 'DOWNLOAD_TRUNCATED', /1000003 of/, /try again/);
    assert.equal(fs.statSync(partOf(root)).size, cut, 'every byte received is kept');
    assertNothingInstalled(root);

    const events: DownloadProgress[] = [];
    const r = await downloadModel(entry, root, { ...quick, onProgress: (p) => events.push(p) });
    assert.equal(seen.length, 2);
    assert.equal(seen[0].range, undefined);
    assert.equal(seen[1].range, `bytes=${cut}-`);
    assert.equal(seen[1].ifRange, '"archive-v1"', 'the ETag is sent back so a changed file restarts');
    assert.equal(r.resumed, true);
    assert.ok(events.filter((e) => e.phase === 'download').every((e) => e.resumed && e.receivedBytes >= cut));
    assertInstalled(r.dir, sharedEncoder());
  });

  test('a server that ignores Range restarts from zero and still installs', async () => {
    const root = fresh('models');
    const url = serve('/norange.tar.bz2', good.body, (call) => (call === 1 ? { dropAfter: 700_001, ignoreRange: true } : { ignoreRange: true }));
    const entry = entryFor(good, url);
    await expectCode(downloadModel(entry, root, quick), 'DOWNLOAD_TRUNCATED');
    const r = await downloadModel(entry, root, quick);
    assert.equal(seen[1].range, 'bytes=700001-', 'the client asked to resume');
    assert.equal(r.resumed, false, 'the 200 answer restarted the file');
    assertInstalled(r.dir, sharedEncoder());
  });

  test('a corrupted archive (one byte flipped, same size) fails the checksum and installs nothing', async () => {
    const root = fresh('models');
    const bad = Buffer.from(good.body);
    bad[Math.floor(bad.length / 2)] ^= 0x40;
    const url = serve('/bad.tar.bz2', bad);
    await expectCode(downloadModel(entryFor(good, url), root, quick), 'DOWNLOAD_CHECKSUM', /sha256/, /deleted/, /try again/);
    assertNothingInstalled(root);
    assert.ok(!fs.existsSync(partOf(root)), 'the bad part is deleted');
    assert.ok(!fs.existsSync(`${partOf(root)}.json`));
  });

  test('a connection that closes before Content-Length is DOWNLOAD_TRUNCATED and installs nothing', async () => {
    const root = fresh('models');
    const url = serve('/short.tar.bz2', good.body, () => ({ dropAfter: 300_000 }));
    await expectCode(downloadModel(entryFor(good, url), root, quick), 'DOWNLOAD_TRUNCATED', /300000 of \d+ bytes/);
    assertNothingInstalled(root);
    assert.equal(fs.statSync(partOf(root)).size, 300_000, 'the part is kept for a retry');
  });

  test('cancelling mid-download is CANCELLED, installs nothing and keeps the part', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const controller = new AbortController();
    const onProgress = (p: DownloadProgress) => {
      if (p.phase === 'download' && p.receivedBytes >= 1_000_000) controller.abort();
    };
    await expectCode(downloadModel(entryFor(good, url), root, { ...quick, signal: controller.signal, onProgress }), 'CANCELLED', /cancelled/, /resume/);
    assertNothingInstalled(root);
    const size = fs.statSync(partOf(root)).size;
    assert.ok(size >= 1_000_000 && size < good.body.length, `part of ${size} bytes kept`);
    assert.ok(fs.existsSync(`${partOf(root)}.json`), 'with its sidecar, so it can resume');
  });

  test('cancelling while unpacking installs nothing and keeps the verified archive for the retry', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const controller = new AbortController();
    const onProgress = (p: DownloadProgress) => {
      if (p.phase === 'extract' && p.receivedBytes > 0) controller.abort();
    };
    await expectCode(downloadModel(entryFor(good, url), root, { ...quick, signal: controller.signal, onProgress }), 'CANCELLED');
    assertNothingInstalled(root);
    assert.equal(fs.statSync(partOf(root)).size, good.body.length);

    seen = [];
    const r = await downloadModel(entryFor(good, url), root, quick);
    assert.equal(seen.length, 0, 'the complete, verified part is not downloaded again');
    assert.equal(r.resumed, true);
    assertInstalled(r.dir, sharedEncoder());
  });

  test('an already aborted signal does nothing at all', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    await expectCode(downloadModel(entryFor(good, url), root, { signal: AbortSignal.abort() }), 'CANCELLED');
    assert.equal(seen.length, 0);
  });

  test('HTTP 404 is DOWNLOAD_FAILED naming the status and the URL', async () => {
    const root = fresh('models');
    const url = `${base}/missing.tar.bz2`;
    const e = await expectCode(downloadModel(entryFor(good, url), root, quick), 'DOWNLOAD_FAILED', /HTTP 404/, /missing\.tar\.bz2/);
    assert.ok(e.message.includes(url));
    assertNothingInstalled(root);
  });

  test('a stalled connection fails after the stall timeout and keeps the part', async () => {
    const root = fresh('models');
    const url = serve('/stall.tar.bz2', good.body, () => ({ stallAfter: 200_000 }));
    const t0 = Date.now();
    await expectCode(downloadModel(entryFor(good, url), root, { ...quick, stallTimeoutMs: 400 }), 'DOWNLOAD_FAILED', /stalled/, /no data arrived/);
    assert.ok(Date.now() - t0 < 8000, 'gave up well before the default 30 s');
    assert.equal(fs.statSync(partOf(root)).size, 200_000);
    assertNothingInstalled(root);
  });

  test('redirects are followed, but not more than 5', async () => {
    const target = serve('/good.tar.bz2', good.body);
    redirect('/r2', target);
    const url = redirect('/r1', '/r2');
    const part = path.join(fresh('parts'), 'x.part');
    const r = await fetchToPart({ url, partFile: part, expectedBytes: good.body.length });
    assert.equal(r.bytes, good.body.length);
    assert.ok(fs.readFileSync(part).equals(good.body));
    assert.deepEqual(seen.map((s) => s.path), ['/r1', '/r2', '/good.tar.bz2']);

    for (let i = 0; i < 7; i++) redirect(`/loop${i}`, `/loop${i + 1}`);
    await expectCode(downloadModel(entryFor(good, `${base}/loop0`), fresh('models'), quick), 'DOWNLOAD_FAILED', /more than 5 redirects/);
  });

  test('an archive with ../ and absolute entries writes nothing outside staging and is refused', async () => {
    const root = fresh('models');
    const url = serve('/evil.tar.bz2', evil.body);
    await expectCode(downloadModel(entryFor(evil, url), root, quick), 'ARCHIVE_INVALID', /outside its folder/, /\.\.\/evil/);
    assert.ok(!fs.existsSync(evilOutside), `${evilOutside} must not be written`);
    assert.ok(!fs.existsSync(evilAbsolute), `${evilAbsolute} must not be written`);
    assert.ok(!fs.existsSync(path.join(root, 'evil')), 'nor next to the staging directory');
    assertNothingInstalled(root);
  });

  test('a new version replaces the installed model as a whole', async () => {
    const root = fresh('models');
    const first = await downloadModel(entryFor(good, serve('/good.tar.bz2', good.body)), root, quick);
    fs.writeFileSync(path.join(first.dir, 'stale-from-v1'), 'x');
    const second = await downloadModel(entryFor(v2, serve('/v2.tar.bz2', v2.body)), root, quick);
    assert.equal(second.dir, first.dir);
    assertInstalled(second.dir, path.join(sharedPath(ZIPFORMER_DIR), 'encoder.int8.fixed.onnx'));
    assertNoLeftovers(root);
  });

  test('a failed update keeps the installed model untouched', async () => {
    const root = fresh('models');
    const first = await downloadModel(entryFor(good, serve('/good.tar.bz2', good.body)), root, quick);
    fs.writeFileSync(path.join(first.dir, 'marker'), 'v1');
    const before = fs.readdirSync(first.dir).sort();

    await expectCode(downloadModel(entryFor(v2, `${base}/gone.tar.bz2`), root, quick), 'DOWNLOAD_FAILED', /404/);
    assert.deepEqual(fs.readdirSync(first.dir).sort(), before);

    // Downloads and unpacks fine, but is not a usable model: never promoted.
    const e = await expectCode(downloadModel(entryFor(tokensMismatch, serve('/mismatch.tar.bz2', tokensMismatch.body)), root, quick), 'ARCHIVE_INVALID', /not a usable model/, /501 tokens/);
    assert.equal(e.detail, 'MODEL_TOKENS_MISMATCH');
    assert.deepEqual(fs.readdirSync(first.dir).sort(), before);
    assert.equal(fs.readFileSync(path.join(first.dir, 'marker'), 'utf8'), 'v1');
    assert.ok(fs.readFileSync(path.join(first.dir, 'encoder.int8.onnx')).equals(fs.readFileSync(sharedEncoder())));
    assertNoLeftovers(root);
    assert.ok(!fs.existsSync(partOf(root)), 'a verified archive that is not a model is not kept');
  });

  test('a .tgz entry (npm-style, files two levels down) installs too', async () => {
    const root = fresh('models');
    const url = serve('/model.tgz', tgz.body);
    const r = await downloadModel(entryFor(tgz, url, { id: 'test-tgz', archive: 'tgz', root: 'package/model' }), root, quick);
    assert.equal(r.dir, path.join(root, 'test-tgz'));
    assertInstalled(r.dir, sharedEncoder());
  });

  test('two downloads of the same model at once: the second is refused as BUSY', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const entry = entryFor(good, url);
    const controller = new AbortController();
    const first = downloadModel(entry, root, { ...quick, signal: controller.signal });
    await expectCode(downloadModel(entry, root, quick), 'BUSY', /already/);
    controller.abort();
    await expectCode(first, 'CANCELLED');
    assert.ok(!fs.existsSync(`${partOf(root)}.lock`), 'the lock is released');
  });

  test('a lock left by a download process that exited is stale: the next download takes it over and installs', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const lock = `${partOf(root)}.lock`;
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']); // a real process, run and reaped: its pid is dead
    assert.ok(gone.pid);
    fs.writeFileSync(lock, String(gone.pid));
    const r = await downloadModel(entryFor(good, url), root, quick);
    assertInstalled(r.dir, sharedEncoder());
    assert.ok(!fs.existsSync(lock), 'the taken-over lock is released');
  });

  test('a lock held by another live process is BUSY and left alone', async () => {
    const root = fresh('models');
    const url = serve('/good.tar.bz2', good.body);
    const lock = `${partOf(root)}.lock`;
    fs.mkdirSync(path.dirname(lock), { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      assert.ok(child.pid);
      fs.writeFileSync(lock, String(child.pid));
      await expectCode(downloadModel(entryFor(good, url), root, quick), 'BUSY', /another VS Code window/);
      assert.equal(fs.readFileSync(lock, 'utf8'), String(child.pid));
      assert.ok(!fs.existsSync(path.join(root, 'test-zipformer')), 'nothing installed');
    } finally {
      child.kill();
    }
  });

  test('a full disk is DISK_FULL', async () => {
    const dir = fresh('full');
    const part = path.join(dir, 'x.part');
    fs.symlinkSync('/dev/full', part);
    const url = serve('/good.tar.bz2', good.body);
    await expectCode(fetchToPart({ url, partFile: part, expectedBytes: good.body.length, stallTimeoutMs: 5000 }), 'DISK_FULL', /disk is full/, /Free some space/);
  });

  describe('extraction on its own', () => {
    const spec = { archive: 'tar.bz2' as const, root: MODEL, files: [...FILES] };

    test('the system bzip2 and the pure-JS decoder unpack the same files', async () => {
      assert.ok(systemBzip2(), 'bzip2 is on PATH (scripts/setup.sh installs it)');
      const file = path.join(fresh('both'), 'm.tar.bz2');
      fs.writeFileSync(file, good.body);
      const a = fresh('dest');
      const b = fresh('dest');
      await extractArchive(file, spec, a);
      await extractArchive(file, spec, b, { pureJsBzip2: true });
      assert.deepEqual(fs.readdirSync(a).sort(), [...FILES].sort());
      for (const f of FILES) assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), f);
    });

    for (const pureJsBzip2 of [false, true]) {
      test(`garbage and truncated archives are ARCHIVE_INVALID (${pureJsBzip2 ? 'pure-JS' : 'system'} bzip2)`, async () => {
        const dir = fresh('x');
        const garbage = path.join(dir, 'garbage.tar.bz2');
        fs.writeFileSync(garbage, crypto.randomBytes(50_000));
        await expectCode(extractArchive(garbage, spec, fresh('dest'), { pureJsBzip2 }), 'ARCHIVE_INVALID', /garbage\.tar\.bz2/);
        const cut = path.join(dir, 'cut.tar.bz2');
        fs.writeFileSync(cut, good.body.subarray(0, Math.floor(good.body.length / 2)));
        await expectCode(extractArchive(cut, spec, fresh('dest'), { pureJsBzip2 }), 'ARCHIVE_INVALID');
      });
    }

    test('garbage .tgz is ARCHIVE_INVALID', async () => {
      const dir = fresh('x');
      const gz = path.join(dir, 'garbage.tgz');
      fs.writeFileSync(gz, crypto.randomBytes(50_000));
      await expectCode(extractArchive(gz, { ...spec, archive: 'tgz' }, fresh('dest')), 'ARCHIVE_INVALID');
    });

    test('a listed file missing from the archive is ARCHIVE_INVALID naming it', async () => {
      const parent = fresh('small');
      fs.mkdirSync(path.join(parent, 'm'));
      fs.writeFileSync(path.join(parent, 'm', 'a.onnx'), 'a');
      const file = path.join(parent, 'small.tar.bz2');
      tarc(['-cjf', file, '-C', parent, 'm']);
      const small = { archive: 'tar.bz2' as const, root: 'm', files: ['a.onnx'] };
      await extractArchive(file, small, fresh('dest'));
      await expectCode(extractArchive(file, { ...small, files: ['a.onnx', 'bpe.model'] }, fresh('dest')), 'ARCHIVE_INVALID', /m\/bpe\.model/);
      await expectCode(extractArchive(file, { ...small, root: 'other-root' }, fresh('dest')), 'ARCHIVE_INVALID', /other-root\/a\.onnx/, /holds m\b/);
    });

    test('a listed file that is a link (pointing outside) is refused and no link is created', async () => {
      const parent = fresh('links');
      const dir = path.join(parent, 'm');
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'a.onnx'), 'a');
      fs.symlinkSync('../../../../../../etc/passwd', path.join(dir, 'tokens.txt'));
      fs.symlinkSync('/etc', path.join(dir, 'escape'));
      const file = path.join(parent, 'links.tar.bz2');
      tarc(['-cjf', file, '-C', parent, 'm']);
      const dest = fresh('dest');
      await expectCode(extractArchive(file, { archive: 'tar.bz2', root: 'm', files: ['a.onnx', 'tokens.txt'] }, dest), 'ARCHIVE_INVALID', /tokens\.txt \(SymbolicLink\)/);
      assert.deepEqual(fs.readdirSync(dest), ['a.onnx'], 'only the regular file was written');
    });
  });
});

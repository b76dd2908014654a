/**
 * The model tools through the real sidecar and protocol: catalog, inspection, export with progress
 * and cancel, the BUSY rules against dictation, and a download from a loopback server (the
 * sidecar's catalog replaced through MURMUR_CATALOG_FILE) that installs a model which then loads.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { MODEL_CATALOG } from '../../src/engine/download';
import type { CatalogEntry } from '../../src/engine/download/types';
import { defaultModelDir } from '../../src/engine/paths';
import { PROTOCOL_VERSION } from '../../src/protocol';
import { referenceOutputs, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
const REFERENCE = path.join(ZIPFORMER_DIR, 'reference-output.sherpa-onnx-node-1.13.8.txt');
const CARD = { author: 'Murmur tests', name: 'kws-zipformer', version: '0.0.1', license: 'Apache-2.0', language: 'en', description: 'test export', source: 'k2-fsa' };

describe('model tools in the sidecar', () => {
  const work = tempCacheDir('murmur-tools-test-');
  const cache = path.join(work.dir, 'ort');
  let client: SidecarClient;
  let server: http.Server;
  let entry: CatalogEntry;

  before(async () => {
    // A sherpa-style archive of the shared Zipformer, served on loopback; the sidecar's catalog
    // names only it.
    const parent = path.join(work.dir, 'archive-src');
    const root = 'sherpa-onnx-test-zipformer';
    fs.mkdirSync(path.join(parent, root), { recursive: true });
    const files = ['encoder.int8.fixed.onnx', 'decoder.onnx', 'joiner.int8.onnx', 'tokens.txt'];
    for (const f of files) fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), f), path.join(parent, root, f));
    const archive = path.join(work.dir, 'model.tar.bz2');
    execFileSync('tar', ['-cjf', archive, '-C', parent, root]);
    const body = fs.readFileSync(archive);
    server = http.createServer((req, res) => {
      if (req.url !== '/model.tar.bz2') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-bzip2' }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    entry = {
      id: 'test-zipformer',
      title: 'Test Zipformer',
      family: 'zipformer',
      description: 'the shared test model',
      url: `http://127.0.0.1:${port}/model.tar.bz2`,
      bytes: body.length,
      sha256: crypto.createHash('sha256').update(body).digest('hex'),
      archive: 'tar.bz2',
      root,
      files,
      license: 'Apache-2.0',
      page: 'loopback',
    };
    const catalogFile = path.join(work.dir, 'catalog.json');
    fs.writeFileSync(catalogFile, JSON.stringify([entry]));
    client = new SidecarClient({ env: { ...process.env, MURMUR_CACHE_DIR: cache, MURMUR_CATALOG_FILE: catalogFile } });
    await client.call('hello', { version: PROTOCOL_VERSION });
  });
  after(async () => {
    await client.close();
    server.close();
    work.remove();
  });

  test('the built-in catalog is valid on the wire', async () => {
    const plain = new SidecarClient();
    try {
      await plain.call('hello', { version: PROTOCOL_VERSION });
      const { entries } = await plain.call('modelCatalog', {});
      assert.deepEqual(entries.map((e) => e.id), MODEL_CATALOG.map((e) => e.id));
    } finally {
      await plain.close();
    }
  });

  test('inspects the embedded model', async () => {
    const info = await client.call('inspectModel', { location: { dir: defaultModelDir() } });
    assert.equal(info.family, 'moonshine');
    assert.deepEqual(info.files.map((f) => path.basename(f.path)).sort(), ['decoder_model_merged.onnx', 'encoder_model.onnx']);
    assert.equal(info.totalBytes, info.files.reduce((s, f) => s + f.bytes, 0));
    assert.ok(info.files.every((f) => f.format === 'onnx' && (f.opset ?? 0) > 0));
  });

  test('exports with progress events; the export loads and transcribes like its source', async () => {
    const outputDir = path.join(work.dir, 'export-ort');
    const from = client.messages.length;
    const result = await client.call('exportModel', { task: 7, options: { source: { dir: sharedPath(ZIPFORMER_DIR) }, format: 'ort', optimization: 'all', outputDir, card: CARD, overwrite: false } }, 300_000);
    const progress = client.events('taskProgress', from).filter((e) => e.task === 7);
    assert.ok(progress.length >= 3, `${progress.length} progress events`);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].fraction >= progress[i - 1].fraction, 'progress only moves forward');
    assert.equal(result.outputDir, outputDir);
    assert.ok(fs.existsSync(result.cardPath) && fs.existsSync(result.manifestPath));
    for (const f of result.files) assert.equal(fs.statSync(path.join(outputDir, f.name)).size, f.bytes, f.name);

    await client.call('loadModel', { location: result.location, threads: 1, cacheDir: cache }, 120_000);
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false }, options: { normalizeGain: false } });
    // While dictating, exports and comparisons are refused (they would take this thread for seconds).
    const busy = await client.callError('exportModel', { task: 8, options: { source: { dir: sharedPath(ZIPFORMER_DIR) }, format: 'ort', optimization: 'all', outputDir: path.join(work.dir, 'never'), card: CARD, overwrite: false } });
    assert.equal(busy.code, 'BUSY');
    assert.ok(!fs.existsSync(path.join(work.dir, 'never')));
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 60_000, start);
    const text = client.events('final', start).map((e) => e.text).join(' ');
    assert.equal(text, referenceOutputs(REFERENCE).get('goforward.wav'));
    await client.call('unloadModel', {});
  });

  test('a second export to the same folder is EXPORT_EXISTS unless overwrite is set', async () => {
    const outputDir = path.join(work.dir, 'export-ort');
    const options = { source: { dir: sharedPath(ZIPFORMER_DIR) }, format: 'ort' as const, optimization: 'basic' as const, outputDir, card: CARD, overwrite: false };
    const error = await client.callError('exportModel', { task: 9, options }, 300_000);
    assert.equal(error.code, 'EXPORT_EXISTS');
    const again = await client.call('exportModel', { task: 10, options: { ...options, overwrite: true } }, 300_000);
    assert.equal(again.outputDir, outputDir);
  });

  test('cancelTask stops an export: CANCELLED, and no output folder', async () => {
    const outputDir = path.join(work.dir, 'export-cancelled');
    const from = client.messages.length;
    const running = client.callError('exportModel', { task: 11, options: { source: { dir: defaultModelDir() }, format: 'ort', optimization: 'all', outputDir, card: CARD, overwrite: false } }, 300_000);
    await client.waitForEvent('taskProgress', (e) => e.task === 11, 60_000, from);
    assert.deepEqual(await client.call('cancelTask', { task: 11 }), { cancelled: true });
    const error = await running;
    assert.equal(error.code, 'CANCELLED');
    assert.ok(!fs.existsSync(outputDir), 'nothing was promoted');
    assert.deepEqual(fs.readdirSync(work.dir).filter((f) => f.includes('staging')), [], 'no staging folder left');
    assert.deepEqual(await client.call('cancelTask', { task: 11 }), { cancelled: false });
  });

  test('downloads a catalog model from the (loopback) server and installs a model that loads', async () => {
    const modelsRoot = path.join(work.dir, 'models');
    const from = client.messages.length;
    const result = await client.call('downloadModel', { task: 12, entryId: entry.id, modelsRoot }, 120_000);
    assert.equal(result.dir, path.join(modelsRoot, entry.id));
    assert.deepEqual(fs.readdirSync(result.dir).sort(), [...entry.files].sort());
    const phases = new Set(client.events('taskProgress', from).filter((e) => e.task === 12).map((e) => e.phase));
    assert.ok(phases.has('download') && phases.has('install'), [...phases].join(', '));
    const info = await client.call('loadModel', { location: { dir: result.dir }, threads: 1, cacheDir: cache }, 120_000);
    assert.equal(info.family, 'zipformer');
    await client.call('unloadModel', {});
    const unknown = await client.callError('downloadModel', { task: 13, entryId: 'no-such-model', modelsRoot });
    assert.equal(unknown.code, 'DOWNLOAD_FAILED');
    assert.match(unknown.message, /no-such-model/);
  });
});

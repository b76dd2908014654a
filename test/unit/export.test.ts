/**
 * Model export on the real shared models: ORT exports of Moonshine and the Zipformer load and
 * transcribe exactly as their sources; an optimised-ONNX export does too; card and manifest carry
 * the right hashes; the target folder is replaced only when asked and never when it holds other
 * files; cancellation and unwritable folders leave nothing behind; inspection and the fresh-process
 * comparison report what they should.
 */
import { describe, test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { MurmurError } from '../../src/engine/errors';
import { compareModels } from '../../src/engine/export/compare';
import { cardFileName } from '../../src/engine/export/card';
import { exportModel } from '../../src/engine/export/exporter';
import { inspectModel } from '../../src/engine/export/inspect';
import { MANIFEST_NAME, parseManifest } from '../../src/engine/export/manifest';
import type { ComparisonRow, ExportOptions, ExportResult, ModelCard } from '../../src/engine/export/types';
import { resolveModel } from '../../src/engine/models/detect';
import { loadModel } from '../../src/engine/models/load';
import type { ModelLocation } from '../../src/engine/models/spec';
import type { LoadedModel, RecognizerEvent, RecognizerOptions } from '../../src/engine/recognizer';
import { clips, MOONSHINE_DIR, referenceOutputs, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';
import { normalizeWords, wordErrorRate } from '../helpers/wer';

const exact: Partial<RecognizerOptions> = { endpointing: false, normalizeGain: false, partials: false };

async function transcribe(model: LoadedModel, file: string): Promise<string> {
  const samples = toMono16k(readWav(file));
  const rec = model.createRecognizer(exact);
  const events: RecognizerEvent[] = [];
  for (let i = 0; i < samples.length; i += 1600) events.push(...(await rec.accept(samples.subarray(i, i + 1600))));
  events.push(...(await rec.finish()));
  return events
    .filter((e) => e.type === 'final')
    .map((e) => e.text)
    .join(' ');
}

/** A pattern matching `text` as it is (paths in messages). */
const literally = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

const card: ModelCard = {
  author: 'Useful Sensors / Murmur tests',
  name: 'moonshine tiny (en)',
  version: '0.0.1',
  license: 'MIT',
  language: 'en',
  description: 'Moonshine tiny, int8, exported | for the tests.',
  source: 'npm:@moonshine-ai/moonshine-js@0.1.29',
};

async function expectError(run: () => Promise<unknown>, code: string, ...patterns: RegExp[]): Promise<MurmurError> {
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

describe('model export', () => {
  const work = tempCacheDir('murmur-export-');
  const sourceCache = tempCacheDir('murmur-export-src-cache-');
  const exportCache = tempCacheDir('murmur-export-exp-cache-');
  const moonshine: ModelLocation = { dir: sharedPath(MOONSHINE_DIR) };
  const zipformer: ModelLocation = { dir: sharedPath(ZIPFORMER_DIR) };
  let moonExport: ExportResult;
  let zipExport: ExportResult;
  const options = (source: ModelLocation, outputDir: string, extra: Partial<ExportOptions> = {}): ExportOptions => ({
    source,
    format: 'ort',
    optimization: 'all',
    outputDir,
    card,
    overwrite: false,
    ...extra,
  });

  before(async () => {
    const fractions: number[] = [];
    moonExport = await exportModel(options(moonshine, path.join(work.dir, 'moonshine-ort')), { onProgress: (p) => fractions.push(p.fraction) });
    zipExport = await exportModel(options(zipformer, path.join(work.dir, 'nested', 'zipformer-ort')));
    assert.ok(fractions.length >= 5 && fractions.at(-1) === 1, `progress: ${fractions.join(', ')}`);
    for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i] >= fractions[i - 1], 'progress only grows');
    console.log(`  exports: moonshine ${moonExport.elapsedMs.toFixed(0)} ms, zipformer ${zipExport.elapsedMs.toFixed(0)} ms`);
  });
  after(() => {
    work.remove();
    sourceCache.remove();
    exportCache.remove();
  });

  test('the Moonshine ORT export loads by mapping its files and transcribes the pocketsphinx clips exactly as the source', async () => {
    assert.equal(moonExport.family, 'moonshine');
    assert.deepEqual(fs.readdirSync(moonExport.outputDir).filter((f) => f.endsWith('.ort')).sort(), ['decoder_model_merged.ort', 'encoder_model.ort']);
    const source = await loadModel(moonshine, { threads: 1, cacheDir: sourceCache.dir });
    const exported = await loadModel(moonExport.location, { threads: 1, cacheDir: exportCache.dir });
    try {
      assert.equal(exported.family, 'moonshine');
      const pocket = clips().filter((c) => c.path.includes('pocketsphinx'));
      assert.ok(pocket.length >= 6);
      for (const clip of pocket) {
        const want = await transcribe(source, clip.path);
        const got = await transcribe(exported, clip.path);
        assert.ok(want.length > 0, clip.name);
        assert.equal(got, want, clip.name);
        console.log(`  ${clip.name}: ${got}`);
      }
    } finally {
      await Promise.all([source.dispose(), exported.dispose()]);
    }
    // Loading the export converted nothing: its ORT files were used as they are.
    const converted = fs.readdirSync(exportCache.dir).filter((f) => f.endsWith('.ort') && !f.startsWith('silero_vad'));
    assert.deepEqual(converted, []);
  });

  test('the Zipformer ORT export takes its metadata from the manifest and transcribes the librispeech clips exactly as the source', async () => {
    const resolved = resolveModel(zipExport.location);
    assert.equal(resolved.files.family, 'zipformer');
    assert.ok(resolved.files.family === 'zipformer' && resolved.files.bpeModel, 'bpe.model copied and found');
    assert.equal(path.basename(resolved.files.encoder), 'encoder.ort');
    assert.equal(resolved.onnx.encoder.metadata.model_type, 'zipformer2');
    assert.equal(resolved.onnx.encoder.metadata.T, '45');
    assert.equal(resolved.onnx.encoder.metadata.decode_chunk_len, '32');
    assert.equal(resolved.onnx.decoder.metadata.vocab_size, '500');
    const manifest = parseManifest(JSON.parse(fs.readFileSync(zipExport.manifestPath, 'utf8')) as unknown);
    assert.equal(path.basename(manifest.source.encoder), 'encoder.int8.fixed.onnx', 'the patched encoder (README: USE THIS ONE)');

    const refs = referenceOutputs(path.join(ZIPFORMER_DIR, 'reference-output.sherpa-onnx-node-1.13.8.txt'));
    const source = await loadModel(zipformer, { threads: 1, cacheDir: sourceCache.dir });
    const exported = await loadModel(zipExport.location, { threads: 1, cacheDir: exportCache.dir });
    try {
      const libri = clips().filter((c) => c.path.includes('librispeech'));
      assert.ok(libri.length >= 2);
      for (const clip of libri) {
        const want = await transcribe(source, clip.path);
        const got = await transcribe(exported, clip.path);
        assert.equal(got, want, clip.name);
        assert.equal(got, refs.get(clip.name), clip.name);
      }
    } finally {
      await Promise.all([source.dispose(), exported.dispose()]);
    }
  });

  test('an optimised-ONNX export (Zipformer, level "extended") loads and transcribes exactly as the source', async () => {
    const result = await exportModel(options(zipformer, path.join(work.dir, 'zipformer-onnx'), { format: 'onnx', optimization: 'extended' }));
    const names = fs.readdirSync(result.outputDir).sort();
    assert.ok(['encoder.onnx', 'decoder.onnx', 'joiner.onnx', 'tokens.txt', 'bpe.model', MANIFEST_NAME].every((n) => names.includes(n)), names.join(', '));
    assert.equal(resolveModel(result.location).onnx.encoder.metadata.T, '45');
    const source = await loadModel(zipformer, { threads: 1, cacheDir: sourceCache.dir });
    const exported = await loadModel(result.location, { threads: 1, cacheDir: exportCache.dir });
    try {
      for (const clip of clips().filter((c) => c.path.includes('librispeech'))) assert.equal(await transcribe(exported, clip.path), await transcribe(source, clip.path), clip.name);
    } finally {
      await Promise.all([source.dispose(), exported.dispose()]);
    }
  });

  test('card and manifest exist and carry the sha256 of every file', () => {
    for (const result of [moonExport, zipExport]) {
      assert.equal(path.basename(result.cardPath), cardFileName(card));
      assert.match(path.basename(result.cardPath), /^Useful-Sensors-Murmur-tests_moonshine-tiny-en_0\.0\.1\.md$/);
      assert.ok(fs.existsSync(result.cardPath) && fs.existsSync(result.manifestPath));
      const manifest = parseManifest(JSON.parse(fs.readFileSync(result.manifestPath, 'utf8')) as unknown);
      assert.equal(manifest.family, result.family);
      assert.equal(manifest.format, 'ort');
      assert.deepEqual(manifest.card, card);
      const cardText = fs.readFileSync(result.cardPath, 'utf8');
      for (const f of result.files) {
        const file = path.join(result.outputDir, f.name);
        assert.equal(f.sha256, sha256(file), f.name);
        assert.equal(f.bytes, fs.statSync(file).size, f.name);
        if (f.role !== 'card' && f.role !== 'manifest') assert.ok(cardText.includes(f.sha256), `card lists ${f.name}'s sha256`);
        if (f.role !== 'manifest') assert.equal(manifest.files.find((m) => m.name === f.name)?.sha256, f.sha256, f.name);
      }
      // Exactly what is in the folder, nothing more.
      assert.deepEqual(result.files.map((f) => f.name).sort(), fs.readdirSync(result.outputDir).sort());
      for (const m of manifest.files.filter((m) => m.onnx)) assert.equal(m.source?.sha256, sha256(m.source?.path ?? ''), `source hash of ${m.name}`);
      assert.match(cardText, /murmur\.model\.path/);
      assert.ok(cardText.includes(JSON.stringify(result.outputDir)), 'card says where to point murmur.model.path');
      assert.ok(cardText.includes(card.description), 'the description, as written');
    }
    const zipManifest = parseManifest(JSON.parse(fs.readFileSync(zipExport.manifestPath, 'utf8')) as unknown);
    assert.equal(zipManifest.files.find((f) => f.role === 'encoder')?.onnx?.metadata.left_context_len, '64,32,16,8,16,32');
    assert.ok(zipManifest.onnxruntime.length > 0);
  });

  test('an existing export is replaced only with overwrite, and the replacement loads', async () => {
    const dir = path.join(work.dir, 'overwrite');
    const first = await exportModel(options(zipformer, dir));
    const firstCreated = parseManifest(JSON.parse(fs.readFileSync(first.manifestPath, 'utf8')) as unknown).createdAt;
    await expectError(() => exportModel(options(zipformer, dir)), 'EXPORT_EXISTS', /overwrit/i, /another folder/);
    assert.equal(parseManifest(JSON.parse(fs.readFileSync(first.manifestPath, 'utf8')) as unknown).createdAt, firstCreated, 'untouched');
    const second = await exportModel(options(zipformer, dir, { overwrite: true, optimization: 'basic' }));
    const manifest = parseManifest(JSON.parse(fs.readFileSync(second.manifestPath, 'utf8')) as unknown);
    assert.equal(manifest.optimization, 'basic');
    assert.notEqual(manifest.createdAt, firstCreated);
    assert.deepEqual(fs.readdirSync(work.dir).filter((n) => n.includes('murmur-')), [], 'no staging or old copies left');
    const model = await loadModel(second.location, { threads: 1, cacheDir: exportCache.dir });
    try {
      const clip = clips().find((c) => c.name === 'goforward.wav');
      assert.ok(clip);
      assert.equal(await transcribe(model, clip.path), 'GO FORWARD TEN METERS');
    } finally {
      await model.dispose();
    }
  });

  test('a non-empty folder that is not a Murmur export is refused, even with overwrite, and its files are untouched', async () => {
    const dir = path.join(work.dir, 'user-folder');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    for (const overwrite of [false, true]) await expectError(() => exportModel(options(zipformer, dir, { overwrite })), 'EXPORT_EXISTS', /empty folder/);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
    assert.equal(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
    // An empty folder is fine.
    const empty = path.join(work.dir, 'empty-folder');
    fs.mkdirSync(empty);
    const result = await exportModel(options(zipformer, empty));
    assert.ok(fs.existsSync(path.join(result.outputDir, MANIFEST_NAME)));
  });

  test('cancelling leaves neither a staging directory nor the output folder', async () => {
    const parent = path.join(work.dir, 'cancel');
    fs.mkdirSync(parent);
    const controller = new AbortController();
    const messages: string[] = [];
    const out = path.join(parent, 'model');
    await expectError(
      () =>
        exportModel(options(zipformer, out), {
          signal: controller.signal,
          onProgress: (p) => {
            messages.push(p.message);
            // The last step before the rename: cancel there.
            if (/^Checking the exported/.test(p.message)) controller.abort();
          },
        }),
      'CANCELLED',
      /nothing was written/,
    );
    assert.ok(messages.some((m) => /^Checking the exported/.test(m)), messages.join(' | '));
    assert.deepEqual(fs.readdirSync(parent), []);
    // Between files, too; and an already-aborted signal does nothing at all.
    const between = new AbortController();
    await expectError(() => exportModel(options(zipformer, out), { signal: between.signal, onProgress: (p) => {
      if (p.message.startsWith('Optimising')) between.abort();
    } }), 'CANCELLED');
    await expectError(() => exportModel(options(zipformer, out), { signal: AbortSignal.abort() }), 'CANCELLED');
    assert.deepEqual(fs.readdirSync(parent), []);
  });

  test('an unwritable destination is EXPORT_UNWRITABLE naming the folder, and nothing is left behind', async () => {
    // A path under a regular file cannot be created, whoever runs the test (root included).
    const file = path.join(work.dir, 'a-file');
    fs.writeFileSync(file, 'x');
    await expectError(() => exportModel(options(zipformer, path.join(file, 'sub'))), 'EXPORT_UNWRITABLE', literally(file));
    await expectError(() => exportModel(options(zipformer, path.join(file, 'sub', 'deeper'))), 'EXPORT_UNWRITABLE');
    assert.equal(fs.readFileSync(file, 'utf8'), 'x');
    // A read-only folder stops everyone but root (root writes anyway: then the export succeeds).
    const readOnly = path.join(work.dir, 'read-only');
    fs.mkdirSync(readOnly);
    fs.chmodSync(readOnly, 0o555);
    try {
      if (process.getuid?.() === 0) {
        await exportModel(options(zipformer, path.join(readOnly, 'model')));
      } else {
        await expectError(() => exportModel(options(zipformer, path.join(readOnly, 'model'))), 'EXPORT_UNWRITABLE', /permission denied/, literally(readOnly));
        assert.deepEqual(fs.readdirSync(readOnly), []);
      }
    } finally {
      fs.chmodSync(readOnly, 0o755);
    }
  });

  test('DeepSpeech and ORT-format sources are refused with their own errors', async () => {
    const ds = path.join(work.dir, 'deepspeech');
    fs.mkdirSync(ds);
    fs.writeFileSync(path.join(ds, 'output_graph.pbmm'), crypto.randomBytes(4096));
    fs.writeFileSync(path.join(ds, 'alphabet.txt'), 'a\nb\n');
    const out = path.join(work.dir, 'from-deepspeech');
    await expectError(() => exportModel(options({ dir: ds }, out)), 'MODEL_DEEPSPEECH', /tf2onnx/);
    assert.ok(!fs.existsSync(out));
    await expectError(() => exportModel(options(moonExport.location, path.join(work.dir, 'twice'))), 'EXPORT_UNSUPPORTED', /original ONNX/);
  });

  test('inspectModel reports family, files, sizes, opset, quantisation and metadata', () => {
    const moon = inspectModel(moonshine);
    assert.equal(moon.family, 'moonshine');
    assert.deepEqual(
      moon.files.map((f) => [f.role, path.basename(f.path), f.format]),
      [
        ['encoder', 'encoder_model.onnx', 'onnx'],
        ['decoder', 'decoder_model_merged.onnx', 'onnx'],
      ],
    );
    for (const f of moon.files) assert.equal(f.bytes, fs.statSync(f.path).size);
    assert.equal(moon.totalBytes, moon.files.reduce((s, f) => s + f.bytes, 0));
    assert.equal(moon.files[1].opset, 14);
    assert.ok(moon.files.every((f) => f.quantization && ['int8', 'uint8', 'mixed'].includes(f.quantization)), JSON.stringify(moon.files.map((f) => f.quantization)));

    const zip = inspectModel(zipformer);
    assert.equal(zip.family, 'zipformer');
    assert.deepEqual(
      zip.files.map((f) => f.role),
      ['encoder', 'decoder', 'joiner', 'tokens'],
    );
    const enc = zip.files[0];
    assert.equal(path.basename(enc.path), 'encoder.int8.fixed.onnx');
    assert.equal(enc.metadata.model_type, 'zipformer2');
    assert.ok((enc.opset ?? 0) >= 13, `opset ${enc.opset}`);
    assert.equal(zip.files[1].quantization, 'float32', 'decoder.onnx is fp32');
    assert.ok(enc.producer, 'producer');
    console.log(`  quantisation: moonshine ${moon.files.map((f) => f.quantization).join('/')}, zipformer ${zip.files.map((f) => f.quantization ?? '-').join('/')}`);

    const exported = inspectModel(zipExport.location);
    assert.deepEqual(
      exported.files.map((f) => f.format),
      ['ort', 'ort', 'ort', 'text'],
    );
    assert.equal(exported.files[0].metadata.T, '45');
    assert.equal(exported.files[0].opset, enc.opset);
    assert.match(exported.files[0].producer ?? '', /^onnxruntime /);
  });

  test('compareModels measures source and ORT export in fresh processes: same transcript, mapped weights shared', async () => {
    // media/sample-clip.wav is 0880 of the pocketsphinx clips: the human transcript is "he was not
    // an ill disposed young man", but Moonshine tiny hears "ill-sposed" (its reference output), on
    // every load path and recognizer setting. So: exactly the model's reference words, and within
    // one word of the human transcript.
    const human = 'he was not an ill disposed young man';
    const modelSays = referenceOutputs(`${MOONSHINE_DIR}/reference-output.onnxruntime-node-1.30.txt`).get('sense_and_sensibility_01_austen_64kb-0880.wav') ?? '';
    // The probes inherit the environment: their ORT cache (the export row's VAD) goes to a temp dir.
    const savedCache = process.env.MURMUR_CACHE_DIR;
    process.env.MURMUR_CACHE_DIR = exportCache.dir;
    let rows: ComparisonRow[];
    try {
      rows = await compareModels(moonshine, moonExport.location);
    } finally {
      if (savedCache === undefined) delete process.env.MURMUR_CACHE_DIR;
      else process.env.MURMUR_CACHE_DIR = savedCache;
    }
    assert.equal(rows.length, 2);
    const [src, exp] = rows;
    const mb = (b?: number) => (b === undefined ? '-' : (b / 1e6).toFixed(1));
    for (const r of rows) {
      console.log(`  ${r.label} [${r.format}]: files ${mb(r.fileBytes)} MB, load ${r.loadMs.toFixed(0)} ms, rtf ${r.rtf.toFixed(3)}, RSS ${mb(r.rssBytes)} MB, private ${mb(r.privateBytes)} MB, shared ${mb(r.sharedBytes)} MB | ${r.transcript}`);
      assert.ok(r.loadMs > 0 && r.rtf > 0 && r.rssBytes > 0);
      assert.deepEqual(normalizeWords(r.transcript), normalizeWords(modelSays), r.transcript);
      assert.ok(wordErrorRate(human, r.transcript).errors <= 1, r.transcript);
    }
    assert.equal(src.format, 'onnx');
    assert.equal(exp.format, 'ort');
    assert.equal(exp.transcript, src.transcript);
    if (process.platform === 'linux') {
      assert.ok(src.privateBytes !== undefined && src.sharedBytes !== undefined && exp.privateBytes !== undefined && exp.sharedBytes !== undefined);
      assert.ok(exp.sharedBytes > src.sharedBytes, `export shared ${mb(exp.sharedBytes)} MB vs source ${mb(src.sharedBytes)} MB`);
    }
  });
});

/**
 * Moonshine's output projection computed by Murmur from the 8-bit embedding
 * (src/engine/onnx/tied-projection.ts cuts it out of the decoder, native/mmap/project_int8.c
 * computes it, src/engine/models/moonshine/int8-projection.ts holds the weight):
 * - the kernel gives onnxruntime's logits bit for bit: small If models like Moonshine's decoder,
 *   with hidden widths that take every path of the kernel, cut and uncut, run by onnxruntime with
 *   pre-packing off (how Murmur runs a mapped decoder);
 * - the real embedded decoder, cut, gives the same logits as uncut at the first and a cached step
 *   (both branches of its If), and its ORT file loses the float copy of the projection;
 * - models without exactly that pattern, or with a weight that does not add up, are left alone.
 * The transcripts staying those of the references is shown by the Moonshine tests, which now load
 * the cut decoder.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { rewriteForOnnxruntime } from '../../src/engine/onnx/graph-rewrite';
import { cacheKey, pruneCache } from '../../src/engine/onnx/ort-cache';
import { projectInt8Kernel, type ProjectInt8 } from '../../src/engine/onnx/mmap';
import { loadSession } from '../../src/engine/onnx/session';
import { cutTiedProjection, findTiedProjection, TIED_PROJECTION_INPUT } from '../../src/engine/onnx/tied-projection';
import { loadProjectionTable, projectionPath, projectionTable } from '../../src/engine/onnx/projection-cache';
import { Int8Projection } from '../../src/engine/models/moonshine/int8-projection';
import { defaultModelDir } from '../../src/engine/paths';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { attr, floats, graph, model, node, tensor, valueInfo } from '../helpers/onnx-builder';
import { mulberry32 } from '../helpers/random';
import { sharedPath } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

function kernel(): ProjectInt8 {
  const k = projectInt8Kernel();
  assert.ok(k, 'the addon has projectInt8: run "node scripts/build-native.mjs"');
  return k;
}

interface DecoderSpec {
  hidden: number;
  vocab: number;
  seed?: number;
  /** Stored as int32_data, so a hostile value above 255 can be written. */
  zeroPoint?: number;
  perm?: number[];
  /** Bytes of the embedding actually stored (default: vocab * hidden). */
  stored?: number;
  /** The else branch has no projection. */
  oneBranchOnly?: boolean;
}

/**
 * Moonshine's decoder in miniature: If(first) picks a branch; each computes something of its own
 * from h (h, or -h) and multiplies it by DequantizeLinear(Transpose(E)) of the same main-graph
 * uint8 embedding E [vocab, hidden].
 */
function tiedDecoder(spec: DecoderSpec): { bytes: Uint8Array; embedding: Uint8Array; scale: number; zeroPoint: number } {
  const { hidden, vocab } = spec;
  const random = mulberry32(spec.seed ?? 1);
  const embedding = new Uint8Array(vocab * hidden).map(() => Math.floor(random() * 256));
  const scale = Math.fround(0.0037);
  const zeroPoint = spec.zeroPoint ?? 131;
  const zeroTensor = [...tensor({ name: 'E_zero', type: 'uint8', dims: [] }), ...[zeroPoint].map((v) => ({ number: 5, wire: 0, varint: BigInt(v), bytes: new Uint8Array(0) }))];
  const branch = (name: string, prefix: string[], project: boolean) =>
    graph({
      name,
      nodes: [
        ...(prefix.length ? [node({ op: prefix[0], inputs: ['h'], outputs: [`${name}_h`] })] : [node({ op: 'Identity', inputs: ['h'], outputs: [`${name}_h`] })]),
        node({ op: 'Transpose', inputs: ['E'], outputs: [`${name}_Et`], attrs: [attr.ints('perm', spec.perm ?? [1, 0])] }),
        node({ op: 'DequantizeLinear', inputs: [`${name}_Et`, 'E_scale', 'E_zero'], outputs: [`${name}_W`] }),
        project ? node({ op: 'MatMul', inputs: [`${name}_h`, `${name}_W`], outputs: [`${name}_logits`] }) : node({ op: 'MatMul', inputs: [`${name}_h`, 'W_plain'], outputs: [`${name}_logits`] }),
      ],
      outputs: [valueInfo(`${name}_logits`, 'float', ['S', vocab])],
    });
  const g = graph({
    nodes: [
      node({ op: 'If', inputs: ['first'], outputs: ['logits'], attrs: [attr.graph('then_branch', branch('then', [], true)), attr.graph('else_branch', branch('else', ['Neg'], !spec.oneBranchOnly))] }),
    ],
    initializers: [
      tensor({ name: 'E', type: 'uint8', dims: [vocab, hidden], raw: embedding.subarray(0, spec.stored ?? embedding.length) }),
      tensor({ name: 'E_scale', type: 'float', dims: [], raw: floats([scale]) }),
      zeroTensor,
      tensor({ name: 'W_plain', type: 'float', dims: [hidden, vocab], raw: floats(Array.from({ length: hidden * vocab }, () => random() - 0.5)) }),
    ],
    inputs: [valueInfo('h', 'float', ['S', hidden]), valueInfo('first', 'bool', [])],
    outputs: [valueInfo('logits', 'float', ['S', vocab])],
  });
  return { bytes: model(g), embedding, scale, zeroPoint };
}

/**
 * How Murmur runs a decoder: optimised as the ORT cache converts (dequantisation folded, not fused
 * into quantised kernels), one thread, arena and pre-packing off as for a mapped model.
 */
function session(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, enableCpuMemArena: false, logSeverityLevel: 3, extra: { session: { disable_prepacking: '1', disable_quant_qdq: '1' } } });
}

function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

describe('the 8-bit projection computes onnxruntime\'s logits', () => {
  // 288: Moonshine's width (groups of four only); 290 and 291 add the kernel's pair and single;
  // 37 outputs leave a tail after the vector loop.
  for (const hidden of [288, 290, 291, 5]) {
    test(`hidden ${hidden}, vocabulary 37, both branches: the cut model's hidden state through the kernel = the uncut model's logits, bit for bit`, async () => {
      const vocab = 37;
      const spec = tiedDecoder({ hidden, vocab, seed: hidden });
      const found = findTiedProjection(spec.bytes);
      assert.ok(found, 'pattern found');
      assert.deepEqual({ output: found.output, vocab: found.vocab, hidden: found.hidden, scale: found.scale, zeroPoint: found.zeroPoint }, { output: 'logits', vocab, hidden, scale: spec.scale, zeroPoint: spec.zeroPoint });
      assert.ok(Buffer.from(found.weight).equals(Buffer.from(spec.embedding)));
      const cut = cutTiedProjection(spec.bytes);
      assert.ok(cut);
      const [full, partial] = await Promise.all([session(spec.bytes), session(cut.bytes)]);
      assert.deepEqual(partial.outputNames, [TIED_PROJECTION_INPUT]);
      const projection = new Int8Projection(projectionTable(found), kernel());
      const random = mulberry32(99);
      let compared = 0;
      for (const first of [true, false]) {
        for (let trial = 0; trial < 5; trial++) {
          const h = new Float32Array(hidden).map(() => (random() - 0.5) * 6);
          const feeds = { h: new ort.Tensor('float32', h, [1, hidden]), first: new ort.Tensor('bool', new Uint8Array([first ? 1 : 0]), []) };
          const logits = (await full.run(feeds)).logits.data as Float32Array;
          const state = (await partial.run(feeds))[TIED_PROJECTION_INPUT].data as Float32Array;
          assert.ok(bits(projection.project(state)).equals(bits(logits)), `${first ? 'then' : 'else'} branch, trial ${trial}`);
          // And the greedy choice from it is the logits' argmax.
          let best = 0;
          for (let i = 1; i < vocab; i++) if (logits[i] > logits[best]) best = i;
          assert.equal(projection.argmax(state, 0), best);
          compared++;
        }
      }
      assert.equal(compared, 10);
      await Promise.all([full.release(), partial.release()]);
    });
  }
});

describe('models the cut must leave alone', () => {
  const cases: [string, DecoderSpec][] = [
    ['a zero point outside a byte (300)', { hidden: 8, vocab: 5, zeroPoint: 300 }],
    ['an embedding shorter than its dims say', { hidden: 8, vocab: 5, stored: 39 }],
    ['a Transpose that is not [1, 0]', { hidden: 8, vocab: 8, perm: [0, 1] }],
    ['only one branch projects', { hidden: 8, vocab: 5, oneBranchOnly: true }],
  ];
  for (const [name, spec] of cases) {
    test(name, () => {
      const { bytes } = tiedDecoder(spec);
      assert.equal(findTiedProjection(bytes), undefined);
      assert.equal(cutTiedProjection(bytes), undefined);
      const rewritten = rewriteForOnnxruntime(bytes, { cutTiedProjection: true });
      assert.equal(rewritten.projection, undefined);
    });
  }

  test('the embedded encoder has no projection; asking for the cut changes nothing else', () => {
    const encoder = fs.readFileSync(path.join(defaultModelDir(), 'encoder_model.onnx'));
    assert.equal(findTiedProjection(encoder), undefined);
    const a = rewriteForOnnxruntime(encoder, { cutTiedProjection: true });
    const b = rewriteForOnnxruntime(encoder);
    assert.equal(a.projection, undefined);
    assert.ok(Buffer.from(a.bytes).equals(Buffer.from(b.bytes)));
  });

  test('the cut is part of the cache key: a cut and an uncut conversion never share a file', () => {
    assert.notEqual(cacheKey('0'.repeat(64), { cutTiedProjection: true }), cacheKey('0'.repeat(64)));
  });
});

describe('the embedded Moonshine decoder, cut', () => {
  test('same logits as the uncut decoder at the first step and at a cached step; the ORT file loses the float projection', async () => {
    const dir = defaultModelDir();
    const decoderFile = path.join(dir, 'decoder_model_merged.onnx');
    const bytes = fs.readFileSync(decoderFile);
    const found = findTiedProjection(bytes);
    assert.ok(found, 'the decoder has the tied projection');
    assert.deepEqual([found.output, found.vocab, found.hidden], ['logits', 32768, 288]);
    const cache = tempCacheDir();
    try {
      const options = { threads: 1, cacheDir: cache.dir };
      const [encoder, full, cut] = await Promise.all([
        loadSession(path.join(dir, 'encoder_model.onnx'), options),
        loadSession(decoderFile, options),
        loadSession(decoderFile, { ...options, cutTiedProjection: true }),
      ]);
      assert.ok(cut.session.outputNames.includes(TIED_PROJECTION_INPUT) && !cut.session.outputNames.includes('logits'));
      const onnxSize = fs.statSync(decoderFile).size;
      const [fullSize, cutSize] = [fs.statSync(full.ortPath as string).size, fs.statSync(cut.ortPath as string).size];
      console.log(`decoder ONNX ${(onnxSize / 1e6).toFixed(1)} MB; ORT ${(fullSize / 1e6).toFixed(1)} MB uncut, ${(cutSize / 1e6).toFixed(1)} MB cut`);
      assert.ok(cutSize < onnxSize * 1.1, 'the cut ORT file is about the size of the ONNX');
      assert.ok(fullSize - cutSize > 0.9 * found.vocab * found.hidden * 4, 'the float copy of the projection is gone');

      const wav = toMono16k(readWav(sharedPath('audio', 'pocketsphinx-testdata', 'goforward.wav')));
      const { last_hidden_state: hidden } = await encoder.session.run({ input_values: new ort.Tensor('float32', wav, [1, wav.length]) });
      const layers = 6;
      const projection = new Int8Projection(projectionTable(found), kernel());
      const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', new BigInt64Array([1n]), [1, 1]), encoder_hidden_states: hidden, use_cache_branch: new ort.Tensor('bool', new Uint8Array([0]), [1]) };
      const empty = new ort.Tensor('float32', new Float32Array(0), [0, 8, 1, 36]);
      for (let i = 0; i < layers; i++) for (const kind of ['decoder.key', 'decoder.value', 'encoder.key', 'encoder.value']) feeds[`past_key_values.${i}.${kind}`] = empty;
      const tokens: number[] = [];
      for (let step = 0; step < 3; step++) {
        const a = await full.session.run(feeds);
        const b = await cut.session.run(feeds);
        const logits = a.logits.data as Float32Array;
        const state = b[TIED_PROJECTION_INPUT].data as Float32Array;
        assert.ok(bits(projection.project(state)).equals(bits(logits)), `step ${step}: same logits bit for bit`);
        const next = projection.argmax(state, 0);
        tokens.push(next);
        feeds.input_ids = new ort.Tensor('int64', new BigInt64Array([BigInt(next)]), [1, 1]);
        for (let i = 0; i < layers; i++) {
          for (const kind of ['decoder.key', 'decoder.value']) feeds[`past_key_values.${i}.${kind}`] = a[`present.${i}.${kind}`];
          if (step === 0) for (const kind of ['encoder.key', 'encoder.value']) feeds[`past_key_values.${i}.${kind}`] = a[`present.${i}.${kind}`];
        }
        feeds.use_cache_branch = new ort.Tensor('bool', new Uint8Array([1]), [1]);
      }
      // The first three tokens of "Go forward ten meters." (what `murmur transcribe --no-vad --tokens` prints for the clip).
      assert.deepEqual(tokens, [2921, 6375, 3006]);
      await Promise.all([encoder.session.release(), full.session.release(), cut.session.release()]);
    } finally {
      cache.remove();
    }
  });
});

describe('the projection file in the ORT cache', () => {
  const dir = defaultModelDir();
  const decoderFile = path.join(dir, 'decoder_model_merged.onnx');

  test('written at conversion beside the cut decoder, mapped by every load; removed or damaged (cut to 4 KB, emptied, header bytes flipped) or a link: written again with a warning', async () => {
    const cache = tempCacheDir();
    try {
      const loaded = await loadSession(decoderFile, { threads: 1, cacheDir: cache.dir, cutTiedProjection: true });
      const ortPath = loaded.ortPath as string;
      const lines: string[] = [];
      const log = (level: string, message: string) => lines.push(`${level}: ${message}`);
      const first = loadProjectionTable(decoderFile, ortPath, log);
      const file = projectionPath(ortPath);
      assert.equal(first.file, file);
      assert.deepEqual([first.vocab, first.hidden], [32768, 288]);
      assert.equal(fs.statSync(file).size, 64 + 32768 * 288);
      assert.deepEqual(lines, [], 'the conversion wrote it: the first load maps it');
      const reference = Buffer.from(first.table);
      const again = (): string[] => {
        lines.length = 0;
        const t = loadProjectionTable(decoderFile, ortPath, log);
        assert.ok(Buffer.from(t.table).equals(reference), 'the same table');
        assert.equal(t.file, file);
        return lines.slice();
      };
      assert.deepEqual(again(), [], 'a sound file is mapped as it is');
      const damage: [string, () => void][] = [
        ['cut to 4 KB', () => fs.truncateSync(file, 4096)],
        ['emptied', () => fs.truncateSync(file, 0)],
        ['header flipped', () => {
          const fd = fs.openSync(file, 'r+');
          fs.writeSync(fd, Buffer.from([0xff, 0xff]), 0, 2, 9);
          fs.closeSync(fd);
        }],
        ['a link to another file', () => {
          const other = path.join(cache.dir, 'elsewhere');
          fs.writeFileSync(other, 'x');
          fs.rmSync(file);
          fs.symlinkSync(other, file);
        }],
      ];
      for (const [name, hurt] of damage) {
        hurt();
        const said = again();
        assert.ok(said.some((l) => l.startsWith('warn:') && l.includes(file)), `${name}: warned\n${said.join('\n')}`);
        assert.ok(!fs.lstatSync(file).isSymbolicLink() && fs.statSync(file).size === 64 + 32768 * 288, `${name}: rewritten`);
      }
      fs.rmSync(file);
      assert.ok(again().some((l) => l.startsWith('info: wrote')), 'a removed file is written again');
      await loaded.session.release();
    } finally {
      cache.remove();
    }
  });

  test('pruned with the ORT files when unused for 30 days', async () => {
    const cache = tempCacheDir();
    try {
      const loaded = await loadSession(decoderFile, { threads: 1, cacheDir: cache.dir, cutTiedProjection: true });
      const file = projectionPath(loaded.ortPath as string);
      loadProjectionTable(decoderFile, loaded.ortPath as string, () => undefined);
      await loaded.session.release();
      const old = new Date(Date.now() - 31 * 24 * 3600 * 1000);
      for (const f of [file, `${file}.check`]) fs.utimesSync(f, old, old);
      const removed = pruneCache(cache.dir);
      assert.ok(removed.includes(path.basename(file)), removed.join(', '));
      assert.ok(!fs.existsSync(file) && !fs.existsSync(`${file}.check`));
    } finally {
      cache.remove();
    }
  });
});

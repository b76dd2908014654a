/**
 * The ONNX edits made before conversion (src/engine/onnx/graph-rewrite.ts) and the protobuf codec
 * under them: the codec gives back real model files byte for byte; the depthwise rewrite computes
 * exactly what the original computes (compared with onnxruntime's optimiser off, where both run
 * the plain Conv kernel) on the real Zipformer encoder and on small models covering stride,
 * dilation, asymmetric padding, bias and both opset forms of Unsqueeze; and models it must not
 * touch come back as they were. Fixing Silero VAD's sample-rate input at 16000 gives the same
 * probabilities bit for bit, through the real cache and loader too. Moonshine's encoder with a
 * convolution weight kept 8-bit: a smaller cache file, the same outputs bit for bit.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { rewriteForOnnxruntime } from '../../src/engine/onnx/graph-rewrite';
import { cacheKey, conversionOptions, conversionSource, createSession } from '../../src/engine/onnx/ort-cache';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadSileroVadModel } from '../../src/engine/vad/silero';
import { tempCacheDir } from '../helpers/temp';
import { bytesField, decodeMessage, encodeMessage, stringField, varintField, type WireField } from '../../src/engine/onnx/protobuf';
import { silentLog } from '../../src/engine/log';
import { loadSession } from '../../src/engine/onnx/session';
import { ENCODER_RUNTIME_DEQUANTIZE } from '../../src/engine/models/moonshine/load-transcriber';
import { mulberry32 as seededRandom } from '../helpers/random';
import { sharedPath, zipformerFiles, MOONSHINE_DIR } from '../helpers/shared';

type Level = 'disabled' | 'all';

async function session(model: string | Uint8Array, level: Level): Promise<ort.InferenceSession> {
  return createSession(model, { graphOptimizationLevel: level, intraOpNumThreads: 1, logSeverityLevel: 3 });
}

/** Bitwise comparison of two float tensors' data. */
function sameBits(a: ort.Tensor, b: ort.Tensor): boolean {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  return x.length === y.length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

describe('protobuf codec', () => {
  for (const [name, file] of [
    ['Zipformer encoder', zipformerFiles().encoder],
    ['Zipformer joiner', zipformerFiles().joiner],
    ['Moonshine encoder', sharedPath(MOONSHINE_DIR, 'encoder_model.onnx')],
    ['Silero VAD (If subgraphs)', sharedPath('models/silero-vad-v5/silero_vad.onnx')],
  ] as const) {
    test(`${name}: decoding and encoding again gives the same bytes`, () => {
      const bytes = fs.readFileSync(file);
      const top = decodeMessage(bytes);
      // Go one level down too (the graph), where the rewrite works.
      const again = top.map((f) => (f.number === 7 ? bytesField(7, encodeMessage(decodeMessage(f.bytes))) : f));
      assert.ok(Buffer.from(encodeMessage(again)).equals(bytes));
    });
  }

  test('negative int64 values survive (ten-byte varints)', () => {
    const f = decodeMessage(encodeMessage([varintField(3, -1n)]));
    assert.equal(f[0].bytes.length, 0);
    assert.equal(BigInt.asIntN(64, f[0].varint), -1n);
  });

  test('a field running past its message is an error, not a silent cut', () => {
    const bytes = encodeMessage([stringField(1, 'hello')]);
    assert.throws(() => decodeMessage(bytes.subarray(0, bytes.length - 2)), /runs past the end/);
  });
});

describe('depthwise 1-D convolutions as 2-D', () => {
  test('the real Zipformer encoder: 24 rewritten, outputs and states bit-identical to the original', async () => {
    const file = zipformerFiles().encoder;
    const original = fs.readFileSync(file);
    const rewritten = rewriteForOnnxruntime(original);
    assert.equal(rewritten.depthwiseConvs, 24);
    const a = await session(file, 'disabled');
    const b = await session(rewritten.bytes, 'disabled');
    const states = (s: ort.InferenceSession) => {
      const out: Record<string, ort.Tensor> = {};
      for (const m of s.inputMetadata) {
        if (m.name === 'x' || !m.isTensor) continue;
        const dims = m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
        const n = dims.reduce((p, q) => p * q, 1);
        out[m.name] = m.type === 'int64' ? new ort.Tensor('int64', new BigInt64Array(n), dims) : new ort.Tensor('float32', new Float32Array(n), dims);
      }
      return out;
    };
    const sa = states(a);
    const sb = states(b);
    const random = seededRandom(7);
    for (let call = 0; call < 4; call++) {
      const x = Float32Array.from({ length: 45 * 80 }, () => random() * 8 - 6); // log-mel-like values
      const oa = await a.run({ ...sa, x: new ort.Tensor('float32', x, [1, 45, 80]) });
      const ob = await b.run({ ...sb, x: new ort.Tensor('float32', x.slice(), [1, 45, 80]) });
      for (const name of a.outputNames) {
        if (oa[name].type === 'float32') assert.ok(sameBits(oa[name], ob[name]), `call ${call}: ${name} differs`);
      }
      for (const k of Object.keys(sa)) {
        sa[k] = oa[`new_${k}`];
        sb[k] = ob[`new_${k}`];
      }
    }
  });

  test('models without depthwise 1-D convolutions (nor an If to hoist from) are left as they are', () => {
    for (const file of [sharedPath(MOONSHINE_DIR, 'encoder_model.onnx'), zipformerFiles().joiner, zipformerFiles().decoder]) {
      const bytes = fs.readFileSync(file);
      const r = rewriteForOnnxruntime(bytes);
      assert.equal(r.depthwiseConvs, 0, file);
      assert.ok(r.bytes === bytes, `${file} came back edited`);
    }
  });

  test('the ORT cache converts the rewritten Zipformer encoder and the Moonshine bytes as they were read', () => {
    const messages: string[] = [];
    const log = (_level: string, m: string) => messages.push(m);
    assert.ok(conversionSource(zipformerFiles().encoder, log) instanceof Uint8Array);
    assert.match(messages.join('\n'), /24 depthwise 1-D convolutions run as 2-D/);
    // Nothing to edit: the bytes as read (the ones the cache key hashes), not the path read again.
    const moonshine = sharedPath(MOONSHINE_DIR, 'encoder_model.onnx');
    const source = conversionSource(moonshine, silentLog);
    assert.ok(source instanceof Uint8Array && Buffer.from(source).equals(fs.readFileSync(moonshine)));
  });

  for (const c of [
    { name: 'stride 2, dilation 2, pads 3/1, bias, opset 13', opset: 13, stride: 2, dilation: 2, pads: [3, 1], bias: true },
    { name: 'no attributes but group, opset 11 (axes as attribute)', opset: 11, stride: undefined, dilation: undefined, pads: undefined, bias: false },
    { name: 'kernel 31, pads 15/15 (a Zipformer conv module), opset 17', opset: 17, stride: 1, dilation: 1, pads: [15, 15], bias: true },
  ]) {
    test(`a single depthwise Conv1d, ${c.name}: same output as the original`, async () => {
      const channels = 8;
      const kernel = c.pads?.[0] === 15 ? 31 : 5;
      const model = convModel({ channels, kernel, group: channels, ...c });
      const r = rewriteForOnnxruntime(model);
      assert.equal(r.depthwiseConvs, 1);
      const random = seededRandom(3);
      const x = new ort.Tensor('float32', Float32Array.from({ length: channels * 40 }, () => random() * 2 - 1), [1, channels, 40]);
      const original = (await (await session(model, 'disabled')).run({ x })).y;
      const disabled = (await (await session(r.bytes, 'disabled')).run({ x })).y;
      assert.deepEqual(disabled.dims, original.dims);
      assert.ok(sameBits(disabled, original), 'with the optimiser off the rewritten graph computes the same bits');
      // With it on, onnxruntime's depthwise kernel sums in another order: equal up to rounding.
      const all = (await (await session(r.bytes, 'all')).run({ x })).y;
      const a = all.data as Float32Array;
      const o = original.data as Float32Array;
      assert.deepEqual(all.dims, original.dims);
      for (let i = 0; i < o.length; i++) assert.ok(Math.abs(a[i] - o[i]) <= 1e-5 * (1 + Math.abs(o[i])), `element ${i}: ${a[i]} vs ${o[i]}`);
    });
  }

  test('left alone: a grouped but not depthwise Conv, auto_pad, weights in an external file', () => {
    const notDepthwise = convModel({ channels: 8, kernel: 5, group: 1, opset: 13, bias: false });
    assert.equal(rewriteForOnnxruntime(notDepthwise).depthwiseConvs, 0);
    const autoPad = convModel({ channels: 8, kernel: 5, group: 8, opset: 13, bias: false, autoPad: 'SAME_UPPER' });
    assert.equal(rewriteForOnnxruntime(autoPad).depthwiseConvs, 0);
    const external = convModel({ channels: 8, kernel: 5, group: 8, opset: 13, bias: false, externalWeights: true });
    const r = rewriteForOnnxruntime(external);
    assert.equal(r.depthwiseConvs, 0);
    assert.equal(r.bytes, external);
  });
});

interface ConvSpec {
  channels: number;
  kernel: number;
  group: number;
  opset: number;
  bias: boolean;
  stride?: number;
  dilation?: number;
  pads?: number[];
  autoPad?: string;
  externalWeights?: boolean;
}

/** A one-node ONNX model: y = Conv1d(x) with the given attributes and seeded random weights. */
function convModel(s: ConvSpec): Uint8Array {
  const random = seededRandom(11);
  const inPerGroup = s.channels / s.group;
  const floats = (n: number) => {
    const a = Float32Array.from({ length: n }, () => random() - 0.5);
    return new Uint8Array(a.buffer);
  };
  const tensor = (name: string, dims: number[], raw: Uint8Array, external = false): WireField =>
    bytesField(
      5,
      encodeMessage([
        ...dims.map((d) => varintField(1, d)),
        varintField(2, 1),
        stringField(8, name),
        ...(external ? [bytesField(13, encodeMessage([stringField(1, 'location'), stringField(2, 'weights.bin')])), varintField(14, 1)] : [bytesField(9, raw)]),
      ]),
    );
  const ints = (name: string, v: number[]) => bytesField(5, encodeMessage([stringField(1, name), ...v.map((x) => varintField(8, x)), varintField(20, 7)]));
  const attrs: WireField[] = [bytesField(5, encodeMessage([stringField(1, 'group'), varintField(3, s.group), varintField(20, 2)])), ints('kernel_shape', [s.kernel])];
  if (s.stride !== undefined) attrs.push(ints('strides', [s.stride]));
  if (s.dilation !== undefined) attrs.push(ints('dilations', [s.dilation]));
  if (s.pads) attrs.push(ints('pads', s.pads));
  if (s.autoPad) attrs.push(bytesField(5, encodeMessage([stringField(1, 'auto_pad'), stringField(4, s.autoPad), varintField(20, 3)])));
  const valueInfo = (field: number, name: string, dims: (number | string)[]) =>
    bytesField(
      field,
      encodeMessage([
        stringField(1, name),
        bytesField(2, encodeMessage([bytesField(1, encodeMessage([varintField(1, 1), bytesField(2, encodeMessage(dims.map((d) => bytesField(1, encodeMessage([typeof d === 'number' ? varintField(1, d) : stringField(2, d)])))))]))])),
      ]),
    );
  const node = bytesField(1, encodeMessage([stringField(1, 'x'), stringField(1, 'w'), ...(s.bias ? [stringField(1, 'b')] : []), stringField(2, 'y'), stringField(3, 'conv'), stringField(4, 'Conv'), ...attrs]));
  const graph = encodeMessage([
    node,
    stringField(2, 'g'),
    tensor('w', [s.channels, inPerGroup, s.kernel], floats(s.channels * inPerGroup * s.kernel), s.externalWeights),
    ...(s.bias ? [tensor('b', [s.channels], floats(s.channels))] : []),
    valueInfo(11, 'x', [1, s.channels, 40]),
    valueInfo(12, 'y', [1, s.channels, 'T']),
  ]);
  return encodeMessage([varintField(1, 8), bytesField(8, encodeMessage([stringField(1, ''), varintField(2, s.opset)])), bytesField(7, graph)]);
}

describe('inputs fixed at conversion', () => {
  const vadFile = () => sharedPath('models/silero-vad-v5/silero_vad.onnx');

  test('Silero VAD with sr fixed at 16000: no sr input, the 8 kHz branch gone, the same probabilities bit for bit', async () => {
    const original = fs.readFileSync(vadFile());
    const r = rewriteForOnnxruntime(original, { constantInputs: { sr: 16000n } });
    assert.deepEqual(r.fixedInputs, ['sr']);
    const a = await session(vadFile(), 'all');
    const b = await session(r.bytes, 'all');
    assert.deepEqual(b.inputNames, ['input', 'state']);
    // Real speech, window by window with the recurrent state carried, as the detector feeds it.
    const audio = toMono16k(readWav(sharedPath('audio/pocketsphinx-testdata/goforward.wav')));
    let sa: Float32Array = new Float32Array(256);
    let sb: Float32Array = new Float32Array(256);
    const sr = new ort.Tensor('int64', BigInt64Array.of(16000n), []);
    let speech = 0;
    for (let i = 0; i + 576 <= audio.length; i += 512) {
      const x = audio.slice(i, i + 576);
      const oa = await a.run({ input: new ort.Tensor('float32', x, [1, 576]), state: new ort.Tensor('float32', sa, [2, 1, 128]), sr });
      const ob = await b.run({ input: new ort.Tensor('float32', x.slice(), [1, 576]), state: new ort.Tensor('float32', sb, [2, 1, 128]) });
      assert.ok(sameBits(oa.output, ob.output) && sameBits(oa.stateN, ob.stateN), `window at sample ${i} differs`);
      if ((oa.output.data as Float32Array)[0] > 0.5) speech++;
      sa = oa.stateN.data as Float32Array;
      sb = ob.stateN.data as Float32Array;
    }
    assert.ok(speech > 10, `the clip has speech (${speech} windows over 0.5)`);
  });

  test('a name that is not an int64 scalar input is left alone', () => {
    const original = fs.readFileSync(vadFile());
    for (const constantInputs of [{ rate: 16000n }, { state: 0n }] as Record<string, bigint>[]) {
      const r = rewriteForOnnxruntime(original, { constantInputs });
      assert.deepEqual(r.fixedInputs, []);
      assert.equal(r.bytes, original);
    }
  });

  test('the fixed value is part of the cache key', () => {
    const sha = 'a'.repeat(64);
    const keys = new Set([cacheKey(sha), cacheKey(sha, { constantInputs: { sr: 16000n } }), cacheKey(sha, { constantInputs: { sr: 8000n } })]);
    assert.equal(keys.size, 3);
    assert.equal(cacheKey(sha, { constantInputs: { a: 1n, b: 2n } }), cacheKey(sha, { constantInputs: { b: 2n, a: 1n } }));
  });

  test('the VAD loader: from the cache sr is fixed, by path it is fed; both detect the same speech', async () => {
    const cache = tempCacheDir();
    try {
      const cached = await loadSileroVadModel(vadFile(), { cacheDir: cache.dir });
      const byPath = await loadSileroVadModel(vadFile(), { noCache: true });
      try {
        assert.deepEqual(cached.loaded.fixedInputs, ['sr']);
        assert.ok(!cached.loaded.session.inputNames.includes('sr'));
        assert.deepEqual(byPath.loaded.fixedInputs, []);
        assert.ok(byPath.loaded.session.inputNames.includes('sr'));
        const audio = toMono16k(readWav(sharedPath('audio/pocketsphinx-testdata/goforward.wav')));
        const pa = await cached.createVad().process(audio);
        const pb = await byPath.createVad().process(audio);
        assert.equal(pa.length, pb.length);
        assert.ok(pa.length > 20);
        // The ORT file was optimised at level "all", the path load too: same graph after folding.
        for (let i = 0; i < pa.length; i++) assert.ok(Math.abs(pa[i] - pb[i]) < 1e-5, `window ${i}: ${pa[i]} vs ${pb[i]}`);
      } finally {
        await cached.dispose();
        await byPath.dispose();
      }
    } finally {
      cache.remove();
    }
  });
});

describe('weight dequantisation hoisted out of If branches', () => {
  const decoder = () => sharedPath(MOONSHINE_DIR, 'decoder_model_merged.onnx');
  /** Sessions as the ORT cache converts: level "all", DequantizeLinear of constants folded. */
  const folded = (model: Uint8Array) => createSession(model, { graphOptimizationLevel: 'all', intraOpNumThreads: 1, logSeverityLevel: 3, extra: { session: { disable_quant_qdq: '1' } } });

  test("Moonshine's merged decoder: the tied output projection's dequantisation is moved before the If, once", () => {
    const r = rewriteForOnnxruntime(fs.readFileSync(decoder()));
    assert.equal(r.hoistedDequantize, 1);
    assert.equal(r.depthwiseConvs, 0);
    // Nothing else about the graph changed: a second pass finds nothing more to hoist.
    assert.equal(rewriteForOnnxruntime(r.bytes).hoistedDequantize, 0);
  });

  test('the same logits bit for bit, first step and cached step, and one float copy of the projection instead of two', async () => {
    const original = fs.readFileSync(decoder());
    const hoisted = rewriteForOnnxruntime(original).bytes;
    const [a, b] = [await folded(original), await folded(hoisted)];
    assert.deepEqual(b.inputNames, a.inputNames);
    const random = seededRandom(7);
    const hidden = Float32Array.from({ length: 20 * 288 }, () => random() * 2 - 1);
    for (const [past, useCache] of [
      [0, false],
      [3, true],
    ] as const) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of a.inputNames) {
        if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', BigInt64Array.from([1n, 450n, 1045n].slice(0, useCache ? 1 : 3)), [1, useCache ? 1 : 3]);
        else if (name === 'encoder_hidden_states') feeds[name] = new ort.Tensor('float32', hidden, [1, 20, 288]);
        else if (name === 'use_cache_branch') feeds[name] = new ort.Tensor('bool', [useCache], [1]);
        else {
          const length = name.includes('.encoder.') ? (useCache ? 20 : 0) : past;
          feeds[name] = new ort.Tensor('float32', Float32Array.from({ length: 8 * length * 36 }, () => random() - 0.5), [1, 8, length, 36]);
        }
      }
      const [x, y] = [await a.run(feeds), await b.run(feeds)];
      assert.ok(sameBits(x.logits, y.logits), `logits differ (${useCache ? 'cached step' : 'first step'})`);
    }
    await a.release();
    await b.release();

    // Converted to ORT as the cache does: the hoisted graph holds the 288 x 32768 float projection once.
    const cache = tempCacheDir();
    try {
      const size = async (model: Uint8Array, name: string) => {
        const out = `${cache.dir}/${name}.ort`;
        await (await createSession(model, conversionOptions('all', out))).release();
        return fs.statSync(out).size;
      };
      const saved = (await size(original, 'original')) - (await size(hoisted, 'hoisted'));
      assert.ok(saved >= 0.95 * 288 * 32768 * 4, `only ${saved} bytes smaller`);
    } finally {
      cache.remove();
    }
  });
});

describe('weight dequantisation kept at run time', () => {
  const encoderFile = () => sharedPath(MOONSHINE_DIR, 'encoder_model.onnx');

  test("Moonshine's encoder through the real cache: conv3 kept 8-bit, the ORT file within 1.5x its ONNX, the same outputs bit for bit", async () => {
    const cache = tempCacheDir();
    try {
      const folded = await loadSession(encoderFile(), { threads: 1, cacheDir: cache.dir });
      const kept = await loadSession(encoderFile(), { threads: 1, cacheDir: cache.dir, dequantizeAtRunTime: ENCODER_RUNTIME_DEQUANTIZE });
      try {
        assert.ok(folded.ortPath && kept.ortPath && folded.ortPath !== kept.ortPath, 'two conversions, two cache files');
        const onnx = fs.statSync(encoderFile()).size;
        const [a, b] = [fs.statSync(folded.ortPath).size / onnx, fs.statSync(kept.ortPath).size / onnx];
        assert.ok(a > 1.5, `folded everywhere: ${a.toFixed(3)}x`);
        assert.ok(b <= 1.5, `conv3 kept 8-bit: ${b.toFixed(3)}x`);
        // The weight is an overridable initializer, not an input anybody must feed.
        assert.deepEqual(kept.session.inputNames, folded.session.inputNames);
        for (const clip of ['audio/pocketsphinx-testdata/goforward.wav', 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav']) {
          const audio = toMono16k(readWav(sharedPath(clip)));
          const feeds = { input_values: new ort.Tensor('float32', audio, [1, audio.length]) };
          const [x, y] = [await folded.session.run(feeds), await kept.session.run(feeds)];
          assert.ok(sameBits(x.last_hidden_state, y.last_hidden_state), `${clip}: encoder outputs differ`);
        }
      } finally {
        await folded.session.release();
        await kept.session.release();
      }
    } finally {
      cache.remove();
    }
  });

  test('names that are not 8-bit initializers, or that are inputs already, are ignored', () => {
    const original = fs.readFileSync(encoderFile());
    const r = rewriteForOnnxruntime(original, { dequantizeAtRunTime: ['conv3.bias', 'input_values', 'no.such.weight'] });
    assert.deepEqual(r.runtimeDequantize, []);
    assert.equal(r.bytes, original);
    const once = rewriteForOnnxruntime(original, { dequantizeAtRunTime: ENCODER_RUNTIME_DEQUANTIZE });
    assert.deepEqual(once.runtimeDequantize, ['conv3.weight_quantized']);
    // Applied twice, the second pass finds it an input already.
    assert.deepEqual(rewriteForOnnxruntime(once.bytes, { dequantizeAtRunTime: ENCODER_RUNTIME_DEQUANTIZE }).runtimeDequantize, []);
  });

  test('the weights kept 8-bit are part of the cache key', () => {
    const sha = 'b'.repeat(64);
    assert.notEqual(cacheKey(sha), cacheKey(sha, { dequantizeAtRunTime: ['w'] }));
    assert.equal(cacheKey(sha, { dequantizeAtRunTime: ['a', 'b'] }), cacheKey(sha, { dequantizeAtRunTime: ['b', 'a'] }));
  });
});

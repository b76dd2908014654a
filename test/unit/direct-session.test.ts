/**
 * Sessions run through onnxruntime's C API by Murmur's addon (src/engine/onnx/direct-session.ts,
 * native/mmap/ort_run.c), against onnxruntime-node's sessions on the same ORT files: the shared
 * Zipformer's encoder, decoder and joiner, real onnxruntime both ways. The same names and
 * metadata; every output the same to the bit over several chunks with the encoder's states carried;
 * outputs written into the caller's tensors, not copies; bad calls refused with an error that says
 * what is wrong, never a crash; a cached file onnxruntime refuses healed as for onnxruntime-node.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { DirectSession, onnxruntimeLibraryPath, type ModelSession } from '../../src/engine/onnx/direct-session';
import { loadDirectSession, loadSession, type LoadedSession } from '../../src/engine/onnx/session';
import { writeStamp } from '../../src/engine/onnx/ort-stamp';
import { defaultModelDir } from '../../src/engine/paths';
import * as path from 'node:path';
import { zipformerFiles } from '../helpers/shared';
import { tempCacheDir } from '../helpers/temp';

type Pair = { theirs: LoadedSession; ours: LoadedSession<ModelSession> };

const cache = tempCacheDir('murmur-direct-');
const pairs: Record<'encoder' | 'decoder' | 'joiner', Pair> = {} as Record<'encoder' | 'decoder' | 'joiner', Pair>;
const logs: string[] = [];

before(async () => {
  const files = zipformerFiles();
  for (const name of ['encoder', 'decoder', 'joiner'] as const) {
    // The options the Zipformer loads with (models/zipformer/model.ts).
    const options = { threads: 1, cacheDir: cache.dir, arena: true, prepack: true, log: (level: string, m: string) => logs.push(`${level}: ${m}`) };
    const theirs = await loadSession(files[name], options);
    const ours = await loadDirectSession(files[name], options);
    pairs[name] = { theirs, ours };
  }
});

after(async () => {
  for (const { theirs, ours } of Object.values(pairs)) await Promise.all([theirs.session.release(), ours.session.release()]);
  cache.remove();
});

/** Deterministic, speech-like in range (log-mel features sit around -10..5). */
function features(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = 4 * Math.sin(i * 0.37 + seed) + 2 * Math.cos(i * 0.011 * (seed + 1)) - 3;
  return x;
}

function zeros(meta: ort.InferenceSession.ValueMetadata): ort.Tensor {
  assert.ok(meta.isTensor);
  const dims = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const size = dims.reduce((a, b) => a * b, 1);
  return meta.type === 'int64' ? new ort.Tensor('int64', new BigInt64Array(size), dims) : new ort.Tensor('float32', new Float32Array(size), dims);
}

function sameBits(a: ort.Tensor, b: ort.Tensor, what: string): void {
  assert.deepEqual(a.dims, b.dims, `${what}: dims`);
  assert.equal(a.type, b.type, `${what}: type`);
  const x = new Uint8Array((a.data as Float32Array).buffer, (a.data as Float32Array).byteOffset, (a.data as Float32Array).byteLength);
  const y = new Uint8Array((b.data as Float32Array).buffer, (b.data as Float32Array).byteOffset, (b.data as Float32Array).byteLength);
  assert.ok(Buffer.compare(Buffer.from(x), Buffer.from(y)) === 0, `${what}: different bytes`);
}

describe('direct sessions on the shared Zipformer', () => {
  test('are direct here, and load from the same cached ORT files as onnxruntime-node sessions', () => {
    assert.ok(fs.existsSync(onnxruntimeLibraryPath()), onnxruntimeLibraryPath());
    for (const [name, { theirs, ours }] of Object.entries(pairs)) {
      assert.ok(ours.session instanceof DirectSession, `${name} runs directly`);
      assert.equal(ours.ortPath, theirs.ortPath, name);
      assert.equal(ours.via, 'mmap', name);
      assert.ok(logs.some((l) => l.startsWith(`info: loaded ${ours.sourcePath} (cached ORT, mmap)`) && l.endsWith(', run directly')), `${name}:\n${logs.join('\n')}`);
    }
  });

  test('have the names and metadata onnxruntime-node reports', () => {
    for (const [name, { theirs, ours }] of Object.entries(pairs)) {
      assert.deepEqual(ours.session.inputNames, theirs.session.inputNames, `${name} inputs`);
      assert.deepEqual(ours.session.outputNames, theirs.session.outputNames, `${name} outputs`);
      const shapeOf = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? [m.type, m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 'open'))] : []);
      assert.deepEqual(ours.session.inputMetadata.map(shapeOf), theirs.session.inputMetadata.map(shapeOf), `${name} input metadata`);
      assert.deepEqual(ours.session.outputMetadata.map(shapeOf), theirs.session.outputMetadata.map(shapeOf), `${name} output metadata`);
    }
  });

  test('the encoder: five chunks with the states carried, every output the same to the bit, written in place', async () => {
    const { theirs, ours } = pairs.encoder;
    const x = theirs.session.inputMetadata.find((m) => m.name === 'x');
    assert.ok(x && x.isTensor);
    const xDims = x.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const init = Object.fromEntries(theirs.session.inputMetadata.filter((m) => m.name !== 'x').map((m) => [m.name, zeros(m)]));
    let theirStates = init;
    let ourStates = { ...init };
    for (let chunk = 0; chunk < 5; chunk++) {
      const feed = new ort.Tensor('float32', features(xDims.reduce((a, b) => a * b, 1), chunk), xDims);
      const a = (await theirs.session.run({ ...theirStates, x: feed })) as Record<string, ort.Tensor>;
      // Ours into output tensors of our own, as StreamingEncoder passes them.
      const fetches = Object.fromEntries(Object.entries(a).map(([k, t]) => [k, t.type === 'int64' ? new ort.Tensor('int64', new BigInt64Array(t.size), t.dims) : new ort.Tensor('float32', new Float32Array(t.size), t.dims)]));
      const b = await ours.session.run({ ...ourStates, x: feed }, fetches);
      for (const name of theirs.session.outputNames) {
        sameBits(b[name], a[name], `chunk ${chunk} ${name}`);
        assert.equal(b[name], fetches[name], `${name} is the caller's tensor`);
      }
      assert.ok((b.encoder_out.data as Float32Array).some((v) => v !== 0), 'the encoder said something');
      theirStates = Object.fromEntries(Object.keys(init).map((k) => [k, a[`new_${k}`]]));
      ourStates = Object.fromEntries(Object.keys(init).map((k) => [k, b[`new_${k}`]]));
    }
  });

  test('the decoder and joiner: outputs the runtime allocates come back as new tensors, the same to the bit', async () => {
    const dec = pairs.decoder;
    const ids = new ort.Tensor('int64', BigInt64Array.from([0n, 5n, 17n, 42n]), [2, 2]);
    const name = dec.theirs.session.inputNames[0];
    const a = (await dec.theirs.session.run({ [name]: ids })) as Record<string, ort.Tensor>;
    const b = await dec.ours.session.run({ [name]: ids });
    const out = dec.theirs.session.outputNames[0];
    sameBits(b[out], a[out], 'decoder_out');
    assert.ok(b[out].data instanceof Float32Array && b[out].dims[0] === 2);

    const join = pairs.joiner;
    const [encName, decName] = join.theirs.session.inputNames;
    const encDim = (join.theirs.session.inputMetadata[0] as ort.InferenceSession.TensorValueMetadata).shape[1] as number;
    const feeds = { [encName]: new ort.Tensor('float32', features(3 * encDim, 7), [3, encDim]), [decName]: new ort.Tensor('float32', tile(a[out].data as Float32Array, a[out].dims[1], 3), [3, a[out].dims[1]]) };
    const la = (await join.theirs.session.run(feeds)) as Record<string, ort.Tensor>;
    const lb = await join.ours.session.run(feeds);
    sameBits(lb[join.theirs.session.outputNames[0]], la[join.theirs.session.outputNames[0]], 'logits');
  });

  test('bad calls are refused with errors that say what is wrong, and the session still runs after them', async () => {
    const { ours } = pairs.joiner;
    const [encName, decName] = ours.session.inputNames;
    const encDim = (ours.session.inputMetadata[0] as ort.InferenceSession.TensorValueMetadata).shape[1] as number;
    const decDim = (ours.session.inputMetadata[1] as ort.InferenceSession.TensorValueMetadata).shape[1] as number;
    const good = { [encName]: new ort.Tensor('float32', new Float32Array(encDim), [1, encDim]), [decName]: new ort.Tensor('float32', new Float32Array(decDim), [1, decDim]) };
    await assert.rejects(ours.session.run({ [encName]: good[encName] }), new RegExp(`input '${decName}' is missing`));
    // A length that is not the product of the dims (ort.Tensor's constructor refuses to make one,
    // so a tensor-like object stands in for a caller that got it wrong).
    const short = { data: new Float32Array(encDim - 1), dims: [1, encDim] } as unknown as ort.Tensor;
    await assert.rejects(ours.session.run({ ...good, [encName]: short }), /not the product of its dims/);
    // The wrong element type: onnxruntime's own message.
    await assert.rejects(ours.session.run({ ...good, [encName]: new ort.Tensor('int32', new Int32Array(encDim), [1, encDim]) }), (e: NodeJS.ErrnoException) => e.code === 'EORT' && /type/i.test(e.message));
    // The wrong width: onnxruntime refuses it.
    await assert.rejects(ours.session.run({ ...good, [encName]: new ort.Tensor('float32', new Float32Array(encDim + 1), [1, encDim + 1]) }), (e: NodeJS.ErrnoException) => e.code === 'EORT');
    // An output tensor of the wrong shape.
    const out = ours.session.outputNames[0];
    await assert.rejects(ours.session.run(good, { [out]: new ort.Tensor('float32', new Float32Array(3), [1, 3]) }), (e: NodeJS.ErrnoException) => e.code === 'EORT');
    const r = await ours.session.run(good);
    assert.ok(r[out].size > 0, 'still runs');
  });
});

function tile(row: Float32Array, width: number, n: number): Float32Array {
  const out = new Float32Array(width * n);
  for (let i = 0; i < n; i++) out.set(row.subarray(0, width), i * width);
  return out;
}

test('a released direct session refuses to run, with a message', async () => {
  const c = tempCacheDir('murmur-direct-');
  try {
    const { joiner } = zipformerFiles();
    const s = await loadDirectSession(joiner, { threads: 1, cacheDir: c.dir });
    assert.ok(s.session instanceof DirectSession);
    await s.session.release();
    await s.session.release(); // twice is harmless
    const feeds = Object.fromEntries(s.session.inputMetadata.map((m) => [m.name, zeros(m)]));
    await assert.rejects(s.session.run(feeds), /the session was released/);
  } finally {
    c.remove();
  }
});

test('a cached file onnxruntime refuses is converted again once, for direct sessions too', async () => {
  const c = tempCacheDir('murmur-direct-');
  try {
    const { joiner } = zipformerFiles();
    const first = await loadDirectSession(joiner, { threads: 1, cacheDir: c.dir });
    assert.ok(first.converted && first.ortPath);
    await first.session.release();
    fs.truncateSync(first.ortPath, 4096);
    writeStamp(first.ortPath); // the stamp cannot tell: only onnxruntime can
    const messages: string[] = [];
    const healed = await loadDirectSession(joiner, { threads: 1, cacheDir: c.dir, log: (level, m) => messages.push(`${level}: ${m}`) });
    assert.ok(healed.converted);
    assert.ok(healed.session instanceof DirectSession);
    assert.equal(messages.filter((m) => /^warn: onnxruntime refused the cached .*: removing it and converting the model again/.test(m)).length, 1, messages.join('\n'));
    await healed.session.release();
  } finally {
    c.remove();
  }
});

test("the embedded Moonshine decoder (27 inputs, a bool among them, given as a Uint8Array): its first step's outputs are onnxruntime-node's to the bit", async () => {
  const c = tempCacheDir('murmur-direct-');
  try {
    const decoder = path.join(defaultModelDir(), 'decoder_model_merged.onnx');
    const options = { threads: 1, cacheDir: c.dir, cutTiedProjection: true };
    const theirs = await loadSession(decoder, options);
    const ours = await loadDirectSession(decoder, options);
    try {
      assert.ok(ours.session instanceof DirectSession);
      assert.ok(ours.session.inputNames.length > 20, `${ours.session.inputNames.length} inputs`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const m of theirs.session.inputMetadata) {
        assert.ok(m.isTensor);
        if (m.name === 'input_ids') feeds[m.name] = new ort.Tensor('int64', BigInt64Array.of(1n), [1, 1]);
        else if (m.name === 'use_cache_branch') feeds[m.name] = new ort.Tensor('bool', Uint8Array.of(0), [1]);
        else if (m.name === 'encoder_hidden_states') feeds[m.name] = new ort.Tensor('float32', features(40 * Number(m.shape[2]), 3), [1, 40, Number(m.shape[2])]);
        else feeds[m.name] = new ort.Tensor('float32', new Float32Array(0), [0, Number(m.shape[1]), 1, Number(m.shape[3])]); // an empty past
      }
      const a = (await theirs.session.run(feeds)) as Record<string, ort.Tensor>;
      const b = await ours.session.run(feeds);
      assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
      for (const name of Object.keys(a)) sameBits(b[name], a[name], name);
    } finally {
      await Promise.all([theirs.session.release(), ours.session.release()]);
    }
  } finally {
    c.remove();
  }
});

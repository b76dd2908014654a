/**
 * A crafted model folder and a shared cache folder must not read, leak or plant anything (issue
 * "Security", findings 1, 6, 7, 8). Each test performs the attack with real onnxruntime:
 * 1. External data: a tensor whose data lives "outside" (a Constant node's attribute, an If
 *    subgraph, a sparse initializer, `..`, an absolute path, a link in the model folder) is
 *    refused before onnxruntime reads it; the command line run from the folder holding the
 *    "private key" prints none of it and caches none of it. External data inside the folder works.
 * 6. The cache folder: another user's is refused, a loose mode is tightened, files are 0600, a link
 *    planted at the old predictable temp name is never written through, and a planted .ort or
 *    index.json is discarded instead of run.
 * 7. Two folders with the same .onnx and different external weights get different cache entries.
 * 8. onnxruntime's temp files (mat-debug-<pid>.log, .ses) go to the private temp folder, and the
 *    sidecar runs in its private working folder.
 */
import { after, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { MurmurError } from '../../src/engine/errors';
import { loadSession } from '../../src/engine/onnx/session';
import { contentHash, cacheKey, ensureOrtModel } from '../../src/engine/onnx/ort-cache';
import { bytesField, decodeMessage, encodeMessage, type WireField } from '../../src/engine/onnx/protobuf';
import { packageRoot } from '../../src/engine/paths';
import { ensurePrivateDir } from '../../src/engine/private-dir';
import { attr, floats, graph, model, node, sparse, tensor, valueInfo } from '../helpers/onnx-builder';
import { sharedPath, zipformerFiles } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';

const SECRET = 'MURMUR-TEST-SECRET-KEY-7f3a9c';
const work = tempCacheDir('murmur-sec-models-');
after(() => work.remove());
let n = 0;
const fresh = (name: string): string => {
  const d = path.join(work.dir, `${name}-${n++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

/** A "home" folder holding a private key, as the extension host's working folder would. */
function homeWithSecret(): string {
  const home = fresh('home');
  fs.mkdirSync(path.join(home, '.ssh'));
  fs.writeFileSync(path.join(home, '.ssh', 'id_ed25519'), SECRET);
  fs.writeFileSync(path.join(home, 'secret.txt'), SECRET);
  return home;
}

/** Every file under `dir` whose bytes contain the secret. */
function filesHoldingSecret(dir: string): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(dir, { recursive: true }).map(String)) {
    const p = path.join(dir, f);
    const st = fs.lstatSync(p);
    if (st.isFile() && fs.readFileSync(p).includes(SECRET)) out.push(f);
  }
  return out;
}

async function rejectsUnsafe(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(run, (e: unknown) => {
    assert.ok(e instanceof MurmurError, `a MurmurError, got ${String(e)}`);
    assert.equal(e.code, 'MODEL_UNSAFE');
    assert.match(e.message, pattern);
    assert.match(e.message, /only use external data files in its own folder/);
    return true;
  });
}

const LEN = SECRET.length;
const leakOutput = valueInfo('y', 'uint8', [LEN]);
/** A depthwise 1-D Conv: what made the old cache hand onnxruntime bytes instead of the path. */
function depthwiseConv(): { nodes: Uint8Array[]; initializers: WireField[][]; inputs: WireField[][]; outputs: WireField[][] } {
  return {
    nodes: [node({ op: 'Conv', inputs: ['x', 'w'], outputs: ['z'], attrs: [attr.int('group', 2), attr.ints('kernel_shape', [3]), attr.ints('pads', [1, 1])] })],
    initializers: [tensor({ name: 'w', type: 'float', dims: [2, 1, 3], raw: floats([1, 2, 3, 4, 5, 6]) })],
    inputs: [valueInfo('x', 'float', [1, 2, 4])],
    outputs: [valueInfo('z', 'float', [1, 2, 4])],
  };
}

/** Model variants that each put an external reference somewhere else. */
function crafted(where: string, location: string): Uint8Array {
  const conv = depthwiseConv();
  const ext = tensor({ type: 'uint8', dims: [LEN], external: { location } });
  switch (where) {
    case 'constant':
      return model(graph({ ...conv, nodes: [...conv.nodes, node({ op: 'Constant', inputs: [], outputs: ['y'], attrs: [attr.tensor('value', ext)] })], outputs: [...conv.outputs, leakOutput] }));
    case 'subgraph': {
      const branch = (name: string) => graph({ name, nodes: [node({ op: 'Constant', inputs: [], outputs: [`${name}_y`], attrs: [attr.tensor('value', ext)] })], outputs: [valueInfo(`${name}_y`, 'uint8', [LEN])] });
      const cond = tensor({ name: 'cond', type: 'uint8', dims: [], raw: new Uint8Array([1]) });
      return model(
        graph({
          ...conv,
          nodes: [...conv.nodes, node({ op: 'Cast', inputs: ['cond'], outputs: ['c'], attrs: [attr.int('to', 9)] }), node({ op: 'If', inputs: ['c'], outputs: ['y'], attrs: [attr.graph('then_branch', branch('a')), attr.graph('else_branch', branch('b'))] })],
          initializers: [...conv.initializers, cond],
          outputs: [...conv.outputs, leakOutput],
        }),
      );
    }
    case 'sparse': {
      const values = tensor({ name: 's', type: 'uint8', dims: [LEN], external: { location } });
      const indices = tensor({ type: 'int64', dims: [LEN], raw: new Uint8Array(BigInt64Array.from({ length: LEN }, (_, i) => BigInt(i)).buffer) });
      return model(graph({ ...conv, nodes: [...conv.nodes, node({ op: 'Identity', inputs: ['s'], outputs: ['y'] })], sparseInitializers: [sparse(values, indices, [LEN])], outputs: [...conv.outputs, leakOutput] }));
    }
    default:
      return model(
        graph({ ...conv, nodes: [...conv.nodes, node({ op: 'Identity', inputs: ['leak'], outputs: ['y'] })], initializers: [...conv.initializers, tensor({ name: 'leak', type: 'uint8', dims: [LEN], external: { location } })], outputs: [...conv.outputs, leakOutput] }),
      );
  }
}

describe('finding 1: external data only from inside the model folder', () => {
  const cases: { name: string; where: string; location: (home: string) => string; link?: boolean; pattern: RegExp }[] = [
    { name: "a Constant node's tensor, relative to the working folder", where: 'constant', location: () => 'secret.txt', pattern: /node .*attribute.*"secret.txt".*does not exist in the model folder/ },
    { name: 'a Constant inside an If subgraph', where: 'subgraph', location: () => '.ssh/id_ed25519', pattern: /subgraph.*"\.ssh\/id_ed25519"/ },
    { name: 'a sparse initializer', where: 'sparse', location: () => 'secret.txt', pattern: /sparse initializer/ },
    { name: 'an initializer with ..', where: 'initializer', location: () => '../home/secret.txt', pattern: /leaves the model folder/ },
    { name: 'an initializer with an absolute path', where: 'initializer', location: (home) => path.join(home, 'secret.txt'), pattern: /absolute path/ },
    { name: 'an initializer through a link in the model folder', where: 'initializer', location: () => 'weights.bin', link: true, pattern: /resolves to .*outside the model folder/ },
  ];
  for (const c of cases) {
    test(`${c.name}: refused, nothing read, nothing cached`, async () => {
      const home = homeWithSecret();
      const dir = fresh('model');
      if (c.link) fs.symlinkSync(path.join(home, 'secret.txt'), path.join(dir, 'weights.bin'));
      const file = path.join(dir, 'model.onnx');
      fs.writeFileSync(file, crafted(c.where, c.location(home)));
      const cache = fresh('cache');
      const cwd = process.cwd();
      process.chdir(home); // where the old code resolved a Constant's data from
      try {
        await rejectsUnsafe(() => loadSession(file, { threads: 1, cacheDir: cache }), c.pattern);
        await rejectsUnsafe(() => loadSession(file, { threads: 1, noCache: true }), c.pattern);
      } finally {
        process.chdir(cwd);
      }
      assert.deepEqual(filesHoldingSecret(cache), [], 'no cache file holds the secret');
    });
  }

  test('external data inside the folder still loads, through the cache and by path', async () => {
    const dir = fresh('model');
    fs.mkdirSync(path.join(dir, 'data'));
    fs.writeFileSync(path.join(dir, 'data', 'w.bin'), 'INSIDE-THE-FOLDER-OK!');
    const file = path.join(dir, 'model.onnx');
    const len = 'INSIDE-THE-FOLDER-OK!'.length;
    fs.writeFileSync(
      file,
      model(
        graph({
          nodes: [node({ op: 'Constant', inputs: [], outputs: ['c'], attrs: [attr.tensor('value', tensor({ type: 'uint8', dims: [len], external: { location: 'data/w.bin' } }))] }), node({ op: 'Identity', inputs: ['c'], outputs: ['y'] })],
          outputs: [valueInfo('y', 'uint8', [len])],
        }),
      ),
    );
    for (const options of [{ threads: 1, cacheDir: fresh('cache') }, { threads: 1, noCache: true }]) {
      const loaded = await loadSession(file, options);
      const out = await loaded.session.run({});
      assert.equal(Buffer.from(out.y.data as Uint8Array).toString(), 'INSIDE-THE-FOLDER-OK!');
      await loaded.session.release();
    }
  });

  test('`murmur transcribe` run from the folder holding the key: a crafted Zipformer is refused, the key printed and cached nowhere', () => {
    const home = homeWithSecret();
    const dir = fresh('zipformer');
    const files = zipformerFiles();
    // The real encoder (which has depthwise convolutions) with one more output: a Constant whose
    // data is ".ssh/id_ed25519", relative to wherever the process runs.
    const top = decodeMessage(fs.readFileSync(files.encoder));
    const g = top.findIndex((f) => f.number === 7);
    const leak: WireField[] = [
      bytesField(1, node({ op: 'Constant', inputs: [], outputs: ['murmur_leak'], attrs: [attr.tensor('value', tensor({ type: 'uint8', dims: [LEN], external: { location: '.ssh/id_ed25519' } }))] })),
      bytesField(12, encodeMessage(valueInfo('murmur_leak', 'uint8', [LEN]))),
    ];
    top[g] = bytesField(7, encodeMessage([...decodeMessage(top[g].bytes), ...leak]));
    fs.writeFileSync(path.join(dir, 'encoder.onnx'), encodeMessage(top));
    fs.copyFileSync(files.decoder, path.join(dir, 'decoder.onnx'));
    fs.copyFileSync(files.joiner, path.join(dir, 'joiner.onnx'));
    fs.copyFileSync(files.tokens, path.join(dir, 'tokens.txt'));
    const cache = fresh('cache');
    const bin = path.join(packageRoot(), 'bin', 'murmur.js');
    const r = spawnSync(process.execPath, [bin, 'transcribe', sharedPath('audio/pocketsphinx-testdata/goforward.wav'), '--model', dir], {
      cwd: home,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, MURMUR_CACHE_DIR: cache, MURMUR_DEBUG: '' },
    });
    assert.equal(r.status, 1, `exit 1 (refused); stdout ${r.stdout} stderr ${r.stderr}`);
    assert.match(r.stderr, /encoder\.onnx was refused: its node .* keeps its data in "\.ssh\/id_ed25519"/);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), 'the key is printed nowhere');
    assert.deepEqual(filesHoldingSecret(cache), [], 'no cache file holds the key');
  });
});

describe('finding 6: the cache folder is private', () => {
  test("another user's cache folder is refused, with what to do", async () => {
    const cache = fresh('cache');
    const uid = process.getuid?.() ?? 0;
    if (uid === 0) fs.chownSync(cache, 65534, 65534); // a real other owner where we may make one
    const other = uid === 0 ? undefined : uid + 1;
    assert.throws(
      () => ensurePrivateDir(cache, other),
      (e: unknown) => e instanceof MurmurError && e.code === 'CACHE_UNSAFE' && /belongs to another user .* set MURMUR_CACHE_DIR/.test(e.message),
    );
    if (uid === 0) {
      await assert.rejects(() => ensureOrtModel(zipformerFiles().joiner, cache), (e: unknown) => e instanceof MurmurError && e.code === 'CACHE_UNSAFE');
      assert.deepEqual(fs.readdirSync(cache), [], 'nothing written into it');
    }
  });

  test('a loose folder mode is tightened; cached files and the index are 0600', async () => {
    const cache = fresh('cache');
    fs.chmodSync(cache, 0o777);
    const entry = await ensureOrtModel(zipformerFiles().joiner, cache);
    assert.equal(fs.statSync(cache).mode & 0o777, 0o700);
    assert.equal(fs.statSync(entry.ortPath).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.join(cache, 'index.json')).mode & 0o777, 0o600);
  });

  test('a link planted at the old predictable temp name is never written through', async () => {
    const cache = fresh('cache');
    const joiner = zipformerFiles().joiner;
    const key = cacheKey(contentHash(joiner, cache));
    const victim = path.join(fresh('victim'), 'bashrc');
    fs.writeFileSync(victim, 'original');
    // The name the old code wrote to: <base>.<key>.<pid>.tmp.ort in the cache folder.
    fs.symlinkSync(victim, path.join(cache, `joiner.int8.${key}.${process.pid}.tmp.ort`));
    const entry = await ensureOrtModel(joiner, cache);
    assert.ok(entry.converted);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'original', 'the link target is untouched');
    assert.ok(fs.lstatSync(entry.ortPath).isFile() && !fs.lstatSync(entry.ortPath).isSymbolicLink());
    assert.deepEqual(
      fs.readdirSync(cache).filter((f) => f.startsWith('.convert-')),
      [],
      'the private conversion folder is gone',
    );
  });

  test('a planted .ort (a link to another model) and a planted index are discarded, not run', async () => {
    const cache = fresh('cache');
    const { joiner, decoder } = zipformerFiles();
    const decoderEntry = await ensureOrtModel(decoder, cache);
    const key = cacheKey(contentHash(joiner, cache));
    const planted = path.join(cache, `joiner.int8.${key}.ort`);
    fs.symlinkSync(decoderEntry.ortPath, planted);
    const messages: string[] = [];
    const entry = await ensureOrtModel(joiner, cache, (_l, m) => messages.push(m));
    assert.ok(entry.converted, 'converted again instead of mapping the planted file');
    assert.ok(!fs.lstatSync(planted).isSymbolicLink());
    assert.match(messages.join('\n'), /discarding .*not a converted model of this user/);
    const session = await ort.InferenceSession.create(fs.readFileSync(entry.ortPath));
    assert.deepEqual(session.inputNames, (await ort.InferenceSession.create(joiner)).inputNames, 'the joiner, not the decoder');

    // An index.json that is a link to one naming the decoder's hash for the joiner's path.
    const fake = path.join(fresh('elsewhere'), 'index.json');
    fs.writeFileSync(fake, JSON.stringify({ [path.resolve(joiner)]: { v: 2, sha256: '0'.repeat(64), files: [] } }));
    fs.rmSync(path.join(cache, 'index.json'));
    fs.symlinkSync(fake, path.join(cache, 'index.json'));
    const again = await ensureOrtModel(joiner, cache);
    assert.equal(again.ortPath, entry.ortPath, 'the linked index was not believed');
  });
});

describe('finding 7: the cache key covers external data', () => {
  test('two folders with the same .onnx and different weight files each run their own weights', async () => {
    const onnx = model(
      graph({
        nodes: [node({ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] })],
        initializers: [tensor({ name: 'w', type: 'float', dims: [4], external: { location: 'weights.bin' } })],
        inputs: [valueInfo('x', 'float', [4])],
        outputs: [valueInfo('y', 'float', [4])],
      }),
    );
    const cache = fresh('cache');
    const results: number[][] = [];
    for (const w of [[1, 2, 3, 4], [10, 20, 30, 40]]) {
      const dir = fresh('model');
      fs.writeFileSync(path.join(dir, 'model.onnx'), onnx);
      fs.writeFileSync(path.join(dir, 'weights.bin'), floats(w));
      const loaded = await loadSession(path.join(dir, 'model.onnx'), { threads: 1, cacheDir: cache });
      const out = await loaded.session.run({ x: new ort.Tensor('float32', new Float32Array(4), [4]) });
      results.push([...(out.y.data as Float32Array)]);
      await loaded.session.release();
    }
    assert.deepEqual(results, [
      [1, 2, 3, 4],
      [10, 20, 30, 40],
    ]);
    assert.equal(fs.readdirSync(cache).filter((f) => f.endsWith('.ort')).length, 2, 'two cache entries');
  });
});

describe("finding 8: onnxruntime's temp files and the working folder are private", () => {
  /** onnxruntime writes these files only when the environment does not say CI (as CI runs do). */
  const userEnv = (cache: string): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, MURMUR_CACHE_DIR: cache, MURMUR_DEBUG: '' };
    delete env.CI;
    return env;
  };
  const debugFiles = (dir: string) => new Set(fs.readdirSync(dir).filter((f) => f.startsWith('mat-debug-') || f === '.ses'));

  test('the sidecar writes mat-debug and .ses into its private temp folder, and runs in its private working folder', async () => {
    const cache = fresh('cache');
    const before = debugFiles(os.tmpdir());
    const sidecar = new SidecarClient({ env: userEnv(cache) });
    try {
      await sidecar.waitForEvent('state');
      const pid = sidecar.child.pid ?? 0;
      assert.equal(fs.realpathSync(`/proc/${pid}/cwd`), fs.realpathSync(path.join(cache, '.run', 'cwd')));
      const { joiner, encoder, decoder, tokens } = zipformerFiles();
      await sidecar.call('loadModel', { location: { family: 'zipformer', encoder, decoder, joiner, tokens }, threads: 1 }, 120_000);
      assert.ok(fs.existsSync(path.join(cache, '.run', 'tmp', `mat-debug-${pid}.log`)), 'in the private temp folder');
      assert.ok(!fs.existsSync(path.join(os.tmpdir(), `mat-debug-${pid}.log`)), 'not in the shared one');
      assert.equal(fs.statSync(path.join(cache, '.run')).mode & 0o777, 0o700);
    } finally {
      await sidecar.close();
    }
    const added = [...debugFiles(os.tmpdir())].filter((f) => !before.has(f) && f !== '.ses');
    assert.deepEqual(added, [], 'nothing new in the shared temp folder');
  });

  test('the command line puts them in the private temp folder too', () => {
    const cache = fresh('cache');
    const bin = path.join(packageRoot(), 'bin', 'murmur.js');
    const r = spawnSync(process.execPath, [bin, 'transcribe', sharedPath('audio/pocketsphinx-testdata/goforward.wav')], { encoding: 'utf8', timeout: 120_000, env: userEnv(cache) });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.readdirSync(path.join(cache, '.run', 'tmp')).some((f) => f.startsWith('mat-debug-')), 'mat-debug log in the private temp folder');
  });
});

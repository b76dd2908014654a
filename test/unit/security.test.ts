/**
 * Security (issue "Security"), checked against the real code paths:
 * 1. The export panel's page: the CSP exactly (nothing by default, scripts only with a fresh
 *    >= 128-bit nonce, styles and fonts only from the webview itself, nothing inline, nothing
 *    remote), and the webview options (scripts, no command URIs, resources only from dist,
 *    media/webview and the codicon font).
 * 2. The webview protocol's validators fuzzed with a seeded PRNG: random junk, mutations of valid
 *    messages that must be refused, prototype-pollution attempts, huge strings, deep nesting.
 *    Nothing throws, every invalid message is refused, Object.prototype stays clean.
 * 3. Paths: an export with hostile model card fields writes only inside the chosen folder, and a
 *    relative one is refused; downloaded archives with `..`, absolute and symlinked entries write
 *    nothing outside their staging directory; a tokens.txt symlinked to /etc/passwd is an error.
 * 4. No network: the real sidecar loads Moonshine and dictates (file and microphone) while every
 *    socket it and its children hold is matched against /proc/<pid>/net/{tcp,udp,raw}*: no inet
 *    socket ever; the same observer does see the one a catalog download opens (positive control).
 * 5. Logs never contain audio: every log line of those runs (MURMUR_DEBUG=1) and the sidecar's
 *    stderr is short, has no long runs of numbers and no base64-like runs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar';
import { downloadModel } from '../../src/engine/download';
import { extractArchive } from '../../src/engine/download/extract';
import type { CatalogEntry, DownloadResult } from '../../src/engine/download/types';
import { MurmurError } from '../../src/engine/errors';
import { cardFileName } from '../../src/engine/export/card';
import { exportModel } from '../../src/engine/export/exporter';
import { inspectModel } from '../../src/engine/export/inspect';
import { parseManifest } from '../../src/engine/export/manifest';
import type { ComparisonRow, ExportOptions, ExportResult, ModelCard } from '../../src/engine/export/types';
import { resolveModel } from '../../src/engine/models/detect';
import { loadModel } from '../../src/engine/models/load';
import { packageRoot } from '../../src/engine/paths';
import { PROTOCOL_VERSION } from '../../src/protocol';
import { FROM_WEBVIEW_TYPES, TO_WEBVIEW_TYPES, validateFromWebview, validateToWebview, type PanelState, type WebviewValidation } from '../../src/protocol/webview';
import { EXPORT_PANEL_FILES, EXPORT_PANEL_ROOTS, exportPanelWebviewOptions, newNonce, renderExportPanel, type PanelWebview } from '../../src/extension/export/html';
import { alsaFileDevice, requireArecord, type AlsaFileDevice } from '../helpers/alsa-file';
import { MOONSHINE_DIR, sharedPath, ZIPFORMER_DIR } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';
import { mulberry32 } from '../helpers/random';

const GOFORWARD = 'audio/pocketsphinx-testdata/goforward.wav';
/** The shared Zipformer as a downloadable model: these files under the archive's `m/`. */
const ZIP_FILES = ['encoder.int8.fixed.onnx', 'decoder.onnx', 'joiner.int8.onnx', 'tokens.txt'];

const work = tempCacheDir('murmur-security-');
let counter = 0;
const fresh = (name: string): string => {
  const d = path.join(work.dir, `${name}-${counter++}`);
  fs.mkdirSync(d, { recursive: true });
  return d;
};

// ---- small helpers ---------------------------------------------------------------------------------

/** Every path under `dir` (relative, sorted), symlinks listed but never followed. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      out.push(st.isSymbolicLink() ? `${r} -> ${fs.readlinkSync(path.join(dir, r))}` : st.isDirectory() ? `${r}/` : r);
      if (st.isDirectory() && !st.isSymbolicLink()) walk(r);
    }
  };
  walk('');
  return out.sort();
}

async function expectError(run: () => unknown, code: string, ...patterns: RegExp[]): Promise<MurmurError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MurmurError, `expected ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : 'success'}`);
  assert.equal(caught.code, code, caught.message);
  for (const p of patterns) assert.match(caught.message, p);
  return caught;
}

/** A .tar.bz2 made with node-tar (preservePaths: `..` and absolute entries are kept as given) and the system's bzip2. */
function tarBz2(out: string, cwd: string, entries: string[]): Buffer {
  const tarFile = out.replace(/\.bz2$/, '');
  tar.create({ file: tarFile, cwd, preservePaths: true, portable: true, sync: true }, entries);
  execFileSync('bzip2', ['-f', tarFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  return fs.readFileSync(out);
}

/** type and path of every entry, as stored. */
function listing(archive: string): string[] {
  const tarFile = path.join(fresh('listing'), 'x.tar');
  fs.writeFileSync(tarFile, execFileSync('bzip2', ['-dc', archive], { maxBuffer: 1 << 30 }));
  const out: string[] = [];
  tar.list({ file: tarFile, sync: true, onReadEntry: (e) => out.push(`${e.type} ${e.path}${e.type === 'SymbolicLink' ? ` -> ${e.linkpath}` : ''}`) });
  return out;
}

/** `<parent>/m/` holding the shared Zipformer's files. */
function zipformerTree(parent: string): string {
  const dir = path.join(parent, 'm');
  fs.mkdirSync(dir, { recursive: true });
  for (const f of ZIP_FILES) fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), f), path.join(dir, f));
  return dir;
}

function entryFor(body: Buffer, url: string, over: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id: 'test-zipformer',
    title: 'Test Zipformer',
    family: 'zipformer',
    description: 'built by the security test',
    url,
    bytes: body.length,
    sha256: crypto.createHash('sha256').update(body).digest('hex'),
    archive: 'tar.bz2',
    root: 'm',
    files: [...ZIP_FILES],
    license: 'Apache-2.0',
    page: 'https://example.invalid/',
    ...over,
  };
}

// ---- a loopback server for downloads ---------------------------------------------------------------

interface Served {
  body: Buffer;
  /** Before the first byte (the connection stays open meanwhile). */
  delayMs?: number;
  /** Between 64 KB chunks. */
  chunkDelayMs?: number;
}
const routes = new Map<string, Served>();
const server = http.createServer((req, res) => {
  const served = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
  if (!served) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  const { body, delayMs = 0, chunkDelayMs = 0 } = served;
  res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-bzip2' });
  let pos = 0;
  const step = () => {
    if (res.destroyed) return;
    if (pos >= body.length) return void res.end();
    const piece = body.subarray(pos, pos + 64 * 1024);
    pos += piece.length;
    res.write(piece, () => setTimeout(step, chunkDelayMs));
  };
  setTimeout(step, delayMs);
});
let base = '';
let goodArchive: Buffer;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const src = fresh('good-src');
  zipformerTree(src);
  goodArchive = tarBz2(path.join(fresh('good'), 'good.tar.bz2'), src, ['m']);
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  work.remove();
});

// ---- 1. the panel's CSP and webview options --------------------------------------------------------

function fakeWebview(cspSource: string, origin: string): { webview: PanelWebview; uris: string[]; asked: string[][] } {
  const uris: string[] = [];
  const asked: string[][] = [];
  const webview: PanelWebview = {
    cspSource,
    asWebviewUri: (parts) => {
      asked.push([...parts]);
      const uri = `${origin}/home/u/.vscode/extensions/murmur/${parts.map(encodeURIComponent).join('/')}`;
      uris.push(uri);
      return uri;
    },
  };
  return { webview, uris, asked };
}

const unescapeHtml = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const tagsOf = (html: string, name: string) => [...html.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'gi'))].map((m) => m[0]);
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescapeHtml(m[1]) : undefined;
};

function cspOf(html: string): string {
  const metas = tagsOf(html, 'meta').filter((t) => /http-equiv="Content-Security-Policy"/i.test(t));
  assert.equal(metas.length, 1, 'exactly one CSP meta tag');
  return attr(metas[0], 'content') ?? '';
}

describe('export panel: CSP and webview options', () => {
  // A cspSource that is not http(s): any http(s):// URL in the page is then something remote.
  const local = () => fakeWebview('murmur-test-resource:', 'murmur-test-resource://ext');
  // What VS Code really hands out: https URLs on its own resource origin.
  const vscodeLike = () => fakeWebview('https://*.vscode-cdn.net', 'https://file+.vscode-resource.vscode-cdn.net');

  test('the CSP is exactly: nothing by default, scripts by nonce, styles and fonts from the webview, no <base>, no form posts', () => {
    for (const { webview } of [local(), vscodeLike()]) {
      const html = renderExportPanel(webview);
      const csp = cspOf(html);
      const nonce = attr(tagsOf(html, 'script')[0], 'nonce') ?? '';
      const s = webview.cspSource;
      assert.equal(csp, `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${s}; font-src ${s}; base-uri 'none'; form-action 'none'`);
      const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
      assert.deepEqual(directives.get('default-src'), ["'none'"]);
      assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`], 'scripts only with the nonce');
      assert.deepEqual(directives.get('style-src'), [s], 'styles only from the webview');
      assert.deepEqual(directives.get('font-src'), [s], 'fonts only from the webview');
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|strict-dynamic|'self'|data:|blob:|http:/);
      for (const [name, sources] of directives) {
        for (const src of sources) assert.ok(src === "'none'" || src === `'nonce-${nonce}'` || src === s, `${name} allows ${src}`);
      }
      // A meta CSP only governs what follows it: it must come before every script and style sheet.
      const cspAt = html.search(/<meta http-equiv="Content-Security-Policy"/i);
      for (const m of html.matchAll(/<(script|link|style)\b/gi)) assert.ok(m.index > cspAt, `${m[0]} before the CSP`);
    }
  });

  test('every <script> carries the nonce, has a src inside the extension and no inline code', () => {
    const { webview, uris } = local();
    const html = renderExportPanel(webview);
    const nonce = /'nonce-([^']+)'/.exec(cspOf(html))?.[1];
    assert.ok(nonce);
    const scripts = tagsOf(html, 'script');
    assert.ok(scripts.length >= 1);
    assert.equal(scripts.length, [...html.matchAll(/<\/script>/gi)].length);
    for (const t of scripts) {
      assert.equal(attr(t, 'nonce'), nonce, t);
      assert.ok(uris.includes(attr(t, 'src') ?? ''), `script src not from asWebviewUri: ${t}`);
    }
    for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) assert.equal(m[1].trim(), '', 'inline script code');
    assert.deepEqual(tagsOf(html, 'style'), [], 'no inline <style>');
    assert.doesNotMatch(html, /<[^>]+\s(on[a-z]+|style)\s*=/i, 'no inline handlers or style attributes');
    assert.doesNotMatch(html, /javascript:|<base\b|<iframe\b|<object\b|<embed\b/i);
  });

  test('no http(s):// URL anywhere in the page but the webview\'s own resources', () => {
    const { webview } = local();
    assert.doesNotMatch(renderExportPanel(webview), /https?:\/\//i);
    const real = vscodeLike();
    let html = renderExportPanel(real.webview);
    for (const known of [...real.uris, real.webview.cspSource]) html = html.split(known).join('');
    assert.doesNotMatch(html, /https?:\/\//i);
    for (const m of renderExportPanel(real.webview).matchAll(/\s(?:src|href)="([^"]*)"/g)) assert.ok(real.uris.includes(unescapeHtml(m[1])), `resource not from asWebviewUri: ${m[1]}`);
  });

  test('the nonce is >= 128 random bits, base64url, and new for every render', () => {
    const nonces: string[] = [];
    for (let i = 0; i < 200; i++) {
      const html = renderExportPanel(local().webview);
      const n = /'nonce-([^']+)'/.exec(cspOf(html))?.[1] ?? '';
      assert.match(n, /^[A-Za-z0-9_-]+$/);
      const bytes = Buffer.from(n, 'base64url');
      assert.equal(bytes.toString('base64url'), n, 'canonical base64url');
      assert.ok(bytes.length * 8 >= 128, `${bytes.length * 8} bits`);
      nonces.push(n);
    }
    assert.equal(new Set(nonces).size, nonces.length, 'a nonce repeated');
    // Random-looking: over 200 nonces every bit position is set about half the time.
    const bits = Buffer.from(nonces[0], 'base64url').length * 8;
    const ones = new Array<number>(bits).fill(0);
    for (const n of nonces) {
      const b = Buffer.from(n, 'base64url');
      for (let i = 0; i < bits; i++) ones[i] += (b[i >> 3] >> (i & 7)) & 1;
    }
    for (let i = 0; i < bits; i++) assert.ok(ones[i] > 50 && ones[i] < 150, `bit ${i} set in ${ones[i]} of 200 nonces`);
    assert.notEqual(newNonce(), newNonce());
  });

  test('webview options: scripts on, command URIs off, resources only from dist, media/webview and the codicon font', () => {
    const options = exportPanelWebviewOptions((parts) => parts.join('/'));
    assert.deepEqual(options, { enableScripts: true, enableCommandUris: false, localResourceRoots: ['dist', 'media/webview', 'node_modules/@vscode/codicons/dist'] });
    // Every file the page loads lies under a root, and exists in the package.
    const { webview, asked } = local();
    renderExportPanel(webview);
    assert.deepEqual(asked.map((p) => p.join('/')).sort(), Object.values(EXPORT_PANEL_FILES).map((p) => p.join('/')).sort());
    for (const file of asked) {
      assert.ok(EXPORT_PANEL_ROOTS.some((r) => r.every((part, i) => file[i] === part) && file.length > r.length), `${file.join('/')} outside localResourceRoots`);
      assert.ok(fs.existsSync(path.join(packageRoot(), ...file)), `${file.join('/')} is missing (run node esbuild.js)`);
    }
    // panel.ts takes both its options and its page from html.ts, at creation and when restored.
    const panel = fs.readFileSync(path.join(packageRoot(), 'src', 'extension', 'export', 'panel.ts'), 'utf8');
    assert.doesNotMatch(panel, /localResourceRoots/, 'panel.ts must not define resource roots of its own');
    assert.match(panel, /createWebviewPanel\([^;]*\{\s*\.\.\.webviewOptions\(context\)/, 'created with the restricted options');
    assert.match(panel, /panel\.webview\.options = webviewOptions\(context\)/, 'restored panels get them too');
    assert.deepEqual([...panel.matchAll(/\.html\s*=/g)].length, 1);
    assert.match(panel, /\.html = renderExportPanel\(/);
  });
});

// ---- 2. message validation fuzzing -----------------------------------------------------------------

/** A seeded generator (a failure reproduces) with the helpers the fuzzers use. */
function prng(seed: number) {
  const next = mulberry32(seed);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof prng>;

const card: ModelCard = { author: 'Ada', name: 'tiny', version: '0.0.1', license: 'MIT', language: 'en', description: 'two\nlines', source: 'https://example.com/m' };
const catalogEntry: CatalogEntry = {
  id: 'zipformer-20M',
  title: 'Zipformer',
  family: 'zipformer',
  description: 'small',
  url: 'https://example.com/m.tar.bz2',
  bytes: 100,
  sha256: 'a'.repeat(64),
  archive: 'tar.bz2',
  root: 'm',
  files: ['encoder.onnx', 'tokens.txt'],
  license: 'Apache-2.0',
  page: 'https://example.com/',
};
const exportResult: ExportResult = {
  outputDir: '/out',
  family: 'moonshine',
  files: [{ name: 'encoder_model.ort', role: 'encoder', bytes: 10, sha256: 'b'.repeat(64) }],
  cardPath: '/out/card.md',
  manifestPath: '/out/murmur-model.json',
  location: { dir: '/out' },
  elapsedMs: 12.5,
};
const rows: ComparisonRow[] = [{ label: 'Source', path: '/m', format: 'onnx', fileBytes: 10, loadMs: 1, privateBytes: 5, sharedBytes: 3, rssBytes: 20, rtf: 0.1, transcript: 'go forward' }];
const download: DownloadResult = { id: 'zipformer-20M', dir: '/models/zipformer-20M', bytes: 100, resumed: false, elapsedMs: 5 };
const state: PanelState = {
  settings: { format: 'ort', optimization: 'all', outputDirectory: '/exports', card },
  settingsTarget: 'user',
  hasWorkspace: true,
  source: { family: 'auto', dir: '/m' },
  defaultOutputDirs: { ort: '/m-ort', onnx: '/m-onnx' },
  inspecting: false,
  inspection: { family: 'moonshine', languages: ['en'], totalBytes: 10, files: [{ role: 'encoder', path: '/m/e.onnx', bytes: 10, format: 'onnx', opset: 17, producer: 'p', quantization: 'int8', metadata: { k: 'v' } }] },
  catalog: [catalogEntry],
  busy: { task: 'download', id: 'zipformer-20M' },
  lastExport: exportResult,
  comparison: rows,
  downloads: [download],
};
/** One valid message of every type, each field a checked one (so every field can be mutated). */
const FROM_BASE: Record<string, unknown>[] = [
  { type: 'ready' },
  { type: 'inspect', location: { family: 'zipformer', dir: '/m', encoder: '/m/e.onnx', decoder: '/m/d.onnx', joiner: '/m/j.onnx', tokens: '/m/t.txt' } },
  { type: 'pickSource', kind: 'files' },
  { type: 'pickOutputDir' },
  { type: 'export', options: { source: { family: 'auto', dir: '/m' }, format: 'ort', optimization: 'all', outputDir: '/out', card } },
  { type: 'cancel', task: 'download' },
  { type: 'compare' },
  { type: 'useExported', target: 'user' },
  { type: 'download', id: 'zipformer-20M' },
  { type: 'useDownloaded', id: 'zipformer-20M', target: 'workspace' },
  { type: 'saveSettings', settings: { format: 'onnx', optimization: 'basic', outputDirectory: '/x', card }, target: 'user' },
  { type: 'openFile', path: '/out/card.md' },
];
const TO_BASE: Record<string, unknown>[] = [
  { type: 'state', state },
  { type: 'progress', task: 'export', fraction: 0.5, message: 'half' },
  { type: 'exportDone', result: exportResult },
  { type: 'comparison', rows },
  { type: 'downloadProgress', id: 'zipformer-20M', progress: { phase: 'download', receivedBytes: 1, totalBytes: 100, resumed: false } },
  { type: 'downloadDone', result: download },
  { type: 'outputDirPicked', path: '/out' },
  { type: 'info', task: 'export', message: 'ok', id: 'zipformer-20M' },
  { type: 'error', task: 'download', code: 'DOWNLOAD_FAILED', message: 'no', id: 'zipformer-20M' },
];

const validators = { from: validateFromWebview, to: validateToWebview } as const;

/** Runs a validator and returns what it said, or the exception it threw (a bug). */
function run(dir: 'from' | 'to', raw: unknown): WebviewValidation<unknown> | { threw: unknown } {
  try {
    return validators[dir](raw);
  } catch (e) {
    return { threw: e };
  }
}

/** What the validator said; it must not have thrown. */
function verdict(dir: 'from' | 'to', raw: unknown): WebviewValidation<unknown> {
  const v = run(dir, raw);
  if ('threw' in v) assert.fail(`the ${dir} validator threw: ${String(v.threw)}`);
  return v;
}

/** An object with `key` as an own, enumerable property (even `__proto__`, as JSON.parse makes it). */
function own(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

function nested(depth: number, kind: 'object' | 'array'): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = kind === 'object' ? { zz: v } : [v];
  return v;
}

const KEYS = ['type', 'id', 'task', 'target', 'kind', 'path', 'location', 'dir', 'encoder', 'tokens', 'family', 'options', 'source', 'format', 'optimization', 'outputDir', 'card', 'author', 'settings', 'outputDirectory', 'state', 'result', 'rows', 'progress', 'message', 'code', 'fraction', 'metadata', 'files', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'length', '0'];
const TYPES = [...FROM_WEBVIEW_TYPES, ...TO_WEBVIEW_TYPES, 'eval', 'runShell', '', 'READY', 'ready ', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'];
const STRINGS = ['', '/', '/abs/path', 'relative/path', '../../etc/passwd', '/m/../../etc', 'C:\\x', 'C:', '\\\\srv\\share\\x', '/a\0b', 'ort', 'onnx', 'all', 'user', 'workspace', 'export', 'download', 'auto', 'moonshine', 'https://example.com/x', 'http://example.com/x', 'javascript:alert(1)', '<script>alert(1)</script>', '\ud800', '💥', 'zipformer-20M', 'INTERNAL', 'a'.repeat(300), 'b'.repeat(5000)];

function junk(r: Rng, depth = 0): unknown {
  const leaf = depth >= 4;
  switch (r.int(leaf ? 9 : 16)) {
    case 0:
      return r.int(2000) - 1000;
    case 1:
      return r.pick([NaN, Infinity, -Infinity, -0, 0.5, 1, 1e308, -1e-308, Number.MAX_SAFE_INTEGER + 2]);
    case 2:
      return r.next() < 0.5;
    case 3:
      return r.pick([null, undefined]);
    case 4:
      return BigInt(r.int(100));
    case 5:
    case 6:
      return r.pick(STRINGS);
    case 7:
      return r.pick(TYPES);
    case 8:
      return r.pick<() => unknown>([() => new Date(0), () => /x/g, () => new Uint8Array(4), () => new ArrayBuffer(8), () => new Map([['type', 'ready']]), () => new Set([1]), () => () => 1, () => new String('ready')])();
    case 9:
    case 10:
    case 11: {
      const entries: [string, unknown][] = [];
      if (r.next() < 0.7) entries.push(['type', r.pick(TYPES)]);
      for (let i = r.int(6); i > 0; i--) entries.push([r.next() < 0.9 ? r.pick(KEYS) : String(r.pick(STRINGS)), junk(r, depth + 1)]);
      const o = own(entries);
      return r.next() < 0.1 ? Object.setPrototypeOf(o, null) : o;
    }
    case 12: {
      const a: unknown[] = [];
      for (let i = r.int(5); i > 0; i--) a.push(junk(r, depth + 1));
      if (r.next() < 0.3) a.length += 2; // holes
      return a;
    }
    case 13:
      // Valid-looking, then one field broken (or not).
      return { ...r.pick([...FROM_BASE, ...TO_BASE]), [r.pick(KEYS)]: junk(r, depth + 1) };
    case 14:
      return Object.create(r.pick([...FROM_BASE, ...TO_BASE])) as unknown; // everything inherited
    default:
      return r.pick(['[]', '{}', '{"type":"ready","__proto__":{"polluted":1}}', '{"__proto__":{"type":"ready"}}'].map((t) => () => JSON.parse(t) as unknown))();
  }
}

/** Every value inside `v`, with the path that leads to it and a setter. */
function slots(v: unknown, at = ''): { at: string; value: unknown; set: (x: unknown) => void }[] {
  const out: { at: string; value: unknown; set: (x: unknown) => void }[] = [];
  if (typeof v !== 'object' || v === null) return out;
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const p = Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`;
    out.push({ at: p, value: o[k], set: (x) => (o[k] = x) }, ...slots(o[k], p));
  }
  return out;
}

/** A value no field of that kind accepts (no field of the protocol takes two JSON types, and objects are never replaced by null). */
function breaking(r: Rng, original: unknown): unknown {
  if (typeof original === 'string') return r.pick<() => unknown>([() => 0, () => 1.5, () => true, () => null, () => ({}), () => [], () => ['x'], () => 'x'.repeat(70_000), () => nested(5000, 'object'), () => BigInt(1)])();
  if (typeof original === 'number') return r.pick<unknown>(['1', '', true, null, {}, [], NaN, Infinity, -Infinity, -1, BigInt(1)]);
  if (typeof original === 'boolean') return r.pick<unknown>(['true', 1, 0, null, {}, []]);
  if (Array.isArray(original)) {
    return r.pick<() => unknown>([
      () => ({}),
      () => 'x',
      () => 1,
      () => true,
      () => new Array(100_000).fill(0),
      () => {
        const a = [...original];
        if (a.length === 0) a.length = 1;
        else delete a[r.int(a.length)]; // a hole where an item must be
        return a;
      },
      () => [...original, undefined],
    ])();
  }
  return r.pick<() => unknown>([() => [], () => 'x', () => 1, () => true, () => nested(5000, 'object'), () => [original], () => ({ zz: original })])();
}

/** An accepted message must be plain JSON data, rebuilt (no odd prototypes, no forbidden keys), and a fixed point. */
function checkAccepted(dir: 'from' | 'to', raw: unknown, message: unknown, what: string): void {
  assert.deepEqual(JSON.parse(JSON.stringify(message)) as unknown, message, `${what}: accepted message is not plain JSON`);
  const walk = (v: unknown, at: string) => {
    if (typeof v !== 'object' || v === null) return;
    const proto: unknown = Object.getPrototypeOf(v);
    assert.ok(proto === Object.prototype || proto === Array.prototype, `${what}: ${at} has an odd prototype`);
    for (const k of Object.keys(v)) {
      assert.ok(!['__proto__', 'constructor', 'prototype'].includes(k), `${what}: ${at}.${k} kept`);
      walk((v as Record<string, unknown>)[k], `${at}.${k}`);
    }
  };
  walk(message, 'message');
  const again = validators[dir](message);
  assert.ok(again.ok, `${what}: accepted, but refused when validated again: ${again.ok ? '' : again.reason}`);
  assert.deepEqual(again.message, message, `${what}: not a fixed point`);
  assert.equal((message as { type: unknown }).type, Object.prototype.hasOwnProperty.call(raw, 'type') ? (raw as { type: unknown }).type : undefined, `${what}: type changed`);
}

function checkRefused(v: { ok: false; reason: string }, what: string): void {
  assert.equal(typeof v.reason, 'string');
  assert.ok(v.reason.length > 0 && v.reason.length < 1000, `${what}: reason of ${v.reason.length} characters`);
}

function prototypesSnapshot(): string {
  const describeProto = (p: object) =>
    Object.getOwnPropertyNames(p)
      .sort()
      .map((k) => {
        const d = Object.getOwnPropertyDescriptor(p, k);
        return `${k}:${typeof d?.value}:${d?.get ? 'get' : ''}`;
      })
      .join(',');
  return [Object.prototype, Array.prototype, Function.prototype, String.prototype].map(describeProto).join('|');
}

describe('webview protocol validators under fuzzing', () => {
  const pristine = prototypesSnapshot();
  after(() => {
    assert.equal(prototypesSnapshot(), pristine, 'a built-in prototype was changed');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('the valid base messages pass unchanged (so every field of them is a checked one)', () => {
    assert.deepEqual(new Set(FROM_BASE.map((m) => m.type)), new Set(FROM_WEBVIEW_TYPES));
    assert.deepEqual(new Set(TO_BASE.map((m) => m.type)), new Set(TO_WEBVIEW_TYPES));
    for (const [dir, list] of [['from', FROM_BASE], ['to', TO_BASE]] as const) {
      for (const m of list) {
        const v = validators[dir](structuredClone(m));
        assert.ok(v.ok, `${String(m.type)}: ${v.ok ? '' : v.reason}`);
        assert.deepEqual(v.message, m);
      }
    }
  });

  test('1000 random objects (seed 0x5eC): nothing throws; what passes is plain, rebuilt, a fixed point', () => {
    const r = prng(0x5ec);
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      const raw = junk(r);
      for (const dir of ['from', 'to'] as const) {
        const what = `#${i} ${dir}`;
        const v = run(dir, raw);
        assert.ok(!('threw' in v), `${what} threw ${String((v as { threw: unknown }).threw)}`);
        if (v.ok) {
          accepted++;
          checkAccepted(dir, raw, v.message, what);
        } else checkRefused(v, what);
      }
    }
    console.log(`  ${accepted} of 2000 validations accepted (valid-looking junk), the rest refused`);
  });

  test('1000 mutations of valid messages (seed 0xBAD), each breaking one field: all refused, none throws', () => {
    const r = prng(0xbad);
    const counts = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const dir = r.next() < 0.4 ? 'from' : 'to';
      const message = structuredClone(r.pick(dir === 'from' ? FROM_BASE : TO_BASE));
      const type = String(message.type);
      const slot = r.pick(slots(message));
      const replacement = breaking(r, slot.value);
      slot.set(replacement);
      const what = `#${i} ${dir} ${type}${slot.at} := ${Array.isArray(replacement) ? `array(${replacement.length})` : typeof replacement === 'string' ? `string(${replacement.length})` : String(replacement).slice(0, 20)}`;
      const v = run(dir, message);
      assert.ok(!('threw' in v), `${what} threw ${String((v as { threw: unknown }).threw)}`);
      assert.equal(v.ok, false, `${what} was accepted`);
      if (!v.ok) checkRefused(v, what);
      counts.set(type, (counts.get(type) ?? 0) + 1);
    }
    assert.equal(counts.size, FROM_WEBVIEW_TYPES.length + TO_WEBVIEW_TYPES.length, 'every message type was mutated');
  });

  test('prototype pollution attempts are refused or dropped, and pollute nothing', () => {
    const attempts: ['from' | 'to', string][] = [
      ['from', '{"type":"ready","__proto__":{"polluted":1}}'],
      ['from', '{"__proto__":{"type":"ready"}}'],
      ['from', '{"type":"ready","constructor":{"prototype":{"polluted":1}}}'],
      ['from', '{"type":"inspect","location":{"__proto__":{"dir":"/etc"}}}'],
      ['from', '{"type":"inspect","location":{"dir":"/m","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}'],
      ['from', `{"type":"export","options":{"source":{"dir":"/m"},"format":"ort","optimization":"all","outputDir":"","card":{"__proto__":${JSON.stringify(card)}}}}`],
      ['from', `{"type":"saveSettings","target":"user","settings":{"format":"ort","optimization":"all","outputDirectory":"","card":${JSON.stringify(card)},"__proto__":{"polluted":1}}}`],
      ['to', `{"type":"state","state":${JSON.stringify(state).replace('"k":"v"', '"__proto__":"x"')}}`],
      ['to', `{"type":"state","state":${JSON.stringify(state).replace('"k":"v"', '"constructor":"x"')}}`],
      ['to', `{"type":"state","state":${JSON.stringify(state).replace('"k":"v"', '"prototype":"x"')}}`],
      ['to', `{"type":"state","state":${JSON.stringify(state).replace('"k":"v"', '"toString":"x","hasOwnProperty":"y"')}}`],
      ['to', '{"type":"error","task":"export","code":"INTERNAL","message":"x","__proto__":{"id":"zipformer-20M"}}'],
      ['to', '{"type":"info","task":"export","message":"x","constructor":{"prototype":{"polluted":1}}}'],
    ];
    for (const [dir, text] of attempts) {
      const v = run(dir, JSON.parse(text) as unknown);
      assert.ok(!('threw' in v), `${text.slice(0, 80)} threw`);
      if (v.ok) checkAccepted(dir, JSON.parse(text) as unknown, v.message, text.slice(0, 80));
    }
    // What the webview meant by a field it inherited is never read.
    assert.equal(verdict('from', JSON.parse('{"__proto__":{"type":"ready"}}') as unknown).ok, false);
    assert.equal(verdict('from', JSON.parse('{"type":"inspect","location":{"__proto__":{"dir":"/etc"}}}') as unknown).ok, false);
    const metadataProto = run('to', JSON.parse(attempts[7][1]) as unknown);
    assert.ok(!('threw' in metadataProto) && !metadataProto.ok && /metadata\.__proto__/.test(metadataProto.reason));
    const withToString = run('to', JSON.parse(attempts[10][1]) as unknown);
    assert.ok(!('threw' in withToString) && withToString.ok, 'harmless own keys such as toString are data');
    const error = run('to', JSON.parse(attempts[11][1]) as unknown);
    assert.ok(!('threw' in error) && error.ok && !Object.prototype.hasOwnProperty.call(error.message, 'id'), 'an id under __proto__ is dropped');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  test('huge strings and deep nesting are refused quickly, without throwing', () => {
    const huge = 'A'.repeat(9 * 1024 * 1024);
    const cases: ['from' | 'to', unknown][] = [
      ['from', { type: 'ready', pad: huge }],
      ['from', { type: huge }],
      ['from', { type: 'openFile', path: `/${huge}` }],
      ['from', { type: 'export', options: { source: { dir: '/m' }, format: 'ort', optimization: 'all', outputDir: '', card: { ...card, description: 'x'.repeat(200_000) } } }],
      ['to', { type: 'progress', task: 'export', fraction: 0.5, message: huge }],
      ['to', { type: 'error', task: 'export', code: 'INTERNAL', message: 'x'.repeat(1_000_000) }],
      ['to', { type: 'state', state: { ...state, catalog: new Array(1_000_000).fill(catalogEntry) } }],
      ['from', nested(200_000, 'object')],
      ['from', nested(200_000, 'array')],
      ['from', { type: 'inspect', location: nested(200_000, 'object') }],
      ['to', { type: 'state', state: nested(200_000, 'object') }],
      ['to', { type: 'comparison', rows: nested(200_000, 'array') }],
      ['to', { type: 'state', state: { ...state, inspection: { ...state.inspection, files: [{ ...state.inspection?.files[0], metadata: nested(200_000, 'object') }] } } }],
    ];
    for (const [i, [dir, raw]] of cases.entries()) {
      const v = run(dir, raw);
      assert.ok(!('threw' in v), `case ${i} threw ${String((v as { threw: unknown }).threw)}`);
      assert.equal(v.ok, false, `case ${i} accepted`);
      if (!v.ok) {
        checkRefused(v, `case ${i}`);
        assert.ok(!v.reason.includes('A'.repeat(100)), 'the reason does not echo the huge value');
      }
    }
  });
});

// ---- 3. paths cannot escape --------------------------------------------------------------------------

describe('paths cannot escape the folders the user chose', () => {
  const options = (source: string, outputDir: string, c: ModelCard): ExportOptions => ({ source: { dir: source }, format: 'ort', optimization: 'basic', outputDir, card: c, overwrite: false });

  test('card file names are plain names for any field values (1000 seeded random cards)', () => {
    const r = prng(0xca4d);
    const alphabet = ['a', 'Z', '0', '.', '..', '/', '\\', ':', '*', '?', '"', '<', '>', '|', '\0', ' ', '-', '_', 'é', '\u0301', '💥', '\n', 'CON', 'nul', '%2e', '~'];
    const part = () => Array.from({ length: r.int(12) }, () => r.pick(alphabet)).join('');
    for (let i = 0; i < 1000; i++) {
      const name = cardFileName({ ...card, author: part(), name: part(), version: part() });
      assert.match(name, /^\w[\w.-]*\.md$/, name);
      assert.equal(name.split('_').length >= 3, true, name);
      assert.equal(path.basename(name), name);
      assert.ok(name.length <= 200);
    }
    assert.equal(cardFileName({ ...card, author: 'a/b', name: '../../evil', version: '..\\x' }), 'a-b_evil_x.md');
  });

  test('an export with hostile card fields writes only inside the chosen folder (`..` in it resolved)', async () => {
    const root = fresh('export-root');
    const hostile: ModelCard = { author: 'a/b', name: '../../evil', version: '..\\x', license: '../../../../tmp/licence', language: 'en/../..', description: '../../x\n# heading', source: '/etc/passwd' };
    const tmpBefore = new Set(fs.readdirSync(os.tmpdir()));
    const parentBefore = tree(path.dirname(root));
    assert.deepEqual(tree(root), []);
    // Given with a `..` segment: resolved (lexically) before anything is written.
    const result = await exportModel(options(sharedPath(ZIPFORMER_DIR), `${root}/sub/../out`, hostile));
    const out = path.join(root, 'out');
    assert.equal(result.outputDir, out);
    assert.ok(tree(root).every((p) => p === 'out/' || p.startsWith('out/')), `written outside ${out}: ${tree(root).join(', ')}`);
    assert.ok(!fs.existsSync(path.join(root, 'sub')), 'the `..` was resolved, not created');
    const names = fs.readdirSync(out);
    for (const n of names) assert.ok(n === path.basename(n) && n !== '..' && n !== '.' && !/[\\/]/.test(n), n);
    assert.ok(tree(out).every((p) => !p.includes('/') || p.endsWith('/')), 'flat');
    assert.ok(names.includes('a-b_evil_x.md'), names.join(', '));
    assert.equal(path.dirname(result.cardPath), out);
    assert.equal(path.dirname(result.manifestPath), out);
    for (const f of result.files) assert.equal(path.dirname(path.join(out, f.name)), out, f.name);
    assert.deepEqual(parseManifest(JSON.parse(fs.readFileSync(result.manifestPath, 'utf8')) as unknown).card, hostile, 'the fields are kept as data');
    // Nothing beside the temp root, nothing new in the temp directory that looks like ours.
    assert.deepEqual(tree(path.dirname(root)).filter((p) => !p.startsWith(`${path.basename(root)}/`) && p !== `${path.basename(root)}/`), parentBefore.filter((p) => !p.startsWith(`${path.basename(root)}/`) && p !== `${path.basename(root)}/`));
    const tmpNew = fs.readdirSync(os.tmpdir()).filter((n) => !tmpBefore.has(n));
    assert.deepEqual(tmpNew.filter((n) => /evil|\.md$|licence/i.test(n)), []);
  });

  test('a card named like a licence file of the source does not replace it', async () => {
    const src = fresh('licensed');
    for (const f of ZIP_FILES) fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), f), path.join(src, f));
    // Licences travel under listed names only (LICENSE.md yes, LICENSE_evil_x.md no), none of which
    // has a card's `<author>_<name>_<version>.md` shape: the two can no longer meet.
    fs.writeFileSync(path.join(src, 'LICENSE.md'), 'the real licence\n');
    fs.writeFileSync(path.join(src, 'LICENSE_evil_x.md'), 'not a listed licence name\n');
    const out = path.join(fresh('licensed-out'), 'out');
    const result = await exportModel(options(src, out, { ...card, author: 'LICENSE', name: 'evil', version: 'x' }));
    assert.equal(fs.readFileSync(path.join(out, 'LICENSE.md'), 'utf8'), 'the real licence\n', 'the licence copy survives');
    assert.equal(path.basename(result.cardPath), 'LICENSE_evil_x.md');
    assert.match(fs.readFileSync(result.cardPath, 'utf8'), /^# evil x\n/, 'the card, not the unlisted licence');
    assert.equal(new Set(result.files.map((f) => f.name)).size, result.files.length, 'no two files share a name');
    assert.deepEqual(result.files.map((f) => f.name).sort(), fs.readdirSync(out).sort());
  });

  test('a relative or empty output folder is refused clearly, and nothing is created', async () => {
    const cwdBefore = fs.readdirSync(process.cwd()).sort();
    for (const outputDir of ['relative/out', 'out', '.', '..', '../escape', '', `${work.dir}/nul\0byte`]) {
      await expectError(() => exportModel(options(sharedPath(ZIPFORMER_DIR), outputDir, card)), 'EXPORT_UNWRITABLE', /must be an absolute path/, /Browse/);
    }
    assert.deepEqual(fs.readdirSync(process.cwd()).sort(), cwdBefore);
    await expectError(() => downloadModel(entryFor(goodArchive, `${base}/never.tar.bz2`), 'relative/models'), 'DOWNLOAD_FAILED', /absolute path/);
    assert.ok(!fs.existsSync(path.resolve('relative')));
  });

  test('a downloaded archive with `..`, absolute and symlinked entries is refused; nothing lands outside staging', async () => {
    const w = fresh('evil');
    const src = path.join(w, 'src');
    const dir = zipformerTree(src);
    const outside = path.join(w, 'outside');
    fs.mkdirSync(outside);
    const absolute = path.join(w, 'absolute-escape.txt');
    // The escaping entries need something to read while the archive is made; removed afterwards.
    fs.writeFileSync(path.join(w, 'escape.txt'), 'escaped\n');
    fs.writeFileSync(absolute, 'escaped\n');
    fs.symlinkSync(outside, path.join(dir, 'link-out'));
    fs.writeFileSync(path.join(outside, 'planted.txt'), 'through the link\n');
    const file = path.join(w, 'evil.tar.bz2');
    const body = tarBz2(file, src, ['m', '../escape.txt', absolute, 'm/link-out/planted.txt']);
    fs.rmSync(path.join(w, 'escape.txt'));
    fs.rmSync(absolute);
    fs.rmSync(path.join(outside, 'planted.txt'));
    const entries = listing(file);
    for (const want of ['File ../escape.txt', `File ${absolute}`, `SymbolicLink m/link-out -> ${outside}`, 'File m/link-out/planted.txt']) assert.ok(entries.includes(want), `archive lacks ${want}: ${entries.join(', ')}`);

    const models = path.join(w, 'models');
    const before = tree(w);
    routes.set('/evil.tar.bz2', { body });
    const e = await expectError(() => downloadModel(entryFor(body, `${base}/evil.tar.bz2`), models, { progressIntervalMs: 0 }), 'ARCHIVE_INVALID', /outside its folder/, /\.\.\/escape\.txt/, /refused/, /Nothing was installed/);
    assert.ok(e.message.includes(absolute), e.message);
    assert.ok(!fs.existsSync(path.join(w, 'escape.txt')), '../escape.txt written');
    assert.ok(!fs.existsSync(absolute), 'the absolute entry written');
    assert.deepEqual(fs.readdirSync(outside), [], 'written through the symlink');
    assert.deepEqual(tree(w).filter((p) => !p.startsWith('models/')), before.filter((p) => !p.startsWith('models/')), 'nothing else changed');
    assert.deepEqual(tree(models).filter((p) => !p.startsWith('.downloads/')), [], 'nothing installed, no staging left');
    assert.deepEqual(fs.readdirSync(path.join(models, '.downloads')), [], 'the refused archive is not kept');
  });

  test('a symlinked directory in an archive is dropped: the files under it land in staging, not through the link', async () => {
    const w = fresh('linkdir');
    const src = path.join(w, 'src');
    const dir = zipformerTree(src);
    const outside = path.join(w, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(dir, 'sub'));
    fs.writeFileSync(path.join(outside, 'notes.txt'), 'kept with the model\n');
    const body = tarBz2(path.join(w, 'linkdir.tar.bz2'), src, ['m', 'm/sub/notes.txt']);
    fs.rmSync(path.join(outside, 'notes.txt'));
    routes.set('/linkdir.tar.bz2', { body });
    const models = path.join(w, 'models');
    const result = await downloadModel(entryFor(body, `${base}/linkdir.tar.bz2`, { files: [...ZIP_FILES, 'sub/notes.txt'] }), models, { progressIntervalMs: 0 });
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through the link');
    const sub = path.join(result.dir, 'sub');
    assert.ok(fs.lstatSync(sub).isDirectory() && !fs.lstatSync(sub).isSymbolicLink(), 'sub is a real folder, not the link');
    assert.equal(fs.readFileSync(path.join(sub, 'notes.txt'), 'utf8'), 'kept with the model\n');
    assert.ok(tree(models).every((p) => !p.includes(' -> ')), `a link was created: ${tree(models).join(', ')}`);
  });

  test('a listed file that is a symlink out of the archive is refused, and no link is created', async () => {
    const w = fresh('linkfile');
    const src = path.join(w, 'src');
    const dir = zipformerTree(src);
    fs.rmSync(path.join(dir, 'tokens.txt'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'tokens.txt'));
    const file = path.join(w, 'linkfile.tar.bz2');
    tarBz2(file, src, ['m']);
    assert.ok(listing(file).includes('SymbolicLink m/tokens.txt -> /etc/passwd'));
    const dest = fresh('linkfile-dest');
    await expectError(() => extractArchive(file, { archive: 'tar.bz2', root: 'm', files: ZIP_FILES }, dest), 'ARCHIVE_INVALID', /links or special files/, /tokens\.txt \(SymbolicLink\)/);
    assert.ok(tree(dest).every((p) => !p.includes(' -> ')), 'no link created');
    assert.ok(!fs.existsSync(path.join(dest, 'tokens.txt')));
  });

  test('a model folder whose tokens.txt is a symlink to /etc/passwd is a clear tokens error, never read as tokens', async () => {
    const dir = fresh('passwd-model');
    for (const f of ZIP_FILES.filter((f) => f !== 'tokens.txt')) fs.copyFileSync(path.join(sharedPath(ZIPFORMER_DIR), f), path.join(dir, f));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'tokens.txt'));
    // However many lines /etc/passwd has: a count that differs from vocab_size, or lines that are not "<piece> <id>".
    const patterns = [/tokens\.txt (has \d+ tokens but .* vocab_size=500|is not a sherpa-onnx tokens\.txt)/, /Use the tokens\.txt that came with this model/];
    for (const [what, run] of [
      ['resolveModel', () => resolveModel({ dir })],
      ['inspectModel', () => inspectModel({ dir })],
      ['loadModel', () => loadModel({ dir }, { threads: 1, cacheDir: fresh('passwd-cache') })],
      ['exportModel', () => exportModel(options(dir, path.join(fresh('passwd-out'), 'out'), card))],
    ] as const) {
      const e = await expectError(run, 'MODEL_TOKENS_MISMATCH', ...patterns);
      assert.doesNotMatch(e.message, /root:|\/bin\/(ba)?sh|nologin/, `${what} quotes /etc/passwd`);
    }
  });
});

// ---- 4. no network, and 5. logs without audio ----------------------------------------------------

const INET_TABLES = ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'udplite', 'udplite6'];

interface InetSocket {
  pid: number;
  table: string;
  local: string;
  remote: string;
}

/**
 * Samples, every ~20 ms, the socket inodes held by a process and its descendants (/proc/<pid>/fd)
 * and looks each one up in that process's network namespace's inet tables (/proc/<pid>/net/*).
 */
class SocketObserver {
  samples = 0;
  /** Inodes of every socket seen (unix ones included: the IPC channel proves the fds are read). */
  readonly sockets = new Set<string>();
  readonly inet = new Map<string, InetSocket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
    return this;
  }

  stop(): this {
    clearInterval(this.timer);
    this.sample();
    return this;
  }

  private processes(): number[] {
    const out = [this.pid];
    for (let i = 0; i < out.length; i++) {
      let tasks: string[] = [];
      try {
        tasks = fs.readdirSync(`/proc/${out[i]}/task`);
      } catch {
        continue; // exited
      }
      for (const t of tasks) {
        try {
          for (const c of fs.readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean)) out.push(Number(c));
        } catch {
          // thread or process gone
        }
      }
    }
    return out;
  }

  sample(): void {
    this.samples++;
    const held = new Map<string, number>();
    for (const pid of this.processes()) {
      let fds: string[] = [];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m) held.set(m[1], pid);
        } catch {
          // closed meanwhile
        }
      }
    }
    if (held.size === 0) return;
    for (const inode of held.keys()) this.sockets.add(inode);
    for (const table of INET_TABLES) {
      let text = '';
      try {
        text = fs.readFileSync(`/proc/${this.pid}/net/${table}`, 'utf8');
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10) continue;
        const pid = held.get(f[9]);
        if (pid !== undefined) this.inet.set(`${table}:${f[9]}`, { pid, table, local: f[1], remote: f[2] });
      }
    }
  }
}

/** `0100007F:1F90` (or the tcp6 form) -> port. */
const portOf = (address: string) => parseInt(address.split(':').at(-1) ?? '', 16);

describe('the sidecar: no network but the download, no audio in the logs', () => {
  const cache = path.join(work.dir, 'sidecar-cache');
  let alsa: AlsaFileDevice;
  let client: SidecarClient;
  let catalogEntry: CatalogEntry;
  let dictating: SocketObserver;

  before(async () => {
    requireArecord();
    alsa = alsaFileDevice(sharedPath(GOFORWARD));
    // Held open before the first byte and sent slowly: the connection lasts well over a second.
    routes.set('/model.tar.bz2', { body: goodArchive, delayMs: 700, chunkDelayMs: 10 });
    catalogEntry = entryFor(goodArchive, `${base}/model.tar.bz2`);
    const catalogFile = path.join(work.dir, 'catalog.json');
    fs.writeFileSync(catalogFile, JSON.stringify([catalogEntry]));
    client = new SidecarClient({ env: { ...alsa.env, MURMUR_DEBUG: '1', MURMUR_CACHE_DIR: cache, MURMUR_CATALOG_FILE: catalogFile } });
    await client.call('hello', { version: PROTOCOL_VERSION });
  });
  after(async () => {
    await client?.close();
    alsa?.remove();
  });

  test('loading Moonshine and dictating a file and the microphone opens no inet socket', async () => {
    const pid = client.child.pid;
    assert.ok(pid);
    dictating = new SocketObserver(pid).start();
    try {
      const info = await client.call('loadModel', { location: { dir: sharedPath(MOONSHINE_DIR) }, threads: 1, cacheDir: cache }, 180_000);
      assert.equal(info.family, 'moonshine');

      const start = client.messages.length;
      const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } });
      await client.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, start);
      const text = client.events('final', start).filter((e) => e.session === session).map((e) => e.text).join(' ');
      assert.match(text, /forward/i, text);

      const micStart = client.messages.length;
      const mic = await client.call('startDictation', { source: { kind: 'microphone', device: alsa.device }, options: { normalizeGain: true } });
      const final = await client.waitForEvent('final', (e) => e.session === mic.session && e.text.trim() !== '', 120_000, micStart);
      assert.match(final.text, /forward/i, final.text);
      await client.call('stopDictation', {});
    } finally {
      dictating.stop();
    }
    console.log(`  ${dictating.samples} samples, ${dictating.sockets.size} sockets seen (unix), inet: ${[...dictating.inet.values()].map((s) => `${s.table} ${s.local}->${s.remote}`).join(', ') || 'none'}`);
    assert.ok(dictating.samples >= 20, `only ${dictating.samples} samples`);
    assert.ok(dictating.sockets.size >= 1, 'the observer saw no socket at all (not even the IPC channel): it cannot be trusted');
    assert.deepEqual([...dictating.inet.values()], [], 'the sidecar opened an inet socket while loading or dictating');
    assert.deepEqual(client.invalid, []);
  });

  test('positive control: the same observer sees the socket of a catalog download to a loopback server', async () => {
    const pid = client.child.pid;
    assert.ok(pid);
    const observer = new SocketObserver(pid).start();
    let result: DownloadResult;
    try {
      result = await client.call('downloadModel', { task: 1, entryId: catalogEntry.id, modelsRoot: path.join(work.dir, 'sidecar-models') }, 120_000);
    } finally {
      observer.stop();
    }
    assert.deepEqual(fs.readdirSync(result.dir).sort(), [...ZIP_FILES].sort());
    const port = (server.address() as AddressInfo).port;
    const seen = [...observer.inet.values()];
    console.log(`  ${observer.samples} samples, inet: ${seen.map((s) => `${s.table} ${s.local}->${s.remote}`).join(', ')}`);
    assert.ok(
      seen.some((s) => s.table.startsWith('tcp') && portOf(s.remote) === port),
      `the download's TCP connection to port ${port} was not seen (${seen.length} inet sockets)`,
    );
  });

  test('logs never contain audio: short lines, no runs of numbers, no base64 runs (MURMUR_DEBUG=1)', async () => {
    // Requests carrying audio-like payloads in a bad field: the refusal is logged, the payload not.
    const numbers = Array.from({ length: 20_000 }, (_, i) => Math.sin(i / 7) * 0.5);
    const base64 = crypto.randomBytes(60_000).toString('base64');
    for (const [id, location] of [
      [9001, { dir: numbers }],
      [9002, { dir: base64 }],
      [9003, { dir: `/${base64.slice(0, 3000)}` }],
    ] as const) {
      client.sendRaw({ type: 'loadModel', id, location, threads: 1 });
      await client.response(id, 30_000);
    }
    // The zipformer too (its own log lines), on the same clip.
    await client.call('loadModel', { location: { dir: sharedPath(ZIPFORMER_DIR) }, threads: 1, cacheDir: cache }, 180_000);
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: sharedPath(GOFORWARD), realtime: false } });
    await client.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, start);

    const logs = client.events('log');
    assert.ok(logs.length >= 10, `${logs.length} log events`);
    assert.ok(logs.some((l) => l.level === 'warn' && /Invalid message/.test(l.message)), 'the refusals were logged');
    const lines = [...logs.flatMap((l) => l.message.split('\n').map((m) => `[${l.level}] ${m}`)), ...client.stderr.split('\n')];
    const numberRun = /(?:[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?[\s,;]+){32}[-+]?(?:\d|\.\d)/i;
    for (const line of lines) {
      assert.ok(line.length <= 2000, `a log line of ${line.length} characters: ${line.slice(0, 200)}...`);
      assert.doesNotMatch(line, numberRun, 'a run of more than 32 numbers');
      assert.doesNotMatch(line, /[A-Za-z0-9+/]{257,}/, 'a base64-like run');
      assert.doesNotMatch(line, /[A-Za-z0-9_-]{257,}/, 'a base64url-like run');
    }
    // The detector would have caught a sample array (it is not vacuous).
    assert.match(numbers.slice(0, 40).join(', '), numberRun);
    console.log(`  ${logs.length} log events (${logs.filter((l) => l.level === 'debug').length} debug), ${client.stderr.length} bytes of stderr checked`);
  });
});

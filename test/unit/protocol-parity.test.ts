/**
 * The host and the webview accept and refuse exactly the same messages: a model shape that travels
 * sidecar -> host -> webview is judged by the sidecar protocol (validateResult, run by the host on
 * the sidecar's answer) and by the webview protocol (validateToWebview, imported from the module the
 * webview bundle uses) with the same verdict, over the fuzz corpus of security.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResult } from '../../src/protocol';
import { validateToWebview } from '../../src/protocol/webview';

const SHA = 'a'.repeat(64);
const inspection = { family: 'moonshine', languages: ['en'], totalBytes: 2, files: [{ role: 'encoder', path: '/m/e.onnx', bytes: 2, format: 'onnx', metadata: { k: 'v' }, opset: 17, producer: 'p', quantization: 'int8' }] };
const exportResult = { outputDir: '/o', family: 'moonshine', files: [{ name: 'e.ort', role: 'encoder', bytes: 1, sha256: SHA }], cardPath: '/o/MODEL_CARD.md', manifestPath: '/o/manifest.json', location: { family: 'moonshine', dir: '/o' }, elapsedMs: 5 };
const row = { label: 'source', path: '/m/e.onnx', format: 'onnx', fileBytes: 1, loadMs: 1, rssBytes: 1, rtf: 0.1, transcript: 'hello' };
const entry = { id: 'm-1', title: 'M', family: 'zipformer', description: 'd', url: 'https://example.com/m.tar.bz2', bytes: 1, sha256: SHA, archive: 'tar.bz2', root: 'm', files: ['a.onnx'], license: 'MIT', page: 'https://example.com' };
const download = { id: 'm-1', dir: '/models/m-1', bytes: 1, resumed: false, elapsedMs: 1 };
/** The smallest valid panel state: every nullable part null, every list empty. */
const state = {
  settings: { format: 'ort', optimization: 'all', outputDirectory: '', card: { author: '', name: '', version: '', license: '', language: '', description: '', source: '' } },
  settingsTarget: 'user',
  hasWorkspace: false,
  inspecting: false,
  catalog: [],
  downloads: [],
  ...Object.fromEntries(['source', 'defaultOutputDirs', 'inspection', 'busy', 'lastExport', 'comparison'].map((k) => [k, null])),
};

/** Each shape: its valid example, how the sidecar protocol judges it, and how the webview does. */
const SHAPES = {
  inspection: { good: inspection, host: (v: unknown) => validateResult('inspectModel', v).ok, webview: (v: unknown) => validateToWebview({ type: 'state', state: { ...state, inspection: v } }).ok },
  exportResult: { good: exportResult, host: (v: unknown) => validateResult('exportModel', v).ok, webview: (v: unknown) => validateToWebview({ type: 'exportDone', result: v }).ok },
  comparisonRow: { good: row, host: (v: unknown) => validateResult('compareModels', { rows: [v] }).ok, webview: (v: unknown) => validateToWebview({ type: 'comparison', rows: [v] }).ok },
  catalogEntry: { good: entry, host: (v: unknown) => validateResult('modelCatalog', { entries: [v] }).ok, webview: (v: unknown) => validateToWebview({ type: 'state', state: { ...state, catalog: [v] } }).ok },
  downloadResult: { good: download, host: (v: unknown) => validateResult('downloadModel', v).ok, webview: (v: unknown) => validateToWebview({ type: 'downloadDone', result: v }).ok },
};

// The value corpus of security.test.ts's fuzzing, plus the limits where the two copies once disagreed.
const STRINGS = ['', '/', '/abs/path', 'relative/path', '../../etc/passwd', '/m/../../etc', 'C:\\x', 'C:', '\\\\srv\\share\\x', '/a\0b', '/proc/self/cwd', 'ort', 'onnx', 'moonshine', 'https://example.com/x', 'http://example.com/x', 'javascript:alert(1)', '<script>alert(1)</script>', '\ud800', '💥', 'INTERNAL', 'a'.repeat(300), 'b'.repeat(5000), 'c'.repeat(16 * 1024 + 1), 'd'.repeat(64 * 1024 + 1)];
const VALUES: unknown[] = [...STRINGS, undefined, null, true, false, 0, -1, 1.5, 1001, 10_001, NaN, Infinity, Number.MAX_SAFE_INTEGER + 2, [], [1], {}, { dir: '/x' }, Object.create(null) as object];

/** Every leaf path of `v` (objects and arrays walked), so each field of a shape gets every value. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [at];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_x, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as Record<string | number, unknown>)[k], [...at, k]))];
}

function withValue(base: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy: Record<string | number, unknown> | unknown[] = Array.isArray(base) ? [...(base as unknown[])] : { ...(base as Record<string, unknown>) };
  const [head, ...rest] = at;
  (copy as Record<string | number, unknown>)[head] = withValue((base as Record<string | number, unknown>)[head], rest, value);
  return copy;
}

describe('protocol parity: host and webview give every shape the same verdict', () => {
  for (const [name, shape] of Object.entries(SHAPES)) {
    test(`${name}: every field set to every corpus value`, () => {
      assert.equal(shape.host(shape.good), true, `${name}: the valid example passes the host`);
      assert.equal(shape.webview(shape.good), true, `${name}: the valid example passes the webview`);
      let accepted = 0;
      let refused = 0;
      // Fields only: the shape as a whole is nullable in some webview messages (state.inspection) by design.
      for (const at of paths(shape.good).filter((p) => p.length > 0)) {
        for (const value of VALUES) {
          const message = withValue(shape.good, at, value);
          const host = shape.host(message);
          assert.equal(shape.webview(message), host, `${name}.${at.join('.')} := ${typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value}: host ${host ? 'accepts' : 'refuses'}, webview does not`);
          if (host) accepted++;
          else refused++;
        }
      }
      // Both verdicts occur, so the comparison is not vacuous.
      assert.ok(accepted > 0 && refused > 0);
    });
  }

  test('an ONNX metadata key naming object structure is refused on both sides', () => {
    const md = JSON.parse('{"__proto__":"x"}') as unknown;
    const bad = { ...inspection, files: [{ ...inspection.files[0], metadata: md }] };
    assert.equal(SHAPES.inspection.host(bad), false);
    assert.equal(SHAPES.inspection.webview(bad), false);
  });
});

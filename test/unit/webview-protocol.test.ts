/**
 * The Speech Models panel's webview protocol: every well-formed message (both directions) passes and
 * comes back equal; malformed ones are refused with a reason naming the offending field; nothing
 * rides along through `__proto__`. The panel's HTML: a strict CSP (nonce only, nothing remote,
 * nothing inline), a nonce on every script and style sheet, no inline handlers, the test ids the UI
 * tests use, and the order a newcomer reads it in. And what the page says about the model in use.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogEntry } from '../../src/engine/download/types';
import type { ComparisonRow, ExportResult, ModelInspection } from '../../src/engine/export/types';
import {
  FROM_WEBVIEW_TYPES,
  TO_WEBVIEW_TYPES,
  validateFromWebview,
  validateToWebview,
  type ExportSettings,
  type FromWebview,
  type InUseModel,
  type PanelState,
  type ToWebview,
} from '../../src/protocol/webview';
import { exportPanelCsp, exportPanelHtml } from '../../src/extension/export/html';
import { describeInUse, settingsTargetText, sourceNote, takeaway, type Segments } from '../../src/webview/format';

// ---- fixtures ----------------------------------------------------------------------------------

const card = { author: 'Ada', name: 'Moonshine tiny ORT', version: '0.0.1', license: 'MIT', language: 'en', description: 'Exported for Murmur.\nTwo lines.', source: 'https://huggingface.co/UsefulSensors/moonshine' };
const settings: ExportSettings = { format: 'ort', optimization: 'all', outputDirectory: '', card };
const source = { family: 'auto' as const, dir: '/home/u/models/moonshine-tiny' };

const inspection: ModelInspection = {
  family: 'moonshine',
  languages: ['en'],
  totalBytes: 29_000_000,
  files: [
    { role: 'encoder', path: '/home/u/models/moonshine-tiny/encoder_model.onnx', bytes: 8_000_000, format: 'onnx', opset: 17, producer: 'pytorch', quantization: 'int8', metadata: { model_type: 'moonshine', 'hf.revision': 'abc' } },
    { role: 'decoder', path: '/home/u/models/moonshine-tiny/decoder_model_merged.onnx', bytes: 21_000_000, format: 'onnx', metadata: {} },
  ],
};

const catalogEntry: CatalogEntry = {
  id: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
  title: 'Streaming Zipformer 20M (English, int8)',
  family: 'zipformer',
  description: 'Small (43 MB installed), true streaming.',
  url: 'https://github.com/k2-fsa/sherpa-onnx/releases/download/asr-models/sherpa-onnx-streaming-zipformer-en-20M-2023-02-17.tar.bz2',
  bytes: 127_887_156,
  sha256: '9c559283e8498d3fe95913c79ca1cb454bb26281ac2b102b41306c7d752765d9',
  archive: 'tar.bz2',
  root: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17',
  files: ['encoder-epoch-99-avg-1.int8.onnx', 'tokens.txt'],
  license: 'Apache-2.0',
  page: 'https://github.com/k2-fsa/sherpa-onnx/releases/tag/asr-models',
};

const exportResult: ExportResult = {
  outputDir: '/home/u/models/moonshine-tiny-ort',
  family: 'moonshine',
  files: [
    { name: 'encoder_model.ort', role: 'encoder', bytes: 7_900_000, sha256: 'a'.repeat(64) },
    { name: 'MODEL_CARD.md', role: 'card', bytes: 900, sha256: 'b'.repeat(64) },
  ],
  cardPath: '/home/u/models/moonshine-tiny-ort/MODEL_CARD.md',
  manifestPath: '/home/u/models/moonshine-tiny-ort/murmur-export.json',
  location: { family: 'moonshine', dir: '/home/u/models/moonshine-tiny-ort' },
  elapsedMs: 3210.5,
};

const rows: ComparisonRow[] = [
  { label: 'Source', path: '/home/u/models/moonshine-tiny', format: 'onnx', fileBytes: 29_000_000, loadMs: 315, privateBytes: 120 * 1024 * 1024, sharedBytes: 10 * 1024 * 1024, rssBytes: 140_000_000, rtf: 0.081, transcript: 'Go forward ten meters.' },
  { label: 'Export', path: '/home/u/models/moonshine-tiny-ort', format: 'ort', fileBytes: 28_000_000, loadMs: 150, privateBytes: 120 * 1024 * 1024, sharedBytes: 90 * 1024 * 1024, rssBytes: 150_000_000, rtf: 0.079, transcript: 'go forward ten meters' },
];

const embedded: InUseModel = {
  location: { family: 'auto', dir: '/home/u/.vscode/extensions/murmur-dev.murmur-0.1.0/models/moonshine-tiny-en-int8' },
  embedded: true,
  mapped: 'cache',
  cacheDir: '/home/u/.config/Code/User/globalStorage/murmur-dev.murmur/ort-cache',
};

const fullState: PanelState = {
  settings: { ...settings, outputDirectory: '/home/u/exports' },
  settingsTarget: 'workspace',
  hasWorkspace: true,
  inUse: embedded,
  source,
  defaultOutputDirs: { ort: '/home/u/models/moonshine-tiny-ort', onnx: '/home/u/models/moonshine-tiny-onnx' },
  inspecting: false,
  inspection,
  catalog: [catalogEntry],
  busy: { task: 'download', id: catalogEntry.id },
  lastExport: exportResult,
  comparison: rows,
  downloads: [{ id: catalogEntry.id, dir: '/home/u/.murmur/models/zipformer', bytes: 45_000_000, resumed: true, elapsedMs: 12_000 }],
};

const emptyState: PanelState = {
  settings,
  settingsTarget: 'user',
  hasWorkspace: false,
  source: null,
  defaultOutputDirs: null,
  inspecting: true,
  inspection: null,
  catalog: [],
  busy: null,
  lastExport: null,
  comparison: null,
  downloads: [],
};

const validFromWebview: FromWebview[] = [
  { type: 'ready' },
  { type: 'inspect', location: source },
  { type: 'inspect', location: { family: 'zipformer', encoder: '/m/encoder.onnx', decoder: '/m/decoder.onnx', joiner: '/m/joiner.onnx', tokens: '/m/tokens.txt' } },
  // Windows forms (C:\..., \\server\share) are this platform's only on Windows: path-rules.test.ts.
  { type: 'inspect', location: { dir: '/home/u/models/tiny' } },
  { type: 'pickSource', kind: 'directory' },
  { type: 'pickSource', kind: 'files' },
  { type: 'pickOutputDir' },
  { type: 'export', options: { source, format: 'ort', optimization: 'all', outputDir: '', card } },
  { type: 'export', options: { source, format: 'onnx', optimization: 'disabled', outputDir: '/tmp/out', card: { ...card, description: 'x'.repeat(4096) } } },
  { type: 'cancel', task: 'export' },
  { type: 'cancel', task: 'compare' },
  { type: 'cancel', task: 'download' },
  { type: 'compare' },
  { type: 'useExported', target: 'workspace' },
  { type: 'useExported', target: 'user' },
  { type: 'download', id: catalogEntry.id },
  { type: 'useDownloaded', id: 'moonshine-tiny-en-int8', target: 'user' },
  { type: 'saveSettings', settings, target: 'workspace' },
  { type: 'saveSettings', settings: { ...settings, format: 'onnx', optimization: 'basic', outputDirectory: '/srv/exports' }, target: 'user' },
  { type: 'openFile', path: exportResult.cardPath },
];

const validToWebview: ToWebview[] = [
  { type: 'state', state: fullState },
  { type: 'state', state: emptyState },
  { type: 'progress', task: 'export', fraction: 0, message: 'Converting the encoder' },
  { type: 'progress', task: 'compare', fraction: 1, message: '' },
  { type: 'exportDone', result: exportResult },
  { type: 'comparison', rows },
  { type: 'comparison', rows: [{ label: 'Export', path: '/m', format: 'ort', fileBytes: 1, loadMs: 0, rssBytes: 0, rtf: 0, transcript: '' }] },
  { type: 'downloadProgress', id: catalogEntry.id, progress: { phase: 'download', receivedBytes: 1024, totalBytes: 127_887_156, resumed: false } },
  { type: 'downloadProgress', id: catalogEntry.id, progress: { phase: 'install', receivedBytes: 0, totalBytes: 0, resumed: true } },
  { type: 'downloadDone', result: fullState.downloads[0] },
  { type: 'outputDirPicked', path: '/home/u/exports' },
  { type: 'info', task: 'saveSettings', message: 'Saved to Workspace settings.' },
  { type: 'info', task: 'useModel', message: 'Murmur now uses it.', id: catalogEntry.id },
  { type: 'error', task: 'export', code: 'EXPORT_UNWRITABLE', message: 'Cannot write /x.' },
  { type: 'error', task: 'download', code: 'DOWNLOAD_CHECKSUM', message: 'Checksum mismatch.', id: catalogEntry.id },
  { type: 'error', task: 'protocol', code: 'PROTOCOL_INVALID', message: '' },
];

describe('webview protocol: valid messages', () => {
  const directions = [
    { name: 'webview -> host', examples: validFromWebview, types: FROM_WEBVIEW_TYPES, validate: validateFromWebview },
    { name: 'host -> webview', examples: validToWebview, types: TO_WEBVIEW_TYPES, validate: validateToWebview },
  ] as const;
  for (const d of directions) {
    test(`every ${d.name} type has a valid example, and each passes unchanged`, () => {
      assert.deepEqual(new Set(d.examples.map((m) => m.type)), new Set<string>(d.types));
      for (const m of d.examples) {
        const v = d.validate(structuredClone(m));
        assert.ok(v.ok, `${m.type} refused: ${v.ok ? '' : v.reason}`);
        assert.deepEqual(v.message, m);
      }
    });
  }

  test('unknown fields are dropped, not passed on', () => {
    const v = validateFromWebview({ type: 'download', id: 'a', extra: 1, options: { evil: true } });
    assert.ok(v.ok);
    assert.deepEqual(v.message, { type: 'download', id: 'a' });
    const s = validateToWebview({ type: 'state', state: { ...emptyState, secret: 'x' } });
    assert.ok(s.ok && s.message.type === 'state');
    assert.equal('secret' in s.message.state, false);
  });

  test('__proto__ in a message neither leaks into the result nor pollutes Object.prototype', () => {
    const raw: unknown = JSON.parse('{"type":"saveSettings","target":"user","__proto__":{"polluted":true},"settings":{"format":"ort","optimization":"all","outputDirectory":"","__proto__":{"isAdmin":true},"card":{"author":"","name":"","version":"","license":"","language":"","description":"","source":""}}}');
    const v = validateFromWebview(raw);
    assert.ok(v.ok, v.ok ? '' : v.reason);
    assert.equal(Object.getPrototypeOf(v.message), Object.prototype);
    assert.equal(Object.prototype.hasOwnProperty.call(v.message, '__proto__'), false);
    assert.equal((v.message as unknown as Record<string, unknown>).polluted, undefined);
    assert.equal(v.message.type === 'saveSettings' && (v.message.settings as unknown as Record<string, unknown>).isAdmin, undefined);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test('fields are read as own properties only, never through the prototype', () => {
    const inherited = Object.create({ type: 'ready' }) as object;
    const v = validateFromWebview(inherited);
    assert.equal(v.ok, false);
  });
});

// ---- malformed --------------------------------------------------------------------------------------

const big = (n: number): string => 'x'.repeat(n);
const exportMsg = (options: Record<string, unknown>) => ({ type: 'export', options: { source, format: 'ort', optimization: 'all', outputDir: '', card, ...options } });
const stateMsg = (state: Record<string, unknown>) => ({ type: 'state', state: { ...fullState, ...state } });
const rowWith = (over: Record<string, unknown>) => ({ type: 'comparison', rows: [rows[0], { ...rows[1], ...over }] });

interface Bad {
  name: string;
  dir: 'from' | 'to';
  raw: unknown;
  /** The reason must mention this (the offending field's path). */
  field: string;
}

const bad: Bad[] = [
  // webview -> host
  { name: 'a string, not an object', dir: 'from', raw: 'ready', field: 'message' },
  { name: 'null', dir: 'from', raw: null, field: 'message' },
  { name: 'an array', dir: 'from', raw: [{ type: 'ready' }], field: 'message' },
  { name: 'a number', dir: 'from', raw: 42, field: 'message' },
  { name: 'no type', dir: 'from', raw: {}, field: 'message.type' },
  { name: 'unknown type', dir: 'from', raw: { type: 'runShell', command: 'rm -rf /' }, field: 'message.type' },
  { name: 'a host -> webview type sent by the webview', dir: 'from', raw: { type: 'state', state: emptyState }, field: 'message.type' },
  { name: 'type of the wrong type', dir: 'from', raw: { type: 7 }, field: 'message.type' },
  { name: 'inspect without location', dir: 'from', raw: { type: 'inspect' }, field: 'inspect.location' },
  { name: 'inspect location is an array', dir: 'from', raw: { type: 'inspect', location: ['/m'] }, field: 'inspect.location' },
  { name: 'inspect relative dir', dir: 'from', raw: { type: 'inspect', location: { dir: 'models/tiny' } }, field: 'inspect.location.dir' },
  { name: 'inspect location naming nothing', dir: 'from', raw: { type: 'inspect', location: { family: 'auto' } }, field: 'inspect.location.dir' },
  { name: 'inspect location bad family', dir: 'from', raw: { type: 'inspect', location: { dir: '/m', family: 'deepspeech' } }, field: 'inspect.location.family' },
  { name: 'inspect path with NUL', dir: 'from', raw: { type: 'inspect', location: { encoder: '/m/enc\0.onnx' } }, field: 'inspect.location.encoder' },
  { name: 'inspect path too long', dir: 'from', raw: { type: 'inspect', location: { dir: `/${big(5000)}` } }, field: 'inspect.location.dir' },
  { name: 'inspect location inherited through the prototype', dir: 'from', raw: { type: 'inspect', location: Object.create({ dir: '/m' }) as object }, field: 'inspect.location.dir' },
  { name: 'pickSource bad kind', dir: 'from', raw: { type: 'pickSource', kind: 'url' }, field: 'pickSource.kind' },
  { name: 'export without options', dir: 'from', raw: { type: 'export' }, field: 'export.options' },
  { name: 'export bad format', dir: 'from', raw: exportMsg({ format: 'tflite' }), field: 'export.options.format' },
  { name: 'export bad optimization', dir: 'from', raw: exportMsg({ optimization: 'max' }), field: 'export.options.optimization' },
  { name: 'export relative outputDir', dir: 'from', raw: exportMsg({ outputDir: 'out/dir' }), field: 'export.options.outputDir' },
  { name: 'export outputDir a number', dir: 'from', raw: exportMsg({ outputDir: 1 }), field: 'export.options.outputDir' },
  { name: 'export source relative', dir: 'from', raw: exportMsg({ source: { dir: './m' } }), field: 'export.options.source.dir' },
  { name: 'export card author over 4 KB', dir: 'from', raw: exportMsg({ card: { ...card, author: big(4097) } }), field: 'export.options.card.author' },
  { name: 'export card without description', dir: 'from', raw: exportMsg({ card: { ...card, description: undefined } }), field: 'export.options.card.description' },
  { name: 'export card version a number', dir: 'from', raw: exportMsg({ card: { ...card, version: 1 } }), field: 'export.options.card.version' },
  { name: 'export card is an array', dir: 'from', raw: exportMsg({ card: [card] }), field: 'export.options.card' },
  { name: 'cancel of something not cancellable', dir: 'from', raw: { type: 'cancel', task: 'inspect' }, field: 'cancel.task' },
  { name: 'useExported bad target', dir: 'from', raw: { type: 'useExported', target: 'global' }, field: 'useExported.target' },
  { name: 'download id with a path', dir: 'from', raw: { type: 'download', id: '../../etc' }, field: 'download.id' },
  { name: 'download without id', dir: 'from', raw: { type: 'download' }, field: 'download.id' },
  { name: 'useDownloaded bad target', dir: 'from', raw: { type: 'useDownloaded', id: 'a', target: 1 }, field: 'useDownloaded.target' },
  { name: 'saveSettings without target', dir: 'from', raw: { type: 'saveSettings', settings }, field: 'saveSettings.target' },
  { name: 'saveSettings relative outputDirectory', dir: 'from', raw: { type: 'saveSettings', settings: { ...settings, outputDirectory: './x' }, target: 'user' }, field: 'saveSettings.settings.outputDirectory' },
  { name: 'saveSettings card license over 4 KB', dir: 'from', raw: { type: 'saveSettings', settings: { ...settings, card: { ...card, license: big(4097) } }, target: 'user' }, field: 'saveSettings.settings.card.license' },
  { name: 'openFile relative path', dir: 'from', raw: { type: 'openFile', path: 'MODEL_CARD.md' }, field: 'openFile.path' },
  { name: 'openFile path a number', dir: 'from', raw: { type: 'openFile', path: 3 }, field: 'openFile.path' },
  { name: 'a message over the size limit', dir: 'from', raw: { type: 'ready', padding: big(300 * 1024) }, field: 'message' },
  // host -> webview
  { name: 'unknown type to the webview', dir: 'to', raw: { type: 'eval', code: 'alert(1)' }, field: 'message.type' },
  { name: 'a webview -> host type sent to the webview', dir: 'to', raw: { type: 'ready' }, field: 'message.type' },
  { name: 'progress fraction NaN', dir: 'to', raw: { type: 'progress', task: 'export', fraction: NaN, message: '' }, field: 'progress.fraction' },
  { name: 'progress fraction Infinity', dir: 'to', raw: { type: 'progress', task: 'export', fraction: Infinity, message: '' }, field: 'progress.fraction' },
  { name: 'progress fraction above 1', dir: 'to', raw: { type: 'progress', task: 'compare', fraction: 1.5, message: '' }, field: 'progress.fraction' },
  { name: 'progress of a download (has its own message)', dir: 'to', raw: { type: 'progress', task: 'download', fraction: 0.5, message: '' }, field: 'progress.task' },
  { name: 'progress message over 4 KB', dir: 'to', raw: { type: 'progress', task: 'export', fraction: 0.5, message: big(4097) }, field: 'progress.message' },
  { name: 'state is an array', dir: 'to', raw: { type: 'state', state: [] }, field: 'state.state' },
  { name: 'state catalog is an object', dir: 'to', raw: stateMsg({ catalog: { 0: catalogEntry } }), field: 'state.state.catalog' },
  { name: 'state hasWorkspace a string', dir: 'to', raw: stateMsg({ hasWorkspace: 'yes' }), field: 'state.state.hasWorkspace' },
  { name: 'state inUse null (absent is the "unknown")', dir: 'to', raw: stateMsg({ inUse: null }), field: 'state.state.inUse' },
  { name: 'state inUse relative cacheDir', dir: 'to', raw: stateMsg({ inUse: { ...embedded, cacheDir: 'ort-cache' } }), field: 'state.state.inUse.cacheDir' },
  { name: 'state inUse unknown mapping', dir: 'to', raw: stateMsg({ inUse: { ...embedded, mapped: 'copied' } }), field: 'state.state.inUse.mapped' },
  { name: 'state inUse embedded a string', dir: 'to', raw: stateMsg({ inUse: { ...embedded, embedded: 'yes' } }), field: 'state.state.inUse.embedded' },
  { name: 'state inUse location naming nothing', dir: 'to', raw: stateMsg({ inUse: { ...embedded, location: { family: 'auto' } } }), field: 'state.state.inUse.location.dir' },
  { name: 'state busy bad task', dir: 'to', raw: stateMsg({ busy: { task: 'inspect' } }), field: 'state.state.busy.task' },
  { name: 'state settings bad format', dir: 'to', raw: stateMsg({ settings: { ...settings, format: 'pbmm' } }), field: 'state.state.settings.format' },
  // http(s), as the sidecar's catalog check (a loopback or internal mirror serves http; the sha256 guards the bytes).
  { name: 'state catalog javascript: URL', dir: 'to', raw: stateMsg({ catalog: [{ ...catalogEntry, url: 'javascript:alert(1)' }] }), field: 'state.state.catalog[0].url' },
  { name: 'state catalog ftp URL', dir: 'to', raw: stateMsg({ catalog: [{ ...catalogEntry, url: 'ftp://example.com/m.tar.bz2' }] }), field: 'state.state.catalog[0].url' },
  // The release page is shown as text, never a link: any text, bounded.
  { name: 'state catalog page over 2 KB', dir: 'to', raw: stateMsg({ catalog: [{ ...catalogEntry, page: big(2049) }] }), field: 'state.state.catalog[0].page' },
  { name: 'state catalog bad sha256', dir: 'to', raw: stateMsg({ catalog: [{ ...catalogEntry, sha256: 'ABC' }] }), field: 'state.state.catalog[0].sha256' },
  { name: 'state inspection file relative path', dir: 'to', raw: stateMsg({ inspection: { ...inspection, files: [{ ...inspection.files[0], path: 'encoder.onnx' }] } }), field: 'state.state.inspection.files[0].path' },
  {
    name: 'state metadata with a __proto__ key',
    dir: 'to',
    raw: JSON.parse(`{"type":"state","state":${JSON.stringify({ ...fullState, inspection: { ...inspection, files: [{ ...inspection.files[1], metadata: { PLACEHOLDER: 1 } }] } }).replace('"PLACEHOLDER":1', '"__proto__":"x"')}}`) as unknown,
    field: 'state.state.inspection.files[0].metadata.__proto__',
  },
  { name: 'state metadata value over 64 KB (the sidecar limit)', dir: 'to', raw: stateMsg({ inspection: { ...inspection, files: [{ ...inspection.files[1], metadata: { comment: big(64 * 1024 + 1) } }] } }), field: 'state.state.inspection.files[0].metadata.comment' },
  { name: 'state metadata value not a string', dir: 'to', raw: stateMsg({ inspection: { ...inspection, files: [{ ...inspection.files[1], metadata: { opset: 17 } }] } }), field: 'state.state.inspection.files[0].metadata.opset' },
  { name: 'state inspection opset negative', dir: 'to', raw: stateMsg({ inspection: { ...inspection, files: [{ ...inspection.files[0], opset: -1 }] } }), field: 'state.state.inspection.files[0].opset' },
  { name: 'exportDone file name with a directory', dir: 'to', raw: { type: 'exportDone', result: { ...exportResult, files: [{ ...exportResult.files[0], name: '../evil.ort' }] } }, field: 'exportDone.result.files[0].name' },
  { name: 'exportDone bad sha256', dir: 'to', raw: { type: 'exportDone', result: { ...exportResult, files: [{ ...exportResult.files[0], sha256: 'zz' }] } }, field: 'exportDone.result.files[0].sha256' },
  { name: 'exportDone relative cardPath', dir: 'to', raw: { type: 'exportDone', result: { ...exportResult, cardPath: 'MODEL_CARD.md' } }, field: 'exportDone.result.cardPath' },
  { name: 'comparison rows is an object', dir: 'to', raw: { type: 'comparison', rows: { 0: rows[0] } }, field: 'comparison.rows' },
  { name: 'comparison negative load time', dir: 'to', raw: rowWith({ loadMs: -1 }), field: 'comparison.rows[1].loadMs' },
  { name: 'comparison RTF Infinity', dir: 'to', raw: rowWith({ rtf: Infinity }), field: 'comparison.rows[1].rtf' },
  { name: 'comparison fractional byte count', dir: 'to', raw: rowWith({ privateBytes: 1.5 }), field: 'comparison.rows[1].privateBytes' },
  { name: 'comparison transcript over 64 KB (the sidecar limit)', dir: 'to', raw: rowWith({ transcript: big(64 * 1024 + 1) }), field: 'comparison.rows[1].transcript' },
  { name: 'downloadProgress bad phase', dir: 'to', raw: { type: 'downloadProgress', id: 'a', progress: { phase: 'unpack', receivedBytes: 0, totalBytes: 0, resumed: false } }, field: 'downloadProgress.progress.phase' },
  { name: 'downloadProgress NaN bytes', dir: 'to', raw: { type: 'downloadProgress', id: 'a', progress: { phase: 'download', receivedBytes: NaN, totalBytes: 0, resumed: false } }, field: 'downloadProgress.progress.receivedBytes' },
  { name: 'downloadDone relative dir', dir: 'to', raw: { type: 'downloadDone', result: { ...fullState.downloads[0], dir: 'models/z' } }, field: 'downloadDone.result.dir' },
  { name: 'outputDirPicked relative', dir: 'to', raw: { type: 'outputDirPicked', path: 'exports' }, field: 'outputDirPicked.path' },
  { name: 'info without message', dir: 'to', raw: { type: 'info', task: 'export' }, field: 'info.message' },
  { name: 'error code not a code', dir: 'to', raw: { type: 'error', task: 'export', code: 'oops <b>', message: 'x' }, field: 'error.code' },
  { name: 'error unknown task', dir: 'to', raw: { type: 'error', task: 'shell', code: 'INTERNAL', message: 'x' }, field: 'error.task' },
  { name: 'error message over 16 KB', dir: 'to', raw: { type: 'error', task: 'export', code: 'INTERNAL', message: big(16 * 1024 + 1) }, field: 'error.message' },
];

describe('webview protocol: malformed messages are refused, naming the field', () => {
  test('the table is big enough', () => assert.ok(bad.length >= 25, `${bad.length} cases`));
  for (const c of bad) {
    test(`${c.dir === 'from' ? 'webview -> host' : 'host -> webview'}: ${c.name}`, () => {
      const v = c.dir === 'from' ? validateFromWebview(c.raw) : validateToWebview(c.raw);
      assert.equal(v.ok, false, `accepted: ${JSON.stringify(v.ok ? v.message : null)?.slice(0, 200)}`);
      if (!v.ok) {
        assert.ok(v.reason.startsWith(`${c.field}:`) || v.reason.startsWith(`${c.field}[`) || v.reason.startsWith(`${c.field}.`), `reason "${v.reason.slice(0, 300)}" does not name ${c.field}`);
        assert.ok(v.reason.length < 400, 'the reason quotes the value whole');
      }
    });
  }
});

// ---- the HTML --------------------------------------------------------------------------------------

describe('export panel HTML', () => {
  const cspSource = 'https://file+.vscode-resource.vscode-cdn.net';
  const nonce = 'q1W2e3R4t5Y6u7I8o9P0aSdF';
  const base = `${cspSource}/home/u/.vscode/extensions/murmur`;
  const html = exportPanelHtml({ cspSource, nonce, scriptUri: `${base}/dist/webview.js`, styleUri: `${base}/media/webview/export.css`, codiconUri: `${base}/node_modules/@vscode/codicons/dist/codicon.css` });
  const unescape = (s: string) => s.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  const tags = (name: string) => [...html.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'gi'))].map((m) => m[0]);

  test('the CSP allows only this webview, the nonce and nothing inline', () => {
    const meta = tags('meta').find((t) => /http-equiv="Content-Security-Policy"/i.test(t));
    assert.ok(meta, 'no CSP meta tag');
    const csp = unescape(/content="([^"]*)"/.exec(meta)?.[1] ?? '');
    assert.equal(csp, exportPanelCsp(cspSource, nonce));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval|\*|data:|blob:|http:/);
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...sources]) => [name, sources]));
    assert.deepEqual(directives.get('default-src'), ["'none'"]);
    assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(directives.get('style-src'), [cspSource]);
    assert.deepEqual(directives.get('font-src'), [cspSource]);
    assert.equal(directives.get('img-src'), undefined, 'no images: default-src applies');
    for (const [name, sources] of directives) {
      for (const s of sources) assert.ok(s === "'none'" || s === `'nonce-${nonce}'` || s === cspSource, `${name} allows ${s}`);
    }
  });

  test('every script and style sheet carries the nonce; scripts are files, not inline', () => {
    const scripts = tags('script');
    assert.ok(scripts.length >= 1);
    for (const t of scripts) {
      assert.match(t, new RegExp(`\\snonce="${nonce}"`), t);
      assert.match(t, /\ssrc="/, `inline script: ${t}`);
    }
    for (const body of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)) assert.equal(body[1].trim(), '', 'script with inline code');
    for (const t of tags('style')) assert.match(t, new RegExp(`\\snonce="${nonce}"`), t);
    const sheets = tags('link').filter((t) => /rel="stylesheet"/.test(t));
    assert.equal(sheets.length, 2);
    for (const t of sheets) assert.match(t, new RegExp(`\\snonce="${nonce}"`), t);
  });

  test('no inline handlers, style attributes, javascript: URLs or remote resources', () => {
    assert.doesNotMatch(html, /<[^>]+\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /<[^>]+\sstyle\s*=/i);
    assert.doesNotMatch(html, /javascript:/i);
    for (const m of html.matchAll(/\s(?:src|href)="([^"]*)"/g)) assert.ok(m[1].startsWith(`${cspSource}/`), `resource outside the webview: ${m[1]}`);
  });

  test('attribute values are escaped (a hostile URI cannot add a tag)', () => {
    const evil = exportPanelHtml({ cspSource, nonce: 'n"><script>alert(1)</script>', scriptUri: '"><script>alert(1)</script>', styleUri: 'x', codiconUri: 'y' });
    assert.equal([...evil.matchAll(/<script\b/gi)].length, 1);
    assert.doesNotMatch(evil, /<script>alert/);
  });

  test('controls have stable test ids, unique ids, and labels', () => {
    for (const id of ['in-use-name', 'in-use-origin', 'in-use-path', 'in-use-mapped', 'export-button', 'results-table', 'card-author', 'card-description', 'output-dir', 'format-ort', 'format-onnx', 'optimization', 'browse-output', 'choose-model', 'source-note', 'save-settings', 'settings-target', 'export-cancel', 'export-progress', 'use-export', 'open-card', 'catalog-list', 'live']) {
      assert.match(html, new RegExp(`data-testid="${id}"`), id);
    }
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, ids.length, 'duplicate ids');
    for (const t of [...tags('input'), ...tags('select'), ...tags('textarea')]) {
      const id = /\sid="([^"]+)"/.exec(t)?.[1];
      assert.ok(id, `control without id: ${t}`);
      assert.ok(html.includes(`<label for="${id}"`) || /aria-label=/.test(t), `no label for #${id}`);
    }
    assert.match(html, /aria-live="polite"/);
  });

  test('a newcomer reads the model in use first, then Download, then Export; the title says what the panel is for', () => {
    const at = (id: string) => html.indexOf(`data-testid="${id}"`);
    const order = ['in-use-section', 'download-section', 'export-section', 'model-section', 'export-form', 'results-section'];
    for (const id of order) assert.ok(at(id) > 0, id);
    assert.deepEqual([...order].sort((a, b) => at(a) - at(b)), order);
    assert.match(html, /<title>Murmur: Speech Models<\/title>/);
    assert.match(html, /<h2 id="download-heading">[^<]*<i[^>]*><\/i> Download a model<\/h2>/);
    assert.match(html, /<h2 id="export-heading">[^<]*<i[^>]*><\/i> Export a model you trained<\/h2>/);
  });

  test('no settings-scope picker: one place for models (User), said in words', () => {
    assert.doesNotMatch(html, /name="save-target"|Save settings to/);
    assert.match(html, /puts it in your <strong>User<\/strong> settings/);
  });
});

const text = (parts: Segments): string => parts.map((p) => (typeof p === 'string' ? p : `\`${p.code}\``)).join('');

describe('the model in use, as the panel says it', () => {
  const moonshine: CatalogEntry = { ...catalogEntry, id: 'moonshine-tiny-en-int8', title: 'Moonshine tiny (English, int8)', family: 'moonshine' };

  test('the embedded model: its catalog title, already memory-mapped from the ORT cache, nothing to export', () => {
    const d = describeInUse(embedded, [catalogEntry, moonshine]);
    assert.equal(d.name, 'Moonshine tiny (English, int8)');
    assert.match(d.origin, /embedded/);
    assert.equal(d.path, embedded.location.dir);
    assert.equal(text(d.mapped), `Already memory-mapped: Murmur converts it once to the ORT format in its cache, \`${embedded.cacheDir}\`, and maps that file, so every VS Code window shares one copy of the weights. The embedded model needs no export.`);
  });

  test('a model of the user\'s: its folder name and the setting; an ORT export is mapped as it is, no cache', () => {
    const own: InUseModel = { location: { dir: '/home/u/models/my-zipformer' }, embedded: false, mapped: 'cache', cacheDir: embedded.cacheDir };
    const d = describeInUse(own, [moonshine]);
    assert.equal(d.name, 'my-zipformer');
    assert.match(d.origin, /murmur\.model\.path in your User settings/);
    assert.ok(text(d.mapped).includes(embedded.cacheDir));
    assert.doesNotMatch(text(d.mapped), /needs no export/);
    const ort = describeInUse({ ...own, mapped: 'direct' }, []);
    assert.match(text(ort.mapped), /ORT files are mapped as they are/);
    assert.ok(!text(ort.mapped).includes(embedded.cacheDir));
    assert.match(describeInUse({ ...own, location: { encoder: '/m/encoder.onnx', decoder: '/m/decoder.onnx' } }, []).origin, /murmur\.model\.\*/);
  });

  test('unknown (settings unreadable): says so, claims nothing', () => {
    const d = describeInUse(undefined, [moonshine]);
    assert.match(d.name, /could not be read/);
    assert.deepEqual(d.mapped, []);
  });

  test('exporting the embedded model is pointed out; another source is not', () => {
    assert.match(sourceNote({ source: { ...embedded.location }, inUse: embedded }) ?? '', /already runs memory-mapped: exporting it only makes a copy/);
    assert.equal(sourceNote({ source, inUse: embedded }), undefined);
    assert.equal(sourceNote({ source: null, inUse: embedded }), undefined);
    assert.equal(sourceNote({ source: { ...embedded.location } }), undefined);
    assert.match(sourceNote({ source, inUse: { ...embedded, location: source, embedded: false, mapped: 'direct' } }) ?? '', /already in the ORT format/);
  });

  test('where Save as Defaults writes, in words', () => {
    assert.match(text(settingsTargetText('user')), /in your User settings \(`murmur\.export\.\*`\)/);
    assert.match(text(settingsTargetText('workspace')), /this workspace's settings, which already set `murmur\.export\.\*`; the output directory always goes to your User settings/);
  });
});

describe('results takeaway', () => {
  test('states the load speed-up and the weights shared between windows', () => {
    assert.equal(takeaway(rows), 'Export: 2.1× faster load, 80 MB of weights shared between windows');
  });
  test('says when the transcript differs, and nothing without two rows', () => {
    assert.match(takeaway([rows[0], { ...rows[1], transcript: 'go backward' }]), /transcript differs/);
    assert.equal(takeaway([rows[0]]), '');
  });
});

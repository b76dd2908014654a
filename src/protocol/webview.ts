/**
 * Every message between the model export panel (extension host, src/extension/export/panel.ts) and
 * its webview script (src/webview/main.ts), as types, plus the runtime validators each end runs on
 * everything it receives (`postMessage` promises nothing about what arrives).
 *
 * House style as in validate.ts: a validator returns the typed message rebuilt from the checked
 * fields only (unknown fields are dropped, so nothing like `__proto__` can ride along), or the
 * reason it was refused: the path of the first bad field and what was expected there, e.g.
 * `export.options.card.author: expected a string of at most 4096 characters, got ...`.
 *
 * This module is bundled into the webview (a browser): it must not import Node modules (ESLint
 * enforces it for src/protocol and src/webview), and shares check.ts's primitives with the host.
 */
import type { CatalogEntry, DownloadProgress, DownloadResult } from '../engine/download/types';
import type {
  ComparisonRow,
  ExportedFile,
  ExportFormat,
  ExportOptions,
  ExportResult,
  InspectedFile,
  ModelCard,
  ModelInspection,
  OptimizationLevel,
  Quantization,
} from '../engine/export/types';
import type { ModelLocation } from '../engine/models/spec';
import type { ModelFamily } from '../engine/recognizer';
import { absolutePath as sharedAbsolutePath, boolean, fail, Invalid, jsonSizeUpTo, oneOf, record } from './check';

// ---- shared shapes --------------------------------------------------------------------------------

/**
 * Where the murmur.export.* settings are saved: vscode.ConfigurationTarget.Workspace or .Global.
 * The host decides (User, unless this workspace already sets them) and the page only shows it; a
 * model is always put in use in User settings (its settings are machine-scoped), whatever
 * `useExported` / `useDownloaded` carry.
 */
export type SettingsTarget = 'workspace' | 'user';
/** Work that runs through the backend with progress and a Cancel button (one at a time). */
export type LongTask = 'export' | 'compare' | 'download';
/** What an error or notice is about; the webview shows it next to that action. */
export type PanelTask = LongTask | 'inspect' | 'catalog' | 'pickSource' | 'pickOutputDir' | 'useModel' | 'saveSettings' | 'openFile' | 'protocol';

export const SETTINGS_TARGETS: readonly SettingsTarget[] = ['workspace', 'user'];
export const LONG_TASKS: readonly LongTask[] = ['export', 'compare', 'download'];
export const PANEL_TASKS: readonly PanelTask[] = [...LONG_TASKS, 'inspect', 'catalog', 'pickSource', 'pickOutputDir', 'useModel', 'saveSettings', 'openFile', 'protocol'];
/** The order of the card fields in the form and in the settings (murmur.export.card.<field>). */
export const CARD_FIELDS: readonly (keyof ModelCard)[] = ['author', 'name', 'version', 'license', 'language', 'description', 'source'];

/** Limits: each card field, metadata value and progress message is at most 4 KB. */
export const MAX_FIELD = 4096;
export const MAX_PATH = 4096;
export const MAX_TRANSCRIPT = 16 * 1024;
export const MAX_ERROR_MESSAGE = 16 * 1024;
export const MAX_METADATA_ENTRIES = 256;
export const MAX_METADATA_KEY = 256;
/** Whole messages, as JSON (roughly: escapes are not counted). */
export const MAX_FROM_WEBVIEW_BYTES = 256 * 1024;
export const MAX_TO_WEBVIEW_BYTES = 8 * 1024 * 1024;

/** The murmur.export.* settings, as the panel edits them. */
export interface ExportSettings {
  format: ExportFormat;
  optimization: OptimizationLevel;
  /** Absolute, or '' for the default (next to the source: `<source>-<format>`). */
  outputDirectory: string;
  card: ModelCard;
}

/** An export as the webview asks for it: the host resolves an empty outputDir and decides `overwrite` (it asks the user). */
export type ExportRequest = Omit<ExportOptions, 'overwrite' | 'outputDir'> & {
  /** Absolute, or '' for the default. */
  outputDir: string;
};

/** The model Murmur runs now (murmur.model.*, or the embedded default), and how it is loaded. */
export interface InUseModel {
  location: ModelLocation;
  /** The model that ships inside the extension (no murmur.model.* setting is set). */
  embedded: boolean;
  /**
   * 'cache': ONNX files, converted once into the ORT format in `cacheDir` and memory-mapped from
   * there; 'direct': ORT files (a Murmur export), memory-mapped as they are.
   */
  mapped: 'cache' | 'direct';
  /** The ORT cache folder of this Murmur. */
  cacheDir: string;
}

export interface Busy {
  task: LongTask;
  /** The catalog id, for a download. */
  id?: string;
}

/** Everything the webview shows, sent whole whenever it changes (and on `ready`). */
export interface PanelState {
  /** The effective murmur.export.* settings (the webview keeps unsaved edits of its own). */
  settings: ExportSettings;
  /** Where Save writes them: the workspace when it already sets any of them, else User. */
  settingsTarget: SettingsTarget;
  /** False with no folder open: workspace settings cannot be written. */
  hasWorkspace: boolean;
  /** The model in use; absent when the settings could not be read as a model. */
  inUse?: InUseModel;
  /** The model to export: the configured one until the user chooses another. */
  source: ModelLocation | null;
  /** Where an export goes when the output directory is left empty, per format. */
  defaultOutputDirs: Record<ExportFormat, string> | null;
  inspecting: boolean;
  inspection: ModelInspection | null;
  catalog: CatalogEntry[];
  busy: Busy | null;
  lastExport: ExportResult | null;
  comparison: ComparisonRow[] | null;
  /** Models downloaded while the panel was open. */
  downloads: DownloadResult[];
}

// ---- webview -> host ------------------------------------------------------------------------------

export type FromWebview =
  /** The script has loaded: send the state. */
  | { type: 'ready' }
  /** Show this model (a downloaded or exported one, or the configured one again). */
  | { type: 'inspect'; location: ModelLocation }
  /** "Choose Model..." (a model directory) or "Choose Files..." (its .onnx/.ort files and tokens.txt). */
  | { type: 'pickSource'; kind: 'directory' | 'files' }
  | { type: 'pickOutputDir' }
  | { type: 'export'; options: ExportRequest }
  | { type: 'cancel'; task: LongTask }
  /** Measure the source and the last export side by side again. */
  | { type: 'compare' }
  | { type: 'useExported'; target: SettingsTarget }
  | { type: 'download'; id: string }
  | { type: 'useDownloaded'; id: string; target: SettingsTarget }
  | { type: 'saveSettings'; settings: ExportSettings; target: SettingsTarget }
  /** Only paths the panel itself produced (the export's card, manifest, files) are opened. */
  | { type: 'openFile'; path: string };

export type FromWebviewType = FromWebview['type'];

// ---- host -> webview ------------------------------------------------------------------------------

export type ToWebview =
  | { type: 'state'; state: PanelState }
  | { type: 'progress'; task: 'export' | 'compare'; fraction: number; message: string }
  | { type: 'exportDone'; result: ExportResult }
  | { type: 'comparison'; rows: ComparisonRow[] }
  | { type: 'downloadProgress'; id: string; progress: DownloadProgress }
  | { type: 'downloadDone'; result: DownloadResult }
  | { type: 'outputDirPicked'; path: string }
  /** Something finished that has no result of its own ("Settings saved to Workspace."). */
  | { type: 'info'; task: PanelTask; message: string; id?: string }
  /** `code` is a MurmurErrorCode (or PROTOCOL_INVALID); `id` names the catalog entry for download errors. */
  | { type: 'error'; task: PanelTask; code: string; message: string; id?: string };

export type ToWebviewType = ToWebview['type'];

export type WebviewValidation<T> = { ok: true; message: T } | { ok: false; reason: string };

// ---- checks (check.ts is browser-safe: the primitives are shared with the sidecar protocol) ------

type Obj = Record<string, unknown>;

/** An own property only: nothing is read through the prototype (`constructor`, `toString`, ...). */
function get(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function string(v: unknown, at: string, options: { nonEmpty?: boolean; max?: number } = {}): string {
  const max = options.max ?? MAX_FIELD;
  if (typeof v !== 'string') fail(at, options.nonEmpty ? 'a non-empty string' : 'a string', v);
  if (options.nonEmpty && v.length === 0) fail(at, 'a non-empty string', v);
  if (v.length > max) fail(at, `a string of at most ${max} characters`, v);
  return v;
}

/** The shared check (POSIX, drive and UNC forms; no NUL; nothing under /proc or /dev), bounded here. */
function absolutePath(v: unknown, at: string): string {
  string(v, at, { nonEmpty: true, max: MAX_PATH });
  return sharedAbsolutePath(v, at);
}

function pathOrEmpty(v: unknown, at: string): string {
  return v === '' ? '' : absolutePath(v, at);
}

/** A single file name (no directory part). */
function fileName(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 255 });
  if (/[\\/\0]/.test(s) || s === '.' || s === '..') fail(at, 'a file name without a directory part', v);
  return s;
}

const CATALOG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

function catalogId(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 128 });
  if (!CATALOG_ID.test(s)) fail(at, 'a catalog id (letters, digits, ".", "_", "-")', v);
  return s;
}

function httpsUrl(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 2048 });
  if (!/^https:\/\/[^\s/?#]+[^\s]*$/.test(s)) fail(at, 'an https:// URL', v);
  return s;
}

function number(v: unknown, at: string, min: number, max = Number.MAX_VALUE): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    fail(at, max === Number.MAX_VALUE ? `a finite number >= ${min}` : `a number from ${min} to ${max}`, v);
  }
  return v;
}

function integer(v: unknown, at: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(at, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, v);
  }
  return v;
}

const byteCount = (v: unknown, at: string): number => integer(v, at, 0);

/** `check(o[key])` when the key is present and not undefined, else undefined. */
function optional<T>(o: Obj, key: string, at: string, check: (v: unknown, at: string) => T): T | undefined {
  const v = get(o, key);
  return v === undefined ? undefined : check(v, `${at}.${key}`);
}

/** Every index is checked, holes included (Array.prototype.map skips the holes of a sparse array). */
function array<T>(v: unknown, at: string, max: number, check: (x: unknown, at: string) => T): T[] {
  if (!Array.isArray(v)) fail(at, 'an array', v);
  if (v.length > max) fail(at, `an array of at most ${max} items`, v);
  const items: readonly unknown[] = v;
  const out: T[] = [];
  for (let i = 0; i < items.length; i++) out.push(check(Object.prototype.hasOwnProperty.call(items, i) ? items[i] : undefined, `${at}[${i}]`));
  return out;
}

function nullable<T>(v: unknown, at: string, check: (x: unknown, at: string) => T): T | null {
  return v === null ? null : check(v, at);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A string -> string map (ONNX metadata), rebuilt key by key. */
function stringMap(v: unknown, at: string): Record<string, string> {
  const o = record(v, at);
  const keys = Object.keys(o);
  if (keys.length > MAX_METADATA_ENTRIES) throw new Invalid(`${at}: expected at most ${MAX_METADATA_ENTRIES} entries, got ${keys.length}`);
  // A plain object is safe to fill: the only key that would reach the prototype is refused below.
  const out: Record<string, string> = {};
  for (const key of keys) {
    if (FORBIDDEN_KEYS.has(key)) throw new Invalid(`${at}.${key}: expected a key other than __proto__, constructor or prototype`);
    if (key.length > MAX_METADATA_KEY) fail(`${at}[key]`, `a key of at most ${MAX_METADATA_KEY} characters`, key);
    out[key] = string(o[key], `${at}.${key}`);
  }
  return out;
}

function run<T>(check: () => T): WebviewValidation<T> {
  try {
    return { ok: true, message: check() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason };
    throw e;
  }
}

function envelope(raw: unknown, limit: number): Obj {
  const o = record(raw, 'message');
  if (jsonSizeUpTo(raw, limit) > limit) throw new Invalid(`message: larger than the ${limit}-byte limit`);
  return o;
}

// ---- shared pieces --------------------------------------------------------------------------------

const MODEL_FAMILIES: readonly ModelFamily[] = ['moonshine', 'zipformer'];
const EXPORT_FORMAT_VALUES: readonly ExportFormat[] = ['ort', 'onnx'];
const OPTIMIZATION_VALUES: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const QUANTIZATIONS: readonly Quantization[] = ['int8', 'uint8', 'float32', 'float16', 'mixed', 'unknown'];
const FILE_KEYS = ['dir', 'encoder', 'decoder', 'joiner', 'tokens'] as const;

/** A model location naming at least a directory or an encoder; every path absolute. */
function location(v: unknown, at: string): ModelLocation {
  const o = record(v, at);
  const out: ModelLocation = {};
  const family = optional(o, 'family', at, (x, p) => oneOf(x, p, ['auto', ...MODEL_FAMILIES] as const));
  if (family !== undefined) out.family = family;
  for (const key of FILE_KEYS) {
    const file = optional(o, key, at, absolutePath);
    if (file !== undefined) out[key] = file;
  }
  if (out.dir === undefined && out.encoder === undefined) fail(`${at}.dir`, 'a model directory (or an encoder file)', get(o, 'dir'));
  return out;
}

function card(v: unknown, at: string): ModelCard {
  const o = record(v, at);
  const field = (key: keyof ModelCard): string => string(get(o, key), `${at}.${key}`, { max: MAX_FIELD });
  return {
    author: field('author'),
    name: field('name'),
    version: field('version'),
    license: field('license'),
    language: field('language'),
    description: field('description'),
    source: field('source'),
  };
}

function settings(v: unknown, at: string): ExportSettings {
  const o = record(v, at);
  return {
    format: oneOf(get(o, 'format'), `${at}.format`, EXPORT_FORMAT_VALUES),
    optimization: oneOf(get(o, 'optimization'), `${at}.optimization`, OPTIMIZATION_VALUES),
    outputDirectory: pathOrEmpty(get(o, 'outputDirectory'), `${at}.outputDirectory`),
    card: card(get(o, 'card'), `${at}.card`),
  };
}

function exportRequest(v: unknown, at: string): ExportRequest {
  const o = record(v, at);
  return {
    source: location(get(o, 'source'), `${at}.source`),
    format: oneOf(get(o, 'format'), `${at}.format`, EXPORT_FORMAT_VALUES),
    optimization: oneOf(get(o, 'optimization'), `${at}.optimization`, OPTIMIZATION_VALUES),
    outputDir: pathOrEmpty(get(o, 'outputDir'), `${at}.outputDir`),
    card: card(get(o, 'card'), `${at}.card`),
  };
}

function inspectedFile(v: unknown, at: string): InspectedFile {
  const o = record(v, at);
  const out: InspectedFile = {
    role: string(get(o, 'role'), `${at}.role`, { nonEmpty: true, max: 64 }),
    path: absolutePath(get(o, 'path'), `${at}.path`),
    bytes: byteCount(get(o, 'bytes'), `${at}.bytes`),
    format: oneOf(get(o, 'format'), `${at}.format`, ['onnx', 'ort', 'text'] as const),
    metadata: stringMap(get(o, 'metadata'), `${at}.metadata`),
  };
  const opset = optional(o, 'opset', at, (x, p) => integer(x, p, 0, 10_000));
  const producer = optional(o, 'producer', at, (x, p) => string(x, p, { max: 256 }));
  const quantization = optional(o, 'quantization', at, (x, p) => oneOf(x, p, QUANTIZATIONS));
  if (opset !== undefined) out.opset = opset;
  if (producer !== undefined) out.producer = producer;
  if (quantization !== undefined) out.quantization = quantization;
  return out;
}

function inspection(v: unknown, at: string): ModelInspection {
  const o = record(v, at);
  return {
    family: oneOf(get(o, 'family'), `${at}.family`, MODEL_FAMILIES),
    files: array(get(o, 'files'), `${at}.files`, 64, inspectedFile),
    totalBytes: byteCount(get(o, 'totalBytes'), `${at}.totalBytes`),
  };
}

function catalogEntry(v: unknown, at: string): CatalogEntry {
  const o = record(v, at);
  const sha256 = string(get(o, 'sha256'), `${at}.sha256`, { max: 64 });
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256`, '64 lower-case hex digits', sha256);
  return {
    id: catalogId(get(o, 'id'), `${at}.id`),
    title: string(get(o, 'title'), `${at}.title`, { nonEmpty: true, max: 256 }),
    family: oneOf(get(o, 'family'), `${at}.family`, MODEL_FAMILIES),
    description: string(get(o, 'description'), `${at}.description`),
    url: httpsUrl(get(o, 'url'), `${at}.url`),
    bytes: byteCount(get(o, 'bytes'), `${at}.bytes`),
    sha256,
    archive: oneOf(get(o, 'archive'), `${at}.archive`, ['tar.bz2', 'tgz'] as const),
    root: string(get(o, 'root'), `${at}.root`, { max: MAX_PATH }),
    files: array(get(o, 'files'), `${at}.files`, 64, (x, p) => string(x, p, { nonEmpty: true, max: MAX_PATH })),
    license: string(get(o, 'license'), `${at}.license`, { max: 256 }),
    page: httpsUrl(get(o, 'page'), `${at}.page`),
  };
}

function exportedFile(v: unknown, at: string): ExportedFile {
  const o = record(v, at);
  const sha256 = string(get(o, 'sha256'), `${at}.sha256`, { max: 64 });
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${at}.sha256`, '64 lower-case hex digits', sha256);
  return {
    name: fileName(get(o, 'name'), `${at}.name`),
    role: string(get(o, 'role'), `${at}.role`, { nonEmpty: true, max: 64 }),
    bytes: byteCount(get(o, 'bytes'), `${at}.bytes`),
    sha256,
  };
}

function exportResult(v: unknown, at: string): ExportResult {
  const o = record(v, at);
  return {
    outputDir: absolutePath(get(o, 'outputDir'), `${at}.outputDir`),
    family: oneOf(get(o, 'family'), `${at}.family`, MODEL_FAMILIES),
    files: array(get(o, 'files'), `${at}.files`, 64, exportedFile),
    cardPath: absolutePath(get(o, 'cardPath'), `${at}.cardPath`),
    manifestPath: absolutePath(get(o, 'manifestPath'), `${at}.manifestPath`),
    location: location(get(o, 'location'), `${at}.location`),
    elapsedMs: number(get(o, 'elapsedMs'), `${at}.elapsedMs`, 0),
  };
}

function comparisonRow(v: unknown, at: string): ComparisonRow {
  const o = record(v, at);
  const out: ComparisonRow = {
    label: string(get(o, 'label'), `${at}.label`, { nonEmpty: true, max: 256 }),
    path: absolutePath(get(o, 'path'), `${at}.path`),
    format: oneOf(get(o, 'format'), `${at}.format`, ['onnx', 'ort'] as const),
    fileBytes: byteCount(get(o, 'fileBytes'), `${at}.fileBytes`),
    loadMs: number(get(o, 'loadMs'), `${at}.loadMs`, 0),
    rssBytes: byteCount(get(o, 'rssBytes'), `${at}.rssBytes`),
    rtf: number(get(o, 'rtf'), `${at}.rtf`, 0),
    transcript: string(get(o, 'transcript'), `${at}.transcript`, { max: MAX_TRANSCRIPT }),
  };
  const privateBytes = optional(o, 'privateBytes', at, byteCount);
  const sharedBytes = optional(o, 'sharedBytes', at, byteCount);
  if (privateBytes !== undefined) out.privateBytes = privateBytes;
  if (sharedBytes !== undefined) out.sharedBytes = sharedBytes;
  return out;
}

const comparisonRows = (v: unknown, at: string): ComparisonRow[] => array(v, at, 16, comparisonRow);

function downloadProgress(v: unknown, at: string): DownloadProgress {
  const o = record(v, at);
  return {
    phase: oneOf(get(o, 'phase'), `${at}.phase`, ['download', 'verify', 'extract', 'install'] as const),
    receivedBytes: byteCount(get(o, 'receivedBytes'), `${at}.receivedBytes`),
    totalBytes: byteCount(get(o, 'totalBytes'), `${at}.totalBytes`),
    resumed: boolean(get(o, 'resumed'), `${at}.resumed`),
  };
}

function downloadResult(v: unknown, at: string): DownloadResult {
  const o = record(v, at);
  return {
    id: catalogId(get(o, 'id'), `${at}.id`),
    dir: absolutePath(get(o, 'dir'), `${at}.dir`),
    bytes: byteCount(get(o, 'bytes'), `${at}.bytes`),
    resumed: boolean(get(o, 'resumed'), `${at}.resumed`),
    elapsedMs: number(get(o, 'elapsedMs'), `${at}.elapsedMs`, 0),
  };
}

function busy(v: unknown, at: string): Busy {
  const o = record(v, at);
  const out: Busy = { task: oneOf(get(o, 'task'), `${at}.task`, LONG_TASKS) };
  const id = optional(o, 'id', at, catalogId);
  if (id !== undefined) out.id = id;
  return out;
}

function defaultOutputDirs(v: unknown, at: string): Record<ExportFormat, string> {
  const o = record(v, at);
  return { ort: absolutePath(get(o, 'ort'), `${at}.ort`), onnx: absolutePath(get(o, 'onnx'), `${at}.onnx`) };
}

function inUseModel(v: unknown, at: string): InUseModel {
  const o = record(v, at);
  return {
    location: location(get(o, 'location'), `${at}.location`),
    embedded: boolean(get(o, 'embedded'), `${at}.embedded`),
    mapped: oneOf(get(o, 'mapped'), `${at}.mapped`, ['cache', 'direct'] as const),
    cacheDir: absolutePath(get(o, 'cacheDir'), `${at}.cacheDir`),
  };
}

function panelState(v: unknown, at: string): PanelState {
  const o = record(v, at);
  const inUse = optional(o, 'inUse', at, inUseModel);
  return {
    settings: settings(get(o, 'settings'), `${at}.settings`),
    settingsTarget: oneOf(get(o, 'settingsTarget'), `${at}.settingsTarget`, SETTINGS_TARGETS),
    hasWorkspace: boolean(get(o, 'hasWorkspace'), `${at}.hasWorkspace`),
    source: nullable(get(o, 'source'), `${at}.source`, location),
    defaultOutputDirs: nullable(get(o, 'defaultOutputDirs'), `${at}.defaultOutputDirs`, defaultOutputDirs),
    inspecting: boolean(get(o, 'inspecting'), `${at}.inspecting`),
    inspection: nullable(get(o, 'inspection'), `${at}.inspection`, inspection),
    catalog: array(get(o, 'catalog'), `${at}.catalog`, 256, catalogEntry),
    busy: nullable(get(o, 'busy'), `${at}.busy`, busy),
    lastExport: nullable(get(o, 'lastExport'), `${at}.lastExport`, exportResult),
    comparison: nullable(get(o, 'comparison'), `${at}.comparison`, comparisonRows),
    downloads: array(get(o, 'downloads'), `${at}.downloads`, 256, downloadResult),
    ...(inUse ? { inUse } : {}),
  };
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

function errorCode(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 64 });
  if (!ERROR_CODE.test(s)) fail(at, 'an error code (upper-case letters, digits, "_")', v);
  return s;
}

// ---- the validators -------------------------------------------------------------------------------

type FromOf<K extends FromWebviewType> = Extract<FromWebview, { type: K }>;
type FromChecks = { [K in FromWebviewType]: (o: Obj) => FromOf<K> };

const fromChecks: FromChecks = {
  ready: () => ({ type: 'ready' }),
  inspect: (o) => ({ type: 'inspect', location: location(get(o, 'location'), 'inspect.location') }),
  pickSource: (o) => ({ type: 'pickSource', kind: oneOf(get(o, 'kind'), 'pickSource.kind', ['directory', 'files'] as const) }),
  pickOutputDir: () => ({ type: 'pickOutputDir' }),
  export: (o) => ({ type: 'export', options: exportRequest(get(o, 'options'), 'export.options') }),
  cancel: (o) => ({ type: 'cancel', task: oneOf(get(o, 'task'), 'cancel.task', LONG_TASKS) }),
  compare: () => ({ type: 'compare' }),
  useExported: (o) => ({ type: 'useExported', target: oneOf(get(o, 'target'), 'useExported.target', SETTINGS_TARGETS) }),
  download: (o) => ({ type: 'download', id: catalogId(get(o, 'id'), 'download.id') }),
  useDownloaded: (o) => ({ type: 'useDownloaded', id: catalogId(get(o, 'id'), 'useDownloaded.id'), target: oneOf(get(o, 'target'), 'useDownloaded.target', SETTINGS_TARGETS) }),
  saveSettings: (o) => ({ type: 'saveSettings', settings: settings(get(o, 'settings'), 'saveSettings.settings'), target: oneOf(get(o, 'target'), 'saveSettings.target', SETTINGS_TARGETS) }),
  openFile: (o) => ({ type: 'openFile', path: absolutePath(get(o, 'path'), 'openFile.path') }),
};

export const FROM_WEBVIEW_TYPES = Object.keys(fromChecks) as FromWebviewType[];

type ToOf<K extends ToWebviewType> = Extract<ToWebview, { type: K }>;
type ToChecks = { [K in ToWebviewType]: (o: Obj) => ToOf<K> };

const toChecks: ToChecks = {
  state: (o) => ({ type: 'state', state: panelState(get(o, 'state'), 'state.state') }),
  progress: (o) => ({
    type: 'progress',
    task: oneOf(get(o, 'task'), 'progress.task', ['export', 'compare'] as const),
    fraction: number(get(o, 'fraction'), 'progress.fraction', 0, 1),
    message: string(get(o, 'message'), 'progress.message'),
  }),
  exportDone: (o) => ({ type: 'exportDone', result: exportResult(get(o, 'result'), 'exportDone.result') }),
  comparison: (o) => ({ type: 'comparison', rows: comparisonRows(get(o, 'rows'), 'comparison.rows') }),
  downloadProgress: (o) => ({ type: 'downloadProgress', id: catalogId(get(o, 'id'), 'downloadProgress.id'), progress: downloadProgress(get(o, 'progress'), 'downloadProgress.progress') }),
  downloadDone: (o) => ({ type: 'downloadDone', result: downloadResult(get(o, 'result'), 'downloadDone.result') }),
  outputDirPicked: (o) => ({ type: 'outputDirPicked', path: absolutePath(get(o, 'path'), 'outputDirPicked.path') }),
  info: (o) => {
    const out: ToOf<'info'> = { type: 'info', task: oneOf(get(o, 'task'), 'info.task', PANEL_TASKS), message: string(get(o, 'message'), 'info.message') };
    const id = optional(o, 'id', 'info', catalogId);
    if (id !== undefined) out.id = id;
    return out;
  },
  error: (o) => {
    const out: ToOf<'error'> = {
      type: 'error',
      task: oneOf(get(o, 'task'), 'error.task', PANEL_TASKS),
      code: errorCode(get(o, 'code'), 'error.code'),
      message: string(get(o, 'message'), 'error.message', { max: MAX_ERROR_MESSAGE }),
    };
    const id = optional(o, 'id', 'error', catalogId);
    if (id !== undefined) out.id = id;
    return out;
  },
};

export const TO_WEBVIEW_TYPES = Object.keys(toChecks) as ToWebviewType[];

function checkFrom<K extends FromWebviewType>(type: K, o: Obj): FromOf<K> {
  return fromChecks[type](o);
}

function checkTo<K extends ToWebviewType>(type: K, o: Obj): ToOf<K> {
  return toChecks[type](o);
}

/** Webview -> host: run by the panel on every message before anything is done with it. */
export function validateFromWebview(raw: unknown): WebviewValidation<FromWebview> {
  return run(() => {
    const o = envelope(raw, MAX_FROM_WEBVIEW_BYTES);
    return checkFrom(oneOf(get(o, 'type'), 'message.type', FROM_WEBVIEW_TYPES), o);
  });
}

/** Host -> webview: run by the webview script on every message (and by the host before sending). */
export function validateToWebview(raw: unknown): WebviewValidation<ToWebview> {
  return run(() => {
    const o = envelope(raw, MAX_TO_WEBVIEW_BYTES);
    return checkTo(oneOf(get(o, 'type'), 'message.type', TO_WEBVIEW_TYPES), o);
  });
}

/**
 * Validators for the model tooling shapes (export, inspection, comparison, catalog, download) that
 * travel between the extension host and the sidecar. Same style as validate.ts: each returns the
 * value rebuilt from checked fields only, or throws Invalid naming the first bad field.
 */
import type { CatalogEntry, DownloadResult } from '../engine/download/types';
import {
  EXPORT_FORMATS,
  OPTIMIZATION_LEVELS,
  type ComparisonRow,
  type ExportedFile,
  type ExportOptions,
  type ExportResult,
  type InspectedFile,
  type ModelCard,
  type ModelInspection,
  type Quantization,
} from '../engine/export/types';
import type { ModelLocation } from '../engine/models/spec';
import { absolutePath, boolean, fail, integer, Invalid, number, oneOf, optional, record, string } from './check';

export const MODEL_FAMILIES = ['moonshine', 'zipformer'] as const;
const QUANTIZATIONS: readonly Quantization[] = ['int8', 'uint8', 'float32', 'float16', 'mixed', 'unknown'];
const MAX_FIELD = 4096;
const MAX_LIST = 1000;
const SHA256 = /^[0-9a-f]{64}$/;
/** Catalog ids become directory names: a slug, nothing a path could be made of. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const bytes = (v: unknown, at: string) => integer(v, at, 0, Number.MAX_SAFE_INTEGER);
const text = (v: unknown, at: string, max = MAX_FIELD) => string(v, at, { max });

function list<T>(v: unknown, at: string, item: (x: unknown, p: string) => T, max = MAX_LIST): T[] {
  if (!Array.isArray(v)) fail(at, 'an array', v);
  if (v.length > max) throw new Invalid(`${at}: more than ${max} items`);
  // An index loop, not map: map skips the holes of a sparse array, which would pass unchecked.
  const out: T[] = [];
  for (let i = 0; i < v.length; i++) out.push(item(v[i], `${at}[${i}]`));
  return out;
}

function sha256(v: unknown, at: string): string {
  const s = string(v, at, { max: 64 });
  if (!SHA256.test(s)) fail(at, 'a lower-case hex sha256', v);
  return s;
}

/** A file name inside a directory the sidecar chose: no separators, no "..". */
function fileName(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 255 });
  if (/[\\/]/.test(s) || s === '.' || s === '..' || s.includes('\0')) fail(at, 'a plain file name', v);
  return s;
}

function stringMap(v: unknown, at: string): Record<string, string> {
  const o = record(v, at);
  const keys = Object.keys(o);
  if (keys.length > 256) throw new Invalid(`${at}: more than 256 entries`);
  const out: Record<string, string> = {};
  // Defined, not assigned: a key such as "__proto__" stays a plain own key, never the prototype.
  for (const k of keys) Object.defineProperty(out, k, { value: text(o[k], `${at}.${k}`, 64 * 1024), enumerable: true, writable: true, configurable: true });
  return out;
}

export function modelLocation(v: unknown, at: string): ModelLocation {
  const o = record(v, at);
  const out: ModelLocation = {};
  const family = optional(o, 'family', at, (x, p) => oneOf(x, p, ['auto', ...MODEL_FAMILIES] as const));
  if (family !== undefined) out.family = family;
  for (const key of ['dir', 'encoder', 'decoder', 'joiner', 'tokens'] as const) {
    const file = optional(o, key, at, absolutePath);
    if (file !== undefined) out[key] = file;
  }
  return out;
}

export function modelCard(v: unknown, at: string): ModelCard {
  const o = record(v, at);
  return {
    author: text(o.author, `${at}.author`),
    name: text(o.name, `${at}.name`),
    version: text(o.version, `${at}.version`),
    license: text(o.license, `${at}.license`),
    language: text(o.language, `${at}.language`),
    description: text(o.description, `${at}.description`, 16 * 1024),
    source: text(o.source, `${at}.source`),
  };
}

export function exportOptions(v: unknown, at: string): ExportOptions {
  const o = record(v, at);
  return {
    source: modelLocation(o.source, `${at}.source`),
    format: oneOf(o.format, `${at}.format`, EXPORT_FORMATS),
    optimization: oneOf(o.optimization, `${at}.optimization`, OPTIMIZATION_LEVELS),
    outputDir: absolutePath(o.outputDir, `${at}.outputDir`),
    card: modelCard(o.card, `${at}.card`),
    overwrite: boolean(o.overwrite, `${at}.overwrite`),
  };
}

function exportedFile(v: unknown, at: string): ExportedFile {
  const o = record(v, at);
  return { name: fileName(o.name, `${at}.name`), role: text(o.role, `${at}.role`, 64), bytes: bytes(o.bytes, `${at}.bytes`), sha256: sha256(o.sha256, `${at}.sha256`) };
}

export function exportResult(v: unknown, at: string): ExportResult {
  const o = record(v, at);
  return {
    outputDir: absolutePath(o.outputDir, `${at}.outputDir`),
    family: oneOf(o.family, `${at}.family`, MODEL_FAMILIES),
    files: list(o.files, `${at}.files`, exportedFile),
    cardPath: absolutePath(o.cardPath, `${at}.cardPath`),
    manifestPath: absolutePath(o.manifestPath, `${at}.manifestPath`),
    location: modelLocation(o.location, `${at}.location`),
    elapsedMs: number(o.elapsedMs, `${at}.elapsedMs`, 0),
  };
}

function inspectedFile(v: unknown, at: string): InspectedFile {
  const o = record(v, at);
  const out: InspectedFile = {
    role: text(o.role, `${at}.role`, 64),
    path: absolutePath(o.path, `${at}.path`),
    bytes: bytes(o.bytes, `${at}.bytes`),
    format: oneOf(o.format, `${at}.format`, ['onnx', 'ort', 'text'] as const),
    metadata: stringMap(o.metadata, `${at}.metadata`),
  };
  const opset = optional(o, 'opset', at, (x, p) => integer(x, p, 0, 1000));
  const producer = optional(o, 'producer', at, (x, p) => text(x, p, 256));
  const quantization = optional(o, 'quantization', at, (x, p) => oneOf(x, p, QUANTIZATIONS));
  if (opset !== undefined) out.opset = opset;
  if (producer !== undefined) out.producer = producer;
  if (quantization !== undefined) out.quantization = quantization;
  return out;
}

export function modelInspection(v: unknown, at: string): ModelInspection {
  const o = record(v, at);
  return { family: oneOf(o.family, `${at}.family`, MODEL_FAMILIES), files: list(o.files, `${at}.files`, inspectedFile, 64), totalBytes: bytes(o.totalBytes, `${at}.totalBytes`) };
}

export function comparisonRow(v: unknown, at: string): ComparisonRow {
  const o = record(v, at);
  const out: ComparisonRow = {
    label: text(o.label, `${at}.label`, 256),
    path: absolutePath(o.path, `${at}.path`),
    format: oneOf(o.format, `${at}.format`, ['onnx', 'ort'] as const),
    fileBytes: bytes(o.fileBytes, `${at}.fileBytes`),
    loadMs: number(o.loadMs, `${at}.loadMs`, 0),
    rssBytes: bytes(o.rssBytes, `${at}.rssBytes`),
    rtf: number(o.rtf, `${at}.rtf`, 0),
    transcript: text(o.transcript, `${at}.transcript`, 64 * 1024),
  };
  const priv = optional(o, 'privateBytes', at, bytes);
  const shared = optional(o, 'sharedBytes', at, bytes);
  if (priv !== undefined) out.privateBytes = priv;
  if (shared !== undefined) out.sharedBytes = shared;
  return out;
}

export function catalogEntry(v: unknown, at: string): CatalogEntry {
  const o = record(v, at);
  const id = string(o.id, `${at}.id`, { nonEmpty: true, max: 128 });
  if (!SLUG.test(id)) fail(`${at}.id`, 'a plain name (letters, digits, ".", "_", "-")', o.id);
  const url = string(o.url, `${at}.url`, { nonEmpty: true, max: 2048 });
  if (!/^https?:\/\//.test(url)) fail(`${at}.url`, 'an http(s) URL', o.url);
  return {
    id,
    title: text(o.title, `${at}.title`, 256),
    family: oneOf(o.family, `${at}.family`, MODEL_FAMILIES),
    description: text(o.description, `${at}.description`),
    url,
    bytes: bytes(o.bytes, `${at}.bytes`),
    sha256: sha256(o.sha256, `${at}.sha256`),
    archive: oneOf(o.archive, `${at}.archive`, ['tar.bz2', 'tgz'] as const),
    root: text(o.root, `${at}.root`, 512),
    files: list(o.files, `${at}.files`, (x, p) => text(x, p, 512), 64),
    license: text(o.license, `${at}.license`, 256),
    page: text(o.page, `${at}.page`, 2048),
  };
}

export function downloadResult(v: unknown, at: string): DownloadResult {
  const o = record(v, at);
  return { id: text(o.id, `${at}.id`, 128), dir: absolutePath(o.dir, `${at}.dir`), bytes: bytes(o.bytes, `${at}.bytes`), resumed: boolean(o.resumed, `${at}.resumed`), elapsedMs: number(o.elapsedMs, `${at}.elapsedMs`, 0) };
}

export { list as arrayOf, SLUG as CATALOG_ID };

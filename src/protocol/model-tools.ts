/**
 * The model tooling shapes (export, inspection, comparison, catalog, download) as schemas, shared by
 * the sidecar protocol (validate.ts) and the webview protocol (webview.ts): a shape that travels
 * sidecar -> host -> webview is checked by one declaration on every hop. Each is checked against the
 * engine's own type, so the engine, the protocol and the panel agree.
 */
import type { CatalogEntry, DownloadProgress, DownloadResult } from '../engine/download/types';
import {
  EXPORT_FORMATS,
  OPTIMIZATION_LEVELS,
  type ComparisonRow,
  type ExportOptions,
  type ExportResult,
  type ModelCard,
  type ModelInspection,
  type Quantization,
} from '../engine/export/types';
import type { ModelLocation } from '../engine/models/spec';
import type { ModelFamily } from '../engine/recognizer';
import { fail } from './check';
import { LIMITS } from './limits';
import { absPath, arr, bool, custom, map, num, obj, oneOf, optional, str, type Schema } from './schema';

export const MODEL_FAMILIES = ['moonshine', 'zipformer', 'whisper', 'parakeet', 'nemotron'] as const satisfies readonly ModelFamily[];
const QUANTIZATIONS: readonly Quantization[] = ['int8', 'uint8', 'float32', 'float16', 'mixed', 'unknown'];
/** Catalog ids become directory names: a slug, nothing a path could be made of. */
export const CATALOG_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const bytes = num({ min: 0, int: true });
export const ms = num({ min: 0 });
export const text = (max: number = LIMITS.field) => str({ max });
export const label = str({ nonEmpty: true, max: LIMITS.label });
export const sha256 = str({ max: 64, pattern: /^[0-9a-f]{64}$/, expected: 'a lower-case hex sha256' });
export const catalogId = str({ nonEmpty: true, max: 128, pattern: CATALOG_ID, expected: 'a plain name (letters, digits, ".", "_", "-")' });
/** Shown as a link and fetched: http(s) only (a test or internal mirror may serve http; the sha256 guards the bytes). */
export const webUrl = str({ nonEmpty: true, max: LIMITS.url, pattern: /^https?:\/\/[^\s/?#]+[^\s]*$/, expected: 'an http(s) URL' });
/** A file name inside a directory the sidecar chose: no separators, no "..", no NUL. */
export const fileName = str({ nonEmpty: true, max: LIMITS.fileName, pattern: /^(?!\.\.?$)[^\\/\0]+$/, expected: 'a plain file name' });

export const modelLocation: Schema<ModelLocation> = obj({
  family: optional(oneOf(['auto', ...MODEL_FAMILIES] as const)),
  dir: optional(absPath),
  encoder: optional(absPath),
  decoder: optional(absPath),
  joiner: optional(absPath),
  tokens: optional(absPath),
});

/** A model the panel shows or an export produced names at least a directory or an encoder. */
export const namedLocation: Schema<ModelLocation> = custom((v, at) => {
  const out = modelLocation.check(v, at);
  if (out.dir === undefined && out.encoder === undefined) fail(`${at}.dir`, 'a model directory (or an encoder file)', undefined);
  return out;
});

export const modelCard: Schema<ModelCard> = obj({
  author: text(),
  name: text(),
  version: text(),
  license: text(),
  language: text(),
  description: text(LIMITS.cardDescription),
  source: text(),
});

export const exportOptions: Schema<ExportOptions> = obj({
  source: modelLocation,
  format: oneOf(EXPORT_FORMATS),
  optimization: oneOf(OPTIMIZATION_LEVELS),
  outputDir: absPath,
  card: modelCard,
  overwrite: bool,
});

const exportedFile = obj({ name: fileName, role: str({ nonEmpty: true, max: LIMITS.role }), bytes, sha256 });

export const exportResult: Schema<ExportResult> = obj({
  outputDir: absPath,
  family: oneOf(MODEL_FAMILIES),
  files: arr(exportedFile, LIMITS.exportedFiles),
  cardPath: absPath,
  manifestPath: absPath,
  location: namedLocation,
  elapsedMs: ms,
});

/** Refused rather than kept: code that copies the map by assignment would set the prototype instead. */
const metadataKey = str({ max: LIMITS.metadataKey, pattern: /^(?!(__proto__|constructor|prototype)$)/, expected: 'a key other than __proto__, constructor or prototype' });

const inspectedFile = obj({
  role: str({ nonEmpty: true, max: LIMITS.role }),
  path: absPath,
  bytes,
  format: oneOf(['onnx', 'ort', 'text'] as const),
  metadata: map(text(LIMITS.metadataValue), { maxEntries: LIMITS.metadataEntries, key: metadataKey }),
  opset: optional(num({ min: 0, max: LIMITS.opset, int: true })),
  producer: optional(text(256)),
  quantization: optional(oneOf(QUANTIZATIONS)),
});

/** A language a model hears: a code as in engine/languages.ts ("auto" is a setting, not a language). */
const languageCode = str({ max: 3, pattern: /^[a-z]{2,3}$/, expected: 'a language code such as de' });
const languages = arr(languageCode, LIMITS.languages, 'an array of language codes');

export const modelInspection: Schema<ModelInspection> = obj({ family: oneOf(MODEL_FAMILIES), languages, files: arr(inspectedFile, LIMITS.inspectedFiles), totalBytes: bytes });

export const comparisonRow: Schema<ComparisonRow> = obj({
  label,
  path: absPath,
  format: oneOf(['onnx', 'ort'] as const),
  fileBytes: bytes,
  loadMs: ms,
  rssBytes: bytes,
  rtf: num({ min: 0 }),
  transcript: text(LIMITS.transcript),
  privateBytes: optional(bytes),
  sharedBytes: optional(bytes),
});
export const comparisonRows = arr(comparisonRow, LIMITS.comparisonRows);

export const catalogEntry: Schema<CatalogEntry> = obj({
  id: catalogId,
  title: label,
  family: oneOf(MODEL_FAMILIES),
  description: text(),
  url: webUrl,
  bytes,
  sha256,
  archive: oneOf(['tar.bz2', 'tgz'] as const),
  root: text(LIMITS.path),
  files: arr(str({ nonEmpty: true, max: LIMITS.path }), LIMITS.catalogFiles),
  license: text(LIMITS.label),
  languages: optional(languages),
  /** Shown as text (never a link, never opened), so any short text: a mirror may name a page of its own. */
  page: text(LIMITS.url),
});
export const catalogEntries = arr(catalogEntry, LIMITS.catalogEntries);

export const DOWNLOAD_PHASES = ['download', 'verify', 'extract', 'install'] as const;
export const downloadProgress: Schema<DownloadProgress> = obj({ phase: oneOf(DOWNLOAD_PHASES), receivedBytes: bytes, totalBytes: bytes, resumed: bool });

export const downloadResult: Schema<DownloadResult> = obj({ id: catalogId, dir: absPath, bytes, resumed: bool, elapsedMs: ms });

/** The function form other modules import: `arrayOf(v, at, item, max)`, item a schema or a check. */
export function arrayOf<T>(v: unknown, at: string, item: Schema<T> | ((x: unknown, p: string) => T), max = 1000): T[] {
  return arr(typeof item === 'function' ? custom(item) : item, max).check(v, at);
}

/**
 * murmur-model.json: what an exported model directory says about itself.
 *
 * ORT-format files carry no metadata_props that our reader (onnx/metadata.ts) can read, yet a
 * Zipformer cannot run without its encoder's (T, decode_chunk_len, left_context_len, ...). So the
 * exporter copies each source file's ONNX outline (metadata, inputs, outputs, opsets) into the
 * manifest, and model detection reads it from there. The manifest is also the export's record:
 * card, sources, hashes, onnxruntime version.
 *
 * Read with hand-written checks (like the protocol's validators): a manifest is a file on disk that
 * anyone can edit, and a file name in it must never lead outside the directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MurmurError } from '../errors';
import type { OnnxInfo } from '../onnx/metadata';
import type { ModelFamily } from '../recognizer';
import { EXPORT_FORMATS, OPTIMIZATION_LEVELS, type ExportFormat, type ModelCard, type OptimizationLevel } from './types';

export const MANIFEST_NAME = 'murmur-model.json';
export const MANIFEST_SCHEMA = 'murmur-model';
export const MANIFEST_VERSION = 1;

/** The parts of a source file's ONNX outline that loading needs (no path or size: those are the export's). */
export interface ManifestOnnxOutline {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  metadata: Record<string, string>;
  inputs: string[];
  outputs: string[];
  initializers: number;
}

export interface ManifestFile {
  /** encoder, decoder, joiner, tokens, bpe, license, card */
  role: string;
  /** Plain file name inside the export directory. */
  name: string;
  bytes: number;
  sha256: string;
  /** The file it was made from. */
  source?: { path: string; bytes: number; sha256: string };
  /** For model files: the source ONNX file's outline (its metadata_props included). */
  onnx?: ManifestOnnxOutline;
}

export interface MurmurManifest {
  schema: typeof MANIFEST_SCHEMA;
  schemaVersion: number;
  family: ModelFamily;
  format: ExportFormat;
  optimization: OptimizationLevel;
  card: ModelCard;
  files: ManifestFile[];
  /** Source file paths by role. */
  source: Record<string, string>;
  createdAt: string;
  onnxruntime: string;
}

export const MODEL_ROLES = ['encoder', 'decoder', 'joiner'] as const;

export function outlineOf(info: OnnxInfo): ManifestOnnxOutline {
  const { irVersion, producerName, producerVersion, opsets, metadata, inputs, outputs, initializers } = info;
  return { irVersion, producerName, producerVersion, opsets, metadata, inputs, outputs, initializers };
}

/** An OnnxInfo for an exported file, its outline taken from the manifest (ORT files cannot be read by metadata.ts). */
export function infoFromManifest(file: string, outline: ManifestOnnxOutline): OnnxInfo {
  return { ...outline, path: file, bytes: fs.statSync(file).size, opTypes: [], quantized: false };
}

class Bad extends Error {}

function obj(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Bad(`${at} is not an object`);
  return v as Record<string, unknown>;
}

function str(v: unknown, at: string): string {
  if (typeof v !== 'string') throw new Bad(`${at} is not a string`);
  return v;
}

function num(v: unknown, at: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Bad(`${at} is not a non-negative number`);
  return v;
}

function strings(v: unknown, at: string): string[] {
  if (!Array.isArray(v)) throw new Bad(`${at} is not a list`);
  return v.map((x, i) => str(x, `${at}[${i}]`));
}

function stringMap(v: unknown, at: string): Record<string, string> {
  const o = obj(v, at);
  const out: Record<string, string> = {};
  // Defined, not assigned: a key such as "__proto__" stays a plain own key.
  for (const k of Object.keys(o)) Object.defineProperty(out, k, { value: str(o[k], `${at}.${k}`), enumerable: true, writable: true, configurable: true });
  return out;
}

function oneOf<T extends string>(v: unknown, at: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new Bad(`${at} is not one of ${allowed.join(', ')}`);
  return v as T;
}

function fileName(v: unknown, at: string): string {
  const name = str(v, at);
  if (name === '' || name === '.' || name === '..' || name !== path.basename(name) || /[\\/]/.test(name)) throw new Bad(`${at} is not a plain file name`);
  return name;
}

function outline(v: unknown, at: string): ManifestOnnxOutline {
  const o = obj(v, at);
  if (!Array.isArray(o.opsets)) throw new Bad(`${at}.opsets is not a list`);
  return {
    irVersion: num(o.irVersion, `${at}.irVersion`),
    producerName: str(o.producerName, `${at}.producerName`),
    producerVersion: str(o.producerVersion, `${at}.producerVersion`),
    opsets: o.opsets.map((x, i) => {
      const s = obj(x, `${at}.opsets[${i}]`);
      return { domain: str(s.domain, `${at}.opsets[${i}].domain`), version: num(s.version, `${at}.opsets[${i}].version`) };
    }),
    metadata: stringMap(o.metadata, `${at}.metadata`),
    inputs: strings(o.inputs, `${at}.inputs`),
    outputs: strings(o.outputs, `${at}.outputs`),
    initializers: num(o.initializers, `${at}.initializers`),
  };
}

function manifestFile(v: unknown, at: string): ManifestFile {
  const o = obj(v, at);
  const out: ManifestFile = { role: str(o.role, `${at}.role`), name: fileName(o.name, `${at}.name`), bytes: num(o.bytes, `${at}.bytes`), sha256: str(o.sha256, `${at}.sha256`) };
  if (o.source !== undefined) {
    const s = obj(o.source, `${at}.source`);
    out.source = { path: str(s.path, `${at}.source.path`), bytes: num(s.bytes, `${at}.source.bytes`), sha256: str(s.sha256, `${at}.source.sha256`) };
  }
  if (o.onnx !== undefined) out.onnx = outline(o.onnx, `${at}.onnx`);
  return out;
}

export function parseManifest(v: unknown): MurmurManifest {
  const o = obj(v, 'manifest');
  if (o.schema !== MANIFEST_SCHEMA) throw new Bad(`schema is not "${MANIFEST_SCHEMA}"`);
  const schemaVersion = num(o.schemaVersion, 'schemaVersion');
  if (schemaVersion > MANIFEST_VERSION) throw new Bad(`schemaVersion ${schemaVersion} is newer than this Murmur understands (${MANIFEST_VERSION}); update Murmur`);
  const card = obj(o.card, 'card');
  if (!Array.isArray(o.files)) throw new Bad('files is not a list');
  return {
    schema: MANIFEST_SCHEMA,
    schemaVersion,
    family: oneOf(o.family, 'family', ['moonshine', 'zipformer'] as const),
    format: oneOf(o.format, 'format', EXPORT_FORMATS),
    optimization: oneOf(o.optimization, 'optimization', OPTIMIZATION_LEVELS),
    card: {
      author: str(card.author, 'card.author'),
      name: str(card.name, 'card.name'),
      version: str(card.version, 'card.version'),
      license: str(card.license, 'card.license'),
      language: str(card.language, 'card.language'),
      description: str(card.description, 'card.description'),
      source: str(card.source, 'card.source'),
    },
    files: o.files.map((f, i) => manifestFile(f, `files[${i}]`)),
    source: stringMap(o.source, 'source'),
    createdAt: str(o.createdAt, 'createdAt'),
    onnxruntime: str(o.onnxruntime, 'onnxruntime'),
  };
}

/** True if `dir` holds a manifest file (a previous Murmur export), valid or not. */
export function hasManifest(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, MANIFEST_NAME)).isFile();
  } catch {
    return false;
  }
}

/** The manifest of an export directory, or undefined if there is none. Throws MurmurError if it is unusable. */
export function readManifest(dir: string): MurmurManifest | undefined {
  const file = path.join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new MurmurError('MODEL_LOAD_FAILED', `Cannot read ${file}: ${(e as Error).message}. Check the file's permissions.`);
  }
  try {
    return parseManifest(JSON.parse(text) as unknown);
  } catch (e) {
    const why = e instanceof Bad ? e.message : `not valid JSON (${(e as Error).message})`;
    throw new MurmurError('MODEL_LOAD_FAILED', `${file} is not a usable Murmur export manifest: ${why}. Export the model again, or remove ${MANIFEST_NAME} if the folder holds ONNX files.`);
  }
}

/**
 * What a model is made of, for the export panel: each file with its role, size, format, opset,
 * producer, a guess at its quantisation and its metadata_props. ONNX files are read directly
 * (onnx/metadata.ts, headers only); ORT-format files of an export are described from its manifest,
 * since nothing in them is readable without onnxruntime.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveModel } from '../models/detect';
import type { ModelLocation } from '../models/spec';
import { languagesOf } from '../languages';
import { fileHead, readOnnxInfo, type OnnxInfo } from '../onnx/metadata';
import { readManifest, type ManifestOnnxOutline } from './manifest';
import type { InspectedFile, ModelInspection, Quantization } from './types';

type InitializerTypes = NonNullable<OnnxInfo['initializerTypes']>;

/**
 * The weights' precision, from the bytes each initializer element type holds: a type holding most
 * of the weights names the model (int8 weights come with small float scales, hence "most", not
 * "all"); float32 must hold nearly everything to call the model float32.
 */
export function guessQuantization(types: InitializerTypes | undefined): Quantization {
  if (!types) return 'unknown';
  const total = Object.values(types).reduce((s, t) => s + t.bytes, 0);
  if (total === 0) return 'unknown';
  const share = (name: string) => (types[name]?.bytes ?? 0) / total;
  for (const q of ['int8', 'uint8', 'float16'] as const) if (share(q) >= 0.5) return q;
  if (share('float') >= 0.9) return 'float32';
  return 'mixed';
}

/** The default-domain opset (the one that says which ONNX operator set the graph uses). */
function mainOpset(opsets: { domain: string; version: number }[]): number | undefined {
  return opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;
}

function producerOf(o: { producerName: string; producerVersion: string }): string | undefined {
  return `${o.producerName} ${o.producerVersion}`.trim() || undefined;
}

function describeOnnx(role: string, file: string, outline?: ManifestOnnxOutline): InspectedFile {
  const info = readOnnxInfo(file, { scanInitializers: true });
  const out: InspectedFile = { role, path: file, bytes: info.bytes, format: 'onnx', quantization: guessQuantization(info.initializerTypes), metadata: { ...outline?.metadata, ...info.metadata } };
  const opset = mainOpset(info.opsets);
  const producer = producerOf(info);
  if (opset !== undefined) out.opset = opset;
  if (producer) out.producer = producer;
  return out;
}

/** An ORT file: opset and metadata are the source's (from the manifest); the producer is onnxruntime. */
function describeOrt(role: string, file: string, outline: ManifestOnnxOutline | undefined, onnxruntime: string | undefined): InspectedFile {
  const out: InspectedFile = { role, path: file, bytes: fs.statSync(file).size, format: 'ort', metadata: { ...outline?.metadata } };
  const opset = outline && mainOpset(outline.opsets);
  if (opset !== undefined) out.opset = opset;
  if (onnxruntime) out.producer = `onnxruntime ${onnxruntime}`;
  return out;
}

export function inspectModel(location: ModelLocation): ModelInspection {
  const { files } = resolveModel(location);
  // Only a directory location can be an export (explicit files win over it, as in resolveModel).
  const explicit = location.encoder || location.decoder || location.joiner || location.tokens;
  const dir = location.dir && !explicit ? path.resolve(location.dir) : undefined;
  const manifest = dir !== undefined ? readManifest(dir) : undefined;
  const outlineFor = (file: string) => manifest?.files.find((f) => dir !== undefined && path.join(dir, f.name) === file)?.onnx;
  const isOrt = (file: string) => fileHead(file, 8)?.subarray(4, 8).toString('latin1') === 'ORTM';
  const roles: [string, string][] = [['encoder', files.encoder], ['decoder', files.decoder]];
  if (files.family === 'zipformer') roles.push(['joiner', files.joiner]);
  const out = roles.map(([role, file]) => (isOrt(file) ? describeOrt(role, file, outlineFor(file), manifest?.onnxruntime) : describeOnnx(role, file, outlineFor(file))));
  if (files.family === 'zipformer') out.push({ role: 'tokens', path: files.tokens, bytes: fs.statSync(files.tokens).size, format: 'text', metadata: {} });
  // Whisper and NeMo exports keep their metadata (languages, source model) on the encoder.
  const languages = languagesOf(files.family, out.find((f) => f.role === 'encoder')?.metadata ?? {});
  return { family: files.family, languages, files: out, totalBytes: out.reduce((s, f) => s + f.bytes, 0) };
}

/**
 * Model export (DeepSpeech's ".pb -> .pbmm / .tflite" step, for ONNX): the shapes shared by the
 * exporter, the sidecar protocol and the export panel. Types only, so the extension host and the
 * webview can import them without pulling onnxruntime in.
 */
import type { ModelFamily } from '../recognizer';
import type { ModelLocation } from '../models/spec';

/** 'ort': ORT flatbuffer, memory-mappable (weights used in place). 'onnx': graph-optimised ONNX. */
export type ExportFormat = 'ort' | 'onnx';
/** onnxruntime's graph optimisation levels, as onnxruntime-node names them. */
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ort', 'onnx'];
export const OPTIMIZATION_LEVELS: readonly OptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];

/** What DeepSpeech's author_model_<version>.md carried, and what a model card should say. */
export interface ModelCard {
  author: string;
  name: string;
  version: string;
  license: string;
  language: string;
  description: string;
  /** Where the source model came from (URL or citation). */
  source: string;
}

export interface ExportOptions {
  source: ModelLocation;
  format: ExportFormat;
  optimization: OptimizationLevel;
  /**
   * Absolute (a relative path is refused); the export's own directory (created; must be empty or a
   * previous Murmur export). `..` segments are resolved lexically; nothing is written outside this
   * directory except its staging copy, a hidden sibling that is renamed into place at the end.
   */
  outputDir: string;
  card: ModelCard;
  /** Replace a previous export in outputDir (the user confirmed). */
  overwrite: boolean;
}

export interface ExportProgress {
  /** 0..1 */
  fraction: number;
  message: string;
}

export interface ExportedFile {
  /** File name inside outputDir. */
  name: string;
  /** encoder, decoder, joiner, tokens, card, manifest, ... */
  role: string;
  bytes: number;
  sha256: string;
}

export interface ExportResult {
  outputDir: string;
  family: ModelFamily;
  files: ExportedFile[];
  cardPath: string;
  manifestPath: string;
  /** How to load the exported model (a directory location). */
  location: ModelLocation;
  elapsedMs: number;
}

export type Quantization = 'int8' | 'uint8' | 'float32' | 'float16' | 'mixed' | 'unknown';

export interface InspectedFile {
  role: string;
  path: string;
  bytes: number;
  format: 'onnx' | 'ort' | 'text';
  opset?: number;
  producer?: string;
  quantization?: Quantization;
  metadata: Record<string, string>;
}

export interface ModelInspection {
  family: ModelFamily;
  /** Languages the model hears (languagesOf: its family and encoder metadata); [] when unknown. */
  languages: string[];
  files: InspectedFile[];
  totalBytes: number;
}

/** One row of the side-by-side table: a model measured in a fresh process. */
export interface ComparisonRow {
  label: string;
  /** Model directory (or encoder path) measured. */
  path: string;
  format: 'onnx' | 'ort';
  fileBytes: number;
  loadMs: number;
  /** From /proc/self/smaps_rollup after load and transcription; undefined where unavailable. */
  privateBytes?: number;
  sharedBytes?: number;
  rssBytes: number;
  /** Decode time / audio duration for the sample clip. */
  rtf: number;
  transcript: string;
}

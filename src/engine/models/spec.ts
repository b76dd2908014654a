/**
 * How a user names a model (a directory, or explicit files) and what detection makes of it.
 */
import type { ModelFamily } from '../recognizer';

/** What the user configured. Either a directory, or explicit files (which win over the directory). */
export interface ModelLocation {
  dir?: string;
  /** Family forced by the user; 'auto' (default) detects it from the files and ONNX metadata. */
  family?: ModelFamily | 'auto';
  encoder?: string;
  decoder?: string;
  joiner?: string;
  tokens?: string;
}

export interface MoonshineFiles {
  family: 'moonshine';
  encoder: string;
  decoder: string;
}

export interface ZipformerFiles {
  family: 'zipformer';
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
  /** Optional SentencePiece model, used to tokenise hotwords. */
  bpeModel?: string;
}

export type ResolvedModelFiles = MoonshineFiles | ZipformerFiles;

/** ONNX metadata_props, as key -> value. */
export type OnnxMetadata = Record<string, string>;

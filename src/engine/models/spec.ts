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

/** sherpa-onnx's Whisper export: encoder and decoder (self and cross KV caches), base64 tokens.txt. */
export interface WhisperFiles {
  family: 'whisper';
  encoder: string;
  decoder: string;
  tokens: string;
}

/** sherpa-onnx's NeMo transducer exports: Parakeet TDT (offline) and Nemotron (cache-aware streaming). */
export interface NemoTransducerFiles {
  family: 'parakeet' | 'nemotron';
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

export type ResolvedModelFiles = MoonshineFiles | ZipformerFiles | WhisperFiles | NemoTransducerFiles;

/** ONNX metadata_props, as key -> value. */
export type OnnxMetadata = Record<string, string>;

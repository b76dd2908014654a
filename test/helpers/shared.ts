/**
 * The shared test corpus (../shared): real models and real speech. Missing files fail the test that
 * needs them, loudly, with the path that was expected.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedDir } from '../../src/engine/paths';

export function sharedPath(...parts: string[]): string {
  const p = path.join(sharedDir(), ...parts);
  assert.ok(fs.existsSync(p), `missing shared test file ${p}: tests need ../shared beside the repository (set MURMUR_SHARED_DIR to move it)`);
  return p;
}

export const ZIPFORMER_DIR = 'models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01';
export const MOONSHINE_DIR = 'models/moonshine-tiny-en-quantized';

export function zipformerFiles() {
  const dir = sharedPath(ZIPFORMER_DIR);
  return {
    family: 'zipformer' as const,
    encoder: path.join(dir, 'encoder.int8.fixed.onnx'),
    decoder: path.join(dir, 'decoder.onnx'),
    joiner: path.join(dir, 'joiner.int8.onnx'),
    tokens: path.join(dir, 'tokens.txt'),
  };
}

export interface Clip {
  name: string;
  path: string;
  /** Human transcript from ../shared/audio. */
  transcript: string;
}

/** Every clip in ../shared/audio with its human transcript. */
export function clips(): Clip[] {
  const libri = sharedPath('audio/librispeech-test-clean-sherpa-kws-test_wavs');
  const pocket = sharedPath('audio/pocketsphinx-testdata');
  const out: Clip[] = [];
  for (const line of fs.readFileSync(path.join(libri, 'trans.txt'), 'utf8').split('\n')) {
    const m = /^(\S+\.wav)\s+(.*)$/.exec(line.trim());
    if (m) out.push({ name: m[1], path: path.join(libri, m[1]), transcript: m[2] });
  }
  for (const line of fs.readFileSync(path.join(pocket, 'transcription'), 'utf8').split('\n')) {
    const m = /^<s>\s*(.*?)\s*<\/s>\s*\((\S+)\)/.exec(line.trim());
    if (m) out.push({ name: `${m[2]}.wav`, path: path.join(pocket, `${m[2]}.wav`), transcript: m[1] });
  }
  out.push({ name: 'goforward.wav', path: path.join(pocket, 'goforward.wav'), transcript: 'go forward ten meters' });
  for (const c of out) assert.ok(fs.existsSync(c.path), `missing ${c.path}`);
  return out;
}

/** `name => "text"` lines of a reference-output file. */
export function referenceOutputs(file: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of fs.readFileSync(sharedPath(file), 'utf8').split('\n')) {
    const m = /^(\S+)\s+=>\s+(".*")\s*$/.exec(line);
    if (m) map.set(m[1], JSON.parse(m[2]) as string);
  }
  assert.ok(map.size > 0, `no reference outputs in ${file}`);
  return map;
}

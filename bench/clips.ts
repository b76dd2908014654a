/** The benchmark's audio: every clip in ../shared/audio, as 16 kHz mono. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readWav, toMono16k } from '../src/engine/audio/wav';
import { sharedDir } from '../src/engine/paths';
import type { LoadedModel, RecognizerOptions } from '../src/engine/recognizer';

/** 100 ms, as a microphone delivers it. */
export const CHUNK = 1600;

export interface BenchClip {
  name: string;
  samples: Float32Array;
  seconds: number;
}

export function sharedFile(...parts: string[]): string {
  const p = path.join(sharedDir(), ...parts);
  if (!fs.existsSync(p)) throw new Error(`benchmark needs ${p} (../shared beside the repository)`);
  return p;
}

export function loadClips(): BenchClip[] {
  const dirs = ['audio/librispeech-test-clean-sherpa-kws-test_wavs', 'audio/pocketsphinx-testdata'];
  const out: BenchClip[] = [];
  for (const d of dirs) {
    const dir = sharedFile(d);
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.wav')).sort()) {
      const samples = toMono16k(readWav(path.join(dir, f)));
      out.push({ name: f, samples, seconds: samples.length / 16000 });
    }
  }
  return out;
}

export function clip(clips: BenchClip[], name: string): BenchClip {
  const c = clips.find((x) => x.name === name);
  if (!c) throw new Error(`no clip ${name}`);
  return c;
}

/** Each clip fed in CHUNK pieces to a fresh recognizer, its finals joined; the time it took. */
export async function decodeAll(model: LoadedModel, clips: BenchClip[], options: Partial<RecognizerOptions>): Promise<{ ms: number; seconds: number; texts: string[] }> {
  let ms = 0;
  let seconds = 0;
  const texts: string[] = [];
  for (const c of clips) {
    const rec = model.createRecognizer(options);
    const t0 = performance.now();
    const finals: string[] = [];
    for (let i = 0; i < c.samples.length; i += CHUNK) for (const e of await rec.accept(c.samples.subarray(i, i + CHUNK))) if (e.type === 'final') finals.push(e.text);
    for (const e of await rec.finish()) if (e.type === 'final') finals.push(e.text);
    ms += performance.now() - t0;
    seconds += c.seconds;
    texts.push(finals.join(' '));
  }
  return { ms, seconds, texts };
}

/**
 * Vocabulary biasing, measured: sentences about a sample project (Murmur's own engine sources) that
 * name its identifiers are spoken by a synthesiser (flite, "rms" voice) and recognised; the
 * identifier hit rate is printed with and without biasing, and the WER on ../shared/audio with and
 * without it (biasing must not make ordinary speech worse).
 *
 * Moonshine: the post-recognition correction against the project's words. Zipformer: the words as
 * hotwords in modified beam search (a context graph), against greedy and plain beam search.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../src/engine/audio/wav';
import { loadModel } from '../src/engine/models/load';
import { defaultModelDir, packageRoot, sharedDir } from '../src/engine/paths';
import type { LoadedModel, RecognizerOptions } from '../src/engine/recognizer';
import { identifiersIn, Vocabulary, vocabularyTerms } from '../src/engine/vocabulary';
import { clips as sharedClips } from '../test/helpers/shared';
import { wordErrorRate } from '../test/helpers/wer';
import { fmt, table } from './stats';

/** Sentences a developer of the sample project might dictate; the identifiers are what must come out. */
const SENTENCES: { say: string; identifiers: string[] }[] = [
  { say: 'the sidecar loads the zipformer model', identifiers: ['sidecar', 'zipformer'] },
  { say: 'call the endpointer before the segmenter', identifiers: ['endpointer', 'segmenter'] },
  { say: 'the tokenizer decodes the moonshine tokens', identifiers: ['tokenizer', 'moonshine'] },
  { say: 'open the webview from the extension', identifiers: ['webview'] },
  { say: 'the resampler feeds the recognizer', identifiers: ['resampler', 'recognizer'] },
  { say: 'sherpa computes the same features', identifiers: ['sherpa'] },
  { say: 'check the manifest and the exporter', identifiers: ['manifest', 'exporter'] },
  { say: 'the transcriber runs the greedy decoder', identifiers: ['transcriber', 'greedy', 'decoder'] },
];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map((f) => path.join(dir, String(f))).filter((f) => f.endsWith('.ts'));
}

function synthesize(text: string, dir: string): Float32Array {
  const file = path.join(dir, `${text.replace(/\W+/g, '-')}.wav`);
  const r = spawnSync('flite', ['-voice', 'rms', '-t', text, '-o', file]);
  if (r.error || r.status !== 0) throw new Error(`flite is needed for the vocabulary benchmark (apt-get install flite): ${r.error?.message ?? r.stderr}`);
  const samples = toMono16k(readWav(file));
  // Silence around the phrase, as between phrases of real dictation.
  const padded = new Float32Array(samples.length + 16000);
  padded.set(samples, 8000);
  return padded;
}

async function transcribe(model: LoadedModel, samples: Float32Array, options: Partial<RecognizerOptions>): Promise<string> {
  const rec = model.createRecognizer({ endpointing: false, ...options });
  const out: string[] = [];
  for (let i = 0; i < samples.length; i += 1600) for (const e of await rec.accept(samples.subarray(i, i + 1600))) if (e.type === 'final') out.push(e.text);
  for (const e of await rec.finish()) if (e.type === 'final') out.push(e.text);
  return out.join(' ');
}

function hits(text: string, identifiers: string[]): number {
  const words = new Set(text.toLowerCase().split(/[^a-z]+/));
  return identifiers.filter((id) => words.has(id)).length;
}

/**
 * The streaming Zipformer: greedy search, modified beam search, and beam search with the vocabulary
 * as hotwords (what the extension does when biasing is on), same clips.
 */
async function zipformerRows(
  terms: string[],
  audio: Float32Array[],
  shared: { transcript: string; samples: Float32Array; name: string }[],
  wanted: string[],
  rows: (string | number)[][],
  cacheDir: string,
): Promise<Record<string, unknown>> {
  const model = await loadModel({ dir: path.join(sharedDir(), 'models', 'sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01') }, { threads: 1, cacheDir });
  const configs: [string, Partial<RecognizerOptions>][] = [
    ['off (greedy)', { partials: false }],
    ['off (beam 4)', { partials: false, decoding: 'modified-beam-search' }],
    ['hotwords (beam 4)', { partials: false, hotwords: terms }],
  ];
  const out: Record<string, unknown> = {};
  try {
    for (const [label, options] of configs) {
      let hit = 0;
      for (const [i, s] of SENTENCES.entries()) {
        const text = await transcribe(model, audio[i], options);
        hit += hits(text, s.identifiers);
        if (options.hotwords) console.log(`  zipformer with hotwords: "${s.say}" -> ${text}`);
      }
      let errors = 0;
      let words = 0;
      for (const c of shared) {
        const w = wordErrorRate(c.transcript, await transcribe(model, c.samples, options));
        errors += w.errors;
        words += w.words;
      }
      rows.push(['zipformer', label, `${hit}/${wanted.length}`, fmt((100 * hit) / wanted.length, 0) + '%', fmt((100 * errors) / words, 1) + '%']);
      out[label] = { hits: hit, identifiers: wanted.length, wer: errors / words };
    }
  } finally {
    await model.dispose();
  }
  return out;
}

export async function vocabularyBench(): Promise<Record<string, unknown>> {
  console.log('\n## Vocabulary biasing: identifier hit rate on synthesised code dictation (flite rms voice), WER on ../shared/audio');
  const terms = sourceFiles(path.join(packageRoot(), 'src', 'engine')).flatMap((f) => identifiersIn(fs.readFileSync(f, 'utf8'), 200));
  const vocabulary = new Vocabulary(terms);
  const wanted = SENTENCES.flatMap((s) => s.identifiers);
  const missing = wanted.filter((w) => !vocabularyTerms(terms).includes(w));
  console.log(`  vocabulary: ${vocabulary.size} words from the identifiers of src/engine${missing.length ? ` (not in it: ${missing.join(', ')})` : ''}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-vocab-'));
  const audio = SENTENCES.map((s) => synthesize(s.say, dir));
  const shared = sharedClips().map((c) => ({ ...c, samples: toMono16k(readWav(c.path)) }));
  const rows: (string | number)[][] = [['model', 'biasing', 'identifier hits', 'hit rate', 'WER ../shared/audio']];
  const out: Record<string, unknown> = {};
  try {
    const model = await loadModel({ dir: defaultModelDir() }, { threads: 1, cacheDir: path.join(dir, 'ort') });
    let rawHits = 0;
    let fixedHits = 0;
    // With the vocabulary as the extension sends it: the recognizer's `hotwords` option.
    const biased = { partials: false, hotwords: terms };
    for (const [i, s] of SENTENCES.entries()) {
      const raw = await transcribe(model, audio[i], { partials: false });
      const fixed = await transcribe(model, audio[i], biased);
      rawHits += hits(raw, s.identifiers);
      fixedHits += hits(fixed, s.identifiers);
      console.log(`  "${s.say}"\n      heard: ${raw}\n  corrected: ${fixed}`);
    }
    let errs = [0, 0];
    let words = 0;
    for (const c of shared) {
      const raw = await transcribe(model, c.samples, { partials: false });
      const corrected = await transcribe(model, c.samples, biased);
      const a = wordErrorRate(c.transcript, raw);
      const b = wordErrorRate(c.transcript, corrected);
      if (corrected !== raw) console.log(`  ${c.name}: "${raw}" -> "${corrected}"`);
      errs = [errs[0] + a.errors, errs[1] + b.errors];
      words += a.words;
    }
    await model.dispose();
    rows.push(['moonshine', 'off', `${rawHits}/${wanted.length}`, fmt((100 * rawHits) / wanted.length, 0) + '%', fmt((100 * errs[0]) / words, 1) + '%']);
    rows.push(['moonshine', 'correction', `${fixedHits}/${wanted.length}`, fmt((100 * fixedHits) / wanted.length, 0) + '%', fmt((100 * errs[1]) / words, 1) + '%']);
    out.moonshine = { identifiers: wanted.length, hitsWithout: rawHits, hitsWith: fixedHits, werWithout: errs[0] / words, werWith: errs[1] / words };
    out.zipformer = await zipformerRows(terms, audio, shared, wanted, rows, path.join(dir, 'ort'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  table(rows);
  return out;
}

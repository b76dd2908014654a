/**
 * Accuracy per family on the shared audio: word error rate against the clips' transcripts, in the
 * reference mode (`murmur transcribe --no-vad`: the whole clip as one utterance) and as dictated
 * (VAD segmentation, endpointing, 100 ms chunks, finals joined), plus sherpa-onnx-node's reference
 * decode of the same Zipformer and Moonshine files, and any folders named in MURMUR_BENCH_MODELS.
 * Case, punctuation and hyphens are normalised (test/helpers/wer.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../src/engine/audio/wav';
import { loadModel } from '../src/engine/models/load';
import { loadMoonshineTokenizer } from '../src/engine/models/moonshine/tokenizer';
import { defaultModelDir, sharedDir } from '../src/engine/paths';
import { clips as sharedClips } from '../test/helpers/shared';
import { sherpaDecodeOffline, sherpaMoonshineRecognizer, writeSherpaMoonshineTokens } from '../test/helpers/sherpa-moonshine';
import { wordErrorRate } from '../test/helpers/wer';
import { CHUNK, decodeAll } from './clips';
import { sherpaDecode, sherpaRecognizer } from './sherpa';
import { fmt, table } from './stats';

interface Scored {
  errors: number;
  words: number;
}

/**
 * Model folders the user has (a downloaded Parakeet, Whisper or Nemotron, say), measured too:
 * MURMUR_BENCH_MODELS=dir1:dir2 (the platform's path separator). The real weights of those
 * families cannot be downloaded on the machine the README's figures come from.
 */
function extraModels(): [string, string][] {
  return (process.env.MURMUR_BENCH_MODELS ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .map((dir) => [path.basename(dir), dir]);
}

/** sherpa-onnx-node's Moonshine path on the embedded files (the token-exact test's set-up), whole clips. */
async function sherpaMoonshine(dir: string, clips: { transcript: string; samples: Float32Array }[], tmp: string): Promise<Scored> {
  const tokens = path.join(tmp, 'moonshine-tokens.txt');
  writeSherpaMoonshineTokens(tokens, (await loadMoonshineTokenizer()).pieces);
  const rec = sherpaMoonshineRecognizer({ encoder: path.join(dir, 'encoder_model.onnx'), decoder: path.join(dir, 'decoder_model_merged.onnx'), tokens }, 1);
  let s: Scored = { errors: 0, words: 0 };
  for (const c of clips) s = add(s, wordErrorRate(c.transcript, sherpaDecodeOffline(rec, c.samples).text));
  return s;
}

const add = (a: Scored, b: { errors: number; words: number }): Scored => ({ errors: a.errors + b.errors, words: a.words + b.words });
const wer = (s: Scored) => `${fmt((100 * s.errors) / s.words, 1)}% (${s.errors}/${s.words})`;

export async function accuracyBench(): Promise<Record<string, unknown>> {
  console.log('\n## Accuracy: word error rate on the shared clips (reference transcripts)');
  const clips = sharedClips().map((c) => {
    const samples = toMono16k(readWav(c.path));
    return { ...c, samples, seconds: samples.length / 16000 };
  });
  const seconds = clips.reduce((s, c) => s + c.samples.length / 16000, 0);
  console.log(`  ${clips.length} clips, ${fmt(seconds, 1)} s, ${clips.reduce((n, c) => n + wordErrorRate(c.transcript, '').words, 0)} words`);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-accuracy-'));
  const zipformerDir = path.join(sharedDir(), 'models', 'sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01');
  const rows: (string | number)[][] = [['model', 'reference mode (--no-vad)', 'as dictated (VAD, 100 ms chunks)', 'sherpa-onnx-node']];
  const out: Record<string, unknown> = {};
  try {
    for (const [name, dir] of [
      ['Moonshine tiny (embedded, 27M)', defaultModelDir()],
      ['Zipformer gigaspeech 3.3M (streaming)', zipformerDir],
      ...extraModels(),
    ]) {
      const model = await loadModel({ dir }, { threads: 1, cacheDir });
      let whole: Scored = { errors: 0, words: 0 };
      let live: Scored = { errors: 0, words: 0 };
      try {
        const { texts } = await decodeAll(model, clips, { partials: false });
        for (const [i, c] of clips.entries()) {
          whole = add(whole, wordErrorRate(c.transcript, (await model.decodeWhole(c.samples)).text));
          live = add(live, wordErrorRate(c.transcript, texts[i]));
        }
      } finally {
        await model.dispose();
      }
      let reference = 'not run (another family)';
      if (dir === defaultModelDir()) reference = wer(await sherpaMoonshine(dir, clips, cacheDir));
      if (dir === zipformerDir) {
        const rec = sherpaRecognizer(dir, 1);
        let s: Scored = { errors: 0, words: 0 };
        for (const c of clips) s = add(s, wordErrorRate(c.transcript, sherpaDecode(rec, c.samples, CHUNK).text));
        reference = wer(s);
      }
      rows.push([name, wer(whole), wer(live), reference]);
      out[name] = { referenceMode: whole, dictated: live, sherpa: reference };
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  table(rows);
  return out;
}

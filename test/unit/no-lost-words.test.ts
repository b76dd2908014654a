/**
 * No words lost between pauses (issue 17, point 6), as a property of the embedded model's streaming
 * recognizer: random concatenations (seeded) of the shared clips and short synthesised phrases, with
 * random pauses of 0.2-2.0 s, fed in 100 ms chunks as a file dictation is.
 * - every utterance that showed a partial ends in a final (a partial's words never vanish);
 * - the concatenation's word error rate is no worse than its parts' decoded one by one.
 * The model spells some words two ways depending on what it heard around them ("dishonoured" /
 * "dishonored", "for ever" / "forever"); both spellings are one word here, as Whisper's English
 * normaliser counts them: a spelling is not a lost or a wrong word.
 * MURMUR_LOST_WORDS_SEED and MURMUR_LOST_WORDS_CASES replay or widen the search.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clips, MOONSHINE_DIR, sharedPath } from '../helpers/shared';
import { concat } from '../helpers/samples';
import { mulberry32 } from '../helpers/random';
import { wordErrorRate } from '../helpers/wer';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadMoonshineModel } from '../../src/engine/models/moonshine/model';
import type { FinalEvent, LoadedModel, PartialEvent, RecognizerEvent } from '../../src/engine/recognizer';

const SR = 16000;
const CHUNK = 1600;
const SEED = Number(process.env.MURMUR_LOST_WORDS_SEED ?? 20261205);
const CASES = Number(process.env.MURMUR_LOST_WORDS_CASES ?? 8);
/** Two-word phrases, the kind the issue lost between two pauses. */
const SHORT_PHRASES = ['thank you', 'very well', 'of course', 'good morning', 'not yet'];

/** Spellings the model alternates between, mapped to one form (applied to reference and hypothesis alike). */
const SPELLINGS: [RegExp, string][] = [
  [/\bfor ever\b/gi, 'forever'],
  [/\b(dishon|hon|col|fav|neighb|behavi|harb|lab)our(s|ed|ing|able)?\b/gi, '$1or$2'],
  [/\bill disposed\b/gi, 'ill-disposed'],
];
const spelled = (text: string): string => SPELLINGS.reduce((t, [re, to]) => t.replace(re, to), text);

interface Part {
  name: string;
  samples: Float32Array;
  transcript: string;
}

function synthesize(phrase: string, dir: string): Float32Array {
  const file = path.join(dir, `${phrase.replace(/\W+/g, '-')}.wav`);
  const r = spawnSync('flite', ['-voice', 'rms', '-t', phrase, '-o', file], { encoding: 'utf8' });
  assert.ok(!r.error && r.status === 0, `flite could not synthesise "${phrase}" (apt-get install flite): ${r.error?.message ?? r.stderr}`);
  return toMono16k(readWav(file));
}

async function decode(model: LoadedModel, samples: Float32Array): Promise<RecognizerEvent[]> {
  const r = model.createRecognizer({ normalizeGain: false });
  const events: RecognizerEvent[] = [];
  for (let i = 0; i < samples.length; i += CHUNK) events.push(...(await r.accept(samples.subarray(i, Math.min(i + CHUNK, samples.length)))));
  events.push(...(await r.finish()));
  return events;
}

const finalsOf = (events: RecognizerEvent[]) => events.filter((e): e is FinalEvent => e.type === 'final');

describe('no words lost between pauses (embedded Moonshine, random concatenations)', () => {
  let model: LoadedModel;
  let parts: Part[];
  const alone = new Map<string, string>();
  let tmp: string;

  before(async () => {
    const dir = sharedPath(MOONSHINE_DIR);
    model = await loadMoonshineModel(
      { family: 'moonshine', encoder: path.join(dir, 'encoder_model.onnx'), decoder: path.join(dir, 'decoder_model_merged.onnx') },
      { threads: 2, noCache: true, vadPath: sharedPath('models/silero-vad-v5/silero_vad.onnx') },
    );
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-lost-words-'));
    parts = [
      ...clips().map((c) => ({ name: c.name, samples: toMono16k(readWav(c.path)), transcript: c.transcript })),
      ...SHORT_PHRASES.map((p) => ({ name: p, samples: synthesize(p, tmp), transcript: p })),
    ];
    for (const p of parts) alone.set(p.name, finalsOf(await decode(model, p.samples)).map((f) => f.text).join(' '));
  });

  after(async () => {
    await model.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test(`${CASES} concatenations (seed ${SEED}): every partial ends in a final, and no more word errors than the parts alone`, async () => {
    const random = mulberry32(SEED);
    const failures: string[] = [];
    for (let n = 0; n < CASES; n++) {
      const count = 3 + Math.floor(random() * 3);
      const chosen: Part[] = [];
      const pieces: Float32Array[] = [];
      for (let i = 0; i < count; i++) {
        // Every other part a short phrase, so each sits between two pauses.
        const pool = i % 2 === 1 ? parts.filter((p) => SHORT_PHRASES.includes(p.name)) : parts.filter((p) => !SHORT_PHRASES.includes(p.name));
        const part = pool[Math.floor(random() * pool.length)];
        if (i > 0) pieces.push(new Float32Array(Math.round((0.2 + random() * 1.8) * SR)));
        chosen.push(part);
        pieces.push(part.samples);
      }
      const events = await decode(model, concat(pieces));
      const finals = finalsOf(events);
      const shown = new Map<number, string>();
      for (const e of events) if (e.type === 'partial') shown.set(e.utterance, (e as PartialEvent).text);
      const label = `#${n} ${chosen.map((c) => c.name).join(' + ')}`;
      for (const [u, text] of shown) {
        if (!finals.some((f) => f.utterance === u)) failures.push(`${label}: utterance ${u} showed "${text}" and never got a final (finals: ${finals.map((f) => `${f.utterance}:${f.text}`).join(' | ')})`);
      }
      const reference = chosen.map((c) => c.transcript).join(' ');
      const together = wordErrorRate(spelled(reference), spelled(finals.map((f) => f.text).join(' ')));
      const apart = wordErrorRate(spelled(reference), spelled(chosen.map((c) => alone.get(c.name) ?? '').join(' ')));
      console.log(`${label}: ${together.errors} errors together, ${apart.errors} apart, of ${together.words} words`);
      if (together.errors > apart.errors) failures.push(`${label}: ${together.errors} word errors together, ${apart.errors} apart ("${finals.map((f) => f.text).join(' | ')}")`);
    }
    assert.deepEqual(failures, []);
  });
});

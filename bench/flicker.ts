/**
 * Flicker of the grey partial text, before and after the stabiliser (src/engine/partial-stability.ts).
 *
 * Each model decodes every clip once, fed in 100 ms chunks as a microphone delivers them, with the
 * sidecar's default options; the events of each call are recorded with the audio position they
 * came at. Partials are then shown two ways: raw (what the recogniser said) and stable (the same
 * events through StablePartials, exactly as the sidecar sends them). Time is audio time: partials
 * and endpoints are decided on sample positions, never the clock, so this is what a real-time
 * microphone gives, without waiting for it.
 *
 * - flicker: words already shown that a later text of the same phrase (or its final) changed or
 *   removed, per second of audio (shownChanges: text added at the end is not flicker);
 * - '.' flips: of those, a word that only lost its trailing . ? ! again;
 * - word delay: for each word of each final, how much later (audio ms) a partial first showed
 *   that many words with the stabiliser than without (a word never shown in a partial counts at
 *   its final). This is what the stability costs.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../src/engine/models/load';
import { sequenceChanges, stabilityPolicyFor, StablePartials, type StabilityPolicy } from '../src/engine/partial-stability';
import { defaultModelDir } from '../src/engine/paths';
import type { LoadedModel, ModelFamily, RecognizerEvent } from '../src/engine/recognizer';
import { sharedFile, type BenchClip } from './clips';
import { fmt, median, table } from './stats';

const ZIPFORMER = 'models/sherpa-onnx-kws-zipformer-gigaspeech-3.3M-2024-01-01';
const CHUNK = 1600; // 100 ms
const SAMPLE_RATE = 16000;

/** One accept()/finish() call: its events and the audio fed up to its end. */
interface Call {
  events: RecognizerEvent[];
  samples: number;
  at: number;
}

interface Shown {
  utterance: number;
  text: string;
  final: boolean;
  at: number;
}

export interface FlickerFigures {
  partials: number;
  changed: number;
  punctuationFlips: number;
  flickerPerSec: number;
  flipsPerSec: number;
  meanWordDelayMs: number;
  p90WordDelayMs: number;
}

async function record(model: LoadedModel, clip: BenchClip): Promise<Call[]> {
  const rec = model.createRecognizer({}); // the sidecar's defaults: endpointing, partials, gain
  const calls: Call[] = [];
  for (let i = 0; i < clip.samples.length; i += CHUNK) {
    const piece = clip.samples.subarray(i, i + CHUNK);
    calls.push({ events: await rec.accept(piece), samples: piece.length, at: i + piece.length });
  }
  calls.push({ events: await rec.finish(), samples: 0, at: clip.samples.length });
  return calls;
}

function show(calls: Call[], policy?: StabilityPolicy): Shown[] {
  const stable = policy ? new StablePartials(() => policy) : undefined;
  const out: Shown[] = [];
  for (const call of calls) {
    const events = stable ? stable.accepted(call.events, call.samples) : call.events;
    for (const e of events) out.push({ utterance: e.utterance, text: e.text, final: e.type === 'final', at: call.at });
  }
  return out;
}

/** Per final, per word: the audio position at which a partial (or else the final) first showed that many words. */
function firstShown(shown: Shown[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const f of shown.filter((s) => s.final)) {
    const n = f.text.split(/\s+/).filter(Boolean).length;
    const partials = shown.filter((s) => !s.final && s.utterance === f.utterance);
    const firsts: number[] = [];
    for (let i = 0; i < n; i++) firsts.push(partials.find((p) => p.text.split(/\s+/).filter(Boolean).length > i)?.at ?? f.at);
    out.set(f.utterance, firsts);
  }
  return out;
}

function changes(shown: Shown[]): { changed: number; punctuationFlips: number } {
  let changed = 0;
  let punctuationFlips = 0;
  for (const u of new Set(shown.map((s) => s.utterance))) {
    const c = sequenceChanges(shown.filter((s) => s.utterance === u).map((s) => s.text));
    changed += c.changed;
    punctuationFlips += c.punctuationFlips;
  }
  return { changed, punctuationFlips };
}

function p90(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(0.9 * s.length))] : NaN;
}

/** Figures of one way of showing partials over all clips (`policy` undefined: raw). */
function figures(recorded: Call[][], seconds: number, policy?: StabilityPolicy): FlickerFigures {
  let partials = 0;
  let changed = 0;
  let punctuationFlips = 0;
  const delays: number[] = [];
  for (const calls of recorded) {
    const raw = show(calls);
    const shown = policy ? show(calls, policy) : raw;
    const rawFinals = raw.filter((s) => s.final).map((s) => s.text).join('|');
    const finals = shown.filter((s) => s.final).map((s) => s.text).join('|');
    if (finals !== rawFinals) throw new Error(`the stabiliser changed a final: ${finals} vs ${rawFinals}`);
    partials += shown.filter((s) => !s.final).length;
    const c = changes(shown);
    changed += c.changed;
    punctuationFlips += c.punctuationFlips;
    const before = firstShown(raw);
    for (const [u, firsts] of firstShown(shown)) for (const [i, at] of firsts.entries()) delays.push(((at - (before.get(u)?.[i] ?? at)) / SAMPLE_RATE) * 1000);
  }
  const mean = delays.reduce((s, d) => s + d, 0) / Math.max(1, delays.length);
  return { partials, changed, punctuationFlips, flickerPerSec: changed / seconds, flipsPerSec: punctuationFlips / seconds, meanWordDelayMs: mean, p90WordDelayMs: p90(delays) };
}

export async function flickerBench(clips: BenchClip[]): Promise<Record<string, unknown>> {
  console.log('\n## Partial flicker (1 thread, 100 ms chunks, audio time): raw partials vs the stabiliser');
  const seconds = clips.reduce((s, c) => s + c.seconds, 0);
  // The sidecar's policy for each family, and the alternatives it was chosen over.
  const variants = (family: ModelFamily): [string, StabilityPolicy | undefined][] => {
    const p = stabilityPolicyFor(family);
    const out: [string, StabilityPolicy | undefined][] = [
      ['raw', undefined],
      [`stable: agree ${p.agreement}, hold ${p.holdMs} ms (sidecar)`, p],
      [`agree ${p.agreement === 1 ? 2 : 1}, hold ${p.holdMs} ms`, { ...p, agreement: p.agreement === 1 ? 2 : 1 }],
    ];
    for (const holdMs of [200, Number.POSITIVE_INFINITY]) out.push([`agree 2, ${Number.isFinite(holdMs) ? `hold ${holdMs} ms` : 'no hold'}`, { agreement: 2, holdMs }]);
    return out;
  };
  const rows: (string | number)[][] = [['model', 'partials', 'msgs sent', 'flicker /s', 'words changed', "'.' flips", 'flips /s', 'word delay ms (mean)', 'p90']];
  const out: Record<string, unknown> = { audioSeconds: seconds, clips: clips.length };
  for (const [family, dir] of [
    ['moonshine', defaultModelDir()],
    ['zipformer', sharedFile(ZIPFORMER)],
  ] as const) {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-bench-'));
    const model = await loadModel({ dir }, { threads: 1, cacheDir: cache });
    const recorded: Call[][] = [];
    for (const c of clips) recorded.push(await record(model, c));
    await model.dispose();
    fs.rmSync(cache, { recursive: true, force: true });
    const byPolicy: Record<string, FlickerFigures> = {};
    for (const [name, policy] of variants(family)) {
      const f = figures(recorded, seconds, policy);
      byPolicy[name] = f;
      rows.push([family, name, f.partials, fmt(f.flickerPerSec, 3), f.changed, f.punctuationFlips, fmt(f.flipsPerSec, 3), fmt(f.meanWordDelayMs, 0), fmt(f.p90WordDelayMs, 0)]);
    }
    out[family] = byPolicy;
  }
  table(rows);
  console.log(`  (${clips.length} clips, ${fmt(seconds, 1)} s of audio; median clip ${fmt(median(clips.map((c) => c.seconds)), 1)} s)`);
  return out;
}

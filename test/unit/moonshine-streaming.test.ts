/**
 * Streaming Moonshine through the real recognizer: Silero VAD segmentation, re-decoded partials,
 * finals. Uses the shared model, VAD and clips; missing files fail the test.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { clips, MOONSHINE_DIR, referenceOutputs, sharedPath } from '../helpers/shared';
import { wordErrorRate } from '../helpers/wer';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadMoonshineModel } from '../../src/engine/models/moonshine/model';
import type { SegmentedRecognizer } from '../../src/engine/models/offline/segmented-recognizer';
import type { FinalEvent, LoadedModel, PartialEvent, RecognizerEvent, RecognizerOptions, StreamingRecognizer } from '../../src/engine/recognizer';
import { concat } from '../helpers/samples';

const SR = 16000;
const REFERENCE = `${MOONSHINE_DIR}/reference-output.onnxruntime-node-1.30.txt`;

function clipSamples(name: string): Float32Array {
  const clip = clips().find((c) => c.name === name);
  assert.ok(clip, `no shared clip ${name}`);
  return toMono16k(readWav(clip.path));
}

function reference(name: string): string {
  const text = referenceOutputs(REFERENCE).get(name);
  assert.ok(text !== undefined, `no reference for ${name}`);
  return text;
}

/** Joins clips (and silences) into one recording. */
function join(...parts: Float32Array[]): Float32Array {
  return concat(parts);
}

interface Run {
  events: RecognizerEvent[];
  finals: FinalEvent[];
  partials: PartialEvent[];
  /** Index in `events` of each event, to check ordering. */
  ms: number;
}

/** Feeds `samples` in chunks of `chunk`, then finish(); returns everything emitted. */
async function run(recognizer: StreamingRecognizer, samples: Float32Array, chunk: number): Promise<Run> {
  const events: RecognizerEvent[] = [];
  const t0 = performance.now();
  for (let i = 0; i < samples.length; i += chunk) events.push(...(await recognizer.accept(samples.subarray(i, Math.min(i + chunk, samples.length)))));
  events.push(...(await recognizer.finish()));
  const ms = performance.now() - t0;
  return {
    events,
    finals: events.filter((e): e is FinalEvent => e.type === 'final'),
    partials: events.filter((e): e is PartialEvent => e.type === 'partial'),
    ms,
  };
}

function stats(r: StreamingRecognizer): string {
  const s = (r as SegmentedRecognizer).decodeStats;
  const avg = (ms: number, n: number) => (n ? (ms / n).toFixed(0) : '-');
  return (
    `${s.partials} partial decodes (avg ${avg(s.partialMs, s.partials)} ms, max ${s.partialMaxMs.toFixed(0)} ms, ${s.partialsSkipped} skipped in pauses), ` +
    `${s.finals} final decodes (avg ${avg(s.finalMs, s.finals)} ms, max ${s.finalMaxMs.toFixed(0)} ms), ${s.finalsReused} finals reused from the pause partial`
  );
}

function describeFinals(finals: FinalEvent[]): string {
  return finals.map((f) => `[${f.startSec.toFixed(2)}-${f.endSec.toFixed(2)} ${f.reason}] ${f.text}`).join(' | ');
}

describe('moonshine streaming recognizer', () => {
  let model: LoadedModel;
  const exact: Partial<RecognizerOptions> = { normalizeGain: false };

  before(async () => {
    const dir = sharedPath(MOONSHINE_DIR);
    model = await loadMoonshineModel(
      { family: 'moonshine', encoder: path.join(dir, 'encoder_model.onnx'), decoder: path.join(dir, 'decoder_model_merged.onnx') },
      { threads: 2, noCache: true, vadPath: sharedPath('models/silero-vad-v5/silero_vad.onnx') },
    );
  });
  after(async () => {
    await model.dispose();
  });

  test('0.wav streamed in 160-sample chunks: one final equal to the reference, partials before it', async () => {
    const r = model.createRecognizer(exact);
    const samples = clipSamples('0.wav');
    const out = await run(r, samples, 160);
    console.log(`0.wav: ${describeFinals(out.finals)}; ${out.partials.length} partials; ${stats(r)}`);
    assert.equal(out.finals.length, 1, describeFinals(out.finals));
    const [final] = out.finals;
    assert.equal(final.text, reference('0.wav'));
    assert.equal(final.utterance, 0);
    assert.ok(final.startSec >= 0 && final.startSec < 1, `start ${final.startSec}`);
    assert.ok(final.endSec > final.startSec && final.endSec <= samples.length / SR + 1e-9, `end ${final.endSec}`);
    assert.ok(out.partials.length >= 5, `only ${out.partials.length} partials for a 6.6 s clip`);
    assert.ok(out.events.indexOf(out.partials[0]) < out.events.indexOf(final), 'partials come before the final');
  });

  test('two clips joined by 1.5 s of silence give two finals, each equal to its reference', async () => {
    const a = clipSamples('sense_and_sensibility_01_austen_64kb-0930.wav');
    const b = clipSamples('goforward.wav');
    const samples = join(a, new Float32Array(1.5 * SR), b);
    const r = model.createRecognizer(exact);
    const out = await run(r, samples, 1234);
    console.log(`0930 + 1.5 s + goforward: ${describeFinals(out.finals)}; ${stats(r)}`);
    assert.deepEqual(
      out.finals.map((f) => f.text),
      [reference('sense_and_sensibility_01_austen_64kb-0930.wav'), reference('goforward.wav')],
    );
    assert.deepEqual(out.finals.map((f) => f.utterance), [0, 1]);
    assert.equal(out.finals[0].reason, 'endpoint', 'the pause ends the first utterance');
    assert.equal(out.finals[1].reason, 'end-of-input');
    // The pause before the endpoint was decoded as a partial over exactly the final's range.
    assert.ok((r as SegmentedRecognizer).decodeStats.finalsReused >= 1, 'the endpoint final reused the pause partial');
    assert.ok(out.finals[0].endSec <= a.length / SR + 1.5, 'first utterance ends in the pause');
    assert.ok(out.finals[1].startSec >= a.length / SR, 'second starts after the first clip');
    // Every partial belongs to the utterance that is open when it is emitted.
    let open = 0;
    for (const e of out.events) {
      assert.equal(e.utterance, open);
      if (e.type === 'final') open++;
    }
  });

  test('with partials off nothing but finals is emitted, and the pause before an endpoint is still decoded ahead', async () => {
    const samples = join(clipSamples('sense_and_sensibility_01_austen_64kb-0930.wav'), new Float32Array(1.5 * SR), clipSamples('goforward.wav'));
    const r = model.createRecognizer({ ...exact, partials: false });
    const out = await run(r, samples, 1600);
    assert.deepEqual(out.partials, []);
    assert.deepEqual(
      out.finals.map((f) => f.text),
      [reference('sense_and_sensibility_01_austen_64kb-0930.wav'), reference('goforward.wav')],
    );
    const s = (r as SegmentedRecognizer).decodeStats;
    assert.ok(s.finalsReused >= 1, stats(r));
    // Only pause look-aheads were decoded before the ends: no grid partials.
    assert.ok(s.partials <= 3, stats(r));
  });

  test('final text is the same for chunks of 1, 160, 1234 and 16000 samples', async () => {
    const short = clipSamples('goforward.wav');
    const texts = new Map<number, string>();
    for (const chunk of [1, 160, 1234, 16000]) {
      const r = model.createRecognizer(exact);
      const out = await run(r, short, chunk);
      texts.set(chunk, JSON.stringify(out.finals.map((f) => [f.text, f.startSec, f.endSec, f.reason])));
      console.log(`goforward.wav in chunks of ${chunk}: ${out.ms.toFixed(0)} ms wall, ${describeFinals(out.finals)}; ${stats(r)}`);
    }
    assert.equal(JSON.parse(texts.get(160) ?? '[]').length, 1);
    for (const chunk of [1, 1234, 16000]) assert.equal(texts.get(chunk), texts.get(160), `chunk ${chunk}`);
  });

  test('finals are chunk-invariant on two utterances (160, 1234, 16000) with gain normalisation on; partials keep their rate', async () => {
    const samples = join(clipSamples('sense_and_sensibility_01_austen_64kb-0880.wav'), new Float32Array(1.5 * SR), clipSamples('0.wav'));
    const runs = new Map<number, Run>();
    const decodes = new Map<number, number>();
    for (const chunk of [160, 1234, 16000]) {
      const r = model.createRecognizer({ normalizeGain: true, partialIntervalMs: 300 });
      runs.set(chunk, await run(r, samples, chunk));
      const s = (r as SegmentedRecognizer).decodeStats;
      decodes.set(chunk, s.partials + s.partialsSkipped);
      console.log(`0880 + 1.5 s + 0.wav (gain on) in chunks of ${chunk}: ${describeFinals(runs.get(chunk)?.finals ?? [])}; ${stats(r)}`);
    }
    const finals = (c: number) => runs.get(c)?.finals.map((f) => [f.text, f.startSec, f.endSec, f.reason]);
    assert.equal(finals(160)?.length, 2);
    assert.deepEqual(finals(1234), finals(160));
    assert.deepEqual(finals(16000), finals(160));
    // Partials are due on a grid of audio positions: chunks smaller than its step (300 ms) reach
    // the same points, bigger ones fewer; never more than one per 300 ms of audio.
    assert.equal(decodes.get(1234), decodes.get(160));
    assert.ok((decodes.get(16000) ?? 0) < (decodes.get(160) ?? 0));
    assert.ok((decodes.get(160) ?? 0) <= samples.length / SR / 0.3);
  });

  test('a long clip gets partials at a bounded rate, each an earlier version of the final', async () => {
    const samples = clipSamples('1.wav');
    const r = model.createRecognizer({ ...exact, partialIntervalMs: 300 });
    const out = await run(r, samples, 1600);
    console.log(`1.wav: ${describeFinals(out.finals)}; ${out.partials.length} partials; ${stats(r)}`);
    for (const p of out.partials) console.log(`  partial: ${p.text}`);
    assert.equal(out.finals.length, 1, describeFinals(out.finals));
    assert.equal(out.finals[0].text, reference('1.wav'));
    const s = (r as SegmentedRecognizer).decodeStats;
    // 16.7 s at >= 300 ms (growing with length) apart: no more than ~16.7 / 0.3 decodes, and enough to follow along.
    assert.ok(out.partials.length >= 15, `only ${out.partials.length} partials`);
    assert.ok(s.partials + s.partialsSkipped <= Math.ceil(samples.length / SR / 0.3), `${s.partials} partial decodes`);
    // Each partial is an earlier version of the final: apart from its last two words (possibly cut
    // mid-word at the grid point) its words are the final's, in order; and partials grow. Partials
    // verify the previous partial's tokens in one pass (greedy-decode.ts), whose batch-wide int8
    // quantisation can settle a near-tie the other way ("dishonored" / "dishonoured"): allow one
    // word in ten to differ, never more.
    const finalWords = words(out.finals[0].text);
    let longest = 0;
    for (const p of out.partials) {
      const w = words(p.text);
      const settled = w.slice(0, Math.max(0, w.length - 2));
      const { errors } = wordErrorRate(finalWords.slice(0, settled.length).join(' '), settled.join(' '));
      assert.ok(errors <= Math.max(1, Math.floor(settled.length / 10)), `partial "${p.text}" is not an earlier version of the final (${errors} words differ)`);
      assert.ok(w.length >= longest - 2, `partial "${p.text}" shrank`);
      longest = Math.max(longest, w.length);
    }
    assert.ok(longest >= finalWords.length - 2, 'the last partials cover the utterance');
  });

  test('a segment over maxUtteranceSec is split cleanly and the rest continues', async () => {
    const samples = clipSamples('1.wav');
    const r = model.createRecognizer({ ...exact, maxUtteranceSec: 8 });
    const out = await run(r, samples, 1600);
    console.log(`1.wav with maxUtteranceSec 8: ${describeFinals(out.finals)}; ${stats(r)}`);
    assert.ok(out.finals.length >= 2, describeFinals(out.finals));
    assert.equal(out.finals[0].reason, 'max-length');
    for (const f of out.finals) assert.ok(f.endSec - f.startSec <= 8 + 1e-9, `utterance of ${(f.endSec - f.startSec).toFixed(2)} s`);
    for (let i = 1; i < out.finals.length; i++) {
      if (out.finals[i - 1].reason === 'max-length') assert.equal(out.finals[i].startSec, out.finals[i - 1].endSec, 'the remainder starts where the cut was');
    }
    const joined = out.finals.map((f) => f.text).join(' ');
    const wer = wordErrorRate(clips().find((c) => c.name === '1.wav')?.transcript ?? '', joined);
    console.log(`  split WER ${(100 * wer.wer).toFixed(1)}% (${wer.errors}/${wer.words})`);
    assert.ok(wer.wer < 0.15, `split transcript WER ${wer.wer}`);
  });

  test('finish() on silence (and on faint noise) gives no final', async () => {
    const r = model.createRecognizer();
    const silent = await run(r, new Float32Array(3 * SR), 512);
    assert.deepEqual(silent.events, []);
    let seed = 1;
    const noise = new Float32Array(3 * SR).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 0.002;
    });
    const faint = await run(r, noise, 512);
    assert.deepEqual(faint.events, []);
  });

  test('reset() drops the open utterance: the next stream decodes as if fresh', async () => {
    const a = clipSamples('0.wav');
    const b = clipSamples('goforward.wav');
    const r = model.createRecognizer(exact);
    for (let i = 0; i < 4 * SR; i += 1600) await r.accept(a.subarray(i, i + 1600));
    r.reset();
    const out = await run(r, b, 1600);
    assert.deepEqual(out.finals.map((f) => f.text), [reference('goforward.wav')]);
    assert.ok(out.finals[0].startSec < 1, 'positions restart from 0 after reset');
  });

  test('without endpointing a pause does not end the utterance', async () => {
    const samples = join(clipSamples('sense_and_sensibility_01_austen_64kb-0930.wav'), new Float32Array(1.5 * SR), clipSamples('goforward.wav'));
    const r = model.createRecognizer({ ...exact, endpointing: false, partials: false });
    const out = await run(r, samples, 1600);
    console.log(`endpointing off: ${describeFinals(out.finals)}`);
    assert.equal(out.finals.length, 1);
    assert.equal(out.finals[0].reason, 'end-of-input');
    assert.deepEqual(out.partials, []);
    assert.match(out.finals[0].text, /amiable himself[.,]?\s+Go forward/i);
  });

  test('WER of streamed finals against the human transcripts (printed)', async () => {
    let errors = 0;
    let words = 0;
    for (const clip of clips()) {
      const r = model.createRecognizer({ partials: false });
      const out = await run(r, toMono16k(readWav(clip.path)), 1600);
      const text = out.finals.map((f) => f.text).join(' ');
      const wer = wordErrorRate(clip.transcript, text);
      errors += wer.errors;
      words += wer.words;
      const same = text === reference(clip.name) ? 'same as offline' : `offline: ${reference(clip.name)}`;
      console.log(`${clip.name}: WER ${(100 * wer.wer).toFixed(1)}% | ${text} | ${same}`);
      assert.ok(out.finals.length >= 1, `${clip.name}: no final`);
    }
    console.log(`moonshine streaming WER (gain on) over ${words} words: ${((100 * errors) / words).toFixed(1)}%`);
    assert.ok(errors / words < 0.1, `WER ${errors / words}`);
  });
});

/** Words without case or punctuation ("for ever" and "forever" stay different: that is a real change). */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' -]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

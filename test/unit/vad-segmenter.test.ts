/**
 * The segmenter (real Silero + the endpointing rules) on real speech: one segment for one utterance,
 * two for two utterances with a pause between them, clean max-length splits, and identical events
 * however the audio is chunked.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readWav } from '../../src/engine/audio/wav';
import { createSegmenter, defaultSegmenterOptions } from '../../src/engine/vad/segmenter';
import { loadSileroVadModel, type SileroVadModel } from '../../src/engine/vad/silero';
import type { SegmentEvent, Segmenter, SegmenterOptions } from '../../src/engine/vad/types';
import { sharedPath } from '../helpers/shared';
import { concat } from '../helpers/samples';

const SR = 16000;
const CLIP_0 = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/0.wav';
const CLIP_1 = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav';
const GO = 'audio/pocketsphinx-testdata/goforward.wav';

function speech(rel: string): Float32Array {
  const wav = readWav(sharedPath(rel));
  assert.equal(wav.sampleRate, SR);
  return wav.samples;
}

async function segment(seg: Segmenter, x: Float32Array, chunk = x.length): Promise<SegmentEvent[]> {
  const events: SegmentEvent[] = [];
  for (let i = 0; i < x.length; i += chunk) events.push(...(await seg.accept(x.subarray(i, i + chunk))));
  events.push(...seg.finish());
  return events;
}

/** [start, end, reason] triples from an alternating event list (asserting it alternates). */
function pairs(events: SegmentEvent[]): { start: number; end: number; reason: string }[] {
  const out: { start: number; end: number; reason: string }[] = [];
  for (let i = 0; i < events.length; i += 2) {
    const s = events[i];
    const e = events[i + 1];
    assert.ok(s.type === 'start' && e?.type === 'end', `events do not alternate: ${JSON.stringify(events)}`);
    assert.ok(e.sample > s.sample, 'non-empty segment');
    out.push({ start: s.sample, end: e.sample, reason: e.reason });
  }
  return out;
}

const sec = (samples: number) => (samples / SR).toFixed(2);

describe('segmenter on real speech', () => {
  let model: SileroVadModel;
  const make = (o: Partial<SegmenterOptions> = {}) => createSegmenter(model.createVad(), o);
  before(async () => {
    model = await loadSileroVadModel();
  });
  after(async () => {
    await model?.dispose();
  });

  test('0.wav: one segment covering the speech', async () => {
    const x = speech(CLIP_0);
    const probs = await model.createVad().process(x);
    const speechWindows = [...probs.keys()].filter((i) => probs[i] >= 0.5);
    const firstSpeech = speechWindows[0] * 512;
    const lastSpeech = (speechWindows[speechWindows.length - 1] + 1) * 512;
    const segs = pairs(await segment(make(), x));
    console.log(`# 0.wav: speech ${sec(firstSpeech)}-${sec(lastSpeech)} s, segments ${JSON.stringify(segs.map((s) => [sec(s.start), sec(s.end), s.reason]))}`);
    assert.equal(segs.length, 1);
    const [s] = segs;
    assert.ok(s.start <= firstSpeech && s.start >= firstSpeech - defaultSegmenterOptions.preRollMs * 16 - 512, `start ${sec(s.start)} vs speech ${sec(firstSpeech)}`);
    assert.ok(s.end >= lastSpeech - 512 && s.end <= x.length, `end ${sec(s.end)} vs speech end ${sec(lastSpeech)}`);
    assert.ok(s.end - s.start > 5.5 * SR, 'covers the ~6 s of speech');
  });

  test('two clips with 1.5 s of silence between them: two segments, split in the silence', async () => {
    const a = speech(CLIP_0);
    const b = speech(GO);
    const gap = 1.5 * SR;
    const x = concat([a, new Float32Array(gap), b]);
    const segs = pairs(await segment(make(), x));
    console.log(`# 0.wav + 1.5 s + goforward.wav (silence ${sec(a.length)}-${sec(a.length + gap)} s): ${JSON.stringify(segs.map((s) => [sec(s.start), sec(s.end), s.reason]))}`);
    assert.equal(segs.length, 2);
    // 0.wav's speech ends ~0.4 s before its end and goforward's starts ~0.5 s into it, so the pause
    // runs from about a.length - 0.4 s to a.length + gap + 0.5 s; the boundary must be inside it
    // (the second start may pre-roll into the gap, but not before the clip).
    assert.equal(segs[0].reason, 'silence');
    assert.ok(segs[0].end >= a.length - 0.45 * SR && segs[0].end <= a.length + gap, `first ends at ${sec(segs[0].end)}`);
    assert.ok(segs[1].start >= a.length && segs[1].start <= a.length + gap + 0.5 * SR, `second starts at ${sec(segs[1].start)}`);
    assert.ok(segs[1].end > a.length + gap + 1.5 * SR, 'the second covers "go forward ten meters"');
  });

  test('1.wav with maxSegmentSec 8: split at low-probability points, every piece within 8 s', async () => {
    const x = speech(CLIP_1);
    const probs = await model.createVad().process(x);
    const segs = pairs(await segment(make({ maxSegmentSec: 8 }), x));
    console.log(`# 1.wav (16.7 s), max 8 s: ${JSON.stringify(segs.map((s) => [sec(s.start), sec(s.end), s.reason]))}`);
    const cuts = segs.filter((s) => s.reason === 'max-length');
    assert.ok(cuts.length >= 1, 'at least one max-length split');
    for (const s of segs) assert.ok(s.end - s.start <= 8 * SR, `segment ${sec(s.start)}-${sec(s.end)} longer than 8 s`);
    const speechFraction = probs.filter((p) => p >= 0.5).length / probs.length;
    for (const c of cuts) {
      const w = Math.floor(c.end / 512);
      // Silero says the clip is > 90% speech; the cut must land in one of the rare quiet windows.
      assert.ok(probs[w] < 0.35, `cut at ${sec(c.end)} s has probability ${probs[w]}`);
      const next = segs.find((s) => s.start === c.end);
      assert.ok(next, `a new segment starts at the cut ${sec(c.end)}`);
    }
    assert.ok(speechFraction > 0.85, `speech fraction ${speechFraction}`);
    // Together the pieces cover the speech without gaps between the cuts.
    assert.ok(segs[segs.length - 1].end > 16 * SR);
  });

  test('events are identical for chunk sizes 1, 160, 1234, 16000', async () => {
    const x = concat([speech(GO), new Float32Array(SR), speech(CLIP_0).subarray(0, 5 * SR)]);
    const seg = make({ maxSegmentSec: 3 });
    const reference = await segment(seg, x);
    assert.ok(reference.length >= 4, `expected several events, got ${JSON.stringify(reference)}`);
    assert.ok(reference.some((e) => e.type === 'end' && e.reason === 'max-length'), 'a max-length cut is included');
    for (const size of [1, 160, 1234, 16000]) assert.deepEqual(await segment(seg, x, size), reference, `chunks of ${size}`);
  });

  test('inSpeech while inside a segment; finish closes it at the end of input', async () => {
    const x = speech(CLIP_0).subarray(0, 3 * SR + 100);
    const seg = make();
    const events = await seg.accept(x);
    assert.deepEqual(events.map((e) => e.type), ['start']);
    assert.equal(seg.inSpeech, true);
    assert.deepEqual(seg.finish(), [{ type: 'end', sample: x.length, reason: 'silence', detectedAt: x.length }]);
    assert.equal(seg.inSpeech, false);
    // finish() reset it: the same audio again gives the same events from sample 0.
    assert.deepEqual(await seg.accept(x), events);
  });

  test('silence gives no segments', async () => {
    assert.deepEqual(await segment(make(), new Float32Array(5 * SR)), []);
  });
});

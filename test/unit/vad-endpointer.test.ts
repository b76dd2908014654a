/**
 * The endpointing rules, table-driven over made-up probability sequences. Each character of a
 * pattern is one 512-sample window with probability digit/10 ('9' = 0.9 speech, '4' = 0.4 between
 * the thresholds 0.35 and 0.5, '3' and below = silence). Short durations keep the tables readable:
 * min speech 3 windows, endpoint after 4 silent windows, pre-roll 1 window, post-roll 100 samples.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer, defaultEndpointerOptions, defaultSegmenterOptions, type EndpointerOptions } from '../../src/engine/vad/endpointer';
import type { SegmentEvent } from '../../src/engine/vad/types';

const W = 512;
const MS_PER_WINDOW = (W / 16000) * 1000; // 32 ms

const base: Partial<EndpointerOptions> = {
  threshold: 0.5,
  minSpeechMs: 3 * MS_PER_WINDOW,
  endpointSilenceMs: 4 * MS_PER_WINDOW,
  preRollMs: MS_PER_WINDOW,
  postRollMs: 100 / 16,
  maxSegmentSec: 1000,
  splitSearchSec: (10 * W) / 16000,
  windowSamples: W,
  sampleRate: 16000,
};

const probs = (pattern: string) => Array.from(pattern.replace(/\s/g, ''), (c) => Number(c) / 10);
const start = (window: number, offset = 0): SegmentEvent => ({ type: 'start', sample: window * W + offset });
const end = (window: number, offset = 0, reason: 'silence' | 'max-length' = 'silence'): SegmentEvent =>
  ({ type: 'end', sample: window * W + offset, reason }) as SegmentEvent;

interface Case {
  name: string;
  pattern: string;
  options?: Partial<EndpointerOptions>;
  events: SegmentEvent[];
  /** Events from finish() (default: none). */
  finish?: SegmentEvent[];
  /** finish(totalSamples) argument; default the windows pushed. */
  total?: number;
}

const cases: Case[] = [
  { name: 'silence only', pattern: '0000000000', events: [] },
  { name: 'a click shorter than min speech is ignored', pattern: '0099000000', events: [] },
  {
    name: 'speech, then a pause long enough ends it at the pause start + post-roll',
    pattern: '00 9999 0000 00',
    // Candidate at window 2, confirmed at window 4; start pre-rolled one window; the silence starts at 6.
    events: [start(1), end(6, 100)],
  },
  {
    name: 'windows between the thresholds count towards min speech',
    pattern: '0 944 0000',
    events: [start(0), end(4, 100)],
  },
  {
    name: 'a candidate broken by a silent window is discarded; the next one counts',
    pattern: '99 0 999 0000',
    events: [start(2), end(6, 100)],
  },
  {
    name: 'pre-roll is clamped at the start of the stream',
    pattern: '999 0000',
    events: [start(0), end(3, 100)],
  },
  {
    name: 'a pause one window too short does not end the segment',
    pattern: '0 999 000 999',
    events: [start(0)],
    finish: [end(10)],
  },
  {
    name: 'hysteresis: windows between thresholds neither start nor end a silence',
    pattern: '0 999 4444444 999',
    events: [start(0)],
    finish: [end(14)],
  },
  {
    name: 'hysteresis: once started, a silence continues through between-threshold windows',
    pattern: '0 999 3 444 9',
    // The silence starting at window 4 reaches 4 windows at window 7 (3,4,4,4): ends at 4.
    events: [start(0), end(4, 100)],
  },
  {
    name: 'only a window at the full threshold resets a silence',
    pattern: '0 999 3 4 5 000 0',
    events: [start(0), end(7, 100)],
  },
  {
    name: 'pre-roll never reaches back into the previous segment',
    pattern: '999 0000 999 0000',
    // First ends at 3*512+100; the second candidate at window 7 would pre-roll to 6*512 (> end): kept.
    options: { preRollMs: 10 * MS_PER_WINDOW },
    events: [start(0), end(3, 100), start(3, 100), end(10, 100)],
  },
  {
    name: 'finish closes an open segment at the end of input',
    pattern: '0 9999',
    events: [start(0)],
    total: 5 * W + 77,
    finish: [end(5, 77)],
  },
  {
    name: 'finish during a short pause ends at the pause + post-roll',
    pattern: '0 9999 00',
    events: [start(0)],
    finish: [end(5, 100)],
  },
  {
    name: 'finish drops an unconfirmed candidate',
    pattern: '000 99',
    events: [],
    finish: [],
  },
  {
    name: 'max length: cut at the quietest window in the search span, at its centre, and go on',
    // Cap at 20 windows from the start (window 0): search span windows 10..19. The 5 at 14 is lowest.
    pattern: '99999 99999 9999 5 9 6 999 99999',
    options: { maxSegmentSec: (20 * W) / 16000 },
    events: [start(0), end(14, 256, 'max-length'), start(14, 256)],
    finish: [end(25)],
  },
  {
    name: 'max length: the latest of equally quiet windows',
    pattern: '99999 99999 99999 99999 99',
    options: { maxSegmentSec: (20 * W) / 16000 },
    events: [start(0), end(19, 256, 'max-length'), start(19, 256)],
    finish: [end(22)],
  },
  {
    name: 'max length: a dip before the search span is not used',
    // The 0.5 at window 2 is quieter than anything in windows 10..19, but outside the span.
    pattern: '99599 99999 99979 99999',
    options: { maxSegmentSec: (20 * W) / 16000 },
    events: [start(0), end(13, 256, 'max-length'), start(13, 256)],
    finish: [end(20)],
  },
  {
    name: 'max length during a running silence ends the segment there, without a restart',
    pattern: '99999 99999 99999 9 000 99',
    options: { maxSegmentSec: (19 * W) / 16000 },
    events: [start(0), end(16, 100, 'max-length')],
  },
  {
    name: 'max length repeats for long speech, each segment within the cap',
    pattern: '9'.repeat(45),
    options: { maxSegmentSec: (20 * W) / 16000, preRollMs: 0 },
    // The second segment starts mid-window (19.5): one more window after 38 would pass its cap.
    events: [start(0), end(19, 256, 'max-length'), start(19, 256), end(38, 256, 'max-length'), start(38, 256)],
    finish: [end(45)],
  },
];

/**
 * The table states where segments start and end; when each end was decided (`detectedAt`) is
 * checked separately below, then dropped for the comparison.
 */
function withoutDetection(events: SegmentEvent[]): SegmentEvent[] {
  return events.map((ev) => {
    if (ev.type !== 'end') return ev;
    assert.ok(ev.detectedAt >= ev.sample, `detectedAt ${ev.detectedAt} before the end ${ev.sample}`);
    return { type: 'end', sample: ev.sample, reason: ev.reason } as SegmentEvent;
  });
}

function run(c: Case): { events: SegmentEvent[]; finish: SegmentEvent[] } {
  const e = new Endpointer({ ...base, ...c.options });
  const events = e.pushAll(probs(c.pattern));
  return { events: withoutDetection(events), finish: withoutDetection(e.finish(c.total)) };
}

describe('endpointer rules', () => {
  for (const c of cases) {
    test(c.name, () => {
      const got = run(c);
      assert.deepEqual(got.events, c.events);
      assert.deepEqual(got.finish, c.finish ?? []);
    });
  }
});

describe('endpointer properties', () => {
  test('window by window and all at once give the same events', () => {
    for (const c of cases) {
      const e = new Endpointer({ ...base, ...c.options });
      const one: SegmentEvent[] = [];
      for (const p of probs(c.pattern)) one.push(...e.push(p));
      assert.deepEqual(withoutDetection(one), run(c).events, c.name);
    }
  });

  test('events alternate start/end, with non-decreasing samples, and segments never exceed the cap', () => {
    // A pseudo-random probability track with bursts and pauses of all lengths.
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const track: number[] = [];
    while (track.length < 20000) {
      const speech = rnd() < 0.6;
      const len = 1 + Math.floor(rnd() * 300);
      for (let i = 0; i < len; i++) track.push(speech ? 0.3 + 0.7 * rnd() : 0.45 * rnd());
    }
    const maxSegmentSec = 3;
    const e = new Endpointer({ ...defaultEndpointerOptions, maxSegmentSec });
    const events = [...e.pushAll(track), ...e.finish()];
    assert.ok(events.length > 100, `only ${events.length} events`);
    let open: number | undefined;
    let last = 0;
    for (const ev of events) {
      assert.ok(ev.sample >= last, `sample ${ev.sample} after ${last}`);
      last = ev.sample;
      if (ev.type === 'start') {
        assert.equal(open, undefined, 'start inside a segment');
        open = ev.sample;
      } else {
        assert.ok(open !== undefined, 'end outside a segment');
        assert.ok(ev.sample > open, 'empty segment');
        assert.ok(ev.sample - open <= maxSegmentSec * 16000, `segment of ${(ev.sample - open) / 16000} s`);
        open = undefined;
      }
    }
    assert.ok(events.some((ev) => ev.type === 'end' && ev.reason === 'max-length'), 'the cap was exercised');
  });

  test('defaults are the documented ones', () => {
    assert.deepEqual(defaultSegmenterOptions, { threshold: 0.5, endpointSilenceMs: 800, minSpeechMs: 250, preRollMs: 200, maxSegmentSec: 20 });
  });

  test('inSpeech follows confirmed segments, not candidates', () => {
    const e = new Endpointer(base);
    e.push(0.9);
    assert.equal(e.inSpeech, false, 'candidate');
    e.push(0.9);
    e.push(0.9);
    assert.equal(e.inSpeech, true, 'confirmed');
    for (let i = 0; i < 4; i++) e.push(0);
    assert.equal(e.inSpeech, false, 'ended');
  });

  test('reset starts over from sample 0', () => {
    const e = new Endpointer(base);
    e.pushAll(probs('0000 999'));
    e.reset();
    assert.deepEqual(e.pushAll(probs('999')), [start(0)]);
  });

  test('nonsense options are refused', () => {
    assert.throws(() => new Endpointer({ threshold: 1.5 }), /threshold/);
    assert.throws(() => new Endpointer({ maxSegmentSec: 0 }), /maxSegmentSec/);
  });
});

describe('endpointer detection time', () => {
  test('a pause end is detected endpointSilence after the pause began; a cut at the cap', () => {
    const e = new Endpointer({ ...base });
    const events = e.pushAll(probs('00 9999 0000 00'));
    const endEv = events.find((ev) => ev.type === 'end');
    assert.ok(endEv && endEv.type === 'end');
    // The silence starts at window 6 and lasts 4 windows: decided at the end of window 9.
    assert.equal(endEv.detectedAt, 10 * W);
  });
});

/**
 * The Moonshine recognizer's bookkeeping: the sample history (absolute positions, compaction) and
 * the pause tracker that predicts where the endpointer will close an utterance.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SampleHistory } from '../../src/engine/models/offline/sample-history';
import { SpeechTap } from '../../src/engine/models/offline/speech-tap';
import { Endpointer } from '../../src/engine/vad/endpointer';
import type { VoiceActivityDetector } from '../../src/engine/vad/types';

/** A ramp 0, 1, 2, ... so every sample names its own position. */
function ramp(from: number, n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => from + i);
}

describe('SampleHistory', () => {
  test('slices by absolute position across growth, 1-sample appends and compaction', () => {
    const h = new SampleHistory();
    let pos = 0;
    // Mixed chunk sizes, discarding as the recognizer does when idle; far past the initial capacity.
    for (let round = 0; round < 400; round++) {
      const n = round % 7 === 0 ? 1 : round % 5 === 0 ? 16000 : 1234;
      if (n === 1) for (let k = 0; k < 50; k++) h.append(ramp(pos++, 1));
      else {
        h.append(ramp(pos, n));
        pos += n;
      }
      assert.equal(h.end, pos);
      if (round % 3 === 0) h.discardBefore(pos - 80000);
    }
    assert.ok(h.start > 0 && h.start <= pos - 80000 + 16000);
    const s = h.slice(pos - 50000, pos - 100);
    assert.equal(s.length, 49900);
    for (let i = 0; i < s.length; i += 997) assert.equal(s[i], pos - 50000 + i);
  });

  test('slices clamp to what is kept, and clear restarts positions at 0', () => {
    const h = new SampleHistory();
    h.append(ramp(0, 1000));
    h.discardBefore(400);
    assert.equal(h.start, 400);
    assert.deepEqual(Array.from(h.slice(390, 403)), [400, 401, 402]);
    assert.equal(h.slice(990, 2000).length, 10);
    assert.equal(h.slice(2000, 3000).length, 0);
    h.clear();
    assert.equal(h.end, 0);
    h.append(ramp(7, 3));
    assert.deepEqual(Array.from(h.slice(0, 3)), [7, 8, 9]);
  });

  test('a slice is a copy: later appends and compaction do not change it', () => {
    const h = new SampleHistory();
    h.append(ramp(0, 100));
    const s = h.slice(10, 20);
    h.discardBefore(100);
    h.append(ramp(100, 200000));
    assert.deepEqual(Array.from(s), Array.from(ramp(10, 10)));
  });
});

/** A detector that replays fixed window probabilities, buffering partial windows like Silero. */
class ScriptedVad implements VoiceActivityDetector {
  readonly windowSamples = 512;
  private buffered = 0;
  private next = 0;
  constructor(private readonly probs: number[]) {}
  async process(samples: Float32Array): Promise<Float32Array> {
    this.buffered += samples.length;
    const n = Math.floor(this.buffered / this.windowSamples);
    this.buffered -= n * this.windowSamples;
    const out = Float32Array.from(this.probs.slice(this.next, this.next + n));
    this.next += n;
    return out;
  }
  reset(): void {
    this.buffered = 0;
    this.next = 0;
  }
}

describe('SpeechTap', () => {
  // Speech, a dip that is not a pause (0.4 is between the thresholds), speech, a pause that ends
  // the segment, speech again.
  const probs = [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.2, 0.4, 0.9, 0.9, 0.2, 0.4, 0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9];

  test('predicts where the endpointer ends the segment before it reports it, for any chunking', async () => {
    const options = { threshold: 0.5, endpointSilenceMs: 600, minSpeechMs: 64, preRollMs: 0, postRollMs: 150 };
    const endpointer = new Endpointer(options);
    // Window by window, to know when the endpoint is reported (the end of that window).
    let end: number | undefined;
    let reportedAt = 0;
    for (let w = 0; w < probs.length && end === undefined; w++) {
      const e = endpointer.push(probs[w]).find((x) => x.type === 'end');
      if (e) [end, reportedAt] = [e.sample, (w + 1) * 512];
    }
    assert.ok(end !== undefined && reportedAt > end);
    const postRoll = (options.postRollMs * 16000) / 1000;
    for (const chunk of [1, 160, 512, 1234, 16000]) {
      const tap = new SpeechTap(new ScriptedVad(probs), 0.5, 0.35);
      const total = probs.length * 512;
      let predictedAt: number | undefined;
      for (let i = 0; i < total; i += chunk) {
        await tap.process(new Float32Array(Math.min(chunk, total - i)));
        // Query as the recognizer does: at grid positions (here every 160 samples) already received.
        const at = Math.min(i + chunk, total);
        const q = at - (at % 160);
        const pause = tap.pauseStartAt(q);
        if (predictedAt === undefined && pause >= 0 && pause + postRoll === end && end <= q) predictedAt = q;
      }
      assert.ok(predictedAt !== undefined, `chunk ${chunk}: the end at ${end} was never predicted`);
      if (chunk <= 512) assert.ok(predictedAt < reportedAt, `chunk ${chunk}: predicted at ${predictedAt}, reported at ${reportedAt}`);
    }
  });

  test('pauseStartAt answers as of the queried position, not the latest window', async () => {
    const tap = new SpeechTap(new ScriptedVad(probs), 0.5, 0.35);
    await tap.process(new Float32Array(probs.length * 512));
    assert.equal(tap.pauseStartAt(5 * 512), -1, 'speech at window 4');
    assert.equal(tap.pauseStartAt(10 * 512), 9 * 512, 'the dip at window 9 starts a pause');
    assert.equal(tap.pauseStartAt(11 * 512), 9 * 512, '0.4 does not end it');
    assert.equal(tap.pauseStartAt(12 * 512), -1, '0.9 does');
    assert.equal(tap.pauseStartAt(20 * 512), 13 * 512);
    assert.equal(tap.pauseStartAt(probs.length * 512), -1);
    tap.reset();
    assert.equal(tap.pauseStartAt(20 * 512), -1);
  });
});

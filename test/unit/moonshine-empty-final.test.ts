/**
 * A phrase whose words were shown as a partial is never dropped at its end (issue 17, point 6):
 * Moonshine can read nothing in a short phrase cut tightly at its ends, while the partial, decoded
 * over more audio, read it. The final is then decoded again with silence around it; if that still
 * reads nothing, the words shown are committed. The model and the VAD are faked (the boundary this
 * test is about is the recognizer's); no-lost-words.test.ts runs the real ones.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SegmentedRecognizer, type Transcriber } from '../../src/engine/models/offline/segmented-recognizer';
import { defaultRecognizerOptions, type RecognizerEvent } from '../../src/engine/recognizer';
import type { SegmentEvent, Segmenter } from '../../src/engine/vad/types';

const SR = 16000;
const PHRASE_END = 8000;

/** Speech from sample 0 to PHRASE_END, reported at the first chunk and at the chunk past the end. */
class OnePhrase implements Segmenter {
  private at = 0;
  inSpeech = false;
  accept(samples: Float32Array): Promise<SegmentEvent[]> {
    const before = this.at;
    this.at += samples.length;
    const events: SegmentEvent[] = [];
    if (before === 0) {
      events.push({ type: 'start', sample: 0 });
      this.inSpeech = true;
    }
    if (before < PHRASE_END + 1600 && this.at >= PHRASE_END + 1600) {
      events.push({ type: 'end', sample: PHRASE_END, reason: 'silence', detectedAt: this.at });
      this.inSpeech = false;
    }
    return Promise.resolve(events);
  }
  finish(): SegmentEvent[] {
    return [];
  }
  reset(): void {
    this.at = 0;
  }
}

/** Reads "thank you" in audio longer than the phrase's exact range; `padded`: what a padded retry reads. */
function transcriber(padded: string, calls: number[]): Transcriber {
  return {
    transcribe(samples: Float32Array) {
      calls.push(samples.length);
      const text = samples.length === PHRASE_END ? '' : samples.length === PHRASE_END + 2 * 0.3 * SR ? padded : 'thank you';
      return Promise.resolve({ text, tokens: [1], encoderMs: 0, decoderMs: 0 });
    },
  };
}

async function run(padded: string, partials = true): Promise<{ events: RecognizerEvent[]; calls: number[] }> {
  const calls: number[] = [];
  const r = new SegmentedRecognizer({ family: 'moonshine', transcriber: transcriber(padded, calls), segmenter: new OnePhrase() }, { ...defaultRecognizerOptions, partials, partialIntervalMs: 100, normalizeGain: false });
  const events: RecognizerEvent[] = [];
  for (let i = 0; i < 16000; i += 1600) events.push(...(await r.accept(new Float32Array(1600))));
  events.push(...(await r.finish()));
  return { events, calls };
}

describe('a phrase shown as a partial always gets a final', () => {
  test('the exact range reads nothing: decoded again with 0.3 s of silence on each side', async () => {
    const { events, calls } = await run('Thank you.');
    assert.ok(events.some((e) => e.type === 'partial' && e.text === 'thank you'), 'the partial showed the words');
    assert.deepEqual(events.filter((e) => e.type === 'final').map((e) => e.text), ['Thank you.']);
    assert.ok(calls.includes(PHRASE_END) && calls.includes(PHRASE_END + 2 * 0.3 * SR), `decodes: ${calls.join(', ')}`);
  });

  test('the padded retry reads nothing too: the words shown are committed', async () => {
    const { events } = await run('');
    assert.deepEqual(events.filter((e) => e.type === 'final').map((e) => e.text), ['thank you']);
  });

  test('nothing was shown (partials off): an empty final stays empty, no retry', async () => {
    const { events, calls } = await run('Thank you.', false);
    assert.deepEqual(events.filter((e) => e.type === 'final'), []);
    assert.ok(!calls.includes(PHRASE_END + 2 * 0.3 * SR), `decodes: ${calls.join(', ')}`);
  });
});

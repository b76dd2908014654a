/**
 * The Nemotron family's dictation path: the Silero VAD ends utterances at pauses as for the Zipformer
 * (the stream decodes on; the hypothesis is split at the pause, at a word start), partials show the
 * open utterance, and nothing is lost or duplicated: the finals joined are the reference decode of
 * the same audio (up to where a word is cut).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import type { FinalEvent, LoadedModel } from '../../src/engine/recognizer';
import { writeSyntheticNemotron } from '../../bench/synthetic/nemotron';
import { clips } from '../helpers/shared';

describe('nemotron: endpointing and partials', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-nemotron-endpoint-'));
  let model: LoadedModel;
  before(async () => {
    writeSyntheticNemotron(dir, { seed: 31 });
    model = await loadModel({ dir }, { threads: 1, noCache: true });
  });
  after(async () => {
    await model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('two phrases with a 2 s pause: two or more finals, the first at the pause, joined hold the reference decode', async () => {
    const [a, b] = clips().slice(0, 2).map((c) => toMono16k(readWav(c.path)));
    const audio = new Float32Array(a.length + 32000 + b.length);
    audio.set(a, 0);
    audio.set(b, a.length + 32000);
    const reference = await model.decodeWhole(audio);
    const r = model.createRecognizer({ endpointing: true, endpointSilenceMs: 800, normalizeGain: false, partials: true });
    const finals: FinalEvent[] = [];
    let partials = 0;
    for (let i = 0; i < audio.length; i += 1600) {
      for (const e of await r.accept(audio.subarray(i, i + 1600))) {
        if (e.type === 'final') finals.push(e);
        else partials++;
      }
    }
    for (const e of await r.finish()) if (e.type === 'final') finals.push(e);
    assert.ok(partials > 0, 'partials while speaking');
    assert.ok(finals.length >= 2, `${finals.length} finals`);
    assert.equal(finals[0].reason, 'endpoint');
    const pause = a.length / 16000;
    assert.ok(finals[0].endSec > pause - 1 && finals[0].endSec < pause + 2, `first final ends at ${finals[0].endSec} s, the pause starts at ${pause} s (the clip ends in quiet)`);
    // Nothing lost or repeated. Spaces aside: an utterance ends at a word start, and this random model
    // may still be emitting pieces of a word when the pause ends it, which then start the next one.
    const letters = (t: string) => t.replace(/ /g, '');
    assert.equal(letters(finals.map((f) => f.text).join(' ')), letters(reference.text));
  });
});

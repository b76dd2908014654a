/**
 * The partial stabiliser (src/engine/partial-stability.ts): what is shown for sequences of
 * hypotheses (a spelling alternating, a full stop appearing and vanishing, a word really revised,
 * a standing hypothesis), the flicker measure, and the real sidecar with a real Moonshine model on
 * a real clip: no partial ends a sentence, flicker is lower than the raw hypotheses', finals equal.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, test } from 'node:test';
import * as path from 'node:path';
import { readWav, toMono16k } from '../../src/engine/audio/wav';
import { loadModel } from '../../src/engine/models/load';
import {
  PartialStabilizer,
  sequenceChanges,
  shownChanges,
  stabilityPolicyFor,
  StablePartials,
  wordKey,
  withoutTrailingSentenceMark,
  type StabilityPolicy,
} from '../../src/engine/partial-stability';
import { defaultRecognizerOptions, type RecognizerEvent } from '../../src/engine/recognizer';
import { PROTOCOL_VERSION } from '../../src/protocol';
import { MOONSHINE_DIR, sharedPath } from '../helpers/shared';
import { SidecarClient } from '../helpers/sidecar-client';
import { tempCacheDir } from '../helpers/temp';

const MOONSHINE: StabilityPolicy = stabilityPolicyFor('moonshine');
const ZIPFORMER: StabilityPolicy = stabilityPolicyFor('zipformer');
/** 100 ms of audio at 16 kHz, the size of a microphone chunk. */
const CHUNK = 1600;

/** Feeds the hypotheses in turn; returns every text shown (the changes only). */
function shownFor(hypotheses: string[], policy = MOONSHINE): string[] {
  const s = new PartialStabilizer(policy);
  const shown: string[] = [];
  for (const h of hypotheses) {
    const text = s.update(h);
    if (text !== undefined) shown.push(text);
  }
  return shown;
}

describe('partial stabiliser', () => {
  test('a word is shown once two consecutive hypotheses agree on it', () => {
    assert.deepEqual(shownFor(['He was', 'He was not', 'He was not an', 'He was not an ill-disposed young']), ['He was', 'He was not', 'He was not an']);
    const s = new PartialStabilizer(MOONSHINE);
    assert.equal(s.update('Go forward'), undefined, 'one hypothesis alone shows nothing');
    assert.equal(s.shown, '');
  });

  test('"dishonoured" / "dishonored" alternating: the word shown first stays', () => {
    const s = new PartialStabilizer(MOONSHINE);
    const shown: string[] = [];
    const hypotheses = [
      'on that same dishonoured',
      'on that same dishonoured bosom',
      'on that same dishonored bosom to',
      'on that same dishonoured bosom to connect',
      'on that same dishonored bosom to connect her',
      'on that same dishonoured bosom to connect her parent',
    ];
    for (const h of hypotheses) {
      const text = s.update(h);
      if (text !== undefined) shown.push(text);
      // Moonshine's next hypothesis comes 300 ms of audio later: within the hold.
      for (let i = 0; i < 3; i++) assert.equal(s.elapse(CHUNK), undefined);
    }
    assert.deepEqual(shown, ['on that same dishonoured']);
    // Raw, the word changed at every hypothesis from the third on.
    assert.equal(sequenceChanges(hypotheses).changed, 4);
    // The last hypothesis stands (the speaker paused) and agrees with what is shown: its words follow.
    assert.equal(s.elapse(CHUNK), 'on that same dishonoured bosom to connect her parent');
    shown.push(s.shown);
    assert.ok(shown.every((t) => !t.includes('dishonored')), JSON.stringify(shown));
    assert.deepEqual(sequenceChanges(shown), { changed: 0, punctuationFlips: 0 });
    // Two hypotheses in a row agreeing on the other spelling do change it: the model settled.
    assert.equal(s.update('on that same dishonored bosom to connect her parent'), undefined);
    assert.equal(s.update('on that same dishonored bosom to connect her parent for'), 'on that same dishonored bosom to connect her parent');
  });

  test('a full stop appearing and vanishing at the end is never shown', () => {
    const hypotheses = ['Go.', 'Go forward.', 'Go forward ten.', 'Go forward ten meters.', 'Go forward ten meters'];
    const shown = shownFor(hypotheses);
    assert.deepEqual(shown, ['Go', 'Go forward', 'Go forward ten', 'Go forward ten meters']);
    // Raw, each full stop vanished again at the next hypothesis.
    assert.deepEqual(sequenceChanges(hypotheses), { changed: 4, punctuationFlips: 4 });
    assert.deepEqual(sequenceChanges(shown), { changed: 0, punctuationFlips: 0 });
    // A mark inside the text stays: it ends a sentence the speaker went on from.
    assert.deepEqual(shownFor(['It rained. Then', 'It rained. Then it', 'It rained. Then it stopped.']), ['It rained. Then', 'It rained. Then it']);
  });

  test('no trailing . ? ! or ellipsis, also before a closing quote or bracket', () => {
    assert.equal(withoutTrailingSentenceMark('Go forward ten meters.'), 'Go forward ten meters');
    assert.equal(withoutTrailingSentenceMark('Is it?!'), 'Is it');
    assert.equal(withoutTrailingSentenceMark('and then...'), 'and then');
    assert.equal(withoutTrailingSentenceMark('and then…'), 'and then');
    assert.equal(withoutTrailingSentenceMark('He said "stop."'), 'He said "stop"');
    assert.equal(withoutTrailingSentenceMark('(see above.)'), '(see above)');
    assert.equal(withoutTrailingSentenceMark('wait ...'), 'wait', 'a word of marks only goes');
    assert.equal(withoutTrailingSentenceMark('...'), '');
    assert.equal(withoutTrailingSentenceMark('well, then,'), 'well, then,', 'other marks stay');
  });

  test('marks the two hypotheses disagree on are left out; marks they agree on stay', () => {
    assert.deepEqual(shownFor(['Had he married a more?', 'Had he married a more, eh,', 'Had he married a more amiable']), ['Had he married a more']);
    assert.deepEqual(shownFor(['Well, I', 'Well, I think']), ['Well, I']);
  });

  test('a shown word is replaced only when an agreed hypothesis really differs there', () => {
    const shown = shownFor([
      "I'm less to be rather",
      "I'm less to be rather cold",
      'Unless to be rather cold-hearted, and.', // differs at the first word: not yet agreed
      'Unless to be rather cold-hearted and rather', // now two agree
    ]);
    assert.deepEqual(shown, ["I'm less to be rather", 'Unless to be rather cold-hearted and']);
    // Case and punctuation are not a difference: the shown spelling stays.
    assert.deepEqual(shownFor(['the Cat sat', 'the Cat sat on', 'the cat, sat on the', 'the cat sat on the mat']), ['the Cat sat', 'the Cat sat on', 'the Cat sat on the']);
    assert.equal(wordKey('Cat,'), wordKey('cat'));
    assert.notEqual(wordKey('dishonoured'), wordKey('dishonored'));
  });

  test('an agreed prefix shorter than what is shown keeps the shown words', () => {
    assert.deepEqual(shownFor(['a b c d', 'a b c d e', 'a b x', 'a b c d e f']), ['a b c d']);
  });

  test('a standing hypothesis adds its words after the hold, but never rewrites a shown one', () => {
    const s = new PartialStabilizer(MOONSHINE);
    s.update('go forward');
    assert.equal(s.update('go forward ten meters'), 'go forward');
    const holdChunks = Math.ceil((MOONSHINE.holdMs / 1000) * 16000 / CHUNK);
    for (let i = 1; i < holdChunks; i++) assert.equal(s.elapse(CHUNK), undefined, `not yet after ${i} chunks`);
    assert.equal(s.elapse(CHUNK), 'go forward ten meters');
    assert.equal(s.elapse(CHUNK), undefined, 'once');

    const t = new PartialStabilizer(MOONSHINE);
    t.update('on that same dishonoured');
    t.update('on that same dishonoured bosom');
    t.update('on that same dishonored bosom to connect');
    for (let i = 0; i < 20; i++) assert.equal(t.elapse(CHUNK), undefined);
    assert.equal(t.shown, 'on that same dishonoured');
  });

  test('the streaming Zipformer policy shows each hypothesis at once, less its trailing mark', () => {
    assert.deepEqual(shownFor(['GO', 'GO FOR', 'GO FORWARD', 'GO FORWARD', 'GO FORWARD TEN.'], ZIPFORMER), ['GO', 'GO FOR', 'GO FORWARD', 'GO FORWARD TEN']);
    assert.equal(MOONSHINE.agreement, 2);
    assert.equal(ZIPFORMER.agreement, 1);
  });

  test('the event stream: reset per utterance and at each final, finals untouched, only changes sent', () => {
    const s = new StablePartials(() => MOONSHINE);
    const p = (text: string, utterance: number): RecognizerEvent => ({ type: 'partial', text, utterance });
    const final: RecognizerEvent = { type: 'final', text: 'Go forward ten meters.', utterance: 0, startSec: 0, endSec: 2, reason: 'endpoint' };
    assert.deepEqual(s.accepted([p('Go forward.', 0)], CHUNK), []);
    assert.deepEqual(s.accepted([p('Go forward ten.', 0)], CHUNK), [p('Go forward', 0)]);
    assert.deepEqual(s.accepted([p('Go forward ten meter.', 0)], CHUNK), [p('Go forward ten', 0)]);
    assert.deepEqual(s.accepted([final, p('And', 1)], CHUNK), [final], 'the final as it came; the next utterance starts afresh');
    assert.deepEqual(s.accepted([p('And then', 1)], CHUNK), [p('And', 1)]);
    // An utterance number changing without a final (a cancelled one) starts afresh too.
    assert.deepEqual(s.accepted([p('And then we', 2)], CHUNK), []);
    assert.deepEqual(s.accepted([p('And then we', 2)], CHUNK), [p('And then we', 2)]);
    assert.deepEqual(s.accepted([p('And then we', 2)], CHUNK), [], 'no event when the shown text did not change');
  });
});

describe('flicker measure', () => {
  test('counts shown words changed or removed, not words added or a last word growing', () => {
    assert.deepEqual(shownChanges('the cat.', 'the cat sat'), { changed: 1, punctuationFlips: 1 });
    assert.deepEqual(shownChanges('on that same dishonoured bosom', 'on that same dishonored bosom'), { changed: 1, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('a b c', 'a b'), { changed: 1, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('a b', 'a x b'), { changed: 0, punctuationFlips: 0 }, 'an inserted word changes none');
    assert.deepEqual(shownChanges("I'm less to be", 'Unless to be rather'), { changed: 2, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('GO FOR', 'GO FORWARD'), { changed: 0, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('Hello', 'Hello. How'), { changed: 0, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('', 'anything'), { changed: 0, punctuationFlips: 0 });
    assert.deepEqual(shownChanges('Stop? now', 'Stop now'), { changed: 1, punctuationFlips: 1 });
  });
});

describe('stable partials from the real sidecar (Moonshine, real speech)', () => {
  const CLIP = 'audio/librispeech-test-clean-sherpa-kws-test_wavs/1.wav';
  const cache = tempCacheDir();
  let client: SidecarClient;

  before(() => {
    client = new SidecarClient();
  });
  after(async () => {
    await client.close();
    cache.remove();
  });

  /** Flicker of a dictation: its partials then its final, utterance by utterance. */
  function flicker(events: { type: 'partial' | 'final'; utterance: number; text: string }[]): number {
    let changed = 0;
    for (const u of new Set(events.map((e) => e.utterance))) changed += sequenceChanges(events.filter((e) => e.utterance === u).map((e) => e.text)).changed;
    return changed;
  }

  test('no partial ends a sentence, flicker is lower than raw, the finals are the raw ones', async () => {
    const file = sharedPath(CLIP);
    const dir = sharedPath(MOONSHINE_DIR);

    // Raw: the same model, audio, chunks and options in this process, straight from the recogniser.
    const model = await loadModel({ dir }, { threads: 1, cacheDir: cache.dir });
    const raw: RecognizerEvent[] = [];
    const expected: RecognizerEvent[] = [];
    try {
      const rec = model.createRecognizer({ ...defaultRecognizerOptions });
      const stable = new StablePartials(() => MOONSHINE);
      const samples = toMono16k(readWav(file));
      for (let i = 0; i < samples.length; i += CHUNK) {
        const piece = samples.subarray(i, i + CHUNK);
        const events = await rec.accept(piece);
        raw.push(...events);
        expected.push(...stable.accepted(events, piece.length));
      }
      const last = await rec.finish();
      raw.push(...last);
      expected.push(...stable.accepted(last, 0));
    } finally {
      await model.dispose();
    }

    // Stable: the sidecar process, as the extension drives it.
    await client.call('hello', { version: PROTOCOL_VERSION });
    await client.call('loadModel', { location: { dir }, threads: 1, cacheDir: cache.dir }, 120_000);
    const start = client.messages.length;
    const { session } = await client.call('startDictation', { source: { kind: 'file', path: file, realtime: false } });
    const ended = await client.waitForEvent('dictationEnded', (e) => e.session === session, 120_000, start);
    assert.equal(ended.reason, 'end-of-file');
    const sent = client.messages.slice(start).flatMap((m) => ((m.type === 'partial' || m.type === 'final') && m.session === session ? [m] : []));
    const partials = sent.filter((m) => m.type === 'partial');
    const finals = sent.filter((m) => m.type === 'final');
    assert.deepEqual(client.invalid, []);

    const rawPartials = raw.filter((e) => e.type === 'partial');
    const rawFinals = raw.filter((e) => e.type === 'final');
    assert.ok(rawPartials.some((p) => /[.?!]$/.test(p.text)), 'the clip makes raw partials that end a sentence (else this test proves nothing)');
    assert.ok(partials.length > 0, 'partials were sent');
    for (const p of partials) assert.doesNotMatch(p.text, /[.?!]$/, `partial "${p.text}" ends a sentence`);
    assert.deepEqual(finals.map((f) => f.text), rawFinals.map((f) => f.text), 'the finals are the raw recogniser\'s');
    assert.deepEqual(sent.map((m) => [m.type, m.utterance, m.text]), expected.map((e) => [e.type, e.utterance, e.text]), 'the sidecar sent the raw hypotheses through the stabiliser');

    const before = flicker(raw);
    const afterStable = flicker(sent);
    assert.ok(before > 0, 'raw partials flicker on this clip');
    assert.ok(afterStable < before, `flicker with the stabiliser ${afterStable} < raw ${before}`);
    console.log(`# ${path.basename(CLIP)}: shown words changed ${before} raw -> ${afterStable} stable; partial messages ${rawPartials.length} -> ${partials.length}`);
  });
});

/**
 * The dictation state machine driven without VS Code through the races the real editor once hit
 * (git log -- src/extension/murmur.ts): each test is the sequence of events that went wrong.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { deferred, final, harness, listening, settle } from './dictation-fakes';

describe('DictationController races', () => {
  test('(a) a start given up during a model load: the dictation the engine started beside the failed load is cancelled there, its phrases dropped, the error stays', async () => {
    const h = harness();
    h.engine.loading = deferred<void>();
    const started = h.controller.start();
    h.engine.connecting.resolve(h.engine);
    await settle();
    assert.equal(h.engine.starts.length, 1, 'the dictation is sent beside the load (cold start)');
    // The load fails (a bad model path: the engine keeps its old model and starts the dictation on it).
    h.engine.loading.reject(new Error('MODEL_NOT_FOUND'));
    await settle();
    h.status.push('error'); // the host shows the load's error
    h.engine.starts[0].answer.resolve(7);
    await started;
    await settle();
    assert.deepEqual(h.engine.cancelled, [7], 'the dictation started on the old model is ended in the engine');
    assert.equal(h.controller.current, 'idle');
    h.controller.handle(final(7, 1, 'go forward ten meters'));
    await settle();
    assert.equal(h.doc.text, '', 'nothing it heard is typed');
    assert.equal(h.status.at(-1), 'error', "the load's error stays on the status bar");
  });

  test('(b) finals that overtake the start response are held and committed once, in order; finals of other sessions are dropped', async () => {
    const h = harness();
    const started = h.controller.start();
    h.engine.connecting.resolve(h.engine);
    await settle();
    h.controller.handle(final(3, 1, 'first'));
    h.controller.handle(final(2, 9, 'stale'));
    h.controller.handle(final(3, 2, 'second'));
    h.engine.starts[0].answer.resolve(3);
    await started;
    await settle();
    assert.equal(h.controller.current, 'listening');
    assert.equal(h.doc.text, 'first second');
    assert.deepEqual(
      h.committed.map((c) => `${c.event.session}.${c.event.utterance}`),
      ['3.1', '3.2'],
    );
  });

  test('(c) stop while starting: the machine is idle at once and the dictation the engine then starts is cancelled there', async () => {
    const h = harness();
    const started = h.controller.start();
    h.engine.connecting.resolve(h.engine);
    await settle();
    await h.controller.stop();
    assert.equal(h.controller.current, 'idle');
    h.engine.starts[0].answer.resolve(5);
    await started;
    await settle();
    assert.equal(h.controller.current, 'idle', 'the start given up does not go on to listening');
    assert.deepEqual(h.engine.cancelled, [5]);
    h.controller.handle(final(5, 1, 'late'));
    await settle();
    assert.equal(h.doc.text, '');
    assert.equal(h.status.at(-1), 'idle');
  });

  test('(d) a key typed while a phrase is on its way to the document: the phrase goes in after the key, not to the clipboard', async () => {
    const h = harness();
    await listening(h, 1);
    h.doc.type('x = ');
    h.doc.duringRoundTrip = () => h.doc.type('y');
    h.controller.handle(final(1, 1, 'hello'));
    await settle();
    assert.deepEqual(h.clipboard, []);
    assert.equal(h.doc.text, 'x = y hello');
    assert.equal(h.committed.at(-1)?.where, 'editor');
  });
});

describe('DictationController transitions', () => {
  test('a file transcription goes starting -> listening -> idle through the machine and ends when the engine says the file is done', async () => {
    const h = harness();
    const done = h.controller.transcribe(h.engine, '/tmp/a.wav');
    assert.equal(h.controller.current, 'starting');
    assert.equal(h.controller.dictating, true, 'no dictation can start meanwhile');
    h.engine.starts[0].answer.resolve(4);
    await settle();
    assert.equal(h.controller.current, 'listening');
    h.controller.handle(final(4, 1, 'from the file'));
    h.controller.handle({ type: 'dictationEnded', session: 4, reason: 'end-of-file' });
    await done;
    assert.equal(h.controller.current, 'idle');
    assert.equal(h.doc.text, 'from the file');
  });

  test('cancel while starting gives the start up too', async () => {
    const h = harness();
    const started = h.controller.start();
    h.engine.connecting.resolve(h.engine);
    await settle();
    await h.controller.cancel();
    h.engine.starts[0].answer.resolve(9);
    await started;
    await settle();
    assert.equal(h.controller.current, 'idle');
    assert.deepEqual(h.engine.cancelled, [9]);
  });

  test('stop while listening asks the engine to stop, commits the last phrase, then is idle', async () => {
    const h = harness();
    await listening(h, 2);
    h.controller.handle(final(2, 1, 'last words'));
    await h.controller.stop();
    assert.equal(h.engine.stops, 1);
    assert.equal(h.doc.text, 'last words');
    assert.equal(h.controller.current, 'idle');
  });
});

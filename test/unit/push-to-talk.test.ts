import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PushToTalk } from '../../src/extension/push-to-talk';
import { FakeTimers } from '../helpers/fake-timers';

function rig(delay = 500) {
  const log: string[] = [];
  let dictating = false;
  let stopping = false;
  const timers = new FakeTimers();
  const ptt = new PushToTalk(
    {
      start: () => {
        dictating = true;
        log.push('start');
      },
      stop: () => {
        dictating = false;
        log.push('stop');
      },
      isDictating: () => dictating,
      isStopping: () => stopping,
    },
    delay,
    timers,
  );
  /** The controller's side of a stop that takes time: stopping now, idle (and reset) on end(). */
  const slowStop = {
    begin: () => {
      stopping = true;
    },
    end: () => {
      stopping = false;
      dictating = false;
      ptt.reset();
    },
  };
  const startElsewhere = () => {
    dictating = true;
  };
  return { ptt, timers, log, isDictating: () => dictating, slowStop, startElsewhere };
}

describe('push-to-talk from key auto-repeat', () => {
  test('holding: first press starts, repeats keep it on, silence after the repeats stops', () => {
    const { ptt, timers, log, isDictating } = rig(500);
    ptt.press();
    timers.advance(300); // OS repeat delay
    for (let i = 0; i < 40; i++) {
      ptt.press();
      timers.advance(33); // repeat rate
    }
    assert.deepEqual(log, ['start']);
    assert.equal(ptt.state, 'hold');
    // 33 ms have passed since the last repeat: released only after 500 ms without one.
    timers.advance(460);
    assert.equal(isDictating(), true);
    timers.advance(10);
    assert.deepEqual(log, ['start', 'stop']);
    assert.equal(ptt.state, 'off');
  });

  test('a tap toggles dictation on, the next tap toggles it off', () => {
    const { ptt, timers, log } = rig(500);
    ptt.press();
    timers.advance(600);
    assert.equal(ptt.state, 'toggle');
    assert.deepEqual(log, ['start']);
    timers.advance(10_000);
    assert.deepEqual(log, ['start']);
    ptt.press();
    assert.deepEqual(log, ['start', 'stop']);
    assert.equal(ptt.state, 'off');
  });

  test('a tap while dictation was started elsewhere stops it', () => {
    const { ptt, log } = rig();
    ptt.press();
    ptt.reset();
    assert.deepEqual(log, ['start']);
    ptt.press(); // still dictating (started), mode off -> stop
    assert.deepEqual(log, ['start', 'stop']);
  });

  test('reset forgets a pending release', () => {
    const { ptt, timers, log } = rig(500);
    ptt.press();
    ptt.press();
    ptt.reset();
    timers.advance(1000);
    assert.deepEqual(log, ['start']);
  });

  test('a press while the last dictation is still stopping starts the next one once it has stopped, then works as a tap', () => {
    const { ptt, timers, log, isDictating, slowStop } = rig(500);
    ptt.press();
    timers.advance(600); // a tap: toggle
    assert.equal(ptt.state, 'toggle');
    slowStop.begin(); // "Stop Dictation" from the palette, still committing its last phrase
    ptt.press();
    assert.equal(ptt.state, 'queued');
    assert.deepEqual(log, ['start'], 'nothing is started or stopped while the stop runs');
    slowStop.end();
    assert.deepEqual(log, ['start'], 'the start waits a turn: the old dictation is still ending');
    timers.advance(0);
    assert.deepEqual(log, ['start', 'start']);
    assert.equal(isDictating(), true);
    timers.advance(600);
    assert.equal(ptt.state, 'toggle', 'the queued press was a tap');
    ptt.press();
    assert.deepEqual(log, ['start', 'start', 'stop']);
  });

  test('holding the key through a stop: the repeats queue one start, and releasing after it stops again', () => {
    const { ptt, timers, log, slowStop } = rig(500);
    slowStop.begin();
    for (let i = 0; i < 5; i++) {
      ptt.press();
      timers.advance(33);
    }
    slowStop.end();
    timers.advance(0);
    for (let i = 0; i < 10; i++) {
      ptt.press();
      timers.advance(33);
    }
    assert.equal(ptt.state, 'hold');
    timers.advance(600);
    assert.deepEqual(log, ['start', 'stop']);
  });

  test('a queued start is dropped if dictation was started some other way meanwhile; an ended dictation with nothing queued starts nothing', () => {
    const { ptt, timers, log, slowStop, startElsewhere } = rig(500);
    slowStop.end();
    timers.advance(1000);
    assert.deepEqual(log, []);
    slowStop.begin();
    ptt.press();
    slowStop.end();
    startElsewhere(); // e.g. "Start Dictation" from the palette in the same turn
    timers.advance(0);
    assert.deepEqual(log, [], 'no second start over a running dictation');
    assert.equal(ptt.state, 'off');
  });
});

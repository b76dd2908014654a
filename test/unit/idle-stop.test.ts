import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { IdleStop } from '../../src/extension/idle-stop';
import { FakeTimers } from '../helpers/fake-timers';

const MINUTE = 60_000;

function rig(minutes = 15) {
  const timers = new FakeTimers();
  const stops: { at: number; minutes: number }[] = [];
  const state = { minutes, busy: false, stopResult: Promise.resolve() as Promise<void> };
  const idle = new IdleStop({
    minutes: () => state.minutes,
    busy: () => state.busy,
    stop: (m) => {
      stops.push({ at: timers.now, minutes: m });
      return state.stopResult;
    },
    timers,
  });
  return { timers, stops, state, idle };
}

describe('IdleStop (murmur.engine.stopWhenIdleMinutes)', () => {
  test('stops the engine once it has gone unused for the set minutes, not before', () => {
    const { timers, stops, idle } = rig(15);
    idle.used();
    assert.equal(idle.waiting, true);
    timers.advance(15 * MINUTE - 1);
    assert.deepEqual(stops, []);
    timers.advance(1);
    assert.deepEqual(stops, [{ at: 15 * MINUTE, minutes: 15 }]);
    assert.equal(idle.waiting, false);
  });

  test('every use starts the wait again from that moment', () => {
    const { timers, stops, idle } = rig(10);
    idle.used();
    timers.advance(9 * MINUTE);
    idle.used();
    timers.advance(9 * MINUTE);
    idle.used();
    timers.advance(9 * MINUTE);
    assert.deepEqual(stops, []);
    timers.advance(MINUTE);
    assert.deepEqual(stops, [{ at: 28 * MINUTE, minutes: 10 }]);
  });

  test('a busy engine (dictation, load, request in flight) is not stopped: the wait starts again', () => {
    const { timers, stops, state, idle } = rig(5);
    idle.used();
    state.busy = true;
    timers.advance(5 * MINUTE);
    assert.deepEqual(stops, []);
    assert.equal(idle.waiting, true, 'waiting again');
    timers.advance(5 * MINUTE);
    assert.deepEqual(stops, []);
    state.busy = false;
    timers.advance(5 * MINUTE);
    assert.deepEqual(stops, [{ at: 15 * MINUTE, minutes: 5 }]);
  });

  test('0 minutes: never stops', () => {
    const { timers, stops, idle } = rig(0);
    idle.used();
    assert.equal(idle.waiting, false);
    timers.advance(1000 * MINUTE);
    assert.deepEqual(stops, []);
  });

  test('the minutes are read when each wait starts: a changed setting applies from the next use', () => {
    const { timers, stops, state, idle } = rig(30);
    idle.used();
    state.minutes = 2;
    timers.advance(2 * MINUTE);
    assert.deepEqual(stops, [], 'the running wait keeps its 30 minutes');
    idle.used();
    timers.advance(2 * MINUTE);
    assert.deepEqual(stops, [{ at: 4 * MINUTE, minutes: 2 }]);
  });

  test('cancel (the engine stopped or crashed otherwise) ends the wait without a stop', () => {
    const { timers, stops, idle } = rig(1);
    idle.used();
    idle.cancel();
    assert.equal(idle.waiting, false);
    timers.advance(10 * MINUTE);
    assert.deepEqual(stops, []);
  });

  test('uses reported while the stop itself runs (its shutdown answer) do not start another wait; later ones do', async () => {
    const { timers, stops, state, idle } = rig(1);
    let finish!: () => void;
    state.stopResult = new Promise<void>((r) => (finish = r));
    idle.used();
    timers.advance(MINUTE);
    assert.equal(stops.length, 1);
    idle.used(); // the shutdown request's response
    assert.equal(idle.waiting, false);
    finish();
    await state.stopResult;
    await new Promise((r) => setImmediate(r));
    idle.used(); // a new sidecar started
    assert.equal(idle.waiting, true);
    timers.advance(MINUTE);
    assert.equal(stops.length, 2);
  });

  test('a stop that fails leaves the stopper usable', async () => {
    const { timers, stops, state, idle } = rig(1);
    state.stopResult = Promise.reject(new Error('shutdown refused'));
    idle.used();
    timers.advance(MINUTE);
    await new Promise((r) => setImmediate(r));
    idle.used();
    assert.equal(idle.waiting, true);
    timers.advance(MINUTE);
    assert.equal(stops.length, 2);
  });

  test('waitOver ends a running wait as its timer would (and does nothing without one)', () => {
    const { timers, stops, state, idle } = rig(15);
    idle.waitOver();
    assert.deepEqual(stops, []);
    idle.used();
    state.busy = true;
    idle.waitOver();
    assert.deepEqual(stops, [], 'busy: not stopped');
    assert.equal(idle.waiting, true);
    state.busy = false;
    idle.waitOver();
    assert.deepEqual(stops, [{ at: 0, minutes: 15 }]);
    timers.advance(60 * MINUTE);
    assert.equal(stops.length, 1, 'the cleared timer does not fire too');
  });
});

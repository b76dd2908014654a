/**
 * How a recorder is stopped on each platform (process-stop.ts): the steps are pure and checked for
 * every platform; runStopSteps is checked against fake children (each platform's behaviour
 * simulated: SIGTERM honoured, ignored, or absent) and against real processes on this machine,
 * where what a child wrote before it ended must still be read.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { hasSignals, recorderStopSteps, runStopSteps, terminate, type StoppableChild } from '../../src/engine/process-stop';

const TIMES = { graceMs: 80, flushMs: 60 };

describe('stop steps per platform', () => {
  test('POSIX (Linux, macOS, other Unixes): read on, SIGTERM, wait, SIGKILL only if still running', () => {
    for (const platform of ['linux', 'darwin', 'freebsd'] as const) {
      assert.equal(hasSignals(platform), true);
      assert.deepEqual(recorderStopSteps(platform, TIMES), [{ step: 'read-rest' }, { step: 'ask', signal: 'SIGTERM' }, { step: 'wait-exit', ms: 80 }, { step: 'terminate' }], platform);
    }
  });

  test('Windows: no signal to ask with; read on, let SoX flush, then TerminateProcess', () => {
    assert.equal(hasSignals('win32'), false);
    const steps = recorderStopSteps('win32', TIMES);
    assert.deepEqual(steps, [{ step: 'read-rest' }, { step: 'let-flush', ms: 60 }, { step: 'terminate' }]);
    assert.ok(!steps.some((s) => s.step === 'ask'), 'a signal there would terminate at once, losing what SoX holds');
    assert.ok(recorderStopSteps('win32')[1].step === 'let-flush' && (recorderStopSteps('win32')[1] as { ms: number }).ms >= 300, 'the default flush outlasts SoX\'s 256 ms output buffer');
  });
});

/** A child that records the calls and closes as told; `onSignal` is the platform's behaviour. */
class FakeChild extends EventEmitter implements StoppableChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly calls: string[] = [];
  private close!: () => void;
  readonly closed = new Promise<void>((r) => (this.close = r));
  constructor(private readonly onSignal: (child: FakeChild, signal: NodeJS.Signals) => void) {
    super();
  }
  kill(signal?: NodeJS.Signals): boolean {
    this.calls.push(`kill ${signal}`);
    this.onSignal(this, signal ?? 'SIGTERM');
    return true;
  }
  exit(signal: NodeJS.Signals | null, after = 5): void {
    setTimeout(() => {
      this.signalCode = signal;
      this.exitCode = signal ? null : 0;
      this.calls.push('closed');
      this.close();
    }, after);
  }
}

describe('runStopSteps', () => {
  test('POSIX, the recorder honours SIGTERM: it flushes and exits; no SIGKILL', async () => {
    const child = new FakeChild((c, s) => (s === 'SIGTERM' ? c.exit(null) : c.exit(s)));
    await runStopSteps(recorderStopSteps('linux', TIMES), { child, readRest: () => child.calls.push('read-rest'), closed: child.closed });
    assert.deepEqual(child.calls, ['read-rest', 'kill SIGTERM', 'closed']);
  });

  test('POSIX, the recorder ignores SIGTERM: SIGKILL after the grace period', async () => {
    const child = new FakeChild((c, s) => (s === 'SIGKILL' ? c.exit(s) : undefined));
    const started = Date.now();
    await runStopSteps(recorderStopSteps('darwin', TIMES), { child, readRest: () => child.calls.push('read-rest'), closed: child.closed });
    assert.deepEqual(child.calls, ['read-rest', 'kill SIGTERM', 'kill SIGKILL', 'closed']);
    assert.ok(Date.now() - started >= TIMES.graceMs - 5, 'SIGKILL waited for the grace period');
  });

  test('Windows: nothing is signalled before the flush time; then one kill (TerminateProcess)', async () => {
    // Any signal on Windows terminates at once: the fake does the same.
    const child = new FakeChild((c) => c.exit('SIGKILL'));
    const started = Date.now();
    await runStopSteps(recorderStopSteps('win32', TIMES), { child, readRest: () => child.calls.push('read-rest'), closed: child.closed });
    assert.deepEqual(child.calls, ['read-rest', 'kill SIGKILL', 'closed']);
    assert.ok(Date.now() - started >= TIMES.flushMs - 5, 'terminated only after the flush time');
  });

  test('a recorder that ends during the flush time is not killed', async () => {
    const child = new FakeChild(() => assert.fail('no kill expected'));
    child.exit(null, 10);
    await runStopSteps(recorderStopSteps('win32', TIMES), { child, readRest: () => child.calls.push('read-rest'), closed: child.closed });
    assert.deepEqual(child.calls, ['read-rest', 'closed']);
  });

  test('terminate() leaves an exited process alone', () => {
    const child = new FakeChild(() => assert.fail('no kill expected'));
    child.exitCode = 0;
    terminate(child);
    assert.deepEqual(child.calls, []);
  });
});

/**
 * A real child that writes 32 KiB and a line (less than a pipe holds, so the writes complete while
 * nobody reads), says so on stderr, and then waits; on SIGTERM it writes a last line and exits.
 * The parent does not read until it stops the child: everything must still arrive before 'close'.
 */
const WRITER = `
process.on('SIGTERM', () => process.stdout.write('LAST WORDS\\n', () => process.exit(0)));
process.stdout.write('x'.repeat(32768) + 'WORDS\\n', () => process.stderr.write('WRITTEN\\n'));
setInterval(() => {}, 1000);
`;
const WRITTEN = 'x'.repeat(32768) + 'WORDS\n';

interface RealChild {
  child: ReturnType<typeof spawn>;
  read(): string;
  written: Promise<void>;
  closed: Promise<void>;
}

function realChild(): RealChild {
  const child = spawn(process.execPath, ['-e', WRITER], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stdout.pause(); // as a back-pressured recorder's output is when the stop comes
  const written = new Promise<void>((r) => child.stderr.setEncoding('utf8').on('data', (d: string) => d.includes('WRITTEN') && r()));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  return { child, read: () => out, written, closed };
}

describe('runStopSteps on real processes (this machine)', () => {
  test('POSIX steps: what sat in the pipe and what it wrote after SIGTERM are read before close', { skip: process.platform === 'win32' ? 'no SIGTERM on Windows: the next two tests cover it' : false }, async () => {
    const c = realChild();
    await c.written;
    await runStopSteps(recorderStopSteps(process.platform, { graceMs: 5000, flushMs: 0 }), { child: c.child, readRest: () => c.child.stdout?.resume(), closed: c.closed });
    assert.equal(c.child.exitCode, 0, 'it exited on its own after SIGTERM');
    assert.equal(c.read(), WRITTEN + 'LAST WORDS\n');
  });

  test('Windows steps (a plain kill after the flush time): what it wrote is all read', async () => {
    const c = realChild();
    await c.written;
    await runStopSteps(recorderStopSteps('win32', { graceMs: 0, flushMs: 50 }), { child: c.child, readRest: () => c.child.stdout?.resume(), closed: c.closed });
    assert.notEqual(c.child.exitCode, 0, 'it was terminated, not asked');
    assert.equal(c.read(), WRITTEN);
  });

  test('the pipe outlives its writer: killed first, read afterwards, nothing is lost', async () => {
    const c = realChild();
    await c.written;
    await runStopSteps([{ step: 'terminate' }, { step: 'read-rest' }], { child: c.child, readRest: () => c.child.stdout?.resume(), closed: c.closed });
    assert.equal(c.read(), WRITTEN);
  });
});

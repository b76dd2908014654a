/**
 * The one sidecar connection (src/client/sidecar-connection.ts): request/response by id against
 * the real sidecar, and the error paths against tiny fake children (a script given as the
 * sidecar script): cancellation by request id, a crash, an invalid message.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTOCOL_VERSION } from '../../src/protocol';
import { SidecarConnection, SidecarRequestError, silentLogger, type SidecarExit, type SidecarLogger } from '../../src/client/sidecar-connection';
import { sidecarScript } from '../helpers/sidecar-client';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'murmur-connection-'));

/** A fake sidecar: `onMessage` is the body of process.on('message', (m) => { ... }). */
function fake(name: string, onMessage: string): string {
  const file = path.join(dir, `${name}.js`);
  fs.writeFileSync(file, `process.on('message', (m) => { ${onMessage} });\n`);
  return file;
}

function recordingLogger(): SidecarLogger & { errors: string[] } {
  const errors: string[] = [];
  return { ...silentLogger, error: (m) => errors.push(m), errors };
}

describe('SidecarConnection', () => {
  const connections: SidecarConnection[] = [];
  after(async () => {
    for (const c of connections) await c.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  function open(script: string, log: SidecarLogger = silentLogger): SidecarConnection {
    const c = new SidecarConnection({ script, log });
    connections.push(c);
    c.spawn();
    return c;
  }

  test('the real sidecar: requests are answered by id with validated results', async () => {
    const c = open(sidecarScript());
    const hello = await c.request({ type: 'hello', version: PROTOCOL_VERSION });
    assert.equal(hello.version, PROTOCOL_VERSION);
    assert.equal(hello.pid, c.pid);
    // Sent together, answered each to its own id.
    const [a, b] = await Promise.all([c.request({ type: 'diagnostics' }), c.request({ type: 'modelCatalog' })]);
    assert.ok(typeof a === 'object' && a !== null);
    assert.ok(typeof b === 'object' && b !== null);
    await c.stop();
    assert.equal(c.running, false);
  });

  test('a cancelled task rejects with CANCELLED and the sidecar is told its request id', async () => {
    // The fake holds the task; on cancelTask it answers whether the task number it was told is
    // the id of the request it holds, then fails that request with CANCELLED.
    const c = open(
      fake(
        'cancel',
        `if (m.type === 'exportModel') { globalThis.held = m; return; }
         if (m.type === 'cancelTask') {
           const held = globalThis.held;
           const same = !!held && m.task === held.id && held.task === held.id;
           process.send({ type: 'response', id: m.id, ok: true, result: { cancelled: same } });
           if (held) process.send({ type: 'response', id: held.id, ok: false, error: { code: 'CANCELLED', message: 'cancelled' } });
         }`,
      ),
    );
    const task = c.task({ type: 'exportModel', options: {} as never });
    const rejected = assert.rejects(task.result, (e: unknown) => e instanceof SidecarRequestError && e.code === 'CANCELLED');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await task.cancel(), true, 'cancelTask named the request id');
    await rejected;
  });

  test('a crashed child rejects every pending request with a clear error and reports the exit', async () => {
    const c = open(fake('crash', `if (m.type === 'ping') process.exit(3);`));
    const exit = new Promise<SidecarExit>((r) => c.onExit(r));
    const held = c.request({ type: 'diagnostics' });
    const crash = c.request({ type: 'ping' });
    for (const p of [held, crash]) {
      await assert.rejects(p, (e: unknown) => e instanceof SidecarRequestError && e.code === 'SIDECAR_EXITED' && /stopped \(exit code 3\)/.test(e.message));
    }
    assert.deepEqual(await exit, { code: 3, signal: null, expected: false });
    await assert.rejects(c.request({ type: 'ping' }), (e: unknown) => e instanceof SidecarRequestError && e.code === 'SIDECAR_EXITED');
  });

  test('an invalid message is refused and logged; a malformed result rejects its request', async () => {
    const log = recordingLogger();
    const c = open(
      fake(
        'invalid',
        `process.send({ type: 'partial', session: 'not a number', text: 1 });
         process.send({ type: 'response', id: m.id, ok: true, result: { nonsense: true } });`,
      ),
      log,
    );
    const invalid: string[] = [];
    c.onInvalid((r) => invalid.push(r));
    const events: unknown[] = [];
    c.onEvent((e) => events.push(e));
    await assert.rejects(c.request({ type: 'diagnostics' }), (e: unknown) => e instanceof SidecarRequestError && e.code === 'PROTOCOL_INVALID');
    assert.equal(invalid.length, 1);
    assert.deepEqual(events, []);
    assert.ok(log.errors.some((m) => m.includes('malformed message')), log.errors.join('\n'));
  });
});

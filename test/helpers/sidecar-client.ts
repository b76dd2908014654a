/**
 * Drives a real sidecar process (dist/sidecar.js) over real Node IPC through the same
 * SidecarConnection the extension uses (src/client/sidecar-connection.ts), so the tests exercise
 * the client users run. Every message received is run through the protocol's validator: tests
 * assert `invalid` stays empty, so the sidecar is checked to speak its own protocol. The methods
 * here are assertion conveniences over the connection.
 */
import * as assert from 'node:assert/strict';
import type { ChildProcess, Serializable } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../../src/engine/paths';
import type { ErrorInfo, RequestBody, RequestType, Response, ResultMap, SidecarEvent, SidecarMessage } from '../../src/protocol/messages';
import { validateResult } from '../../src/protocol/validate';
import { SidecarConnection, silentLogger } from '../../src/client/sidecar-connection';

export function sidecarScript(): string {
  const file = path.join(packageRoot(), 'dist', 'sidecar.js');
  assert.ok(fs.existsSync(file), `missing ${file}: run "node esbuild.js" first`);
  return file;
}

type Body<K extends RequestType> = Omit<RequestBody<K>, 'type'>;
type EventOf<K extends SidecarEvent['type']> = Extract<SidecarEvent, { type: K }>;

interface Waiter {
  predicate: (m: SidecarMessage) => boolean;
  resolve: (m: SidecarMessage) => void;
}

export class SidecarClient {
  readonly connection: SidecarConnection;
  readonly child: ChildProcess;
  /** Every valid message received, in order. */
  readonly messages: SidecarMessage[] = [];
  /** Reasons the validator gave for received messages it refused (should stay empty). */
  readonly invalid: string[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Waiter[] = [];

  constructor(options: { env?: NodeJS.ProcessEnv; args?: string[] } = {}) {
    this.connection = new SidecarConnection({
      script: sidecarScript(),
      env: options.env ?? process.env,
      args: options.args,
      // The sidecar's stderr arrives as '[sidecar] ' warn lines; kept for failure messages.
      log: { ...silentLogger, warn: (m) => (this.stderr += `${m.replace(/^\[sidecar\] /, '')}\n`) },
    });
    this.connection.onInvalid((reason) => this.invalid.push(reason));
    this.connection.onMessage((m) => {
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.predicate(m)) {
          this.waiters = this.waiters.filter((x) => x !== w);
          w.resolve(m);
        }
      }
    });
    this.child = this.connection.spawn();
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first message (from now, or already received when `fromIndex` is given) matching. */
  waitFor(predicate: (m: SidecarMessage) => boolean, what: string, timeoutMs = 30_000, fromIndex = this.messages.length): Promise<SidecarMessage> {
    const earlier = this.messages.slice(fromIndex).find(predicate);
    if (earlier) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr: ${this.stderr.slice(-1000)}; last messages: ${JSON.stringify(this.messages.slice(-5))}`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      this.waiters.push(waiter);
    });
  }

  async waitForEvent<K extends SidecarEvent['type']>(type: K, filter: (e: EventOf<K>) => boolean = () => true, timeoutMs = 30_000, fromIndex?: number): Promise<EventOf<K>> {
    const isIt = (m: SidecarMessage): m is EventOf<K> => m.type === type;
    const m = await this.waitFor((x) => isIt(x) && filter(x), `a ${type} event`, timeoutMs, fromIndex);
    assert.ok(isIt(m));
    return m;
  }

  events<K extends SidecarEvent['type']>(type: K, fromIndex = 0): EventOf<K>[] {
    return this.messages.slice(fromIndex).filter((m): m is EventOf<K> => m.type === type);
  }

  /** Sends anything (for malformed-message tests). */
  sendRaw(message: Serializable): void {
    assert.ok(this.child.connected, 'the IPC channel is closed');
    this.connection.sendRaw(message);
  }

  response(id: number, timeoutMs = 60_000): Promise<Response> {
    return this.waitFor((m) => m.type === 'response' && m.id === id, `the response to request ${id}`, timeoutMs, 0).then((m) => {
      assert.ok(m.type === 'response');
      return m;
    });
  }

  /** Sends a request through the connection and returns its raw response, whatever it says. */
  request<K extends RequestType>(type: K, body: Body<K>, timeoutMs = 60_000): Promise<Response> {
    const { id, result } = this.connection.requestWithId<K>({ ...body, type } as RequestBody<K> & { type: K }, timeoutMs);
    // The raw response (recorded in `messages`) is what these tests look at; an error response
    // also rejects `result`, which is expected here.
    result.catch(() => undefined);
    return this.response(id, timeoutMs);
  }

  /** A request that must succeed: its result, validated against the protocol. */
  async call<K extends RequestType>(type: K, body: Body<K>, timeoutMs?: number): Promise<ResultMap[K]> {
    const r = await this.request(type, body, timeoutMs);
    assert.ok(r.ok, `${type} failed: ${r.ok ? '' : `${r.error.code}: ${r.error.message}`}`);
    const result = validateResult(type, r.result);
    assert.ok(result.ok, `${type} result invalid: ${result.ok ? '' : result.reason}`);
    return result.value;
  }

  /** A request that must fail: its error. */
  async callError<K extends RequestType>(type: K, body: Body<K>, timeoutMs?: number): Promise<ErrorInfo> {
    const r = await this.request(type, body, timeoutMs);
    assert.ok(!r.ok, `${type} unexpectedly succeeded: ${JSON.stringify(r.ok && r.result)}`);
    return r.error;
  }

  /** Kills the process if it is still running and waits for it to exit. */
  async close(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exited;
  }
}

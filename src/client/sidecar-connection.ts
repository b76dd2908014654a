/**
 * The one connection to a sidecar process, without `vscode`: the extension (through a thin
 * adapter in src/extension/sidecar-client.ts), the tests and the benchmarks all drive the sidecar
 * through this class, so what the tests and the soak measure is the client users run.
 *
 * It spawns the sidecar exactly as the extension does (launch.ts), matches responses to requests
 * by request id, validates every incoming message and every result, reports events and the exit,
 * and cancels a task by its request id: a task's `task` number is its request id, so there is no
 * second counter to keep in step.
 */
import { spawn, type ChildProcess, type Serializable } from 'node:child_process';
import {
  validateResult,
  validateSidecarMessage,
  type ErrorCode,
  type Request,
  type RequestBody,
  type RequestType,
  type ResultMap,
  type SidecarEvent,
  type SidecarMessage,
} from '../protocol';
import { privateSpawnOptions } from '../engine/process-dirs';
import { terminate } from '../engine/process-stop';
import { sidecarArgv, sidecarEnv } from '../protocol/launch';

/** Where the connection writes what happened; the extension adapts its LogOutputChannel to it. */
export interface SidecarLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: SidecarLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export const consoleLogger: SidecarLogger = {
  debug: (m) => console.debug(m),
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

export class SidecarRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'SIDECAR_EXITED' | 'TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'SidecarRequestError';
  }
}

export interface SidecarExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when we asked it to stop. */
  expected: boolean;
}

/** Requests that are numbered tasks: taskProgress events, cancelTask, one response at the end. */
export type TaskRequestType = Extract<Request, { task: number }>['type'];
type TaskProgress = Extract<SidecarEvent, { type: 'taskProgress' }>;

export interface SidecarTask<K extends TaskRequestType> {
  /** The request id, which is also the task number the sidecar reports progress under. */
  readonly id: number;
  readonly result: Promise<ResultMap[K]>;
  /** Sends cancelTask for this request id; the result then rejects with the sidecar's CANCELLED. */
  cancel(): Promise<boolean>;
}

export interface SidecarConnectionOptions {
  /** Path of dist/sidecar.js. */
  script: string;
  /** The whole environment of the child (default: this process's); launch.ts adds its defaults. */
  env?: NodeJS.ProcessEnv;
  /** Extra command-line arguments after the script. */
  args?: readonly string[];
  log?: SidecarLogger;
}

interface Pending {
  type: RequestType;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

type Listener<T> = (value: T) => void;

const DEFAULT_TIMEOUT_MS = 30_000;
/** Loading (and the first ONNX -> ORT conversion) of a large model can take a while. */
const LONG_TIMEOUT_MS = 10 * 60_000;

export class SidecarConnection {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = false;
  private readonly eventListeners = new Set<Listener<SidecarEvent>>();
  private readonly exitListeners = new Set<Listener<SidecarExit>>();
  private readonly invalidListeners = new Set<Listener<string>>();
  private readonly messageListeners = new Set<Listener<SidecarMessage>>();
  private readonly log: SidecarLogger;

  constructor(private readonly options: SidecarConnectionOptions) {
    this.log = options.log ?? silentLogger;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Requests sent and not yet answered (tasks included: they are answered when they end). */
  get requestsInFlight(): number {
    return this.pending.size;
  }

  /** Every valid event, in order (log events are also written to the logger). Returns an unsubscribe. */
  onEvent(listener: Listener<SidecarEvent>): () => void {
    return subscribe(this.eventListeners, listener);
  }

  onExit(listener: Listener<SidecarExit>): () => void {
    return subscribe(this.exitListeners, listener);
  }

  /** Every valid message, responses included (tests look at the raw responses). */
  onMessage(listener: Listener<SidecarMessage>): () => void {
    return subscribe(this.messageListeners, listener);
  }

  /** Why a received message was refused (it is also logged as an error). */
  onInvalid(listener: Listener<string>): () => void {
    return subscribe(this.invalidListeners, listener);
  }

  /** Spawns the sidecar (no handshake: the caller sends hello, or a test sends something else first). */
  spawn(): ChildProcess {
    if (this.child) throw new Error('sidecar already running');
    this.stopping = false;
    const child = spawn(process.execPath, sidecarArgv(this.options.script, this.options.args), {
      ...privateSpawnOptions(sidecarEnv(this.options.env ?? process.env)),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => this.logLines('info', d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => this.logLines('warn', d));
    child.on('message', (raw: unknown) => this.receive(raw));
    child.on('error', (e) => this.log.error(`sidecar process error: ${e.message}`));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
    return child;
  }

  /** Sends a request and resolves with its validated result; rejects with a SidecarRequestError. */
  request<K extends RequestType>(body: RequestBody<K> & { type: K }, timeoutMs?: number): Promise<ResultMap[K]> {
    return this.send<K>(this.nextId++, body, timeoutMs);
  }

  /** As request(), also giving the request id (to find its raw response, or to cancel it). */
  requestWithId<K extends RequestType>(body: RequestBody<K> & { type: K }, timeoutMs?: number): { id: number; result: Promise<ResultMap[K]> } {
    const id = this.nextId++;
    return { id, result: this.send<K>(id, body, timeoutMs) };
  }

  /** Starts a numbered task whose task number is its request id; progress goes to `onProgress`. */
  task<K extends TaskRequestType>(
    body: Omit<RequestBody<K>, 'task'> & { type: K },
    onProgress: (e: TaskProgress) => void = () => undefined,
    timeoutMs?: number,
  ): SidecarTask<K> {
    const id = this.nextId++;
    const unsubscribe = this.onEvent((e) => {
      if (e.type === 'taskProgress' && e.task === id) onProgress(e);
    });
    const full = { ...body, task: id } as RequestBody<K> & { type: K };
    const result = this.send<K>(id, full, timeoutMs).finally(unsubscribe);
    return {
      id,
      result,
      cancel: () => this.request({ type: 'cancelTask', task: id }).then((r) => r.cancelled),
    };
  }

  /** Sends anything, unvalidated (for malformed-message tests). */
  sendRaw(message: Serializable): void {
    const child = this.child;
    if (!child || !child.connected) throw new SidecarRequestError('SIDECAR_EXITED', 'The speech engine is not running.');
    child.send(message, (err) => {
      if (err) this.log.error(`sending to the sidecar failed: ${err.message}`);
    });
  }

  /**
   * Asks the sidecar to shut down (a protocol message, the same on every platform: it stops its
   * recorder and exits); terminates it if it does not exit promptly (process-stop.ts).
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await this.request({ type: 'shutdown' }, 3000);
    } catch {
      // Not answering: it is terminated below.
    }
    const timer = setTimeout(() => terminate(child), 3000);
    await exited;
    clearTimeout(timer);
  }

  /** Terminates the child at once (tests, benchmarks) and waits for its exit. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    terminate(child);
    await exited;
  }

  private send<K extends RequestType>(id: number, body: RequestBody<K> & { type: K }, timeoutMs?: number): Promise<ResultMap[K]> {
    const child = this.child;
    if (!child || !child.connected) return Promise.reject(new SidecarRequestError('SIDECAR_EXITED', 'The speech engine is not running.'));
    const message = { ...body, id } as Request;
    const timeout = timeoutMs ?? (body.type === 'loadModel' ? LONG_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
    return new Promise<ResultMap[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SidecarRequestError('TIMEOUT', `The speech engine did not answer "${body.type}" within ${Math.round(timeout / 1000)} s.`));
      }, timeout);
      this.pending.set(id, { type: body.type, resolve: resolve as (v: unknown) => void, reject, timer });
      child.send(message, (err) => {
        if (!err) return;
        const p = this.pending.get(id);
        if (!p) return;
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new SidecarRequestError('SIDECAR_EXITED', `Could not talk to the speech engine: ${err.message}`));
      });
    });
  }

  private receive(raw: unknown): void {
    const checked = validateSidecarMessage(raw);
    if (!checked.ok) {
      const reason = `${checked.reason} in ${JSON.stringify(raw)?.slice(0, 300)}`;
      this.log.error(`ignored a malformed message from the sidecar: ${reason}`);
      for (const l of [...this.invalidListeners]) l(reason);
      return;
    }
    const msg = checked.value;
    for (const l of [...this.messageListeners]) l(msg);
    if (msg.type !== 'response') {
      if (msg.type === 'log') this.log[msg.level === 'debug' || msg.level === 'warn' || msg.level === 'error' ? msg.level : 'info'](`[engine] ${msg.message}`);
      for (const l of [...this.eventListeners]) l(msg);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) {
      this.log.warn(`response to unknown request ${msg.id}`);
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(msg.id);
    if (!msg.ok) {
      p.reject(new SidecarRequestError(msg.error.code, msg.error.message));
      return;
    }
    const result = validateResult(p.type, msg.result);
    if (result.ok) p.resolve(result.value);
    else p.reject(new SidecarRequestError('PROTOCOL_INVALID', `malformed "${p.type}" result from the sidecar: ${result.reason}`));
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new SidecarRequestError('SIDECAR_EXITED', `The speech engine stopped (${signal ?? `exit code ${code}`}) during "${p.type}".`));
      this.pending.delete(id);
    }
    const expected = this.stopping;
    this.log[expected ? 'info' : 'error'](`sidecar exited (${signal ?? `code ${code}`})${expected ? '' : ' unexpectedly'}`);
    for (const l of [...this.exitListeners]) l({ code, signal, expected });
  }

  private logLines(level: 'info' | 'warn', text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.log[level](`[sidecar] ${line}`);
  }
}

function subscribe<T>(set: Set<Listener<T>>, listener: Listener<T>): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

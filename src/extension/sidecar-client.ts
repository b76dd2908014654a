/**
 * The extension host's end of the sidecar: spawns it, speaks the protocol, validates everything it
 * receives, and reports when it dies. It does not restart it: the Murmur context decides that.
 *
 * The sidecar runs on the extension host's own runtime: `process.execPath` with
 * ELECTRON_RUN_AS_NODE=1 (on desktop that is Electron acting as Node; elsewhere plain Node, where
 * the variable is ignored), so no separate Node installation is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import {
  PROTOCOL_VERSION,
  validateResult,
  validateSidecarMessage,
  type ErrorCode,
  type Request,
  type RequestBody,
  type RequestType,
  type ResultMap,
  type SidecarEvent,
} from '../protocol';
import { privateSpawnOptions } from '../engine/process-dirs';
import { terminate } from '../engine/process-stop';
import { sidecarArgv, sidecarEnv } from '../protocol/launch';

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

interface Pending {
  type: RequestType;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Loading (and the first ONNX -> ORT conversion) of a large model can take a while. */
const LONG_TIMEOUT_MS = 10 * 60_000;

export class SidecarClient implements vscode.Disposable {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopping = false;
  private readonly eventEmitter = new vscode.EventEmitter<SidecarEvent>();
  private readonly exitEmitter = new vscode.EventEmitter<SidecarExit>();
  readonly onEvent = this.eventEmitter.event;
  readonly onExit = this.exitEmitter.event;

  constructor(
    private readonly sidecarScript: string,
    private readonly log: vscode.LogOutputChannel,
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the sidecar and completes the handshake. */
  async start(): Promise<ResultMap['hello']> {
    if (this.child) throw new Error('sidecar already running');
    this.stopping = false;
    const child = spawn(process.execPath, sidecarArgv(this.sidecarScript), {
      ...privateSpawnOptions(sidecarEnv({ ...process.env, ...this.env })),
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => this.logLines('info', d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => this.logLines('warn', d));
    child.on('message', (raw: unknown) => this.receive(raw));
    child.on('error', (e) => this.log.error(`sidecar process error: ${e.message}`));
    child.on('exit', (code, signal) => this.exited(child, code, signal));
    const hello = await this.request({ type: 'hello', version: PROTOCOL_VERSION }, 15_000);
    this.log.info(`sidecar pid ${hello.pid} on ${hello.electron ? `Electron ${hello.electron}` : `Node ${hello.node}`}, protocol ${hello.version}`);
    return hello;
  }

  request<K extends RequestType>(body: RequestBody<K> & { type: K }, timeoutMs?: number): Promise<ResultMap[K]> {
    const child = this.child;
    if (!child || !child.connected) return Promise.reject(new SidecarRequestError('SIDECAR_EXITED', 'The speech engine is not running.'));
    const id = this.nextId++;
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

  /**
   * Asks the sidecar to shut down (a protocol message, the same on every platform: it stops its
   * recorder and exits); terminates it if it does not exit promptly (SIGKILL, or TerminateProcess
   * on Windows: process-stop.ts).
   */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.stopping = true;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await this.request({ type: 'shutdown' }, 3000);
    } catch {
      // Not answering: it is killed below.
    }
    const timer = setTimeout(() => terminate(child), 3000);
    await exited;
    clearTimeout(timer);
  }

  private receive(raw: unknown): void {
    const checked = validateSidecarMessage(raw);
    if (!checked.ok) {
      this.log.error(`ignored a malformed message from the sidecar: ${checked.reason}`);
      return;
    }
    const msg = checked.value;
    if (msg.type !== 'response') {
      if (msg.type === 'log') this.log[msg.level === 'debug' ? 'debug' : msg.level === 'warn' ? 'warn' : msg.level === 'error' ? 'error' : 'info'](`[engine] ${msg.message}`);
      this.eventEmitter.fire(msg);
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
    this.exitEmitter.fire({ code, signal, expected });
  }

  private logLines(level: 'info' | 'warn', text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.log[level](`[sidecar] ${line}`);
  }

  dispose(): void {
    void this.stop();
    this.eventEmitter.dispose();
    this.exitEmitter.dispose();
  }
}

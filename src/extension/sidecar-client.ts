/**
 * The extension host's end of the sidecar: a thin VS Code adapter (Disposable, EventEmitter, the
 * LogOutputChannel) over the vscode-free SidecarConnection that the tests and the benchmarks also
 * drive. It does not restart the sidecar: the Murmur context decides that.
 *
 * The sidecar runs on the extension host's own runtime: `process.execPath` with
 * ELECTRON_RUN_AS_NODE=1 (on desktop that is Electron acting as Node; elsewhere plain Node, where
 * the variable is ignored), so no separate Node installation is needed.
 */
import * as vscode from 'vscode';
import { PROTOCOL_VERSION, type RequestBody, type RequestType, type ResultMap, type SidecarEvent } from '../protocol';
import { SidecarConnection, SidecarRequestError, type SidecarExit, type SidecarLogger, type SidecarTask, type TaskRequestType } from '../client/sidecar-connection';

export { SidecarRequestError };
export type { SidecarExit, SidecarTask, TaskRequestType };

/** The output channel as the connection's logger (LogOutputChannel's methods take extra arguments). */
function channelLogger(log: vscode.LogOutputChannel): SidecarLogger {
  return {
    debug: (m) => log.debug(m),
    info: (m) => log.info(m),
    warn: (m) => log.warn(m),
    error: (m) => log.error(m),
  };
}

export class SidecarClient implements vscode.Disposable {
  private readonly connection: SidecarConnection;
  private readonly eventEmitter = new vscode.EventEmitter<SidecarEvent>();
  private readonly exitEmitter = new vscode.EventEmitter<SidecarExit>();
  private readonly useEmitter = new vscode.EventEmitter<void>();
  readonly onEvent = this.eventEmitter.event;
  readonly onExit = this.exitEmitter.event;
  /** The engine was used: a response or an event other than a log line arrived (idle-stop.ts). */
  readonly onUse = this.useEmitter.event;

  constructor(
    sidecarScript: string,
    private readonly log: vscode.LogOutputChannel,
    env: NodeJS.ProcessEnv = {},
  ) {
    this.connection = new SidecarConnection({ script: sidecarScript, env: { ...process.env, ...env }, log: channelLogger(log) });
    this.connection.onEvent((e) => this.eventEmitter.fire(e));
    this.connection.onExit((e) => this.exitEmitter.fire(e));
    this.connection.onMessage((m) => {
      if (m.type !== 'log') this.useEmitter.fire();
    });
  }

  get running(): boolean {
    return this.connection.running;
  }

  get pid(): number | undefined {
    return this.connection.pid;
  }

  get requestsInFlight(): number {
    return this.connection.requestsInFlight;
  }

  /** Spawns the sidecar and completes the handshake. */
  async start(): Promise<ResultMap['hello']> {
    this.connection.spawn();
    const hello = await this.connection.request({ type: 'hello', version: PROTOCOL_VERSION }, 15_000);
    this.log.info(`sidecar pid ${hello.pid} on ${hello.electron ? `Electron ${hello.electron}` : `Node ${hello.node}`}, protocol ${hello.version}`);
    return hello;
  }

  request<K extends RequestType>(body: RequestBody<K> & { type: K }, timeoutMs?: number): Promise<ResultMap[K]> {
    return this.connection.request<K>(body, timeoutMs);
  }

  /** A numbered task whose task number is its request id (cancel() sends cancelTask for that id). */
  task<K extends TaskRequestType>(
    body: Omit<RequestBody<K>, 'task'> & { type: K },
    onProgress?: (e: Extract<SidecarEvent, { type: 'taskProgress' }>) => void,
    timeoutMs?: number,
  ): SidecarTask<K> {
    return this.connection.task<K>(body, onProgress, timeoutMs);
  }

  /** Asks the sidecar to shut down; terminates it if it does not exit promptly. */
  stop(): Promise<void> {
    return this.connection.stop();
  }

  dispose(): void {
    void this.stop();
    this.eventEmitter.dispose();
    this.exitEmitter.dispose();
    this.useEmitter.dispose();
  }
}

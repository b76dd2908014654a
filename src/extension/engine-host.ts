/**
 * The engine host: owns the sidecar process (spawned on first use through SidecarClient) and the
 * model it has loaded. It restarts a sidecar that died, with backoff, and (re)loads the model the
 * settings ask for. It knows nothing of dictation: murmur.ts tells the DictationController when
 * the engine went away.
 *
 * Crash policy: if the sidecar dies unexpectedly it is restarted with backoff (1 s, 2 s, 4 s ... 30 s),
 * the user is told once, committed text stays where it is (it is already in the document), and
 * dictation is NOT resumed by itself: the user starts it again when ready.
 *
 * Idle policy (idle-stop.ts): a sidecar nobody has used for murmur.engine.stopWhenIdleMinutes is
 * stopped; the next use spawns one again, as the first use in a window does.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelInfo, SidecarEvent } from '../protocol';
import type { MurmurConfig } from './config';
import type { DictationStats } from './dictation-ports';
import { IdleStop } from './idle-stop';
import { reportModelError } from './user-messages';
import { SidecarClient } from './sidecar-client';
import type { MicStatusBar } from './status-bar';

/** Identifies the model a configuration asks for (a change means a reload). */
function keyOfModel(cfg: MurmurConfig): string {
  return JSON.stringify([cfg.model, cfg.threads]);
}

export interface EngineHostDeps {
  extensionPath: string;
  cacheDir: string;
  log: vscode.LogOutputChannel;
  status: MicStatusBar;
  stats: DictationStats;
  config(): MurmurConfig;
  /** Every event of every sidecar this host runs. */
  onEvent(e: SidecarEvent): void;
  /** The sidecar died unexpectedly; returns whether a dictation was in progress. */
  onCrash(): boolean;
  /** A dictation is starting, running or ending. */
  dictating(): boolean;
}

export class EngineHost implements vscode.Disposable {
  private client: SidecarClient | undefined;
  private starting: Promise<SidecarClient> | undefined;
  private model: ModelInfo | undefined;
  private modelKey = '';
  private loading: Promise<ModelInfo> | undefined;
  /** The settings the running load is for. */
  private loadingKey = '';
  private restartDelayMs = 1000;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly idle: IdleStop;

  constructor(private readonly deps: EngineHostDeps) {
    this.idle = new IdleStop({
      minutes: () => deps.config().stopWhenIdleMinutes,
      busy: () => this.starting !== undefined || this.loading !== undefined || (this.client?.requestsInFlight ?? 0) > 0 || deps.dictating(),
      stop: (minutes) => this.stopIdle(minutes),
    });
  }

  /** The idle stop's wait is running (see idle-stop.ts). */
  get idleStopWaiting(): boolean {
    return this.idle.waiting;
  }

  /** Ends the idle stop's wait now, as its timer would (the VS Code tests cannot wait minutes). */
  idleWaitOver(): void {
    this.idle.waitOver();
  }

  get pid(): number | undefined {
    return this.client?.pid;
  }

  /** The sidecar, when one is running. */
  get running(): SidecarClient | undefined {
    return this.client?.running ? this.client : undefined;
  }

  /** True while a model load is running in the sidecar (the fault tests kill it then). */
  get modelLoading(): boolean {
    return this.loading !== undefined;
  }

  /** A load for the current settings is running. */
  loadingCurrentModel(): boolean {
    return this.loading !== undefined && this.loadingKey === keyOfModel(this.deps.config());
  }

  async ensureSidecar(): Promise<SidecarClient> {
    if (this.client?.running) return this.client;
    if (this.starting) return this.starting;
    this.starting = (async () => {
      const script = path.join(this.deps.extensionPath, 'dist', 'sidecar.js');
      const client = new SidecarClient(script, this.deps.log, { MURMUR_CACHE_DIR: this.deps.cacheDir });
      client.onEvent((e) => this.deps.onEvent(e));
      client.onUse(() => this.idle.used());
      client.onExit((e) => {
        if (this.client === client) this.client = undefined;
        this.idle.cancel();
        this.model = undefined;
        this.modelKey = '';
        if (!e.expected && !this.disposed) this.crashed(e.signal ?? `exit code ${e.code}`);
      });
      const t0 = performance.now();
      await client.start();
      this.deps.stats.spawnMs = performance.now() - t0;
      this.client = client;
      this.idle.used();
      return client;
    })();
    try {
      return await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private crashed(why: string): void {
    const wasDictating = this.deps.onCrash();
    this.deps.status.set('error', `the speech engine stopped (${why})`);
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 30_000);
    this.deps.stats.restarts++;
    void vscode.window.showWarningMessage(
      `Murmur's speech engine stopped unexpectedly (${why}). ${wasDictating ? 'Your dictated text is kept; start dictation again when ready.' : ''} Restarting it.`,
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void this.ensureReady(false)
        .then(() => {
          this.deps.status.set('idle');
          // A restart that stays up for a minute resets the backoff.
          setTimeout(() => (this.restartDelayMs = 1000), 60_000).unref();
        })
        .catch((e: unknown) => this.deps.log.error(`restart failed: ${(e as Error).message}`));
    }, delay);
  }

  /** The sidecar is up and the configured model loaded (loading it with progress if needed). */
  async ensureReady(showProgress = true, running?: SidecarClient): Promise<SidecarClient> {
    // With a running client, everything up to the first await below runs synchronously: a load
    // this call starts has been sent when it returns (a dictation start relies on that).
    const client = running ?? (await this.ensureSidecar());
    const { status, stats, log } = this.deps;
    // A load already running may be for older settings: wait for it, then check again.
    for (;;) {
      const cfg = this.deps.config();
      const key = keyOfModel(cfg);
      if (this.model && this.modelKey === key) return client;
      if (this.loading) {
        // A load for these same settings that failed has been reported by whoever started it;
        // trying again at once would only fail again (or be refused as BUSY by the sidecar while
        // the dictation bound to the failed load is ending), and report a second, wrong error.
        const sameSettings = this.loadingKey === key;
        const failure = await this.loading.then(() => undefined, (e: unknown) => e ?? new Error('model load failed'));
        if (sameSettings && failure !== undefined) throw failure;
        continue;
      }
      const load = async (): Promise<ModelInfo> => {
        status.set('loading', cfg.usesDefaultModel ? '(embedded Moonshine)' : (cfg.model.dir ?? ''));
        this.model = undefined;
        const t0 = performance.now();
        const info = await client.request({ type: 'loadModel', location: cfg.model, threads: cfg.threads });
        await client.request({ type: 'setOptions', options: cfg.recognizer });
        stats.modelLoadMs = performance.now() - t0;
        stats.modelFamily = info.family;
        this.model = info;
        this.modelKey = key;
        log.info(`model ready: ${info.description} (${info.family}, ${info.via}, ${info.loadMs.toFixed(0)} ms)`);
        return info;
      };
      const run = showProgress
        ? vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Murmur: loading the speech model…' }, load)
        : load();
      this.loadingKey = key;
      this.loading = Promise.resolve(run).finally(() => (this.loading = undefined));
      try {
        await this.loading;
      } catch (e) {
        status.set('error', (e as Error).message);
        reportModelError(e, { log, stats, usesDefaultModel: cfg.usesDefaultModel });
        throw e;
      }
    }
  }

  /** The settings changed: reload the model (`reload`) or send the new recognizer options. */
  async settingsChanged(reload: boolean, stopDictation: () => Promise<void>, dictating: () => boolean): Promise<void> {
    if (!this.client?.running) return;
    // The idle wait restarts with the minutes now set.
    this.idle.used();
    if (!reload) {
      await this.client.request({ type: 'setOptions', options: this.deps.config().recognizer }).catch((err: Error) => this.deps.log.warn(`setOptions: ${err.message}`));
      return;
    }
    // Reload in the running sidecar, no window reload; a dictation in progress finishes first.
    if (dictating()) await stopDictation();
    this.model = undefined;
    // A failed load has set the error state (and said why): idle only after a load that worked.
    const loaded = await this.ensureReady().then(
      () => true,
      () => false,
    );
    if (loaded && !dictating()) this.deps.status.set('idle');
  }

  /** Nobody used the engine for `minutes`: stop it, and say so where the user looks for it. */
  private async stopIdle(minutes: number): Promise<void> {
    if (!this.client?.running) return;
    const { log, status } = this.deps;
    log.info(`stopping the speech engine: unused for ${minutes} min (murmur.engine.stopWhenIdleMinutes); the next dictation starts it again`);
    await this.stopSidecar().catch((e: unknown) => log.warn(`idle stop: ${(e as Error).message}`));
    if (status.shown.state === 'idle') status.set('idle', `The speech engine was stopped after ${minutes} min without use, to free its memory; dictating starts it again.`);
  }

  /** Stops the sidecar; the next use spawns a fresh one (and loads the model again). */
  async stopSidecar(): Promise<void> {
    this.idle.cancel();
    await this.client?.stop();
    this.client = undefined;
    this.model = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.idle.cancel();
    clearTimeout(this.restartTimer);
    void this.client?.stop();
  }
}

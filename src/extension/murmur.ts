/**
 * The Murmur context: owns the sidecar process, the model it has loaded, the dictation session,
 * the status bar, the text inserter and every disposable. Commands call into it; nothing else
 * touches the sidecar.
 *
 * Crash policy: if the sidecar dies unexpectedly it is restarted with backoff (1 s, 2 s, 4 s ... 30 s),
 * the user is told once, committed text stays where it is (it is already in the document), and
 * dictation is NOT resumed by itself: the user starts it again when ready.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { wallClockMs, type FinalEvent, type ModelInfo, type PartialEvent, type RequestBody, type SidecarEvent } from '../protocol';
import type { MurmurConfig } from './config';
import { ConfigService, type ConfigChange } from './config-service';
import { describeHost, microphoneHint, type HostFacts } from './host';
import { PhraseInserter, isReadOnly, type ShownPartial } from './inserter';
import { interpretPhrase } from '../text/interpret';
import { gatherVocabulary } from './vocabulary-source';
import { PushToTalk } from './push-to-talk';
import { runVoiceCommand } from './voice-commands';
import { SidecarClient, SidecarRequestError } from './sidecar-client';
import { MicStatusBar } from './status-bar';

type DictationState = 'idle' | 'starting' | 'listening' | 'stopping';

/** Problems with the microphone, whose fix is picking another one. */
const MIC_ERRORS = new Set<string>(['MIC_DEVICE_ERROR', 'MIC_DEVICE_REFUSED', 'MIC_RECORDER_MISSING']);
const MODEL_ERRORS = new Set(['MODEL_NOT_FOUND', 'MODEL_FILE_MISSING', 'MODEL_NOT_ONNX', 'MODEL_TRUNCATED', 'MODEL_WRONG_FAMILY', 'MODEL_DEEPSPEECH', 'MODEL_TOKENS_MISMATCH', 'MODEL_LOAD_FAILED', 'MODEL_UNSAFE']);

export interface DictationStats {
  /** Finals committed to a target since activation (tests and the log use this). */
  committed: number;
  lastInsert?: { where: string; text: string };
  /** The last error shown to the user. */
  /** `shown`: the notification's text, where it says more than `message` (where the microphone is). */
  lastError?: { code: string; message: string; shown?: string };
  restarts: number;
  /** Timings for the benchmark (bench/vscode): start command -> listening, final sent by the sidecar -> in the document. */
  startToListeningMs: number[];
  finalToEditorMs: number[];
  /** The last voice command run, and what it did. */
  lastCommand?: { command: string; result: string };
  /** The last sidecar spawn (spawn -> handshake done) and model load (request -> loaded), ms. */
  spawnMs?: number;
  modelLoadMs?: number;
}

/** Identifies the model a configuration asks for (a change means a reload). */
function keyOfModel(cfg: MurmurConfig): string {
  return JSON.stringify([cfg.model, cfg.threads]);
}

export class Murmur implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly configs: ConfigService;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly status = new MicStatusBar();
  private readonly inserter: PhraseInserter;
  readonly pushToTalk: PushToTalk;
  private client: SidecarClient | undefined;
  private starting: Promise<SidecarClient> | undefined;
  private model: ModelInfo | undefined;
  private modelKey = '';
  private loading: Promise<ModelInfo> | undefined;
  /** The settings the running load is for. */
  private loadingKey = '';
  private state: DictationState = 'idle';
  private session: number | undefined;
  /** Bumped when a start in progress is given up (Stop, Cancel, a failed load, a crash). */
  private startTicket = 0;
  /** A startDictation is on its way: finals that overtake its response are held until it lands. */
  private awaitingSession = false;
  private heldFinals: FinalEvent[] = [];
  /** Finals are inserted one after another, in order. */
  private commitChain: Promise<void> = Promise.resolve();
  private restartDelayMs = 1000;
  private reportedMappingError: string | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private disposed = false;
  readonly stats: DictationStats = { committed: 0, restarts: 0, startToListeningMs: [], finalToEditorMs: [] };
  private readonly finalEmitter = new vscode.EventEmitter<{ event: FinalEvent; where: string; text: string }>();
  /** Fired after each final is committed (tests wait on it). */
  readonly onDidCommit = this.finalEmitter.event;

  /** Partial text shown in (or cleared from) an editor (tests watch it). */
  get onDidRenderPartial(): vscode.Event<ShownPartial> {
    return this.inserter.onDidRenderPartial;
  }

  constructor(private readonly context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Murmur', { log: true });
    this.configs = new ConfigService(path.join(this.context.extensionPath, 'models', 'moonshine-tiny-en-int8'));
    this.inserter = new PhraseInserter(() => this.config().format);
    this.pushToTalk = new PushToTalk({ start: () => void this.start(), stop: () => void this.stop(), isDictating: () => this.state !== 'idle' }, this.config().releaseDelayMs);
    this.disposables.push(
      this.log,
      this.configs,
      this.status,
      this.inserter,
      this.finalEmitter,
      this.configs.onDidChange((c) => this.configChanged(c)),
    );
    void this.setContext(false);
    this.log.info(describeHost(this.host()));
  }

  /** Where this copy of Murmur runs (src/extension/host.ts). */
  private host(): HostFacts {
    return {
      remoteName: vscode.env.remoteName,
      webUi: vscode.env.uiKind === vscode.UIKind.Web,
      runsOnRemote: this.context.extension.extensionKind === vscode.ExtensionKind.Workspace,
    };
  }

  /** A microphone error as the user reads it: with where that microphone is when it is not theirs. */
  private microphoneError(message: string): string {
    return `Murmur: ${message}${microphoneHint(this.host())}`;
  }

  /** The current settings (a snapshot the ConfigService rebuilds when they change). */
  config(): MurmurConfig {
    return this.configs.current;
  }

  /** The status bar item's state and tooltip, as the user sees them. */
  get statusBar(): { state: string; tooltip: string } {
    return this.status.shown;
  }

  get dictating(): boolean {
    return this.state !== 'idle';
  }

  get sidecarPid(): number | undefined {
    return this.client?.pid;
  }

  /** True while a model load is running in the sidecar (the fault tests kill it then). */
  get modelLoading(): boolean {
    return this.loading !== undefined;
  }

  // ---- sidecar lifecycle ----------------------------------------------------------------------

  /** The running sidecar (spawned if needed), for work other than dictation (model tools). */
  sidecar(): Promise<SidecarClient> {
    return this.ensureSidecar();
  }

  private async ensureSidecar(): Promise<SidecarClient> {
    if (this.client?.running) return this.client;
    if (this.starting) return this.starting;
    this.starting = (async () => {
      const script = path.join(this.context.extensionPath, 'dist', 'sidecar.js');
      const cacheDir = process.env.MURMUR_CACHE_DIR ?? path.join(this.context.globalStorageUri.fsPath, 'ort-cache');
      const client = new SidecarClient(script, this.log, { MURMUR_CACHE_DIR: cacheDir });
      client.onEvent((e) => this.onSidecarEvent(e));
      client.onExit((e) => {
        if (this.client === client) this.client = undefined;
        this.model = undefined;
        this.modelKey = '';
        if (!e.expected && !this.disposed) this.crashed(e.signal ?? `exit code ${e.code}`);
      });
      const t0 = performance.now();
      await client.start();
      this.stats.spawnMs = performance.now() - t0;
      this.client = client;
      return client;
    })();
    try {
      return await this.starting;
    } finally {
      this.starting = undefined;
    }
  }

  private crashed(why: string): void {
    const wasDictating = this.state !== 'idle';
    this.endSession();
    this.status.set('error', `the speech engine stopped (${why})`);
    const delay = this.restartDelayMs;
    this.restartDelayMs = Math.min(this.restartDelayMs * 2, 30_000);
    this.stats.restarts++;
    void vscode.window.showWarningMessage(
      `Murmur's speech engine stopped unexpectedly (${why}). ${wasDictating ? 'Your dictated text is kept; start dictation again when ready.' : ''} Restarting it.`,
    );
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      void this.ensureReady(false)
        .then(() => {
          this.status.set('idle');
          // A restart that stays up for a minute resets the backoff.
          setTimeout(() => (this.restartDelayMs = 1000), 60_000).unref();
        })
        .catch((e: unknown) => this.log.error(`restart failed: ${(e as Error).message}`));
    }, delay);
  }

  /** The sidecar is up and the configured model loaded (loading it with progress if needed). */
  async ensureReady(showProgress = true, running?: SidecarClient): Promise<SidecarClient> {
    // With a running client, everything up to the first await below runs synchronously: a load
    // this call starts has been sent when it returns (start() relies on that).
    const client = running ?? (await this.ensureSidecar());
    // A load already running may be for older settings: wait for it, then check again.
    for (;;) {
      const cfg = this.config();
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
        this.status.set('loading', cfg.usesDefaultModel ? '(embedded Moonshine)' : (cfg.model.dir ?? ''));
        this.model = undefined;
        const t0 = performance.now();
        const info = await client.request({ type: 'loadModel', location: cfg.model, threads: cfg.threads });
        await client.request({ type: 'setOptions', options: cfg.recognizer });
        this.stats.modelLoadMs = performance.now() - t0;
        this.model = info;
        this.modelKey = key;
        this.log.info(`model ready: ${info.description} (${info.family}, ${info.via}, ${info.loadMs.toFixed(0)} ms)`);
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
        this.status.set('error', (e as Error).message);
        this.reportModelError(e);
        throw e;
      }
    }
  }

  private reportModelError(e: unknown): void {
    const err = e as SidecarRequestError;
    this.stats.lastError = { code: err instanceof SidecarRequestError ? err.code : 'INTERNAL', message: err.message };
    // The status bar's tooltip sends the user to the log: the failure must be there, whether a
    // start or a settings edit asked for the load.
    this.log.error(`the speech model did not load: ${this.stats.lastError.code}: ${err.message}`);
    if (!(err instanceof SidecarRequestError) || !MODEL_ERRORS.has(err.code)) {
      void vscode.window.showErrorMessage(`Murmur: ${err.message}`, 'Show Log').then((a) => a && this.log.show());
      return;
    }
    const actions = this.config().usesDefaultModel ? ['Open Settings'] : ['Open Settings', 'Use Default Model'];
    void vscode.window.showErrorMessage(`Murmur could not load the speech model: ${err.message}`, ...actions).then(async (a) => {
      // The User tab: the model settings are `application`-scoped, listed there in every window
      // (openSettings would open whichever tab was used last, in a remote window the Remote one).
      if (a === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query: 'murmur.model' });
      if (a === 'Use Default Model') {
        // The model settings have scope application: only the user's settings can hold them, so
        // that is the only place to clear; writing to the Workspace would be refused, or create a
        // .vscode/settings.json for nothing.
        const c = vscode.workspace.getConfiguration('murmur');
        for (const k of ['model.path', 'model.encoder', 'model.decoder', 'model.joiner', 'model.tokens', 'model.family']) {
          if (c.inspect(k)?.globalValue !== undefined) await c.update(k, undefined, vscode.ConfigurationTarget.Global);
        }
      }
    });
  }

  private configChanged(change: ConfigChange): void {
    const cfg = change.config;
    this.pushToTalk.setReleaseDelay(cfg.releaseDelayMs);
    if (!this.client?.running) return;
    if (change.affectsModel) {
      // Reload in the running sidecar, no window reload; a dictation in progress finishes first.
      void (async () => {
        if (this.dictating) await this.stop();
        this.model = undefined;
        // A failed load has set the error state (and said why): idle only after a load that worked.
        const loaded = await this.ensureReady().then(
          () => true,
          () => false,
        );
        if (loaded && !this.dictating) this.status.set('idle');
      })();
    } else {
      void this.client.request({ type: 'setOptions', options: cfg.recognizer }).catch((err: Error) => this.log.warn(`setOptions: ${err.message}`));
    }
  }

  // ---- dictation ------------------------------------------------------------------------------

  /** Target requested by the keybinding that starts the next dictation (push-to-talk in a terminal). */
  nextTarget: 'terminal' | undefined;

  async start(options: { target?: 'terminal' } = {}): Promise<void> {
    if (this.state !== 'idle') return;
    options = { target: options.target ?? this.nextTarget };
    this.nextTarget = undefined;
    const target = this.inserter.target();
    if (target?.kind === 'editor' && options.target !== 'terminal' && isReadOnly(target.editor.document)) {
      this.stats.lastError = { code: 'READ_ONLY', message: `${target.editor.document.uri.toString()} is read-only` };
      void vscode.window.showWarningMessage(`Murmur: ${path.basename(target.editor.document.fileName)} is read-only; open an editable file to dictate.`);
      return;
    }
    this.inserter.preferTerminal = options.target === 'terminal';
    const t0 = performance.now();
    const ticket = ++this.startTicket;
    this.state = 'starting';
    this.status.set('starting');
    await this.setContext(true);
    let ready: Promise<SidecarClient> | undefined;
    // The words of the code in view, gathered while the engine starts; sent with the dictation.
    const vocabulary = this.config().vocabularyBiasing ? gatherVocabulary(this.config().vocabulary) : Promise.resolve([]);
    try {
      const client = await this.ensureSidecar();
      if (ticket !== this.startTicket) return; // given up while spawning
      ready = this.ensureReady(true, client);
      // While the model for the current settings is loading, the sidecar takes the dictation
      // anyway: the recorder starts now and its audio waits for the model, so a cold start does not
      // make the user wait to speak. A load for older settings must finish first (the sidecar would
      // bind the dictation to that model).
      const overlap = this.loading !== undefined && this.loadingKey === keyOfModel(this.config());
      let loadFailed = false;
      const mine: { session?: number } = {};
      if (!overlap) {
        await ready;
        if (ticket !== this.startTicket) return; // given up while loading
      } else {
        // If the load fails, ensureReady reports it; this dictation is over at once (the sidecar
        // ends its side with 'error', which then matches no session here).
        ready.catch(() => {
          loadFailed = true;
          if (mine.session === undefined) return;
          // Usually the sidecar has ended it already ('error'); if it started it on the model it
          // still held, it would listen on.
          this.endInSidecar(client, mine.session);
          if (this.session === mine.session) this.endSession(true);
        });
      }
      const cfg = this.config();
      const hotwords = await vocabulary;
      const session = await this.requestSession(client, { type: 'startDictation', source: { kind: 'microphone', device: cfg.device }, options: { ...cfg.recognizer, ...(hotwords.length ? { hotwords } : {}) } });
      if (hotwords.length) this.log.debug(`vocabulary: ${hotwords.length} terms sent with the dictation`);
      if (loadFailed || ticket !== this.startTicket) {
        // Given up while the sidecar started it: the load failed (a path that fails its check
        // leaves the previous model loaded, and the dictation may have started on that), or Stop or
        // Cancel came first. End it there too, or its recorder runs on and its phrases land later.
        this.endInSidecar(client, session);
        if (ticket === this.startTicket) this.endSession(true);
        return;
      }
      mine.session = session;
      this.adoptSession(session);
      this.state = 'listening';
      this.inserter.setReserving(true);
      this.stats.startToListeningMs.push(performance.now() - t0);
      this.status.set('listening');
      this.log.info(`dictation ${session} started (device ${cfg.device})`);
    } catch (e) {
      // A start that failed because the model did not load: ensureReady has reported that.
      const modelFailed = ready !== undefined && (await ready.then(() => false, () => true));
      this.endSession(modelFailed);
      if (modelFailed) return;
      const err = e as Error;
      this.log.error(`Start Dictation failed: ${err instanceof SidecarRequestError ? `${err.code}: ` : ''}${err.message}`);
      if (!(err instanceof SidecarRequestError && MODEL_ERRORS.has(err.code))) {
        const micProblem = err instanceof SidecarRequestError && MIC_ERRORS.has(err.code);
        const shown = micProblem ? this.microphoneError(err.message) : `Murmur: ${err.message}`;
        this.stats.lastError = { code: err instanceof SidecarRequestError ? err.code : 'INTERNAL', message: err.message, shown };
        this.status.set('error', err.message);
        const action = micProblem ? 'Select Microphone...' : 'Show Log';
        void vscode.window.showErrorMessage(shown, action).then((a) => {
          if (a === 'Select Microphone...') void vscode.commands.executeCommand('murmur.selectMicrophone');
          else if (a) this.log.show();
        });
      }
    }
  }

  /** Stops listening; the last phrase is decoded and committed before this resolves. */
  async stop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopping') return;
    if (this.state === 'starting') {
      this.endSession();
      return;
    }
    this.state = 'stopping';
    this.status.set('processing');
    try {
      await this.client?.request({ type: 'stopDictation' });
    } catch (e) {
      this.log.warn(`stop: ${(e as Error).message}`);
    }
    await this.commitChain;
    this.endSession();
  }

  /** Stops listening and drops the phrase in progress; committed phrases stay. */
  async cancel(): Promise<void> {
    if (this.state === 'idle') return;
    this.inserter.clearPartial();
    const wasListening = this.state === 'listening';
    this.state = 'stopping';
    if (wasListening) {
      try {
        await this.client?.request({ type: 'cancelDictation' });
      } catch (e) {
        this.log.warn(`cancel: ${(e as Error).message}`);
      }
    }
    this.endSession();
  }

  async toggle(): Promise<void> {
    if (this.dictating) await this.stop();
    else await this.start();
  }

  /** `keepStatus`: an error is on the status bar (a failed model load) and should stay there. */
  private endSession(keepStatus = false): void {
    if (this.state === 'starting') this.startTicket++; // the start in progress must not go on
    this.state = 'idle';
    this.session = undefined;
    this.inserter.setReserving(false);
    this.inserter.clearPartial();
    this.inserter.preferTerminal = false;
    this.pushToTalk.reset();
    if (!keepStatus) this.status.set('idle');
    void this.setContext(false);
  }

  private onSidecarEvent(e: SidecarEvent): void {
    switch (e.type) {
      case 'partial':
        if (this.isCurrent(e)) {
          // Shown as it will be typed ("hello comma" reads "hello,"); a command shows as said.
          const r = interpretPhrase(e.text, this.config().voice);
          this.inserter.showPartial(r.kind === 'text' ? r.text : e.text, r.kind === 'text' && r.keepCase);
        }
        return;
      case 'final':
        if (e.session === this.session) this.commitFinal(e);
        else if (this.awaitingSession) this.heldFinals.push(e);
        // A session this side gave up (cancelled, abandoned while starting): what it heard is dropped.
        else this.log.info(`phrase ${e.session}.${e.utterance} dropped: dictation ${e.session} is not the current one`);
        return;
      case 'level':
        this.status.setLevel(e.peak);
        return;
      case 'dictationEnded':
        if (e.session === this.session && this.state === 'listening') {
          void this.commitChain.then(() => this.endSession());
          if (e.reason === 'error') this.status.set('error', 'dictation stopped: see "Murmur: Show Log"');
        }
        return;
      case 'error':
        this.log.error(`${e.code}: ${e.message}`);
        if (MIC_ERRORS.has(e.code)) {
          const shown = this.microphoneError(e.message);
          this.stats.lastError = { code: e.code, message: e.message, shown };
          void vscode.window.showErrorMessage(shown, 'Select Microphone...').then((a) => a && vscode.commands.executeCommand('murmur.selectMicrophone'));
        } else {
          this.stats.lastError = { code: e.code, message: e.message };
        }
        return;
      default:
        return;
    }
  }

  private isCurrent(e: PartialEvent): boolean {
    return this.state === 'listening' && e.session === this.session;
  }

  /** Sends startDictation; finals that overtake its response are held for adoptSession. */
  private async requestSession(client: SidecarClient, request: RequestBody<'startDictation'> & { type: 'startDictation' }): Promise<number> {
    this.awaitingSession = true;
    this.heldFinals = [];
    try {
      return (await client.request(request)).session;
    } finally {
      this.awaitingSession = false;
    }
  }

  /** The dictation is this side's now: its finals are committed, including any held. */
  private adoptSession(session: number): void {
    this.session = session;
    const held = this.heldFinals.filter((e) => e.session === session);
    this.heldFinals = [];
    for (const e of held) this.commitFinal(e);
  }

  /** Ends a dictation this side no longer follows; only that session, so a newer one is safe. */
  private endInSidecar(client: SidecarClient, session: number): void {
    void client.request({ type: 'cancelDictation', session }).then(
      (r) => r.session !== null && this.log.info(`dictation ${session} ended in the engine: it was given up while starting`),
      (err: Error) => this.log.warn(`cancel of dictation ${session}: ${err.message}`),
    );
  }

  private commitFinal(e: FinalEvent): void {
    // Each step catches its own failure: a rejected link would skip every later phrase.
    this.commitChain = this.commitChain.then(() => this.commitOne(e)).catch(async (err: unknown) => {
      this.log.error(`phrase ${e.session}.${e.utterance} could not be committed: ${(err as Error).stack ?? String(err)}`);
      await Promise.resolve(vscode.env.clipboard.writeText(e.text)).catch(() => undefined);
      void vscode.window.showWarningMessage('Murmur: the dictated text could not be inserted and was copied to the clipboard. See "Murmur: Show Log".');
      this.finalEmitter.fire({ event: e, where: 'clipboard', text: e.text });
    });
  }

  private async commitOne(e: FinalEvent): Promise<void> {
    const cfg = this.config();
    if (cfg.voiceMappingError && cfg.voiceMappingError !== this.reportedMappingError) {
      this.reportedMappingError = cfg.voiceMappingError;
      this.log.warn(cfg.voiceMappingError);
      void vscode.window.showWarningMessage(`Murmur: ${cfg.voiceMappingError}`);
    }
    const meaning = interpretPhrase(e.text, cfg.voice);
    if (meaning.kind === 'command') {
      this.inserter.clearPartial();
      const what = await runVoiceCommand(meaning.command, { inserter: this.inserter, stop: () => this.stop(), log: this.log });
      this.log.info(`phrase ${e.session}.${e.utterance}: voice command ${meaning.command}: ${what}`);
      this.stats.lastCommand = { command: meaning.command, result: what };
      this.finalEmitter.fire({ event: e, where: 'command', text: '' });
      return;
    }
    const r = await this.inserter.commit(meaning.text, { keepCase: meaning.keepCase });
    // From the sidecar's send to the edit applied: IPC, queueing behind earlier phrases, the edit.
    const latencyMs = wallClockMs() - e.sentAt;
    this.stats.finalToEditorMs.push(latencyMs);
    if (r.inserted) this.stats.committed++;
    this.stats.lastInsert = { where: r.where, text: r.text };
    this.log.info(`phrase ${e.session}.${e.utterance} -> ${r.where} in ${latencyMs.toFixed(0)} ms (${e.reason}, ${e.text.length} chars)`);
    this.finalEmitter.fire({ event: e, where: r.where, text: r.text });
  }

  private setContext(dictating: boolean): Thenable<unknown> {
    return vscode.commands.executeCommand('setContext', 'murmur.dictating', dictating);
  }

  // ---- other commands -------------------------------------------------------------------------

  async selectMicrophone(): Promise<void> {
    const client = await this.ensureSidecar();
    const { devices } = await client.request({ type: 'listDevices' });
    const current = this.config().device;
    const pick = await vscode.window.showQuickPick(
      devices.map((d) => ({ label: d.name, description: d.name === current ? '(current)' : '', detail: d.description })),
      { title: 'Murmur: Select Microphone', placeHolder: devices.length ? 'Recording device' : 'No recording devices found' },
    );
    if (pick) await vscode.workspace.getConfiguration('murmur').update('microphone.device', pick.label, vscode.ConfigurationTarget.Global);
  }

  async transcribeFile(uri?: vscode.Uri): Promise<void> {
    const file =
      uri ??
      (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'WAV audio': ['wav', 'wave'] }, title: 'Murmur: Transcribe Audio File' }))?.[0];
    if (!file) return;
    if (this.dictating) {
      void vscode.window.showWarningMessage('Murmur: stop dictation before transcribing a file.');
      return;
    }
    const client = await this.ensureReady();
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
    const editor = await vscode.window.showTextDocument(doc);
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Murmur: transcribing ${path.basename(file.fsPath)}`, cancellable: true },
      async (_progress, token) => {
        this.state = 'listening';
        const session = await this.requestSession(client, { type: 'startDictation', source: { kind: 'file', path: file.fsPath, realtime: false }, options: { partials: false } });
        this.adoptSession(session);
        token.onCancellationRequested(() => void this.cancel());
        await new Promise<void>((resolve) => {
          const sub = client.onEvent((e) => {
            if (e.type === 'dictationEnded' && e.session === session) {
              sub.dispose();
              resolve();
            }
          });
        });
        await this.commitChain;
        this.endSession();
      },
    );
    this.log.info(`transcribed ${file.fsPath} into ${editor.document.uri.toString()}`);
  }

  async restartSidecar(): Promise<void> {
    await this.cancel();
    await this.client?.stop();
    this.client = undefined;
    this.model = undefined;
    await this.ensureReady();
    this.status.set('idle');
  }

  /** Stops the sidecar so that the next dictation starts cold (the benchmark measures that). */
  async stopSidecarForBenchmark(): Promise<void> {
    await this.cancel();
    await this.client?.stop();
    this.client = undefined;
    this.model = undefined;
  }

  /** Starts the engine in the background (setting "start engine on start-up"). */
  warmUp(): void {
    void this.ensureReady(false)
      .then(() => this.status.set('idle'))
      .catch((e: Error) => this.log.warn(`warm-up: ${e.message}`));
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    void this.client?.stop();
    for (const d of this.disposables) d.dispose();
  }
}

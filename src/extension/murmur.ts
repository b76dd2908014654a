/**
 * The Murmur context: owns the configuration, the engine host (the sidecar and its model), the
 * dictation state machine, the status bar, the text inserter and every disposable, and wires them
 * together. Commands call into it; nothing else touches the sidecar.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { wallClockMs } from '../protocol';
import type { MurmurConfig } from './config';
import { ConfigService, type ConfigChange } from './config-service';
import * as commands from './commands';
import { DictationController } from './dictation-controller';
import type { CommittedPhrase, DictationStats, DictationTarget, EngineLink } from './dictation-ports';
import { EngineHost } from './engine-host';
import { FocusTracker, type FocusKind } from './focus-target';
import { watchFocus } from './focus-watch';
import { describeHost, microphoneHint, type HostFacts } from './host';
import { PhraseInserter, isReadOnly, type ShownPartial } from './inserter';
import { gatherVocabulary } from './vocabulary-source';
import { PushToTalk } from './push-to-talk';
import { runVoiceCommand } from './voice-commands';
import type { SidecarClient } from './sidecar-client';
import { MicStatusBar } from './status-bar';
import { vscodeDictationUi } from './user-messages';
import { WorkbenchInputs } from './workbench-input';

export type { DictationStats } from './dictation-ports';

/** The sidecar each link was made for: the model is loaded on that one. */
const clientOf = new WeakMap<EngineLink, SidecarClient>();

/** The sidecar as the dictation state machine sees it. */
function linkTo(client: SidecarClient): EngineLink {
  const link: EngineLink = {
    startDictation: async (source, options) => (await client.request({ type: 'startDictation', source, options })).session,
    stopDictation: async () => void (await client.request({ type: 'stopDictation' })),
    cancelDictation: async (session) => (await client.request({ type: 'cancelDictation', ...(session !== undefined ? { session } : {}) })).session,
  };
  clientOf.set(link, client);
  return link;
}

export class Murmur implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  private readonly configs: ConfigService;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly status = new MicStatusBar();
  private readonly inserter: PhraseInserter;
  private readonly engine: EngineHost;
  private readonly dictation: DictationController;
  readonly pushToTalk: PushToTalk;
  readonly stats: DictationStats = { committed: 0, restarts: 0, startToListeningMs: [], finalToEditorMs: [] };
  private readonly finalEmitter = new vscode.EventEmitter<CommittedPhrase>();
  /** Fired after each final is committed (tests wait on it). */
  readonly onDidCommit = this.finalEmitter.event;
  /** Where the keyboard is, as far as VS Code tells (focus-target.ts). */
  readonly focus = new FocusTracker();
  private readonly inputs = new WorkbenchInputs((input) => this.focus.hear({ kind: 'input', input }));

  /** Partial text shown in (or cleared from) an editor (tests watch it). */
  get onDidRenderPartial(): vscode.Event<ShownPartial> {
    return this.inserter.onDidRenderPartial;
  }

  constructor(private readonly context: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Murmur', { log: true });
    this.configs = new ConfigService(path.join(context.extensionPath, 'models', 'moonshine-tiny-en-int8'));
    this.inserter = new PhraseInserter(() => this.config().format, this.focus, this.inputs, (text, place) => this.status.preview(text, place));
    this.engine = new EngineHost({
      extensionPath: context.extensionPath,
      cacheDir: process.env.MURMUR_CACHE_DIR ?? path.join(context.globalStorageUri.fsPath, 'ort-cache'),
      log: this.log,
      status: this.status,
      stats: this.stats,
      config: () => this.config(),
      onEvent: (e) => this.dictation.handle(e),
      onCrash: () => this.dictation.engineLost(),
      dictating: () => this.dictation.dictating,
    });
    this.dictation = new DictationController({
      engine: {
        connect: async () => linkTo(await this.engine.ensureSidecar()),
        ready: async (link) => void (await this.engine.ensureReady(true, clientOf.get(link))),
        loadingCurrentModel: () => this.engine.loadingCurrentModel(),
        current: () => (this.engine.running ? linkTo(this.engine.running) : undefined),
      },
      target: this.target(),
      status: this.status,
      ui: vscodeDictationUi({
        log: this.log,
        stats: this.stats,
        setStatusError: (m) => this.status.set('error', m),
        microphoneError: (m) => `Murmur: ${m}${microphoneHint(this.host())}`,
        ended: () => this.pushToTalk.reset(),
      }),
      clock: { now: () => performance.now(), wallClock: wallClockMs },
      log: this.log,
      config: () => this.config(),
      vocabulary: gatherVocabulary,
      stats: this.stats,
      committed: (p) => this.finalEmitter.fire(p),
    });
    this.pushToTalk = new PushToTalk({ start: () => void this.start(), stop: () => void this.stop(), isDictating: () => this.dictating, isStopping: () => this.dictation.current === 'stopping' }, this.config().releaseDelayMs);
    this.disposables.push(this.log, this.configs, this.status, this.inserter, this.inputs, this.finalEmitter, this.configs.onDidChange((c) => this.configChanged(c)), ...watchFocus(this.focus));
    void vscode.commands.executeCommand('setContext', 'murmur.dictating', false);
    this.log.info(describeHost(this.host()));
  }

  private target(): DictationTarget {
    const inserter = (): PhraseInserter => this.inserter;
    return {
      readOnlyTarget: () => {
        const t = inserter().target();
        if (t?.kind !== 'editor' || !isReadOnly(t.editor.document)) return undefined;
        return { uri: t.editor.document.uri.toString(), name: t.editor.document.fileName };
      },
      takesSend: () => this.focus.current === 'chat',
      setReserving: (on) => inserter().setReserving(on),
      showPartial: (text, keepCase) => inserter().showPartial(text, keepCase),
      clearPartial: () => inserter().clearPartial(),
      commit: (phrase, keepCase) => inserter().commit(phrase, { keepCase }),
      runCommand: (command) => runVoiceCommand(command, { inserter: inserter(), stop: () => this.stop(), log: this.log }),
    };
  }

  /** Where this copy of Murmur runs (src/extension/host.ts). */
  private host(): HostFacts {
    return {
      remoteName: vscode.env.remoteName,
      webUi: vscode.env.uiKind === vscode.UIKind.Web,
      runsOnRemote: this.context.extension.extensionKind === vscode.ExtensionKind.Workspace,
    };
  }

  /** The current settings (a snapshot the ConfigService rebuilds when they change). */
  config(): MurmurConfig {
    return this.configs.current;
  }

  /** The status bar item's state and tooltip, as the user sees them. */
  get statusBar(): { state: string; text: string; tooltip: string } {
    return this.status.shown;
  }

  get dictating(): boolean {
    return this.dictation.dictating;
  }

  get sidecarPid(): number | undefined {
    return this.engine.pid;
  }

  /** True while a model load is running in the sidecar (the fault tests kill it then). */
  get modelLoading(): boolean {
    return this.engine.modelLoading;
  }

  /** The running sidecar (spawned if needed), for work other than dictation (model tools). */
  sidecar(): Promise<SidecarClient> {
    return this.engine.ensureSidecar();
  }

  /** The sidecar is up and the configured model loaded (loading it with progress if needed). */
  ensureReady(showProgress = true): Promise<SidecarClient> {
    return this.engine.ensureReady(showProgress);
  }

  private configChanged(change: ConfigChange): void {
    this.pushToTalk.setReleaseDelay(change.config.releaseDelayMs);
    void this.engine.settingsChanged(change.affectsModel, () => this.stop(), () => this.dictating);
  }

  /** A key that starts dictation was pressed where its binding's `when` clause says (`target`). */
  keyPressed(target: FocusKind | undefined): void {
    if (!this.dictating) this.focus.hear({ kind: 'key', target });
  }

  start(): Promise<void> {
    return this.dictation.start();
  }

  /**
   * "Dictate into Chat": opens the Chat view with its input focused (the view's own command), then
   * dictates there; pressed again while dictating into Chat, stops (or, push-to-talk, on release).
   */
  async dictateIntoChat(mode: 'toggle' | 'pushToTalk'): Promise<void> {
    if (!this.dictating) {
      await vscode.commands.executeCommand('workbench.action.chat.open');
      this.focus.choose('chat');
    }
    if (mode === 'pushToTalk') this.pushToTalk.press();
    else await this.toggle();
  }

  /** Stops listening; the last phrase is decoded and committed before this resolves. */
  stop(): Promise<void> {
    return this.dictation.stop();
  }

  /** Stops listening and drops the phrase in progress; committed phrases stay. */
  cancel(): Promise<void> {
    return this.dictation.cancel();
  }

  toggle(): Promise<void> {
    return this.dictation.toggle();
  }

  private commandContext(): commands.CommandContext {
    return { engine: this.engine, dictation: this.dictation, log: this.log, device: () => this.config().device, link: linkTo };
  }

  selectMicrophone(): Promise<void> {
    return commands.selectMicrophone(this.commandContext());
  }

  transcribeFile(uri?: vscode.Uri): Promise<void> {
    return commands.transcribeFile(this.commandContext(), uri);
  }

  async restartSidecar(): Promise<void> {
    await this.cancel();
    await this.engine.stopSidecar();
    await this.engine.ensureReady();
    this.status.set('idle');
  }

  /** Stops the sidecar so that the next dictation starts cold (the benchmark measures that). */
  async stopSidecarForBenchmark(): Promise<void> {
    await this.cancel();
    await this.engine.stopSidecar();
  }

  /** The engine's idle stop is waiting (engine-host.ts); `idleWaitOver` ends the wait now (tests). */
  get idleStopWaiting(): boolean {
    return this.engine.idleStopWaiting;
  }

  idleWaitOver(): void {
    this.engine.idleWaitOver();
  }

  /** Starts the engine in the background (setting "start engine on start-up"). */
  warmUp(): void {
    void this.engine
      .ensureReady(false)
      .then(() => this.status.set('idle'))
      .catch((e: Error) => this.log.warn(`warm-up: ${e.message}`));
  }

  dispose(): void {
    this.engine.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * The sidecar's state machine: one model and at most one dictation at a time, driven by validated
 * requests, answered with exactly one response each, and reporting everything else as events.
 *
 * Rules (what the extension can rely on):
 * - loadModel while a dictation runs, or while another load runs: BUSY. The host stops (or
 *   cancels) the dictation first; the sidecar never drops audio on its own to change models.
 *   A load whose files fail the check (missing, wrong family, not ONNX...) keeps the current
 *   model. Past that check a load disposes the current model first (one model in memory), so a
 *   load failing later leaves no model (state 'error', startDictation -> NO_MODEL).
 * - unloadModel while dictating or loading: BUSY.
 * - startDictation while dictating: BUSY; with no model: NO_MODEL. While a model loads it is
 *   accepted: the source starts at once and its audio waits for the model (PendingRecognizer), so
 *   the user can speak during a cold start; if the load fails the dictation ends with 'error'
 *   (the loadModel response reports why).
 * - stopDictation / cancelDictation with no dictation: ok, `session: null` (idempotent, so a key
 *   release racing the end of a file is harmless). Naming a session limits them to it: another
 *   dictation running is left alone (also `session: null`). A stop or cancel while another is ending
 *   waits for that ending and shares its outcome.
 * - setOptions applies from the next startDictation.
 * - diagnostics answers in any state (even while shutting down) and changes nothing.
 * - exportModel / compareModels while dictating or loading: BUSY; startDictation while one of them
 *   runs: BUSY (they take this thread for seconds). downloadModel runs beside anything.
 * - Anything thrown by a handler becomes an error response with the MurmurError's code (INTERNAL
 *   for anything else, with the stack in a log event).
 */
import { MurmurError, toMurmurError } from '../engine/errors';
import type { Log } from '../engine/log';
import { resolveModel } from '../engine/models/detect';
import { loadModel } from '../engine/models/load';
import { defaultRecognizerOptions, type LoadedModel, type RecognizerOptions } from '../engine/recognizer';
import type { ErrorCode, ErrorInfo, Request, RequestType, ResultMap, SidecarEvent, SidecarMessage, SidecarState } from '../protocol/messages';
import { readableId, validateRequest } from '../protocol/validate';
import { isCompatibleVersion, PROTOCOL_VERSION } from '../protocol/version';
import type { AudioSource } from './audio-source';
import { listDevices } from './devices';
import { readDiagnostics } from './diagnostics';
import { Dictation, LOADING_WATERMARKS } from './dictation';
import { FileSource } from './file-source';
import { MicrophoneSource } from './microphone';
import { ViaRecorder } from './model-via';
import { ModelTools } from './model-tools';
import { PendingRecognizer } from './pending-recognizer';
import { releaseMemory } from './release-memory';

export interface Transport {
  /** Sends one message; `sent` runs once it has been handed to the channel (or the channel is gone). */
  send(message: SidecarMessage, sent?: () => void): void;
}

/** An error whose code is the protocol's own (not an engine MurmurErrorCode). */
class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Phase = 'starting' | 'listening' | 'processing';

export class SidecarServer {
  private model: LoadedModel | undefined;
  private loading = false;
  /** The model being loaded, for a dictation that starts before it is ready. */
  private loadingModel: Promise<LoadedModel> | undefined;
  private loadFailed = false;
  private dictation: Dictation | undefined;
  private phase: Phase | undefined;
  private sessions = 0;
  private options: RecognizerOptions = { ...defaultRecognizerOptions };
  private shuttingDown = false;
  private lastState: SidecarState | undefined;
  private readonly bornAt = performance.now();
  readonly log: Log;
  private readonly tools: ModelTools;

  constructor(
    private readonly transport: Transport,
    private readonly exit: (code: number) => void,
  ) {
    this.log = (level, message) => this.emit({ type: 'log', level, message });
    this.tools = new ModelTools((event) => this.emit(event), this.log);
  }

  /** Announces the initial state; the host may treat it as "ready for requests". */
  begin(): void {
    this.publishState();
  }

  /** Every received message goes here. Never throws; every request gets one response. */
  receive(raw: unknown): void {
    const checked = validateRequest(raw);
    if (!checked.ok) {
      const id = readableId(raw);
      const error: ErrorInfo = { code: 'PROTOCOL_INVALID', message: `Invalid message: ${checked.reason}` };
      this.log('warn', error.message);
      if (id !== undefined) this.transport.send({ type: 'response', id, ok: false, error });
      else this.emit({ type: 'error', ...error });
      return;
    }
    const request = checked.value;
    this.dispatch(request).then(
      (result) => this.transport.send({ type: 'response', id: request.id, ok: true, result }, request.type === 'shutdown' ? () => this.exit(0) : undefined),
      (e: unknown) => this.transport.send({ type: 'response', id: request.id, ok: false, error: this.errorInfo(e, request.type) }),
    );
  }

  /** Synchronous cleanup on process exit: no recorder left running. */
  kill(): void {
    this.dictation?.kill();
    this.tools.cancelAll();
  }

  private emit(event: SidecarEvent): void {
    this.transport.send(event);
  }

  private async dispatch(request: Request): Promise<ResultMap[RequestType]> {
    if (this.shuttingDown && request.type !== 'ping' && request.type !== 'diagnostics') throw new MurmurError('BUSY', 'The speech engine is shutting down.');
    switch (request.type) {
      case 'hello':
        return this.hello(request.version);
      case 'loadModel':
        return this.loadModel(request);
      case 'unloadModel':
        return this.unloadModel();
      case 'startDictation':
        return this.startDictation(request);
      case 'stopDictation':
        return this.endDictation('stopped', request.session);
      case 'cancelDictation':
        return this.endDictation('cancelled', request.session);
      case 'setOptions':
        this.options = { ...this.options, ...request.options };
        return { options: { ...this.options } };
      case 'listDevices':
        return { devices: await listDevices() };
      case 'ping':
        return { uptimeMs: Math.round(performance.now() - this.bornAt) };
      case 'diagnostics':
        return readDiagnostics();
      case 'shutdown':
        return this.shutdown();
      case 'inspectModel':
        return this.tools.inspect(request);
      case 'exportModel':
        this.refuseWhileDictating('export a model');
        return this.tools.export(request);
      case 'compareModels':
        this.refuseWhileDictating('compare models');
        return this.tools.compare(request);
      case 'modelCatalog':
        return this.tools.modelCatalog();
      case 'downloadModel':
        return this.tools.download(request);
      case 'cancelTask':
        return this.tools.cancel(request.task);
    }
  }

  /** Exports and comparisons take the CPU (and this thread) for seconds: never under a dictation. */
  private refuseWhileDictating(what: string): void {
    if (this.dictation) throw new MurmurError('BUSY', `Dictation ${this.dictation.session} is running: stop it before you ${what}.`);
    if (this.loading) throw new MurmurError('BUSY', `A model is loading: wait for it before you ${what}.`);
  }

  private hello(version: string): ResultMap['hello'] {
    if (!isCompatibleVersion(version)) {
      throw new ProtocolError(
        'PROTOCOL_VERSION',
        `Protocol version mismatch: the extension speaks ${version}, this speech engine (sidecar) speaks ${PROTOCOL_VERSION}. ` +
          'They come from different Murmur builds; reload the window (Developer: Reload Window) or reinstall Murmur.',
      );
    }
    const result: ResultMap['hello'] = { version: PROTOCOL_VERSION, pid: process.pid, node: process.versions.node };
    if (process.versions.electron) result.electron = process.versions.electron;
    return result;
  }

  private async loadModel(request: Extract<Request, { type: 'loadModel' }>): Promise<ResultMap['loadModel']> {
    if (this.dictation) throw new MurmurError('BUSY', `Dictation ${this.dictation.session} is running: stop or cancel it before loading a model.`);
    if (this.loading) throw new MurmurError('BUSY', 'A model is already loading: wait for it (modelLoaded) before loading another.');
    this.loading = true;
    this.publishState();
    const via = new ViaRecorder();
    const t0 = performance.now();
    // Set before any await: a startDictation right behind this request must find the load.
    this.loadingModel = this.replaceModel(request, via);
    try {
      const model = await this.loadingModel;
      this.model = model;
      this.loadFailed = false;
      const info: ResultMap['loadModel'] = { family: model.family, description: model.description, loadMs: Math.round(performance.now() - t0), via: via.via };
      this.emit({ type: 'modelLoaded', ...info });
      this.trimSoon();
      // A warm-up after loading (Moonshine's first decode builds its tokenizer) leaves megabytes of
      // garbage that an idle sidecar would otherwise hold until its next dictation.
      void model.settled?.then(() => this.trimSoon());
      return info;
    } catch (e) {
      // Still holding a model means the new files failed the check before anything was unloaded.
      this.loadFailed = this.model === undefined;
      throw e;
    } finally {
      this.loading = false;
      this.loadingModel = undefined;
      this.publishState();
    }
  }

  /** Disposes the current model (one model in memory at a time), then loads the requested one. */
  private async replaceModel(request: Extract<Request, { type: 'loadModel' }>, via: ViaRecorder): Promise<LoadedModel> {
    // Check the files before letting go of the current model: a typo in a path must not leave
    // the user with no model at all.
    resolveModel(request.location);
    const old = this.model;
    this.model = undefined;
    await old?.dispose();
    // Creating onnxruntime sessions blocks this thread for a few hundred ms. Let a startDictation
    // sent right behind this request start its recorder first (a cold Start Dictation sends both):
    // the recorder then runs, and its first audio arrives between the session creations.
    await new Promise((resolve) => setImmediate(resolve));
    // MURMUR_NO_ORT_CACHE=1 loads ONNX files by path (no conversion, no mmap): for comparisons.
    const noCache = process.env.MURMUR_NO_ORT_CACHE === '1';
    return loadModel(request.location, { threads: request.threads, vadPath: request.vadPath, cacheDir: request.cacheDir, noCache, log: via.wrap(this.log) });
  }

  private async unloadModel(): Promise<ResultMap['unloadModel']> {
    if (this.dictation) throw new MurmurError('BUSY', `Dictation ${this.dictation.session} is running: stop or cancel it before unloading the model.`);
    if (this.loading) throw new MurmurError('BUSY', 'A model is loading: wait for it before unloading.');
    const model = this.model;
    this.model = undefined;
    this.loadFailed = false;
    await model?.dispose();
    this.publishState();
    this.trimSoon();
    return { unloaded: model !== undefined };
  }

  private async startDictation(request: Extract<Request, { type: 'startDictation' }>): Promise<ResultMap['startDictation']> {
    const pending = this.loading ? this.loadingModel : undefined;
    if (!this.model && !pending) throw new MurmurError('NO_MODEL', 'No model is loaded: send loadModel before startDictation.');
    if (this.dictation) throw new MurmurError('BUSY', `Dictation ${this.dictation.session} is already running: stop or cancel it first.`);
    if (this.tools.cpuBusy) throw new MurmurError('BUSY', 'A model export or comparison is running: wait for it or cancel it, then start dictation.');
    const { source: spec } = request;
    const source: AudioSource = spec.kind === 'file' ? new FileSource(spec.path, spec.realtime) : new MicrophoneSource({ device: spec.device, log: this.log });
    const options = { ...this.options, ...request.options };
    const recognizer = pending ? new PendingRecognizer(pending, options, 'moonshine') : (this.model as LoadedModel).createRecognizer(options);
    const session = ++this.sessions;
    const dictation: Dictation = new Dictation(session, recognizer, source, {
      emit: (event) => this.emit(event),
      log: this.log,
      listening: () => {
        this.phase = 'listening';
        this.publishState();
      },
      ending: (reason) => {
        if (reason !== 'cancelled') this.phase = 'processing';
        this.publishState();
      },
      ended: () => {
        if (this.dictation !== dictation) return;
        this.dictation = undefined;
        this.phase = undefined;
        this.publishState();
        this.trimSoon();
      },
    }, pending ? LOADING_WATERMARKS : undefined);
    this.dictation = dictation;
    this.phase = 'starting';
    try {
      await dictation.start();
    } catch (e) {
      if (this.dictation === dictation) {
        this.dictation = undefined;
        this.phase = undefined;
      }
      throw e;
    }
    return { session };
  }

  private async endDictation(reason: 'stopped' | 'cancelled', session: number | undefined): Promise<{ session: number | null }> {
    const dictation = this.dictation;
    // A request for one session must not end a later one that started in the meantime.
    if (!dictation || (session !== undefined && dictation.session !== session)) return { session: null };
    await dictation.end(reason);
    return { session: dictation.wasStarted ? dictation.session : null };
  }

  private async shutdown(): Promise<ResultMap['shutdown']> {
    this.shuttingDown = true;
    await this.dictation?.end('cancelled');
    const model = this.model;
    this.model = undefined;
    await model?.dispose();
    return {};
  }

  /** Releases memory (release-memory.ts) once the events are out, if the sidecar is still idle. */
  private trimSoon(): void {
    setImmediate(() => {
      if (!this.dictation && !this.loading) releaseMemory();
    });
  }

  private currentState(): SidecarState {
    if (this.loading) return 'loading';
    if (this.phase === 'listening' || this.phase === 'processing') return this.phase;
    if (this.model) return 'ready';
    return this.loadFailed ? 'error' : 'idle';
  }

  private publishState(): void {
    const state = this.currentState();
    if (state === this.lastState) return;
    this.lastState = state;
    this.emit({ type: 'state', state });
  }

  private errorInfo(e: unknown, during: RequestType): ErrorInfo {
    if (e instanceof ProtocolError) return { code: e.code, message: e.message };
    const error = toMurmurError(e);
    if (error.code === 'INTERNAL') this.log('error', `${during} failed: ${e instanceof Error && e.stack ? e.stack : error.message}`);
    return { code: error.code, message: error.message };
  }
}

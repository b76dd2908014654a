/**
 * The dictation state machine: idle -> starting -> listening -> stopping -> idle, every change
 * through `enter`. It decides which of the engine's finals are this side's (the current session's,
 * held while a start's response is on its way), commits them one after another, and ends what it
 * gives up. It knows the world only through dictation-ports.ts, so node:test drives it
 * (test/unit/dictation-controller.test.ts) through the races the real editor once hit.
 */
import type { DictationSource, FinalEvent, SidecarEvent } from '../protocol';
import type { RecognizerOptions } from '../engine/recognizer';
import { interpretPhrase } from '../text/interpret';
import { PhraseCommitter } from './phrase-committer';
import { SessionGate } from './session-gate';
import type { DictationDeps, DictationState, EngineLink } from './dictation-ports';

/** Transitions the machine allows; anything else is a bug in this file. */
const NEXT: Record<DictationState, readonly DictationState[]> = {
  idle: ['starting'],
  starting: ['listening', 'idle'],
  listening: ['stopping', 'idle'],
  stopping: ['idle'],
};

export class DictationController {
  private state: DictationState = 'idle';
  /** Bumped when a start in progress is given up (Stop, Cancel, a failed load, a crash). */
  private startTicket = 0;
  private readonly gate = new SessionGate();
  private readonly phrases: PhraseCommitter;
  /** Resolved when the session in progress ends, however it ends. */
  private endWaiters: (() => void)[] = [];

  constructor(private readonly deps: DictationDeps) {
    this.phrases = new PhraseCommitter(deps);
  }

  get current(): DictationState {
    return this.state;
  }

  get dictating(): boolean {
    return this.state !== 'idle';
  }

  private enter(to: DictationState): void {
    if (!NEXT[this.state].includes(to)) throw new Error(`dictation cannot go from ${this.state} to ${to}`);
    // A start in progress that is left any other way than by landing must not go on.
    if (this.state === 'starting' && to === 'idle') this.startTicket++;
    this.state = to;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') return;
    const { engine, target, status, ui, clock, log } = this.deps;
    const readOnly = target.readOnlyTarget();
    if (readOnly) {
      this.deps.stats.lastError = { code: 'READ_ONLY', message: `${readOnly.uri} is read-only` };
      ui.readOnly(readOnly);
      return;
    }
    const t0 = clock.now();
    this.enter('starting');
    const ticket = ++this.startTicket;
    status.set('starting');
    await ui.setDictating(true);
    let ready: Promise<void> | undefined;
    // The words of the code in view, gathered while the engine starts; sent with the dictation.
    const first = this.deps.config();
    const vocabulary = first.vocabularyBiasing ? this.deps.vocabulary(first.vocabulary) : Promise.resolve([]);
    try {
      const link = await engine.connect();
      if (ticket !== this.startTicket) return; // given up while spawning
      ready = engine.ready(link);
      // While the model for the current settings is loading, the engine takes the dictation
      // anyway: the recorder starts now and its audio waits for the model, so a cold start does not
      // make the user wait to speak. A load for older settings must finish first (the engine would
      // bind the dictation to that model).
      const overlap = engine.loadingCurrentModel();
      let loadFailed = false;
      const mine: { session?: number } = {};
      if (!overlap) {
        await ready;
        if (ticket !== this.startTicket) return; // given up while loading
      } else {
        // If the load fails, the host reports it; this dictation is over at once (the engine
        // ends its side with 'error', which then matches no session here).
        ready.catch(() => {
          loadFailed = true;
          if (mine.session === undefined) return;
          // Usually the engine has ended it already; if it started it on the model it still
          // held, it would listen on.
          this.endInEngine(link, mine.session);
          if (this.gate.current === mine.session) this.endSession(true);
        });
      }
      const cfg = this.deps.config();
      const hotwords = await vocabulary;
      const session = await this.requestSession(link, { kind: 'microphone', device: cfg.device }, { ...cfg.recognizer, ...(hotwords.length ? { hotwords } : {}) });
      if (hotwords.length) log.debug(`vocabulary: ${hotwords.length} terms sent with the dictation`);
      if (loadFailed || ticket !== this.startTicket) {
        // Given up while the engine started it: the load failed (a path that fails its check
        // leaves the previous model loaded, and the dictation may have started on that), or Stop or
        // Cancel came first. End it there too, or its recorder runs on and its phrases land later.
        this.endInEngine(link, session);
        if (ticket === this.startTicket) this.endSession(true);
        return;
      }
      mine.session = session;
      this.enter('listening');
      this.adoptSession(session);
      target.setReserving(true);
      this.deps.stats.startToListeningMs.push(clock.now() - t0);
      status.set('listening');
      log.info(`dictation ${session} started (device ${cfg.device})`);
    } catch (e) {
      // A start that failed because the model did not load: the host has reported that.
      const modelFailed = ready !== undefined && (await ready.then(() => false, () => true));
      if (ticket === this.startTicket) this.endSession(modelFailed);
      if (!modelFailed) ui.startFailed(e);
    }
  }

  /** Stops listening; the last phrase is decoded and committed before this resolves. */
  async stop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopping') return;
    if (this.state === 'starting') {
      this.endSession();
      return;
    }
    this.enter('stopping');
    this.deps.status.set('processing');
    try {
      await this.deps.engine.current()?.stopDictation();
    } catch (e) {
      this.deps.log.warn(`stop: ${(e as Error).message}`);
    }
    await this.phrases.settled();
    this.endSession();
  }

  /** Stops listening and drops the phrase in progress; committed phrases stay. */
  async cancel(): Promise<void> {
    if (this.state === 'idle') return;
    this.deps.target.clearPartial();
    const wasListening = this.state === 'listening';
    if (wasListening) {
      this.enter('stopping');
      try {
        await this.deps.engine.current()?.cancelDictation();
      } catch (e) {
        this.deps.log.warn(`cancel: ${(e as Error).message}`);
      }
    }
    this.endSession();
  }

  async toggle(): Promise<void> {
    if (this.dictating) await this.stop();
    else await this.start();
  }

  /**
   * Transcribes a file on a ready engine into the current target: the same machine as a
   * dictation (starting, listening, idle), ended when the engine says the file is done or Cancel.
   */
  async transcribe(link: EngineLink, file: string): Promise<void> {
    if (this.state !== 'idle') return;
    this.enter('starting');
    const ticket = ++this.startTicket;
    let session: number;
    try {
      session = await this.requestSession(link, { kind: 'file', path: file, realtime: false }, { partials: false });
    } catch (e) {
      if (ticket === this.startTicket) this.endSession();
      throw e;
    }
    if (ticket !== this.startTicket) {
      this.endInEngine(link, session);
      return;
    }
    const ended = new Promise<void>((resolve) => this.endWaiters.push(resolve));
    this.enter('listening');
    this.adoptSession(session);
    await ended;
  }

  /** The engine stopped: whatever was in progress is over. */
  engineLost(): boolean {
    const was = this.state !== 'idle';
    this.endSession();
    return was;
  }

  /** `keepStatus`: an error is on the status bar (a failed model load) and should stay there. */
  private endSession(keepStatus = false): void {
    if (this.state !== 'idle') this.enter('idle');
    this.gate.current = undefined;
    const { target, status, ui } = this.deps;
    target.setReserving(false);
    target.clearPartial();
    ui.ended();
    if (!keepStatus) status.set('idle');
    void ui.setDictating(false);
    for (const w of this.endWaiters.splice(0)) w();
  }

  /** An event from the engine. */
  handle(e: SidecarEvent): void {
    switch (e.type) {
      case 'partial':
        if (this.state === 'listening' && e.session === this.gate.current) {
          // Shown as it will be typed ("hello comma" reads "hello,"); a command shows as said.
          const r = interpretPhrase(e.text, this.deps.config().voice);
          this.deps.target.showPartial(r.kind === 'text' ? r.text : e.text, r.kind === 'text' && r.keepCase);
        }
        return;
      case 'final':
        this.routeFinal(e);
        return;
      case 'level':
        this.deps.status.setLevel(e.peak);
        return;
      case 'dictationEnded':
        if (e.session === this.gate.current && this.state === 'listening') this.endedByEngine(e.reason === 'error');
        else this.gate.holdEnd(e.session);
        return;
      case 'error':
        this.deps.log.error(`${e.code}: ${e.message}`);
        this.deps.ui.engineError(e.code, e.message);
        return;
      default:
        return;
    }
  }

  private routeFinal(e: FinalEvent): void {
    const route = this.gate.route(e);
    if (route === 'commit') this.phrases.add(e);
    else if (route === 'drop') this.deps.log.info(`phrase ${e.session}.${e.utterance} dropped: dictation ${e.session} is not the current one`);
  }

  private endedByEngine(failed: boolean): void {
    void this.phrases.settled().then(() => this.endSession());
    if (failed) this.deps.status.set('error', 'dictation stopped: see "Murmur: Show Log"');
  }

  /** Sends startDictation; finals that overtake its response are held (SessionGate). */
  private requestSession(link: EngineLink, source: DictationSource, options: Partial<RecognizerOptions>): Promise<number> {
    return this.gate.request(() => link.startDictation(source, options));
  }

  /** The dictation is this side's now: its finals are committed, including any held. */
  private adoptSession(session: number): void {
    const held = this.gate.adopt(session);
    for (const e of held.finals) this.phrases.add(e);
    if (held.ended) this.endedByEngine(false);
  }

  /** Ends a dictation this side no longer follows; only that session, so a newer one is safe. */
  private endInEngine(link: EngineLink, session: number): void {
    const { log } = this.deps;
    void link.cancelDictation(session).then(
      (ended) => ended !== null && log.info(`dictation ${session} ended in the engine: it was given up while starting`),
      (err: Error) => log.warn(`cancel of dictation ${session}: ${err.message}`),
    );
  }
}

/**
 * Fakes for the DictationController's ports (src/extension/dictation-ports.ts): an engine whose
 * every answer the test releases by hand, a document that refuses edits composed against an older
 * version (as the workbench does), and recorders for the status bar, the user messages and the log.
 */
import type { DictationSource, FinalEvent } from '../../src/protocol';
import { DictationController } from '../../src/extension/dictation-controller';
import type { CommittedPhrase, DictationConfig, DictationDeps, DictationStats, DictationTarget, EngineLink, InsertOutcome, StatusState } from '../../src/extension/dictation-ports';
import { composeUntilAccepted } from '../../src/extension/edit-retry';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeEngine implements EngineLink {
  connecting = deferred<EngineLink>();
  loading: Deferred<void> | undefined;
  starts: { source: DictationSource; answer: Deferred<number> }[] = [];
  cancelled: (number | undefined)[] = [];
  stops = 0;

  startDictation(source: DictationSource): Promise<number> {
    const answer = deferred<number>();
    this.starts.push({ source, answer });
    return answer.promise;
  }
  stopDictation(): Promise<void> {
    this.stops++;
    return Promise.resolve();
  }
  cancelDictation(session?: number): Promise<number | null> {
    this.cancelled.push(session);
    return Promise.resolve(session ?? null);
  }
}

/** A document as the workbench holds it: an edit composed against an older version is refused. */
export class FakeDocument {
  text = '';
  cursor = 0;
  version = 0;
  /** Runs while an edit is on its way to the workbench (the user typing meanwhile). */
  duringRoundTrip: (() => void) | undefined;

  type(s: string): void {
    this.text = this.text.slice(0, this.cursor) + s + this.text.slice(this.cursor);
    this.cursor += s.length;
    this.version++;
  }

  async edit(compose: () => string): Promise<boolean> {
    const s = compose();
    const composedAt = { version: this.version, cursor: this.cursor };
    await Promise.resolve();
    const typing = this.duringRoundTrip;
    this.duringRoundTrip = undefined;
    typing?.();
    if (composedAt.version !== this.version) return false;
    this.type(s);
    return true;
  }
}

export const config: DictationConfig = {
  device: 'default',
  recognizer: {},
  voice: { spokenPunctuation: false, codeFormatting: false, voiceCommands: true, sendCommand: true, extra: [] },
  vocabularyBiasing: false,
  vocabulary: [],
};

export function final(session: number, utterance: number, text: string): FinalEvent {
  return { type: 'final', session, utterance, text, startSec: 0, endSec: 1, reason: 'endpoint', sentAt: 0 };
}

export function harness(options: { config?: DictationConfig } = {}) {
  const engine = new FakeEngine();
  /** The keyboard is in a Chat input (the tests move it). */
  const focus = { inChat: false };
  const commands: string[] = [];
  const doc = new FakeDocument();
  const status: StatusState[] = [];
  const clipboard: string[] = [];
  const logs: string[] = [];
  const committed: CommittedPhrase[] = [];
  const stats: DictationStats = { committed: 0, restarts: 0, startToListeningMs: [], finalToEditorMs: [] };
  let loadingCurrent = false;
  const target: DictationTarget = {
    readOnlyTarget: () => undefined,
    takesSend: () => focus.inChat,
    setReserving: () => undefined,
    showPartial: () => undefined,
    clearPartial: () => undefined,
    // Phrases are spaced as smart spacing would: composed against the text at the time of the try.
    commit: (phrase): Promise<InsertOutcome> =>
      composeUntilAccepted<InsertOutcome>(
        async () => ((await doc.edit(() => (doc.text && !doc.text.endsWith(' ') ? ' ' : '') + phrase)) ? { done: { inserted: true, where: 'editor', text: phrase } } : { refused: 'the document did not accept the edit' }),
        async () => {
          clipboard.push(phrase);
          return { inserted: false, where: 'clipboard', text: phrase };
        },
      ),
    runCommand: (name) => {
      commands.push(name);
      return Promise.resolve('done');
    },
  };
  const deps: DictationDeps = {
    engine: {
      connect: () => engine.connecting.promise,
      ready: () => {
        if (!engine.loading) return Promise.resolve();
        loadingCurrent = true;
        return engine.loading.promise.finally(() => (loadingCurrent = false));
      },
      loadingCurrentModel: () => loadingCurrent,
      current: () => engine,
    },
    target,
    status: { set: (s) => status.push(s), setLevel: () => undefined },
    ui: {
      setDictating: () => Promise.resolve(),
      readOnly: () => undefined,
      startFailed: (e) => logs.push(`start failed: ${String(e)}`),
      engineError: () => undefined,
      toClipboard: (t) => {
        clipboard.push(t);
        return Promise.resolve();
      },
      mappingError: () => undefined,
      ended: () => undefined,
    },
    clock: { now: () => 0, wallClock: () => 0 },
    log: { debug: (m) => logs.push(m), info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    config: () => options.config ?? config,
    vocabulary: () => Promise.resolve([]),
    stats,
    committed: (p) => committed.push(p),
  };
  const controller = new DictationController(deps);
  return { controller, engine, doc, status, clipboard, logs, committed, stats, focus, commands };
}

/** Starts a dictation on a fresh harness and lets the engine answer with `session`: the machine is listening. */
export async function listening(h: ReturnType<typeof harness>, session: number): Promise<void> {
  const started = h.controller.start();
  h.engine.connecting.resolve(h.engine);
  await settle();
  h.engine.starts[0].answer.resolve(session);
  await started;
}

/**
 * What the dictation state machine (dictation-controller.ts) needs from the world, as interfaces:
 * the engine, the place text goes, the status bar, the user-facing messages, the clock and the
 * log. murmur.ts gives it VS Code and the sidecar; the unit tests give it fakes. Nothing here
 * imports `vscode` (type-only imports are erased).
 */
import type { DictationSource, FinalEvent } from '../protocol';
import type { RecognizerOptions } from '../engine/recognizer';
import type { VoiceCommandName } from '../text/spoken-forms';
import type { MurmurConfig } from './config';

export type DictationState = 'idle' | 'starting' | 'listening' | 'stopping';
export type StatusState = 'idle' | 'starting' | 'loading' | 'listening' | 'processing' | 'error';

/** One running engine process: a dictation started on it is cancelled on that same process. */
export interface EngineLink {
  startDictation(source: DictationSource, options: Partial<RecognizerOptions>): Promise<number>;
  stopDictation(): Promise<void>;
  /** Ends that session only; resolves to the session ended, or null when it was not running. */
  cancelDictation(session?: number): Promise<number | null>;
}

export interface DictationEngine {
  /** The running engine, spawned if needed. */
  connect(): Promise<EngineLink>;
  /**
   * The configured model loaded on `link`. A load this call starts has been sent when it returns
   * (a startDictation sent next is bound to it). Rejects when the load fails, already reported.
   */
  ready(link: EngineLink): Promise<void>;
  /** A load for the current settings is running: the engine takes a dictation beside it. */
  loadingCurrentModel(): boolean;
  /** The engine running now, if any (stop and cancel go there). */
  current(): EngineLink | undefined;
}

export interface InsertOutcome {
  inserted: boolean;
  where: string;
  text: string;
}

/** Where text goes: the editor's cursors, a terminal, a workbench input or the clipboard (inserter.ts). */
export interface DictationTarget {
  /** The document that dictation would go into, when it cannot be edited. */
  readOnlyTarget(): { uri: string; name: string } | undefined;
  /** The keyboard is in a Chat input: "send it" may send the message there. */
  takesSend(): boolean;
  setReserving(on: boolean): void;
  showPartial(text: string, keepCase: boolean): void;
  clearPartial(): void;
  commit(phrase: string, keepCase: boolean): Promise<InsertOutcome>;
  runCommand(command: VoiceCommandName): Promise<string>;
}

export interface DictationStatus {
  set(state: StatusState, detail?: string): void;
  setLevel(peak: number): void;
}

/** What the user is told, and the editor context key; each decides its own wording. */
export interface DictationUi {
  setDictating(on: boolean): Promise<unknown>;
  readOnly(target: { uri: string; name: string }): void;
  /** Start Dictation failed for another reason than the model load (which reported itself). */
  startFailed(error: unknown): void;
  engineError(code: string, message: string): void;
  /** A phrase that could not be inserted: it goes to the clipboard and the user is told. */
  toClipboard(text: string): Promise<void>;
  mappingError(message: string): void;
  /** Dictation ended (push-to-talk resets). */
  ended(): void;
}

export interface Clock {
  /** Monotonic milliseconds, for durations. */
  now(): number;
  /** Wall-clock milliseconds, comparable with final.sentAt. */
  wallClock(): number;
}

export interface DictationLog {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type DictationConfig = Pick<MurmurConfig, 'device' | 'recognizer' | 'voice' | 'vocabularyBiasing' | 'vocabulary' | 'voiceMappingError'>;

export interface DictationStats {
  /** Finals committed to a target since activation (tests and the log use this). */
  committed: number;
  lastInsert?: { where: string; text: string };
  /** The last error shown to the user; `shown`: the notification's text, where it says more than `message`. */
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
  /** The family of the model the sidecar loaded last. */
  modelFamily?: string;
}

export interface CommittedPhrase {
  event: FinalEvent;
  where: string;
  text: string;
}

export interface DictationDeps {
  engine: DictationEngine;
  target: DictationTarget;
  status: DictationStatus;
  ui: DictationUi;
  clock: Clock;
  log: DictationLog;
  config(): DictationConfig;
  /** The words of the code in view, for vocabulary biasing. */
  vocabulary(extra: string[]): Promise<string[]>;
  stats: DictationStats;
  committed(phrase: CommittedPhrase): void;
}

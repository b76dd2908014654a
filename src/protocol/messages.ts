/**
 * Every message between the extension host and the sidecar, as types. Transport: Node IPC with
 * `serialization: 'json'`, one JSON object per message, in both directions validated on receipt by
 * validate.ts (the types alone promise nothing about what arrives).
 *
 * Host -> sidecar: requests, each with a numeric `id`; every request gets exactly one response with
 * that id. Sidecar -> host: responses and unsolicited events. Within one direction, order is kept.
 *
 * Only types and constant tables live here (no engine code), so the extension can `import type`
 * them without pulling the engine into the extension host bundle.
 */
import type { MurmurErrorCode } from '../engine/errors';
import type { LogLevel } from '../engine/log';
import type { CatalogEntry, DownloadProgress, DownloadResult } from '../engine/download/types';
import type { ComparisonRow, ExportOptions, ExportResult, ModelInspection } from '../engine/export/types';
import type { ModelLocation } from '../engine/models/spec';
import type { FinalEvent as EngineFinal, ModelFamily, RecognizerOptions } from '../engine/recognizer';

export type { LogLevel, ModelFamily, ModelLocation, RecognizerOptions };

/**
 * Wall-clock ms since the epoch with sub-millisecond resolution, the same clock in every process
 * on the machine: what FinalEvent.sentAt is stamped with and measured against.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

// ---- requests (host -> sidecar) -------------------------------------------------------------

export type DictationSource =
  /** `device` is the recorder's device name (arecord -D); omitted: "default". */
  | { kind: 'microphone'; device?: string }
  /** A WAV file (absolute path): fed as fast as the recognizer takes it, or paced in real time. */
  | { kind: 'file'; path: string; realtime: boolean };

/** Opens the conversation; a different major version gets an error response naming both. */
export interface HelloRequest {
  type: 'hello';
  id: number;
  version: string;
}

/** Loads a model, replacing (first disposing) the current one. Refused with BUSY while dictating or loading. */
export interface LoadModelRequest {
  type: 'loadModel';
  id: number;
  /** Paths must be absolute: the sidecar's working directory is not the user's. */
  location: ModelLocation;
  threads: number;
  vadPath?: string;
  cacheDir?: string;
}

export interface UnloadModelRequest {
  type: 'unloadModel';
  id: number;
}

export interface StartDictationRequest {
  type: 'startDictation';
  id: number;
  source: DictationSource;
  /** Merged over the options set by setOptions, for this dictation only. */
  options?: Partial<RecognizerOptions>;
}

/** Stops the source, decodes what was heard, emits its final and dictationEnded, then responds. */
export interface StopDictationRequest {
  type: 'stopDictation';
  id: number;
  /** Only this dictation: if another one (or none) is running it is left alone (`session: null`). */
  session?: number;
}

/** Stops the source and drops the open utterance: no final; dictationEnded {reason: 'cancelled'}. */
export interface CancelDictationRequest {
  type: 'cancelDictation';
  id: number;
  /** Only this dictation: if another one (or none) is running it is left alone (`session: null`). */
  session?: number;
}

/** Sets the recognizer options used from the next startDictation on. */
export interface SetOptionsRequest {
  type: 'setOptions';
  id: number;
  options: Partial<RecognizerOptions>;
}

export interface ListDevicesRequest {
  type: 'listDevices';
  id: number;
}

export interface PingRequest {
  type: 'ping';
  id: number;
}

/**
 * The sidecar's own process figures, for soak tests and bug reports: memory, open file
 * descriptors, live libuv resources (timers, pipes, processes) and child processes. Cheap (a few
 * /proc reads), answered in any state, never changes anything.
 */
export interface DiagnosticsRequest {
  type: 'diagnostics';
  id: number;
}

/** Ends any dictation, frees the model, responds, then the sidecar exits 0. */
export interface ShutdownRequest {
  type: 'shutdown';
  id: number;
}

// Model tools. Long work runs as a numbered task (the number is the host's choice): it reports
// taskProgress events and can be cancelled with cancelTask; its response comes when it is done.

/** Files, sizes, opset, quantisation and metadata of a model. */
export interface InspectModelRequest {
  type: 'inspectModel';
  id: number;
  location: ModelLocation;
}

/** Writes an optimised (ORT: memory-mappable) copy with a model card. BUSY while dictating or loading. */
export interface ExportModelRequest {
  type: 'exportModel';
  id: number;
  task: number;
  options: ExportOptions;
}

/** Measures each model in a fresh process on a clip (default: the bundled sample). BUSY while dictating. */
export interface CompareModelsRequest {
  type: 'compareModels';
  id: number;
  task: number;
  models: { label: string; location: ModelLocation }[];
  clipPath?: string;
  threads: number;
}

export interface ModelCatalogRequest {
  type: 'modelCatalog';
  id: number;
}

/**
 * Downloads a catalog entry (named by id: the host cannot make the sidecar fetch an arbitrary URL)
 * and installs it under modelsRoot/<id>. The only network access Murmur ever makes.
 */
export interface DownloadModelRequest {
  type: 'downloadModel';
  id: number;
  task: number;
  entryId: string;
  modelsRoot: string;
}

/** Cancels a running task; it then fails with CANCELLED. `cancelled: false`: no such task running. */
export interface CancelTaskRequest {
  type: 'cancelTask';
  id: number;
  task: number;
}

export type Request =
  | HelloRequest
  | InspectModelRequest
  | ExportModelRequest
  | CompareModelsRequest
  | ModelCatalogRequest
  | DownloadModelRequest
  | CancelTaskRequest
  | LoadModelRequest
  | UnloadModelRequest
  | StartDictationRequest
  | StopDictationRequest
  | CancelDictationRequest
  | SetOptionsRequest
  | ListDevicesRequest
  | PingRequest
  | DiagnosticsRequest
  | ShutdownRequest;

export type RequestType = Request['type'];

/** A request as the host writes it before the id is assigned. */
export type RequestBody<K extends RequestType> = Omit<Extract<Request, { type: K }>, 'id'>;

export const REQUEST_TYPES: readonly RequestType[] = [
  'hello',
  'loadModel',
  'unloadModel',
  'startDictation',
  'stopDictation',
  'cancelDictation',
  'setOptions',
  'listDevices',
  'ping',
  'shutdown',
  'inspectModel',
  'exportModel',
  'compareModels',
  'modelCatalog',
  'downloadModel',
  'cancelTask',
  'diagnostics',
];

// ---- responses (sidecar -> host) ------------------------------------------------------------

/** How the model bytes reached onnxruntime: memory-mapped ORT, read into memory, or ONNX by path. */
export type ModelVia = 'mmap' | 'read' | 'path' | 'mixed' | 'unknown';

export interface ModelInfo {
  family: ModelFamily;
  description: string;
  loadMs: number;
  via: ModelVia;
}

export interface AudioDevice {
  /** What to pass as the microphone source's `device`. */
  name: string;
  description: string;
}

/** What a diagnostics request reports, read when the request is handled. */
export interface SidecarDiagnostics {
  /** process.memoryUsage(): resident set, V8 heap in use, memory of C++ objects bound to JS (buffers, typed arrays). */
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap committed (used + free pages V8 keeps, e.g. its young generation). */
  heapTotalBytes: number;
  externalBytes: number;
  /** Open file descriptors (entries of /proc/self/fd), or -1 where there is no /proc. */
  openFds: number;
  /** process.getActiveResourcesInfo() counted by kind, e.g. { Timeout: 2, PipeWrap: 3 }; {} when unavailable. */
  activeResources: Record<string, number>;
  /** Live (not exited) child processes of the sidecar: the recorder while dictating, probes while comparing. */
  childPids: number[];
}

/** The `result` of a successful response, by request type. */
export interface ResultMap {
  hello: { version: string; pid: number; node: string; electron?: string };
  loadModel: ModelInfo;
  unloadModel: { unloaded: boolean };
  startDictation: { session: number };
  /** `session: null`: nothing was being dictated. */
  stopDictation: { session: number | null };
  cancelDictation: { session: number | null };
  setOptions: { options: RecognizerOptions };
  listDevices: { devices: AudioDevice[] };
  ping: { uptimeMs: number };
  diagnostics: SidecarDiagnostics;
  shutdown: Record<string, never>;
  inspectModel: ModelInspection;
  exportModel: ExportResult;
  compareModels: { rows: ComparisonRow[] };
  modelCatalog: { entries: CatalogEntry[] };
  downloadModel: DownloadResult;
  cancelTask: { cancelled: boolean };
}

/** Every code an error can carry: the engine's, plus the handshake's own. */
export type ErrorCode = MurmurErrorCode | 'PROTOCOL_VERSION';

/** Runtime list of ErrorCode; the Record type makes the compiler flag a code added to errors.ts. */
const ERROR_CODE_TABLE: Record<ErrorCode, true> = {
  MODEL_NOT_FOUND: true,
  MODEL_FILE_MISSING: true,
  MODEL_NOT_ONNX: true,
  MODEL_TRUNCATED: true,
  MODEL_WRONG_FAMILY: true,
  MODEL_DEEPSPEECH: true,
  MODEL_TOKENS_MISMATCH: true,
  MODEL_LOAD_FAILED: true,
  MODEL_UNSAFE: true,
  CACHE_UNSAFE: true,
  AUDIO_UNSUPPORTED: true,
  AUDIO_NOT_FOUND: true,
  MIC_RECORDER_MISSING: true,
  MIC_DEVICE_ERROR: true,
  MIC_DEVICE_REFUSED: true,
  PROTOCOL_INVALID: true,
  PROTOCOL_VERSION: true,
  EXPORT_EXISTS: true,
  EXPORT_UNWRITABLE: true,
  EXPORT_UNSUPPORTED: true,
  DISK_FULL: true,
  DOWNLOAD_FAILED: true,
  DOWNLOAD_CHECKSUM: true,
  DOWNLOAD_TRUNCATED: true,
  ARCHIVE_INVALID: true,
  CANCELLED: true,
  BUSY: true,
  NO_MODEL: true,
  INTERNAL: true,
};
export const ERROR_CODES = Object.keys(ERROR_CODE_TABLE) as readonly ErrorCode[];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
}

export interface SuccessResponse<R = unknown> {
  type: 'response';
  id: number;
  ok: true;
  result: R;
}

export interface ErrorResponse {
  type: 'response';
  id: number;
  ok: false;
  error: ErrorInfo;
}

/** `result` is checked against ResultMap with validateResult once the host knows the request type. */
export type Response = SuccessResponse | ErrorResponse;

// ---- events (sidecar -> host) ---------------------------------------------------------------

/**
 * idle: no model. loading: a model is loading. ready: a model is loaded, nothing is dictated.
 * listening: a dictation is running. processing: a stop is decoding the last audio.
 * error: the last model load failed (no model is loaded).
 */
export type SidecarState = 'idle' | 'loading' | 'ready' | 'listening' | 'processing' | 'error';
export const SIDECAR_STATES: readonly SidecarState[] = ['idle', 'loading', 'ready', 'listening', 'processing', 'error'];

export interface StateEvent {
  type: 'state';
  state: SidecarState;
}

/** The whole hypothesis of the open utterance (not a delta). */
export interface PartialEvent {
  type: 'partial';
  session: number;
  utterance: number;
  text: string;
}

export type FinalReason = EngineFinal['reason'];
export const FINAL_REASONS: readonly FinalReason[] = ['endpoint', 'max-length', 'end-of-input'];

export interface FinalEvent {
  type: 'final';
  session: number;
  utterance: number;
  text: string;
  startSec: number;
  endSec: number;
  reason: FinalReason;
  /**
   * When the sidecar sent it (wallClockMs). Both processes share the clock, so the extension logs
   * and benchmarks "final sent -> text in the document" against it, IPC included.
   */
  sentAt: number;
}

/** Input level of the audio received since the previous level event, linear in [0, 1]; about 20 Hz. */
export interface LevelEvent {
  type: 'level';
  rms: number;
  peak: number;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LogEvent {
  type: 'log';
  level: LogLevel;
  message: string;
}

/** Something went wrong outside a request (recorder died, a malformed message without a usable id). */
export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  /** True when the sidecar is about to exit. */
  fatal?: boolean;
}

export interface ModelLoadedEvent extends ModelInfo {
  type: 'modelLoaded';
}

/** Progress of a task (export, comparison, download). Downloads add the byte counts and phase. */
export interface TaskProgressEvent {
  type: 'taskProgress';
  task: number;
  /** 0..1 */
  fraction: number;
  message: string;
  phase?: DownloadProgress['phase'];
  receivedBytes?: number;
  totalBytes?: number;
  /** A download that continued a partial file. */
  resumed?: boolean;
}

export type DictationEndReason = 'stopped' | 'cancelled' | 'end-of-file' | 'error';
export const DICTATION_END_REASONS: readonly DictationEndReason[] = ['stopped', 'cancelled', 'end-of-file', 'error'];

export interface DictationEndedEvent {
  type: 'dictationEnded';
  session: number;
  reason: DictationEndReason;
}

export type SidecarEvent = StateEvent | PartialEvent | FinalEvent | LevelEvent | LogEvent | ErrorEvent | ModelLoadedEvent | DictationEndedEvent | TaskProgressEvent;
export type SidecarEventType = SidecarEvent['type'];

/** Everything the sidecar sends. */
export type SidecarMessage = Response | SidecarEvent;

/** Largest message accepted, in bytes of JSON (UTF-16 units, near enough): far above any real one. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

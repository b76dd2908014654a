/**
 * Every message between the extension host and the sidecar, each declared once: a request is one
 * entry of REQUESTS (its fields and its result's shape), an event one entry of EVENTS. The
 * TypeScript types and the runtime checks (validate.ts) both follow from these tables (schema.ts),
 * so adding a request is one entry here plus its handler in the sidecar (the compiler asks for it).
 *
 * Transport: Node IPC with `serialization: 'json'`, one JSON object per message, in both directions
 * validated on receipt (the types alone promise nothing about what arrives). Host -> sidecar:
 * requests, each with a numeric `id`; every request gets exactly one response with that id.
 * Sidecar -> host: responses and unsolicited events. Within one direction, order is kept.
 *
 * No engine code lives here (engine types only, and the language code pattern from the pure
 * engine/languages.ts), so the extension does not pull the engine into the extension host bundle.
 */
import type { MurmurErrorCode } from '../engine/errors';
import type { LogLevel } from '../engine/log';
import type { ModelLocation } from '../engine/models/spec';
import { LANGUAGE_MAX_LENGTH, LANGUAGE_PATTERN } from '../engine/languages';
import type { FinalEvent as EngineFinal, ModelFamily, RecognizerOptions } from '../engine/recognizer';
import { Invalid, name as nameCheck, record } from './check';
import { LIMITS } from './limits';
import {
  catalogEntries,
  comparisonRow,
  DOWNLOAD_PHASES,
  downloadResult,
  exportOptions,
  exportResult,
  label,
  MODEL_FAMILIES,
  modelInspection,
  modelLocation,
} from './model-tools';
import { absPath, arr, bool, custom, map, nullable, num, obj, oneOf, optional, partial, str, tagged, type Infer, type Schema, type TaggedUnion } from './schema';

export type { LogLevel, ModelFamily, ModelLocation, RecognizerOptions };

/**
 * Wall-clock ms since the epoch with sub-millisecond resolution, the same clock in every process
 * on the machine: what FinalEvent.sentAt is stamped with and measured against.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** More child processes than this would be a bug of its own; the list stays bounded. */
const MAX_CHILD_PIDS = 1024;
const MAX_RESOURCE_KINDS = 256;

// ---- shared shapes ----------------------------------------------------------------------------

/** Request ids, sessions, utterances and task numbers. */
const counter = num({ min: 0, int: true });
const threads = num({ min: 1, max: 64, int: true });
const text = str({ max: LIMITS.text });
/** A string handed to a process or the file system: no NUL, bounded. */
const processName = custom(nameCheck);

/** Vocabulary terms per dictation (the extension gathers at most 2000 plus the user's list). */
const MAX_HOTWORDS = 5000;

/** Bounds are what makes sense for a person dictating, wide enough never to bite a real setting. */
const recognizerOptionFields = {
  partials: bool,
  partialIntervalMs: num({ min: 0, max: 60_000 }),
  endpointing: bool,
  endpointSilenceMs: num({ min: 10, max: 60_000 }),
  maxUtteranceSec: num({ min: 0.5, max: 600 }),
  decoding: oneOf(['greedy', 'modified-beam-search'] as const),
  beamSize: num({ min: 1, max: 64, int: true }),
  normalizeGain: bool,
  hotwords: optional(arr(str({ nonEmpty: true, max: 128 }), MAX_HOTWORDS, 'an array of words')),
  hotwordScore: optional(num({ min: 0, max: 20 })),
  /** murmur.language: "auto" or a language code (engine/languages.ts). */
  language: optional(str({ max: LANGUAGE_MAX_LENGTH, pattern: LANGUAGE_PATTERN, expected: '"auto" or a language code such as de' })),
};
/** The options in force (setOptions' answer), checked against the engine's own type. */
export const recognizerOptions: Schema<RecognizerOptions> = obj(recognizerOptionFields);
/** Options to merge over those in force: any subset. */
export const recognizerOptionsUpdate: Schema<Partial<RecognizerOptions>> = partial(recognizerOptionFields);

/**
 * Where a dictation's audio comes from. microphone: `device` is the recorder's device name
 * (arecord -D); omitted: "default". file: a WAV file (absolute path), fed as fast as the recognizer
 * takes it, or paced in real time.
 */
const dictationSource = tagged('kind', {
  microphone: { device: optional(processName) },
  file: { path: absPath, realtime: bool },
});
export type DictationSource = Infer<typeof dictationSource>;

/** How the model bytes reached onnxruntime: memory-mapped ORT, read into memory, or ONNX by path. */
const MODEL_VIAS = ['mmap', 'read', 'path', 'mixed', 'unknown'] as const;
export type ModelVia = (typeof MODEL_VIAS)[number];

const modelInfoFields = {
  family: oneOf(MODEL_FAMILIES),
  description: str({ max: LIMITS.field }),
  loadMs: num({ min: 0 }),
  via: oneOf(MODEL_VIAS),
};
const modelInfo = obj(modelInfoFields);
export type ModelInfo = Infer<typeof modelInfo>;

const audioDevice = obj({
  /** What to pass as the microphone source's `device`. */
  name: processName,
  description: str({ max: LIMITS.field }),
});
export type AudioDevice = Infer<typeof audioDevice>;

/** Resource kinds are libuv/Node type names ("Timeout", "PipeWrap"): short identifiers, a few dozen at most. */
const resourceKind = str({ max: 64, pattern: /^[A-Za-z][A-Za-z0-9_]{0,63}$/, expected: 'a resource kind name (letters, digits, "_")' });
const resourceCounts = custom((v, at) => {
  const kinds = Object.keys(record(v, at));
  if (kinds.length > MAX_RESOURCE_KINDS) throw new Invalid(`${at}: more than ${MAX_RESOURCE_KINDS} kinds`);
  for (const k of kinds) resourceKind.check(k, `${at} key`);
  return map(counter, { maxEntries: MAX_RESOURCE_KINDS, key: resourceKind }).check(v, at);
});

/** What a diagnostics request reports, read when the request is handled. */
const sidecarDiagnostics = obj({
  /** process.memoryUsage(): resident set, V8 heap in use, memory of C++ objects bound to JS (buffers, typed arrays). */
  rssBytes: counter,
  heapUsedBytes: counter,
  /** V8 heap committed (used + free pages V8 keeps, e.g. its young generation). */
  heapTotalBytes: counter,
  externalBytes: counter,
  /** Open file descriptors (entries of /proc/self/fd), or -1 where there is no /proc. */
  openFds: num({ min: -1, int: true }),
  /** process.getActiveResourcesInfo() counted by kind, e.g. { Timeout: 2, PipeWrap: 3 }; {} when unavailable. */
  activeResources: resourceCounts,
  /** Live (not exited) child processes of the sidecar: the recorder while dictating, probes while comparing. */
  childPids: arr(num({ min: 1, int: true }), MAX_CHILD_PIDS),
});
export type SidecarDiagnostics = Infer<typeof sidecarDiagnostics>;

// ---- requests (host -> sidecar) and their results -----------------------------------------------

/**
 * Every request: its fields (besides `type` and `id`) and the shape of its result. Model tools'
 * long work runs as a numbered task (`task`, the host's choice: its request id): it reports
 * taskProgress events and can be cancelled with cancelTask; its response comes when it is done.
 */
const REQUESTS = {
  /** Opens the conversation; a different major version gets an error response naming both. */
  hello: {
    request: { version: str({ nonEmpty: true, max: 64 }) },
    result: obj({ version: str({ nonEmpty: true, max: 64 }), pid: counter, node: str({ max: 64 }), electron: optional(str({ max: 64 })) }),
  },
  /**
   * Loads a model, replacing (first disposing) the current one. Refused with BUSY while dictating
   * or loading. Paths must be absolute: the sidecar's working directory is not the user's.
   */
  loadModel: {
    request: { location: modelLocation, threads, vadPath: optional(absPath), cacheDir: optional(absPath) },
    result: modelInfo,
  },
  unloadModel: { request: {}, result: obj({ unloaded: bool }) },
  /** `options` are merged over the options set by setOptions, for this dictation only. */
  startDictation: {
    request: { source: dictationSource, options: optional(recognizerOptionsUpdate) },
    result: obj({ session: counter }),
  },
  /**
   * Stops the source, decodes what was heard, emits its final and dictationEnded, then responds.
   * With `session`, only that dictation: if another one (or none) is running it is left alone
   * (`session: null` in the result, as when nothing was being dictated).
   */
  stopDictation: { request: { session: optional(counter) }, result: obj({ session: nullable(counter) }) },
  /** Stops the source and drops the open utterance: no final; dictationEnded {reason: 'cancelled'}. */
  cancelDictation: { request: { session: optional(counter) }, result: obj({ session: nullable(counter) }) },
  /** Sets the recognizer options used from the next startDictation on; answers those in force. */
  setOptions: { request: { options: recognizerOptionsUpdate }, result: obj({ options: recognizerOptions }) },
  listDevices: { request: {}, result: obj({ devices: arr(audioDevice, 1000) }) },
  ping: { request: {}, result: obj({ uptimeMs: num({ min: 0 }) }) },
  /** Ends any dictation, frees the model, responds, then the sidecar exits 0. */
  shutdown: { request: {}, result: obj({}) },
  /** Files, sizes, opset, quantisation and metadata of a model. */
  inspectModel: { request: { location: modelLocation }, result: modelInspection },
  /** Writes an optimised (ORT: memory-mappable) copy with a model card. BUSY while dictating or loading. */
  exportModel: { request: { task: counter, options: exportOptions }, result: exportResult },
  /** Measures each model in a fresh process on a clip (default: the bundled sample). BUSY while dictating. */
  compareModels: {
    request: { task: counter, models: arr(obj({ label, location: modelLocation }), 8), threads, clipPath: optional(absPath) },
    result: obj({ rows: arr(comparisonRow, 8) }),
  },
  modelCatalog: { request: {}, result: obj({ entries: catalogEntries }) },
  /**
   * Downloads a catalog entry (named by id: the host cannot make the sidecar fetch an arbitrary
   * URL) and installs it under modelsRoot/<id>. The only network access Murmur ever makes.
   */
  downloadModel: {
    request: { task: counter, entryId: str({ nonEmpty: true, max: 128 }), modelsRoot: absPath },
    result: downloadResult,
  },
  /** Cancels a running task; it then fails with CANCELLED. `cancelled: false`: no such task running. */
  cancelTask: { request: { task: counter }, result: obj({ cancelled: bool }) },
  /**
   * The sidecar's own process figures, for soak tests and bug reports: memory, open file
   * descriptors, live libuv resources and child processes. Cheap (a few /proc reads), answered in
   * any state, never changes anything.
   */
  diagnostics: { request: {}, result: sidecarDiagnostics },
} satisfies Record<string, { request: Fields; result: Schema<unknown> }>;

type Fields = Record<string, Schema<unknown>>;
type Requests = typeof REQUESTS;
type RequestFields = { [K in keyof Requests]: Requests[K]['request'] };

export type RequestType = keyof Requests;
export type Request = TaggedUnion<'type', RequestFields, { id: typeof counter }>;
/** A request as the host writes it before the id is assigned. */
export type RequestBody<K extends RequestType> = Omit<Extract<Request, { type: K }>, 'id'>;
/** The `result` of a successful response, by request type. */
export type ResultMap = { [K in RequestType]: Infer<Requests[K]['result']> };

export const REQUEST_TYPES = Object.keys(REQUESTS) as readonly RequestType[];
/** Each request's fields, for validate.ts. */
export const REQUEST_FIELDS: RequestFields = Object.fromEntries(REQUEST_TYPES.map((t) => [t, REQUESTS[t].request])) as RequestFields;
/** The id every request carries, checked first. */
export const REQUEST_HEAD = { id: counter };
/** Each result's schema, for validate.ts (the entries of REQUESTS, by the same keys). */
export const RESULT_SCHEMAS = Object.fromEntries(REQUEST_TYPES.map((t) => [t, REQUESTS[t].result])) as unknown as {
  [K in RequestType]: Schema<ResultMap[K]>;
};

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

export const errorInfo = obj({ code: oneOf(ERROR_CODES), message: text });
export type ErrorInfo = Infer<typeof errorInfo>;

/** `result` is checked against its request's result schema (validateResult) once the host knows the request type. */
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
export type Response = SuccessResponse | ErrorResponse;

// ---- events (sidecar -> host) ---------------------------------------------------------------

/**
 * idle: no model. loading: a model is loading. ready: a model is loaded, nothing is dictated.
 * listening: a dictation is running. processing: a stop is decoding the last audio.
 * error: the last model load failed (no model is loaded).
 */
export const SIDECAR_STATES = ['idle', 'loading', 'ready', 'listening', 'processing', 'error'] as const;
export type SidecarState = (typeof SIDECAR_STATES)[number];

export type FinalReason = EngineFinal['reason'];
export const FINAL_REASONS: readonly FinalReason[] = ['endpoint', 'max-length', 'end-of-input'];
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
export const DICTATION_END_REASONS = ['stopped', 'cancelled', 'end-of-file', 'error'] as const;
export type DictationEndReason = (typeof DICTATION_END_REASONS)[number];

/** Every event: its fields besides `type`. */
const EVENTS = {
  state: { state: oneOf(SIDECAR_STATES) },
  /** The whole hypothesis of the open utterance (not a delta). */
  partial: { session: counter, utterance: counter, text },
  final: {
    session: counter,
    utterance: counter,
    text,
    startSec: num({ min: 0 }),
    endSec: num({ min: 0 }),
    reason: oneOf(FINAL_REASONS),
    /**
     * When the sidecar sent it (wallClockMs). Both processes share the clock, so the extension logs
     * and benchmarks "final sent -> text in the document" against it, IPC included.
     */
    sentAt: num({ min: 0 }),
  },
  /** Input level of the audio received since the previous level event, linear in [0, 1]; about 20 Hz. */
  level: { rms: num({ min: 0, max: 1 }), peak: num({ min: 0, max: 1 }) },
  log: { level: oneOf(LOG_LEVELS), message: text },
  /** Something went wrong outside a request (recorder died, a malformed message without a usable id). `fatal`: the sidecar is about to exit. */
  error: { ...errorInfo.shape, fatal: optional(bool) },
  modelLoaded: modelInfoFields,
  dictationEnded: { session: counter, reason: oneOf(DICTATION_END_REASONS) },
  /** Progress of a task (export, comparison, download). Downloads add the byte counts, the phase and whether a partial file was continued. */
  taskProgress: {
    task: counter,
    fraction: num({ min: 0, max: 1 }),
    message: str({ max: LIMITS.field }),
    phase: optional(oneOf(DOWNLOAD_PHASES)),
    receivedBytes: optional(counter),
    totalBytes: optional(counter),
    resumed: optional(bool),
  },
} satisfies Record<string, Fields>;

export const EVENT_FIELDS = EVENTS;
export type SidecarEvent = TaggedUnion<'type', typeof EVENTS>;
export type SidecarEventType = SidecarEvent['type'];
export const EVENT_TYPES = Object.keys(EVENTS) as readonly SidecarEventType[];
export type StateEvent = Extract<SidecarEvent, { type: 'state' }>;
export type PartialEvent = Extract<SidecarEvent, { type: 'partial' }>;
export type FinalEvent = Extract<SidecarEvent, { type: 'final' }>;
export type ErrorEvent = Extract<SidecarEvent, { type: 'error' }>;
export type TaskProgressEvent = Extract<SidecarEvent, { type: 'taskProgress' }>;

/** Everything the sidecar sends. */
export type SidecarMessage = Response | SidecarEvent;

/** Largest message accepted, in bytes of JSON (UTF-16 units, near enough): far above any real one. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

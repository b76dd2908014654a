/**
 * Runtime validation of every message, in both directions. Each validator takes what arrived and
 * returns either the typed message, rebuilt from the checked fields only, or the reason it was
 * refused: the path of the first bad field and what was expected there, e.g.
 * `loadModel.threads: expected an integer from 1 to 64, got the number 0`.
 *
 * Unknown fields are ignored (and dropped): a minor protocol version may add optional fields.
 * Unknown message types, missing or mistyped fields, and messages over MAX_MESSAGE_BYTES are refused.
 */
import {
  DICTATION_END_REASONS,
  ERROR_CODES,
  FINAL_REASONS,
  LOG_LEVELS,
  MAX_MESSAGE_BYTES,
  REQUEST_TYPES,
  SIDECAR_STATES,
  type AudioDevice,
  type DictationSource,
  type ErrorInfo,
  type ModelInfo,
  type ModelLocation,
  type ModelVia,
  type RecognizerOptions,
  type Request,
  type RequestType,
  type Response,
  type ResultMap,
  type SidecarDiagnostics,
  type SidecarEvent,
  type SidecarEventType,
  type SidecarMessage,
} from './messages';
import { absolutePath, boolean, fail, integer, Invalid, jsonSizeUpTo, name, number, oneOf, optional, record, string } from './check';
import { arrayOf, catalogEntry, comparisonRow, downloadResult, exportOptions, exportResult, MODEL_FAMILIES, modelInspection, modelLocation } from './model-tools';

export type Validation<T> = { ok: true; value: T } | { ok: false; reason: string };

const MODEL_VIAS: readonly ModelVia[] = ['mmap', 'read', 'path', 'mixed', 'unknown'];
const MAX_TEXT = 64 * 1024;
/** Vocabulary terms per dictation (the extension gathers at most 2000 plus the user's list). */
const MAX_HOTWORDS = 5000;

function run<T>(check: () => T): Validation<T> {
  try {
    return { ok: true, value: check() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.reason };
    throw e;
  }
}

function envelope(raw: unknown): Record<string, unknown> {
  const o = record(raw, 'message');
  const size = jsonSizeUpTo(raw, MAX_MESSAGE_BYTES);
  if (size > MAX_MESSAGE_BYTES) throw new Invalid(`message: larger than the ${MAX_MESSAGE_BYTES}-byte limit`);
  return o;
}

const id = (v: unknown, at: string): number => integer(v, at, 0, Number.MAX_SAFE_INTEGER);

/** The request id of a message that may be malformed otherwise, so its error response can carry it. */
export function readableId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const v = (raw as Record<string, unknown>).id;
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

// ---- shared pieces ----------------------------------------------------------------------------

const location = (v: unknown, at: string): ModelLocation => modelLocation.check(v, at);
const task = (v: unknown, at: string): number => integer(v, at, 0, Number.MAX_SAFE_INTEGER);

/** Bounds are what makes sense for a person dictating, wide enough never to bite a real setting. */
export function recognizerOptions(v: unknown, at: string): Partial<RecognizerOptions> {
  const o = record(v, at);
  const out: Partial<RecognizerOptions> = {};
  const set = <K extends keyof RecognizerOptions>(key: K, check: (x: unknown, p: string) => RecognizerOptions[K]) => {
    const x = optional(o, key, at, check);
    if (x !== undefined) out[key] = x;
  };
  set('partials', boolean);
  set('partialIntervalMs', (x, p) => number(x, p, 0, 60_000));
  set('endpointing', boolean);
  set('endpointSilenceMs', (x, p) => number(x, p, 10, 60_000));
  set('maxUtteranceSec', (x, p) => number(x, p, 0.5, 600));
  set('decoding', (x, p) => oneOf(x, p, ['greedy', 'modified-beam-search'] as const));
  set('beamSize', (x, p) => integer(x, p, 1, 64));
  set('normalizeGain', boolean);
  set('hotwords', (x, p) => {
    if (!Array.isArray(x)) fail(p, 'an array of words', x);
    return arrayOf(x, p, (w, q) => string(w, q, { nonEmpty: true, max: 128 }), MAX_HOTWORDS);
  });
  set('hotwordScore', (x, p) => number(x, p, 0, 20));
  return out;
}

function fullRecognizerOptions(v: unknown, at: string): RecognizerOptions {
  const o = record(v, at);
  const p = recognizerOptions(o, at);
  const req = <K extends keyof RecognizerOptions>(key: K): RecognizerOptions[K] => {
    const x = p[key];
    if (x === undefined) fail(`${at}.${key}`, 'a value', o[key]);
    return x;
  };
  return {
    partials: req('partials'),
    partialIntervalMs: req('partialIntervalMs'),
    endpointing: req('endpointing'),
    endpointSilenceMs: req('endpointSilenceMs'),
    maxUtteranceSec: req('maxUtteranceSec'),
    decoding: req('decoding'),
    beamSize: req('beamSize'),
    normalizeGain: req('normalizeGain'),
    ...(p.hotwords ? { hotwords: p.hotwords } : {}),
    ...(p.hotwordScore !== undefined ? { hotwordScore: p.hotwordScore } : {}),
  };
}

function source(v: unknown, at: string): DictationSource {
  const o = record(v, at);
  const kind = oneOf(o.kind, `${at}.kind`, ['microphone', 'file'] as const);
  if (kind === 'file') return { kind, path: absolutePath(o.path, `${at}.path`), realtime: boolean(o.realtime, `${at}.realtime`) };
  const device = optional(o, 'device', at, name);
  return device === undefined ? { kind } : { kind, device };
}

// ---- requests ---------------------------------------------------------------------------------

type RequestOf<K extends RequestType> = Extract<Request, { type: K }>;
type RequestChecks = { [K in RequestType]: (o: Record<string, unknown>, id: number, at: string) => RequestOf<K> };

/** Adds the optional `session` a stop or cancel may be limited to. */
function withSession<R extends RequestOf<'stopDictation' | 'cancelDictation'>>(r: R, o: Record<string, unknown>, at: string): R {
  const session = optional(o, 'session', at, id);
  return session === undefined ? r : { ...r, session };
}

const requestChecks: RequestChecks = {
  hello: (o, id, at) => ({ type: 'hello', id, version: string(o.version, `${at}.version`, { nonEmpty: true, max: 64 }) }),
  loadModel: (o, id, at) => {
    const out: RequestOf<'loadModel'> = { type: 'loadModel', id, location: location(o.location, `${at}.location`), threads: integer(o.threads, `${at}.threads`, 1, 64) };
    const vadPath = optional(o, 'vadPath', at, absolutePath);
    const cacheDir = optional(o, 'cacheDir', at, absolutePath);
    if (vadPath !== undefined) out.vadPath = vadPath;
    if (cacheDir !== undefined) out.cacheDir = cacheDir;
    return out;
  },
  unloadModel: (_o, id) => ({ type: 'unloadModel', id }),
  startDictation: (o, id, at) => {
    const out: RequestOf<'startDictation'> = { type: 'startDictation', id, source: source(o.source, `${at}.source`) };
    const options = optional(o, 'options', at, recognizerOptions);
    if (options !== undefined) out.options = options;
    return out;
  },
  stopDictation: (o, id, at) => withSession({ type: 'stopDictation', id }, o, at),
  cancelDictation: (o, id, at) => withSession({ type: 'cancelDictation', id }, o, at),
  setOptions: (o, id, at) => ({ type: 'setOptions', id, options: recognizerOptions(o.options, `${at}.options`) }),
  listDevices: (_o, id) => ({ type: 'listDevices', id }),
  ping: (_o, id) => ({ type: 'ping', id }),
  shutdown: (_o, id) => ({ type: 'shutdown', id }),
  inspectModel: (o, id, at) => ({ type: 'inspectModel', id, location: location(o.location, `${at}.location`) }),
  exportModel: (o, id, at) => ({ type: 'exportModel', id, task: task(o.task, `${at}.task`), options: exportOptions.check(o.options, `${at}.options`) }),
  compareModels: (o, id, at) => {
    const out: RequestOf<'compareModels'> = {
      type: 'compareModels',
      id,
      task: task(o.task, `${at}.task`),
      models: arrayOf(o.models, `${at}.models`, (x, p) => {
        const m = record(x, p);
        return { label: string(m.label, `${p}.label`, { nonEmpty: true, max: 256 }), location: location(m.location, `${p}.location`) };
      }, 8),
      threads: integer(o.threads, `${at}.threads`, 1, 64),
    };
    const clip = optional(o, 'clipPath', at, absolutePath);
    if (clip !== undefined) out.clipPath = clip;
    return out;
  },
  modelCatalog: (_o, id) => ({ type: 'modelCatalog', id }),
  downloadModel: (o, id, at) => ({
    type: 'downloadModel',
    id,
    task: task(o.task, `${at}.task`),
    entryId: string(o.entryId, `${at}.entryId`, { nonEmpty: true, max: 128 }),
    modelsRoot: absolutePath(o.modelsRoot, `${at}.modelsRoot`),
  }),
  cancelTask: (o, id, at) => ({ type: 'cancelTask', id, task: task(o.task, `${at}.task`) }),
  diagnostics: (_o, id) => ({ type: 'diagnostics', id }),
};

function checkRequest<K extends RequestType>(type: K, o: Record<string, unknown>, id: number): RequestOf<K> {
  return requestChecks[type](o, id, type);
}

/** Host -> sidecar. */
export function validateRequest(raw: unknown): Validation<Request> {
  return run(() => {
    const o = envelope(raw);
    const type = oneOf(o.type, 'message.type', REQUEST_TYPES);
    return checkRequest(type, o, id(o.id, `${type}.id`));
  });
}

// ---- results ----------------------------------------------------------------------------------

function modelInfo(o: Record<string, unknown>, at: string): ModelInfo {
  return {
    family: oneOf(o.family, `${at}.family`, MODEL_FAMILIES),
    description: string(o.description, `${at}.description`, { max: 4096 }),
    loadMs: number(o.loadMs, `${at}.loadMs`, 0),
    via: oneOf(o.via, `${at}.via`, MODEL_VIAS),
  };
}

function device(v: unknown, at: string): AudioDevice {
  const o = record(v, at);
  return { name: name(o.name, `${at}.name`), description: string(o.description, `${at}.description`, { max: 4096 }) };
}

/** Resource kinds are libuv/Node type names ("Timeout", "PipeWrap"): short identifiers, a few dozen at most. */
const RESOURCE_KIND = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_RESOURCE_KINDS = 256;
/** More child processes than this would be a bug of its own; the list stays bounded. */
const MAX_CHILD_PIDS = 1024;
const count = (v: unknown, at: string): number => integer(v, at, 0, Number.MAX_SAFE_INTEGER);

function resourceCounts(v: unknown, at: string): Record<string, number> {
  const o = record(v, at);
  const keys = Object.keys(o);
  if (keys.length > MAX_RESOURCE_KINDS) throw new Invalid(`${at}: more than ${MAX_RESOURCE_KINDS} kinds`);
  const out: Record<string, number> = {};
  for (const k of keys) {
    if (!RESOURCE_KIND.test(k)) fail(`${at} key`, 'a resource kind name (letters, digits, "_")', k);
    out[k] = count(o[k], `${at}.${k}`);
  }
  return out;
}

function diagnostics(o: Record<string, unknown>, at: string): SidecarDiagnostics {
  return {
    rssBytes: count(o.rssBytes, `${at}.rssBytes`),
    heapUsedBytes: count(o.heapUsedBytes, `${at}.heapUsedBytes`),
    heapTotalBytes: count(o.heapTotalBytes, `${at}.heapTotalBytes`),
    externalBytes: count(o.externalBytes, `${at}.externalBytes`),
    openFds: integer(o.openFds, `${at}.openFds`, -1, Number.MAX_SAFE_INTEGER),
    activeResources: resourceCounts(o.activeResources, `${at}.activeResources`),
    childPids: arrayOf(o.childPids, `${at}.childPids`, (x, p) => integer(x, p, 1, Number.MAX_SAFE_INTEGER), MAX_CHILD_PIDS),
  };
}

const sessionOrNull = (v: unknown, at: string): number | null => (v === null ? null : id(v, at));

type ResultChecks = { [K in RequestType]: (o: Record<string, unknown>, at: string) => ResultMap[K] };

const resultChecks: ResultChecks = {
  hello: (o, at) => {
    const out: ResultMap['hello'] = { version: string(o.version, `${at}.version`, { nonEmpty: true, max: 64 }), pid: integer(o.pid, `${at}.pid`, 0, Number.MAX_SAFE_INTEGER), node: string(o.node, `${at}.node`, { max: 64 }) };
    const electron = optional(o, 'electron', at, (x, p) => string(x, p, { max: 64 }));
    if (electron !== undefined) out.electron = electron;
    return out;
  },
  loadModel: modelInfo,
  unloadModel: (o, at) => ({ unloaded: boolean(o.unloaded, `${at}.unloaded`) }),
  startDictation: (o, at) => ({ session: id(o.session, `${at}.session`) }),
  stopDictation: (o, at) => ({ session: sessionOrNull(o.session, `${at}.session`) }),
  cancelDictation: (o, at) => ({ session: sessionOrNull(o.session, `${at}.session`) }),
  setOptions: (o, at) => ({ options: fullRecognizerOptions(o.options, `${at}.options`) }),
  listDevices: (o, at) => {
    return { devices: arrayOf(o.devices, `${at}.devices`, device) };
  },
  ping: (o, at) => ({ uptimeMs: number(o.uptimeMs, `${at}.uptimeMs`, 0) }),
  shutdown: () => ({}),
  inspectModel: (o, at) => modelInspection.check(o, at),
  exportModel: (o, at) => exportResult.check(o, at),
  compareModels: (o, at) => ({ rows: arrayOf(o.rows, `${at}.rows`, comparisonRow, 8) }),
  modelCatalog: (o, at) => ({ entries: arrayOf(o.entries, `${at}.entries`, catalogEntry, 256) }),
  downloadModel: (o, at) => downloadResult.check(o, at),
  cancelTask: (o, at) => ({ cancelled: boolean(o.cancelled, `${at}.cancelled`) }),
  diagnostics,
};

/** The result of a successful response to a request of `type` (the response itself does not say which). */
export function validateResult<K extends RequestType>(type: K, raw: unknown): Validation<ResultMap[K]> {
  const check: ResultChecks[K] = resultChecks[type];
  return run(() => check(record(raw, `${type} result`), `${type} result`));
}

// ---- sidecar -> host ----------------------------------------------------------------------------

function errorInfo(v: unknown, at: string): ErrorInfo {
  const o = record(v, at);
  return { code: oneOf(o.code, `${at}.code`, ERROR_CODES), message: string(o.message, `${at}.message`, { max: MAX_TEXT }) };
}

function response(o: Record<string, unknown>): Response {
  const rid = id(o.id, 'response.id');
  const ok = boolean(o.ok, 'response.ok');
  if (ok) return { type: 'response', id: rid, ok, result: record(o.result, 'response.result') };
  return { type: 'response', id: rid, ok, error: errorInfo(o.error, 'response.error') };
}

const EVENT_TYPES: readonly SidecarEventType[] = ['state', 'partial', 'final', 'level', 'log', 'error', 'modelLoaded', 'dictationEnded', 'taskProgress'];

type EventOf<K extends SidecarEventType> = Extract<SidecarEvent, { type: K }>;
type EventChecks = { [K in SidecarEventType]: (o: Record<string, unknown>) => EventOf<K> };

const eventChecks: EventChecks = {
  state: (o) => ({ type: 'state', state: oneOf(o.state, 'state.state', SIDECAR_STATES) }),
  partial: (o) => ({ type: 'partial', session: id(o.session, 'partial.session'), utterance: id(o.utterance, 'partial.utterance'), text: string(o.text, 'partial.text', { max: MAX_TEXT }) }),
  final: (o) => ({
    type: 'final',
    session: id(o.session, 'final.session'),
    utterance: id(o.utterance, 'final.utterance'),
    text: string(o.text, 'final.text', { max: MAX_TEXT }),
    startSec: number(o.startSec, 'final.startSec', 0),
    endSec: number(o.endSec, 'final.endSec', 0),
    reason: oneOf(o.reason, 'final.reason', FINAL_REASONS),
    sentAt: number(o.sentAt, 'final.sentAt', 0),
  }),
  level: (o) => ({ type: 'level', rms: number(o.rms, 'level.rms', 0, 1), peak: number(o.peak, 'level.peak', 0, 1) }),
  log: (o) => ({ type: 'log', level: oneOf(o.level, 'log.level', LOG_LEVELS), message: string(o.message, 'log.message', { max: MAX_TEXT }) }),
  error: (o) => {
    const out: EventOf<'error'> = { type: 'error', ...errorInfo(o, 'error') };
    const fatal = optional(o, 'fatal', 'error', boolean);
    if (fatal !== undefined) out.fatal = fatal;
    return out;
  },
  modelLoaded: (o) => ({ type: 'modelLoaded', ...modelInfo(o, 'modelLoaded') }),
  dictationEnded: (o) => ({ type: 'dictationEnded', session: id(o.session, 'dictationEnded.session'), reason: oneOf(o.reason, 'dictationEnded.reason', DICTATION_END_REASONS) }),
  taskProgress: (o) => {
    const out: EventOf<'taskProgress'> = {
      type: 'taskProgress',
      task: task(o.task, 'taskProgress.task'),
      fraction: number(o.fraction, 'taskProgress.fraction', 0, 1),
      message: string(o.message, 'taskProgress.message', { max: 4096 }),
    };
    const phase = optional(o, 'phase', 'taskProgress', (x, p) => oneOf(x, p, ['download', 'verify', 'extract', 'install'] as const));
    const received = optional(o, 'receivedBytes', 'taskProgress', (x, p) => integer(x, p, 0, Number.MAX_SAFE_INTEGER));
    const total = optional(o, 'totalBytes', 'taskProgress', (x, p) => integer(x, p, 0, Number.MAX_SAFE_INTEGER));
    if (phase !== undefined) out.phase = phase;
    if (received !== undefined) out.receivedBytes = received;
    if (total !== undefined) out.totalBytes = total;
    const resumed = optional(o, 'resumed', 'taskProgress', boolean);
    if (resumed !== undefined) out.resumed = resumed;
    return out;
  },
};

function checkEvent<K extends SidecarEventType>(type: K, o: Record<string, unknown>): EventOf<K> {
  return eventChecks[type](o);
}

/** Sidecar -> host: a response (result checked later by validateResult) or an event. */
export function validateSidecarMessage(raw: unknown): Validation<SidecarMessage> {
  return run(() => {
    const o = envelope(raw);
    const type = oneOf(o.type, 'message.type', ['response' as const, ...EVENT_TYPES]);
    return type === 'response' ? response(o) : checkEvent(type, o);
  });
}

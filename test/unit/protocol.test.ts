/**
 * The protocol validators: every valid message kind passes (and comes back equal), every malformed
 * one is refused with the exact reason (path and what was expected), oversized and deeply nested
 * input is handled, and the version check compares majors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isCompatibleVersion,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  readableId,
  REQUEST_TYPES,
  validateRequest,
  validateResult,
  validateSidecarMessage,
  type Request,
  type RequestType,
  type ResultMap,
  type SidecarMessage,
} from '../../src/protocol';

const CARD = { author: 'Ada', name: 'moonshine-tiny', version: '0.0.1', license: 'MIT', language: 'en', description: 'A card.', source: 'https://example.org/m' };
const SHA = 'ab'.repeat(32);

const validRequests: Request[] = [
  { type: 'hello', id: 0, version: PROTOCOL_VERSION },
  { type: 'loadModel', id: 1, location: { dir: '/models/zipformer' }, threads: 1 },
  {
    type: 'loadModel',
    id: 2,
    location: { family: 'zipformer', encoder: '/m/encoder.onnx', decoder: '/m/decoder.onnx', joiner: '/m/joiner.onnx', tokens: '/m/tokens.txt' },
    threads: 4,
    vadPath: '/m/silero_vad.onnx',
    cacheDir: '/tmp/ort',
  },
  { type: 'unloadModel', id: 3 },
  { type: 'startDictation', id: 4, source: { kind: 'microphone' } },
  { type: 'startDictation', id: 5, source: { kind: 'microphone', device: 'plughw:1,0' }, options: { partials: false } },
  {
    type: 'startDictation',
    id: 6,
    source: { kind: 'file', path: '/audio/a.wav', realtime: true },
    options: { partials: true, partialIntervalMs: 250, endpointing: true, endpointSilenceMs: 800, maxUtteranceSec: 20, decoding: 'modified-beam-search', beamSize: 4, normalizeGain: false },
  },
  { type: 'stopDictation', id: 7 },
  { type: 'cancelDictation', id: 8 },
  { type: 'stopDictation', id: 22, session: 3 },
  { type: 'cancelDictation', id: 23, session: 0 },
  { type: 'setOptions', id: 9, options: { endpointSilenceMs: 1200 } },
  { type: 'setOptions', id: 10, options: {} },
  { type: 'setOptions', id: 11, options: { language: 'de' } },
  { type: 'setOptions', id: 12, options: { language: 'auto' } },
  { type: 'startDictation', id: 13, source: { kind: 'microphone' }, options: { language: 'haw' } },
  { type: 'startDictation', id: 20, source: { kind: 'microphone' }, options: { hotwords: ['getUserName', 'zipformer'], hotwordScore: 2 } },
  { type: 'listDevices', id: 11 },
  { type: 'ping', id: 12 },
  { type: 'shutdown', id: Number.MAX_SAFE_INTEGER },
  { type: 'inspectModel', id: 13, location: { dir: '/models/moonshine' } },
  { type: 'exportModel', id: 14, task: 1, options: { source: { dir: '/m' }, format: 'ort', optimization: 'all', outputDir: '/out/m-ort', card: CARD, overwrite: false } },
  { type: 'compareModels', id: 15, task: 2, models: [{ label: 'source', location: { dir: '/m' } }, { label: 'export', location: { dir: '/out/m-ort' } }], threads: 1 },
  { type: 'compareModels', id: 16, task: 3, models: [], threads: 2, clipPath: '/audio/a.wav' },
  { type: 'modelCatalog', id: 17 },
  { type: 'downloadModel', id: 18, task: 4, entryId: 'sherpa-onnx-streaming-zipformer-en-20M-2023-02-17', modelsRoot: '/home/u/.murmur/models' },
  { type: 'cancelTask', id: 19, task: 4 },
  { type: 'diagnostics', id: 21 },
];

const validSidecarMessages: SidecarMessage[] = [
  { type: 'response', id: 1, ok: true, result: { uptimeMs: 5 } },
  { type: 'response', id: 2, ok: false, error: { code: 'NO_MODEL', message: 'No model is loaded.' } },
  { type: 'response', id: 3, ok: false, error: { code: 'PROTOCOL_VERSION', message: 'mismatch' } },
  ...(['idle', 'loading', 'ready', 'listening', 'processing', 'error'] as const).map((state) => ({ type: 'state' as const, state })),
  { type: 'partial', session: 1, utterance: 0, text: 'go forward' },
  { type: 'partial', session: 1, utterance: 0, text: '' },
  { type: 'final', session: 1, utterance: 0, text: 'go forward ten meters', startSec: 0.32, endSec: 2.5, reason: 'endpoint', sentAt: 1796293202288.25 },
  { type: 'final', session: 2, utterance: 3, text: 'x', startSec: 0, endSec: 20, reason: 'max-length', sentAt: 1 },
  { type: 'final', session: 2, utterance: 4, text: 'y', startSec: 1, endSec: 2, reason: 'end-of-input', sentAt: 0 },
  { type: 'level', rms: 0, peak: 0 },
  { type: 'level', rms: 0.12, peak: 1 },
  { type: 'log', level: 'debug', message: 'm' },
  { type: 'log', level: 'error', message: 'm' },
  { type: 'error', code: 'MIC_DEVICE_ERROR', message: 'recorder died' },
  { type: 'error', code: 'INTERNAL', message: 'bug', fatal: true },
  { type: 'modelLoaded', family: 'moonshine', description: 'Moonshine tiny', loadMs: 812, via: 'mmap' },
  ...(['stopped', 'cancelled', 'end-of-file', 'error'] as const).map((reason) => ({ type: 'dictationEnded' as const, session: 7, reason })),
  { type: 'taskProgress', task: 1, fraction: 0.5, message: 'converting encoder_model.onnx' },
  { type: 'taskProgress', task: 4, fraction: 0.25, message: 'download', phase: 'download', receivedBytes: 100, totalBytes: 400 },
];

const validResults: { [K in RequestType]: ResultMap[K][] } = {
  hello: [{ version: '1.0', pid: 42, node: '20.19.0' }, { version: '1.3', pid: 42, node: '20.19.0', electron: '37.1.0' }],
  loadModel: [{ family: 'zipformer', description: 'zipformer2 transducer', loadMs: 1200, via: 'read' }],
  unloadModel: [{ unloaded: true }],
  startDictation: [{ session: 1 }],
  stopDictation: [{ session: 1 }, { session: null }],
  cancelDictation: [{ session: null }],
  setOptions: [
    { options: { partials: true, partialIntervalMs: 300, endpointing: true, endpointSilenceMs: 800, maxUtteranceSec: 20, decoding: 'greedy', beamSize: 4, normalizeGain: true } },
    { options: { partials: true, partialIntervalMs: 300, endpointing: true, endpointSilenceMs: 800, maxUtteranceSec: 20, decoding: 'greedy', beamSize: 4, normalizeGain: true, language: 'fr' } },
  ],
  listDevices: [{ devices: [] }, { devices: [{ name: 'default', description: 'System default' }] }],
  ping: [{ uptimeMs: 0 }],
  shutdown: [{}],
  inspectModel: [
    {
      family: 'zipformer',
      languages: ['en'],
      totalBytes: 10,
      files: [
        { role: 'encoder', path: '/m/encoder.onnx', bytes: 9, format: 'onnx', opset: 13, producer: 'pytorch', quantization: 'int8', metadata: { model_type: 'zipformer2' } },
        { role: 'tokens', path: '/m/tokens.txt', bytes: 1, format: 'text', metadata: {} },
      ],
    },
  ],
  exportModel: [
    {
      outputDir: '/out/m-ort',
      family: 'moonshine',
      files: [{ name: 'encoder_model.ort', role: 'encoder', bytes: 5, sha256: SHA }],
      cardPath: '/out/m-ort/Ada_moonshine-tiny_0.0.1.md',
      manifestPath: '/out/m-ort/murmur-model.json',
      location: { dir: '/out/m-ort' },
      elapsedMs: 1234.5,
    },
  ],
  compareModels: [
    { rows: [] },
    { rows: [{ label: 'source', path: '/m', format: 'onnx', fileBytes: 100, loadMs: 700, privateBytes: 9, sharedBytes: 1, rssBytes: 10, rtf: 0.05, transcript: 'he was not' }] },
    { rows: [{ label: 'export', path: '/o', format: 'ort', fileBytes: 100, loadMs: 150, rssBytes: 10, rtf: 0.04, transcript: '' }] },
  ],
  modelCatalog: [
    {
      entries: [
        { id: 'm-1', title: 'M', family: 'zipformer', description: 'd', url: 'https://example.org/m.tar.bz2', bytes: 5, sha256: SHA, archive: 'tar.bz2', root: 'm', files: ['tokens.txt'], license: 'Apache-2.0', page: 'https://example.org' },
        { id: 'm-2', title: 'M2', family: 'whisper', description: 'd', url: 'https://example.org/m2.tar.bz2', bytes: 5, sha256: SHA, archive: 'tar.bz2', root: 'm2', files: ['tokens.txt'], license: 'MIT', languages: ['en', 'de', 'yue'], page: 'https://example.org' },
      ],
    },
  ],
  downloadModel: [{ id: 'm-1', dir: '/models/m-1', bytes: 5, resumed: false, elapsedMs: 3 }],
  cancelTask: [{ cancelled: true }, { cancelled: false }],
  diagnostics: [
    { rssBytes: 180_000_000, heapUsedBytes: 9_000_000, heapTotalBytes: 12_000_000, externalBytes: 2_000_000, openFds: 27, activeResources: { PipeWrap: 3, Timeout: 1, ProcessWrap: 1 }, childPids: [4242] },
    { rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, openFds: -1, activeResources: {}, childPids: [] },
  ],
};

describe('protocol validators', () => {
  test('accept every valid request kind and return it unchanged', () => {
    assert.deepEqual(new Set(validRequests.map((r) => r.type)), new Set(REQUEST_TYPES), 'the table covers every request type');
    for (const request of validRequests) {
      const v = validateRequest(JSON.parse(JSON.stringify(request)));
      assert.ok(v.ok, `${request.type}: ${v.ok ? '' : v.reason}`);
      assert.deepEqual(v.value, request);
    }
  });

  test('accept every valid response and event kind and return it unchanged', () => {
    for (const message of validSidecarMessages) {
      const v = validateSidecarMessage(JSON.parse(JSON.stringify(message)));
      assert.ok(v.ok, `${message.type}: ${v.ok ? '' : v.reason}`);
      assert.deepEqual(v.value, message);
    }
  });

  test('accept a valid result for every request type', () => {
    for (const type of REQUEST_TYPES) {
      for (const result of validResults[type]) {
        const v = validateResult(type, JSON.parse(JSON.stringify(result)));
        assert.ok(v.ok, `${type}: ${v.ok ? '' : v.reason}`);
        assert.deepEqual(v.value, result);
      }
    }
  });

  test('drop unknown fields (a newer minor version may add optional ones)', () => {
    const v = validateRequest({ type: 'ping', id: 1, futureField: { x: 1 } });
    assert.deepEqual(v, { ok: true, value: { type: 'ping', id: 1 } });
    const e = validateSidecarMessage({ type: 'level', rms: 0.5, peak: 0.7, session: 3 });
    assert.deepEqual(e, { ok: true, value: { type: 'level', rms: 0.5, peak: 0.7 } });
  });

  const requestTypes =
    '"hello", "loadModel", "unloadModel", "startDictation", "stopDictation", "cancelDictation", "setOptions", "listDevices", "ping", "shutdown", ' +
    '"inspectModel", "exportModel", "compareModels", "modelCatalog", "downloadModel", "cancelTask", "diagnostics"';
  const badRequests: [string, unknown, string][] = [
    ['a number', 42, 'message: expected an object, got the number 42'],
    ['a string', 'ping', 'message: expected an object, got the string "ping"'],
    ['null', null, 'message: expected an object, got null'],
    ['an array', [1, 2], 'message: expected an object, got an array of 2'],
    ['no type', { id: 1 }, `message.type: expected one of ${requestTypes}, got nothing (missing)`],
    ['an unknown type', { type: 'reboot', id: 1 }, `message.type: expected one of ${requestTypes}, got the string "reboot"`],
    ['an event sent as a request', { type: 'final', id: 1 }, `message.type: expected one of ${requestTypes}, got the string "final"`],
    ['no id', { type: 'ping' }, 'ping.id: expected an integer >= 0, got nothing (missing)'],
    ['a string id', { type: 'ping', id: '1' }, 'ping.id: expected an integer >= 0, got the string "1"'],
    ['a negative id', { type: 'ping', id: -1 }, 'ping.id: expected an integer >= 0, got the number -1'],
    ['a fractional id', { type: 'ping', id: 1.5 }, 'ping.id: expected an integer >= 0, got the number 1.5'],
    ['hello without a version', { type: 'hello', id: 1 }, 'hello.version: expected a non-empty string, got nothing (missing)'],
    ['hello with a numeric version', { type: 'hello', id: 1, version: 1 }, 'hello.version: expected a non-empty string, got the number 1'],
    ['loadModel without a location', { type: 'loadModel', id: 1, threads: 1 }, 'loadModel.location: expected an object, got nothing (missing)'],
    ['loadModel with a relative dir', { type: 'loadModel', id: 1, threads: 1, location: { dir: 'models/x' } }, 'loadModel.location.dir: expected an absolute path, got the string "models/x"'],
    ['loadModel with an unknown family', { type: 'loadModel', id: 1, threads: 1, location: { dir: '/m', family: 'wav2vec' } }, 'loadModel.location.family: expected one of "auto", "moonshine", "zipformer", "whisper", "parakeet", "nemotron", got the string "wav2vec"'],
    ['loadModel with 0 threads', { type: 'loadModel', id: 1, threads: 0, location: { dir: '/m' } }, 'loadModel.threads: expected an integer from 1 to 64, got the number 0'],
    ['loadModel with string threads', { type: 'loadModel', id: 1, threads: '2', location: { dir: '/m' } }, 'loadModel.threads: expected an integer from 1 to 64, got the string "2"'],
    ['loadModel with a numeric cacheDir', { type: 'loadModel', id: 1, threads: 1, location: {}, cacheDir: 5 }, 'loadModel.cacheDir: expected a non-empty string, got the number 5'],
    ['cancelDictation with a string session', { type: 'cancelDictation', id: 1, session: '2' }, 'cancelDictation.session: expected an integer >= 0, got the string "2"'],
    ['stopDictation with a negative session', { type: 'stopDictation', id: 1, session: -1 }, 'stopDictation.session: expected an integer >= 0, got the number -1'],
    ['startDictation without a source', { type: 'startDictation', id: 1 }, 'startDictation.source: expected an object, got nothing (missing)'],
    ['startDictation with an unknown source', { type: 'startDictation', id: 1, source: { kind: 'mic' } }, 'startDictation.source.kind: expected one of "microphone", "file", got the string "mic"'],
    ['startDictation with an empty device', { type: 'startDictation', id: 1, source: { kind: 'microphone', device: '' } }, 'startDictation.source.device: expected a non-empty string, got the string ""'],
    ['startDictation with a NUL in the device', { type: 'startDictation', id: 1, source: { kind: 'microphone', device: 'hw\u00000' } }, 'startDictation.source.device: expected a string without NUL characters, got the string "hw\\u00000"'],
    ['a file source without a path', { type: 'startDictation', id: 1, source: { kind: 'file', realtime: false } }, 'startDictation.source.path: expected a non-empty string, got nothing (missing)'],
    ['a file source without realtime', { type: 'startDictation', id: 1, source: { kind: 'file', path: '/a.wav' } }, 'startDictation.source.realtime: expected true or false, got nothing (missing)'],
    ['options that are an array', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: [] }, 'startDictation.options: expected an object, got an array of 0'],
    ['an unknown decoding', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { decoding: 'beam' } }, 'startDictation.options.decoding: expected one of "greedy", "modified-beam-search", got the string "beam"'],
    ['a beam of 0', { type: 'setOptions', id: 1, options: { beamSize: 0 } }, 'setOptions.options.beamSize: expected an integer from 1 to 64, got the number 0'],
    ['partials as a string', { type: 'setOptions', id: 1, options: { partials: 'yes' } }, 'setOptions.options.partials: expected true or false, got the string "yes"'],
    ['setOptions without options', { type: 'setOptions', id: 1 }, 'setOptions.options: expected an object, got nothing (missing)'],
    ['a huge payload', { type: 'ping', id: 1, pad: 'x'.repeat(MAX_MESSAGE_BYTES) }, `message: larger than the ${MAX_MESSAGE_BYTES}-byte limit`],
    ['a huge array', { type: 'ping', id: 1, pad: new Array<number>(MAX_MESSAGE_BYTES).fill(0) }, `message: larger than the ${MAX_MESSAGE_BYTES}-byte limit`],
    ['an export to a relative directory', { type: 'exportModel', id: 1, task: 1, options: { source: { dir: '/m' }, format: 'ort', optimization: 'all', outputDir: 'out', card: CARD, overwrite: false } }, 'exportModel.options.outputDir: expected an absolute path, got the string "out"'],
    ['an export to an unknown format', { type: 'exportModel', id: 1, task: 1, options: { source: { dir: '/m' }, format: 'pbmm', optimization: 'all', outputDir: '/o', card: CARD, overwrite: false } }, 'exportModel.options.format: expected one of "ort", "onnx", got the string "pbmm"'],
    ['an export with an unknown level', { type: 'exportModel', id: 1, task: 1, options: { source: { dir: '/m' }, format: 'ort', optimization: 'max', outputDir: '/o', card: CARD, overwrite: false } }, 'exportModel.options.optimization: expected one of "disabled", "basic", "extended", "all", got the string "max"'],
    ['an export with a card missing its author', { type: 'exportModel', id: 1, task: 1, options: { source: { dir: '/m' }, format: 'ort', optimization: 'all', outputDir: '/o', card: { ...CARD, author: undefined }, overwrite: false } }, 'exportModel.options.card.author: expected a string, got nothing (missing)'],
    ['an export with an oversized card field', { type: 'exportModel', id: 1, task: 1, options: { source: { dir: '/m' }, format: 'ort', optimization: 'all', outputDir: '/o', card: { ...CARD, name: 'n'.repeat(5000) }, overwrite: false } }, /^exportModel\.options\.card\.name: expected a string of at most 4096/.source],
    ['an export without a task', { type: 'exportModel', id: 1, options: {} }, 'exportModel.task: expected an integer >= 0, got nothing (missing)'],
    ['a comparison of too many models', { type: 'compareModels', id: 1, task: 1, threads: 1, models: new Array(9).fill({ label: 'x', location: { dir: '/m' } }) }, 'compareModels.models: more than 8 items'],
    ['a comparison with an empty label', { type: 'compareModels', id: 1, task: 1, threads: 1, models: [{ label: '', location: { dir: '/m' } }] }, 'compareModels.models[0].label: expected a non-empty string, got the string ""'],
    ['a download into a relative root', { type: 'downloadModel', id: 1, task: 1, entryId: 'm', modelsRoot: 'models' }, 'downloadModel.modelsRoot: expected an absolute path, got the string "models"'],
    ['a download without an entry', { type: 'downloadModel', id: 1, task: 1, modelsRoot: '/m' }, 'downloadModel.entryId: expected a non-empty string, got nothing (missing)'],
    ['hotwords that are a string', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { hotwords: 'zipformer' } }, 'startDictation.options.hotwords: expected an array of words, got the string "zipformer"'],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point: map() would skip it unchecked
    ['hotwords with a hole', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { hotwords: ['ok', , 'fine'] } }, 'startDictation.options.hotwords[1]: expected a non-empty string, got nothing (missing)'],
    ['more hotwords than allowed', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { hotwords: new Array<string>(6000).fill('w') } }, /^startDictation\.options\.hotwords: more than \d+ items$/.source],
    ['an empty hotword', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { hotwords: ['ok', ''] } }, 'startDictation.options.hotwords[1]: expected a non-empty string, got the string ""'],
    ['a language name instead of a code', { type: 'setOptions', id: 1, options: { language: 'German' } }, 'setOptions.options.language: expected "auto" or a language code such as de, got the string "German"'],
    ['a language with a region', { type: 'startDictation', id: 1, source: { kind: 'microphone' }, options: { language: 'pt-BR' } }, 'startDictation.options.language: expected "auto" or a language code such as de, got the string "pt-BR"'],
    ['an empty language', { type: 'setOptions', id: 1, options: { language: '' } }, 'setOptions.options.language: expected "auto" or a language code such as de, got the string ""'],
    ['a language that is not a string', { type: 'setOptions', id: 1, options: { language: 7 } }, 'setOptions.options.language: expected a string, got the number 7'],
    ['an oversized language', { type: 'setOptions', id: 1, options: { language: 'x'.repeat(100) } }, /^setOptions\.options\.language: expected a string of at most 8/.source],
    ['a hotword score above 20', { type: 'setOptions', id: 1, options: { hotwordScore: 50 } }, 'setOptions.options.hotwordScore: expected a number from 0 to 20, got the number 50'],
    ['a cancel with a string task', { type: 'cancelTask', id: 1, task: '4' }, 'cancelTask.task: expected an integer >= 0, got the string "4"'],
    ['diagnostics without an id', { type: 'diagnostics' }, 'diagnostics.id: expected an integer >= 0, got nothing (missing)'],
  ];

  test('refuse malformed requests with the precise reason', () => {
    for (const [what, raw, reason] of badRequests) {
      const v = validateRequest(raw);
      if (reason.startsWith('^')) {
        assert.equal(v.ok, false, what);
        if (!v.ok) assert.match(v.reason, new RegExp(reason), what);
      } else {
        assert.deepEqual(v, { ok: false, reason }, what);
      }
    }
  });

  const eventTypes = '"response", "state", "partial", "final", "level", "log", "error", "modelLoaded", "dictationEnded", "taskProgress"';
  const badSidecarMessages: [string, unknown, string][] = [
    ['an unknown type', { type: 'hello' }, `message.type: expected one of ${eventTypes}, got the string "hello"`],
    ['a response without ok', { type: 'response', id: 1, result: {} }, 'response.ok: expected true or false, got nothing (missing)'],
    ['a success without a result', { type: 'response', id: 1, ok: true }, 'response.result: expected an object, got nothing (missing)'],
    ['an error with an unknown code', { type: 'response', id: 1, ok: false, error: { code: 'OOPS', message: 'x' } }, /^response\.error\.code: expected one of "MODEL_NOT_FOUND", .*"INTERNAL", got the string "OOPS"$/.source],
    ['an unknown state', { type: 'state', state: 'sleeping' }, 'state.state: expected one of "idle", "loading", "ready", "listening", "processing", "error", got the string "sleeping"'],
    ['a partial without text', { type: 'partial', session: 1, utterance: 0 }, 'partial.text: expected a string, got nothing (missing)'],
    ['a final with an unknown reason', { type: 'final', session: 1, utterance: 0, text: 'x', startSec: 0, endSec: 1, reason: 'timeout', sentAt: 0 }, 'final.reason: expected one of "endpoint", "max-length", "end-of-input", got the string "timeout"'],
    ['a final with a negative time', { type: 'final', session: 1, utterance: 0, text: 'x', startSec: -1, endSec: 1, reason: 'endpoint', sentAt: 0 }, 'final.startSec: expected a number from 0 to 1.7976931348623157e+308, got the number -1'],
    ['a final without its send time', { type: 'final', session: 1, utterance: 0, text: 'x', startSec: 0, endSec: 1, reason: 'endpoint' }, 'final.sentAt: expected a number from 0 to 1.7976931348623157e+308, got nothing (missing)'],
    ['a level above full scale', { type: 'level', rms: 0.5, peak: 1.5 }, 'level.peak: expected a number from 0 to 1, got the number 1.5'],
    ['a log with an unknown level', { type: 'log', level: 'trace', message: 'm' }, 'log.level: expected one of "debug", "info", "warn", "error", got the string "trace"'],
    ['an error with a string fatal', { type: 'error', code: 'INTERNAL', message: 'm', fatal: 'yes' }, 'error.fatal: expected true or false, got the string "yes"'],
    ['modelLoaded with an unknown via', { type: 'modelLoaded', family: 'zipformer', description: 'd', loadMs: 1, via: 'zip' }, 'modelLoaded.via: expected one of "mmap", "read", "path", "mixed", "unknown", got the string "zip"'],
    ['dictationEnded with an unknown reason', { type: 'dictationEnded', session: 1, reason: 'done' }, 'dictationEnded.reason: expected one of "stopped", "cancelled", "end-of-file", "error", got the string "done"'],
    ['taskProgress over 100%', { type: 'taskProgress', task: 1, fraction: 1.5, message: 'm' }, 'taskProgress.fraction: expected a number from 0 to 1, got the number 1.5'],
    ['taskProgress with an unknown phase', { type: 'taskProgress', task: 1, fraction: 0, message: 'm', phase: 'upload' }, 'taskProgress.phase: expected one of "download", "verify", "extract", "install", got the string "upload"'],
  ];

  test('refuse malformed sidecar messages with the precise reason', () => {
    for (const [what, raw, reason] of badSidecarMessages) {
      const v = validateSidecarMessage(raw);
      assert.equal(v.ok, false, what);
      if (v.ok) continue;
      if (reason.startsWith('^')) assert.match(v.reason, new RegExp(reason), what);
      else assert.equal(v.reason, reason, what);
    }
  });

  test('refuse malformed results with the precise reason', () => {
    assert.deepEqual(validateResult('startDictation', { session: 'one' }), { ok: false, reason: 'startDictation result.session: expected an integer >= 0, got the string "one"' });
    assert.deepEqual(validateResult('listDevices', { devices: [{ name: 'default' }] }), { ok: false, reason: 'listDevices result.devices[0].description: expected a string, got nothing (missing)' });
    const good = validResults.exportModel[0];
    assert.deepEqual(validateResult('exportModel', { ...good, files: [{ ...good.files[0], name: '../../etc/passwd' }] }), {
      ok: false,
      reason: 'exportModel result.files[0].name: expected a plain file name, got the string "../../etc/passwd"',
    });
    assert.deepEqual(validateResult('exportModel', { ...good, files: [{ ...good.files[0], sha256: 'XYZ' }] }), { ok: false, reason: 'exportModel result.files[0].sha256: expected a lower-case hex sha256, got the string "XYZ"' });
    const entry = validResults.modelCatalog[0].entries[0];
    assert.deepEqual(validateResult('modelCatalog', { entries: [{ ...entry, id: '../evil' }] }), { ok: false, reason: 'modelCatalog result.entries[0].id: expected a plain name (letters, digits, ".", "_", "-"), got the string "../evil"' });
    assert.deepEqual(validateResult('modelCatalog', { entries: [{ ...entry, url: 'file:///etc/passwd' }] }), { ok: false, reason: 'modelCatalog result.entries[0].url: expected an http(s) URL, got the string "file:///etc/passwd"' });
    // A metadata key that names object structure is refused (as the webview refuses it: one schema), and pollutes nothing.
    const inspected = validateResult('inspectModel', JSON.parse('{"family":"moonshine","languages":["en"],"totalBytes":1,"files":[{"role":"encoder","path":"/m/e.onnx","bytes":1,"format":"onnx","metadata":{"__proto__":"x","k":"v"}}]}'));
    assert.deepEqual(inspected, { ok: false, reason: 'inspectModel result.files[0].metadata.__proto__: expected a key other than __proto__, constructor or prototype, got the string "__proto__"' });
    const inspectedLanguage = (languages: unknown) => validateResult('inspectModel', { family: 'whisper', languages, totalBytes: 1, files: [] });
    assert.deepEqual(inspectedLanguage(['en', 'DE']), { ok: false, reason: 'inspectModel result.languages[1]: expected a language code such as de, got the string "DE"' });
    assert.deepEqual(inspectedLanguage(new Array<string>(201).fill('en')), { ok: false, reason: 'inspectModel result.languages: more than 200 items' });
    assert.equal(inspectedLanguage(['en', 'yue']).ok, true);
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.deepEqual(validateResult('setOptions', { options: { partials: true } }), { ok: false, reason: 'setOptions result.options.partialIntervalMs: expected a number from 0 to 60000, got nothing (missing)' });
    assert.deepEqual(validateResult('ping', null), { ok: false, reason: 'ping result: expected an object, got null' });
  });

  test('diagnostics: refuse malformed figures with the precise reason', () => {
    const good = validResults.diagnostics[0];
    const bad: [string, unknown, string][] = [
      ['a missing rss', { ...good, rssBytes: undefined }, 'diagnostics result.rssBytes: expected an integer >= 0, got nothing (missing)'],
      ['a negative heap', { ...good, heapUsedBytes: -5 }, 'diagnostics result.heapUsedBytes: expected an integer >= 0, got the number -5'],
      ['a fractional external', { ...good, externalBytes: 1.5 }, 'diagnostics result.externalBytes: expected an integer >= 0, got the number 1.5'],
      ['an fd count below -1', { ...good, openFds: -2 }, 'diagnostics result.openFds: expected an integer >= -1, got the number -2'],
      ['an fd count as a string', { ...good, openFds: '27' }, 'diagnostics result.openFds: expected an integer >= -1, got the string "27"'],
      ['resources as a list', { ...good, activeResources: ['Timeout'] }, 'diagnostics result.activeResources: expected an object, got an array of 1'],
      ['a resource count as a string', { ...good, activeResources: { Timeout: '2' } }, 'diagnostics result.activeResources.Timeout: expected an integer >= 0, got the string "2"'],
      ['a resource kind that is no name', { ...good, activeResources: { 'Pipe Wrap': 1 } }, 'diagnostics result.activeResources key: expected a resource kind name (letters, digits, "_"), got the string "Pipe Wrap"'],
      ['child pids as a number', { ...good, childPids: 4242 }, 'diagnostics result.childPids: expected an array, got the number 4242'],
      ['a child pid of 0', { ...good, childPids: [0] }, 'diagnostics result.childPids[0]: expected an integer >= 1, got the number 0'],
      ['too many child pids', { ...good, childPids: Array.from({ length: 1025 }, (_, i) => i + 1) }, 'diagnostics result.childPids: more than 1024 items'],
    ];
    for (const [what, raw, reason] of bad) assert.deepEqual(validateResult('diagnostics', raw), { ok: false, reason }, what);
    // A "__proto__" kind is refused as a name, never taken as the object's prototype.
    const proto = validateResult('diagnostics', JSON.parse(`{"rssBytes":1,"heapUsedBytes":1,"heapTotalBytes":1,"externalBytes":1,"openFds":3,"childPids":[],"activeResources":{"__proto__":{"polluted":1}}}`));
    assert.deepEqual(proto, { ok: false, reason: 'diagnostics result.activeResources key: expected a resource kind name (letters, digits, "_"), got the string "__proto__"' });
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const kinds = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`Kind${i}`, 1]));
    assert.deepEqual(validateResult('diagnostics', { ...good, activeResources: kinds }), { ok: false, reason: 'diagnostics result.activeResources: more than 256 kinds' });
    // Fields a later minor version may add are dropped.
    assert.deepEqual(validateResult('diagnostics', { ...good, cpuSeconds: 3 }), { ok: true, value: good });
  });

  test('measure nesting without recursion and long strings without echoing them', () => {
    let deep: unknown[] = [];
    for (let i = 0; i < 50_000; i++) deep = [deep];
    assert.deepEqual(validateRequest({ type: 'ping', id: 1, deep }), { ok: true, value: { type: 'ping', id: 1 } }, '50,000 levels of nesting are under the limit and does not overflow the stack');
    const long = validateRequest({ type: 'hello', id: 1, version: 'v'.repeat(100) });
    assert.ok(!long.ok && long.reason.length < 200, 'a long bad value is cut in the reason');
  });

  test('readableId finds the id of a malformed request when it can', () => {
    assert.equal(readableId({ type: 'bogus', id: 7 }), 7);
    assert.equal(readableId({ id: '7' }), undefined);
    assert.equal(readableId({ id: -1 }), undefined);
    assert.equal(readableId([7]), undefined);
    assert.equal(readableId(7), undefined);
  });

  test('versions are compatible when the majors match', () => {
    assert.match(PROTOCOL_VERSION, /^\d+\.\d+$/);
    const major = Number(PROTOCOL_VERSION.split('.')[0]);
    assert.ok(isCompatibleVersion(PROTOCOL_VERSION));
    assert.ok(isCompatibleVersion(`${major}.99`));
    assert.ok(!isCompatibleVersion(`${major + 1}.0`));
    assert.ok(!isCompatibleVersion('one'));
    assert.ok(!isCompatibleVersion(''));
  });
});

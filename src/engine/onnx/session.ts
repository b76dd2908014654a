/**
 * Loading one ONNX model file into an onnxruntime session.
 *
 * Default path: the ONNX file is converted once into the ORT-format cache (ort-cache.ts), the ORT
 * file is memory-mapped (mmap.ts), and onnxruntime is told to use those bytes in place, weights
 * included. The mapped buffer is kept referenced by the LoadedSession: if it were collected, the
 * mapping would be unmapped under onnxruntime's feet.
 *
 * An ORT-format file given directly (a Murmur export, export/exporter.ts) is already what the cache
 * would hold: it is mapped the same way, with no conversion and no cache involved.
 */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { MurmurError, isMurmurError } from '../errors';
import type { Log } from '../log';
import { silentLog } from '../log';
import { defaultCacheDir } from '../paths';
import { checkExternalData } from './external-data';
import { createDirectSession, DirectSession, type ModelSession } from './direct-session';
import { readOnnxInfo } from './metadata';
import { mapFile } from './mmap';
import { discardCachedOrt, ensureOrtModel, isOrtFile } from './ort-cache';
import type { RewriteOptions } from './graph-rewrite';

/**
 * How a session is loaded. The graph edits of RewriteOptions (inputs fixed, a decoder's tied
 * projection cut, weights kept 8-bit: graph-rewrite.ts) are made when the ORT cache converts the
 * model; a model loaded by path (noCache) runs as it is. See LoadedSession.fixedInputs.
 */
export interface SessionLoadOptions extends RewriteOptions {
  /** Intra-op threads for this session. */
  threads: number;
  /** Directory for converted ORT-format models; default from paths.ts. */
  cacheDir?: string;
  /** Skip the ORT cache and load the ONNX file directly (tests, comparisons). ORT files are mapped regardless. */
  noCache?: boolean;
  /**
   * Keep onnxruntime's CPU arena: for sessions whose every call has the same shapes (a streaming
   * encoder's fixed chunk, a transducer's decoder and joiner). The arena then holds one call's
   * activations and hands them out again, instead of a malloc and free per tensor per call, which
   * is faster and leaves less private memory behind (glibc keeps freed blocks; README, "Design
   * choices, measured"). Off by default: for
   * variable-length work (Moonshine's encoder over a whole utterance) the arena keeps the largest
   * call's activations for the life of the session.
   */
  arena?: boolean;
  /**
   * Let onnxruntime pre-pack the weights of a mapped model (a private copy of them, see
   * mappedOptions). For sessions whose copy is small and whose calls are many: a prediction
   * network or joiner run once per token or frame, a small streaming encoder run per chunk.
   */
  prepack?: boolean;
  log?: Log;
}

export interface LoadedSession<S extends ModelSession = ort.InferenceSession> {
  session: S;
  /** The ONNX file the caller asked for. */
  sourcePath: string;
  /** How the bytes reached onnxruntime. */
  via: 'mmap' | 'read' | 'path';
  /** The ORT-format file actually loaded, when the cache was used. */
  ortPath?: string;
  /** True when this load had to convert ONNX -> ORT first. */
  converted: boolean;
  loadMs: number;
  /** The model bytes onnxruntime uses in place; must live as long as the session. */
  bytes?: Uint8Array;
  /** Inputs of the ONNX model that this session has as constants (SessionLoadOptions.constantInputs): not to be fed. */
  fixedInputs: string[];
}

/** Where a session keeps the model bytes it uses in place (see loadSession). */
const MODEL_BYTES = Symbol('murmur.modelBytes');

function baseOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Warnings such as shape-merge notes from exported models are noise for users.
    logSeverityLevel: 3,
  };
}

/**
 * Options for a session on mapped ORT bytes. Besides using the bytes in place:
 * - no pre-packing unless asked for (SessionLoadOptions.prepack): pre-packed weights are private
 *   copies in every process, exactly what mapping the file is meant to avoid; Moonshine is no
 *   slower without, since its int8 MatMulInteger kernels quantise activations per call anyway;
 * - no CPU arena unless asked for (SessionLoadOptions.arena): the arena keeps its high-water mark of
 *   activations for the life of the session (an encoder pass over a long utterance), per process;
 * - no memory patterns: onnxruntime plans and keeps one per set of input shapes it has run, and a
 *   whole-utterance model sees new shapes with every utterance, so an idle sidecar kept growing
 *   with each dictation; without a CPU arena they save no measurable time.
 * Together they are why a second window's process costs little private memory (README, "Design
 * choices, measured"; npm run bench, second sidecar).
 */
function mappedOptions(options: SessionLoadOptions): ort.InferenceSession.SessionOptions {
  return { ...baseOptions(options.threads), enableCpuMemArena: options.arena ?? false, enableMemPattern: false, extra: { session: mappedConfig(options) } };
}

/** The session config entries of mappedOptions, without their "session." prefix. */
function mappedConfig(options: SessionLoadOptions): Record<string, string> {
  return { use_ort_model_bytes_directly: '1', use_ort_model_bytes_for_initializers: '1', ...(options.prepack ? {} : { disable_prepacking: '1' }) };
}

/** How a session is made: on mapped ORT bytes, or (noCache) from an ONNX file by path. */
interface Opener<S extends ModelSession> {
  mapped(bytes: Uint8Array, options: SessionLoadOptions, log: Log): Promise<S>;
  byPath(onnxPath: string, options: SessionLoadOptions): Promise<S>;
}

const onnxruntimeNode: Opener<ort.InferenceSession> = {
  mapped: (bytes, options) => ort.InferenceSession.create(bytes, mappedOptions(options)),
  byPath: (onnxPath, options) => ort.InferenceSession.create(onnxPath, baseOptions(options.threads)),
};

/** Direct runs (direct-session.ts) where available, onnxruntime-node's session elsewhere. */
const direct: Opener<ModelSession> = {
  mapped: async (bytes, options, log) =>
    createDirectSession(bytes, {
      threads: options.threads,
      arena: options.arena ?? false,
      config: Object.fromEntries(Object.entries(mappedConfig(options)).map(([k, v]) => [`session.${k}`, v])),
      log,
    }) ?? onnxruntimeNode.mapped(bytes, options, log),
  byPath: (onnxPath, options) => onnxruntimeNode.byPath(onnxPath, options),
};

/** What the load log line adds for a session run through onnxruntime's C API (direct-session.ts). */
function runsDirectly(session: ModelSession): string {
  return session instanceof DirectSession ? ', run directly' : '';
}

/** A session on the memory-mapped bytes of an ORT-format file, the bytes tied to the session. */
async function createMapped<S extends ModelSession>(ortPath: string, options: SessionLoadOptions, log: Log, open: Opener<S>): Promise<{ session: S; bytes: Uint8Array; via: 'mmap' | 'read' }> {
  const mapped = mapFile(ortPath, log);
  const session = await open.mapped(mapped.bytes, options, log);
  // onnxruntime reads the weights from these bytes for as long as the session lives; if the
  // mapping were garbage-collected it would be unmapped under it (a crash). Tie the bytes to the
  // session object itself, so whoever keeps the session keeps the mapping.
  Object.defineProperty(session, MODEL_BYTES, { value: mapped.bytes, enumerable: false });
  return { session, bytes: mapped.bytes, via: mapped.via };
}

/** A session run by onnxruntime-node. */
export function loadSession(onnxPath: string, options: SessionLoadOptions): Promise<LoadedSession> {
  return load(onnxPath, options, onnxruntimeNode);
}

/**
 * A session run directly through onnxruntime's C API where Murmur's addon can (direct-session.ts:
 * no copy of inputs or outputs), else by onnxruntime-node; loaded, cached and healed as loadSession's.
 */
export function loadDirectSession(onnxPath: string, options: SessionLoadOptions): Promise<LoadedSession<ModelSession>> {
  return load(onnxPath, options, direct);
}

async function load<S extends ModelSession>(onnxPath: string, options: SessionLoadOptions, open: Opener<S>): Promise<LoadedSession<S>> {
  const log = options.log ?? silentLog;
  const t0 = performance.now();
  try {
    if (isOrtFile(onnxPath)) {
      const mapped = await createMapped(onnxPath, options, log, open);
      const loadMs = performance.now() - t0;
      log('info', `loaded ${onnxPath} (ORT file, ${mapped.via}) in ${loadMs.toFixed(0)} ms${runsDirectly(mapped.session)}`);
      return { session: mapped.session, sourcePath: onnxPath, via: mapped.via, ortPath: onnxPath, converted: false, loadMs, bytes: mapped.bytes, fixedInputs: [] };
    }
    if (options.noCache) {
      // onnxruntime checks external data of models loaded by path itself; ours covers every
      // place a tensor can hide, the same check as for the cache (external-data.ts).
      checkExternalData(fs.readFileSync(onnxPath), onnxPath);
      const session = await open.byPath(onnxPath, options);
      const loadMs = performance.now() - t0;
      log('debug', `loaded ${onnxPath} by path in ${loadMs.toFixed(0)} ms`);
      return { session, sourcePath: onnxPath, via: 'path', converted: false, loadMs, fixedInputs: [] };
    }
    const cacheDir = options.cacheDir ?? defaultCacheDir();
    const ensure = () => ensureOrtModel(onnxPath, cacheDir, log, options);
    let entry = await ensure();
    let mapped: Awaited<ReturnType<typeof createMapped<S>>>;
    try {
      mapped = await createMapped(entry.ortPath, options, log, open);
    } catch (e) {
      // A cached file onnxruntime refuses (changed in a way its stamp could not see) would fail
      // every start until removed by hand: convert it again, once. One just converted is not
      // retried: converting again would write the same bytes.
      if (entry.converted || isMurmurError(e)) throw e;
      log('warn', `onnxruntime refused the cached ${entry.ortPath} (${(e as Error).message.split('\n')[0]}): removing it and converting the model again`);
      if (!discardCachedOrt(entry.ortPath)) throw new MurmurError('MODEL_LOAD_FAILED', `onnxruntime could not load the cached ${entry.ortPath} (${(e as Error).message}), and it could not be removed: delete it and start again.`);
      entry = await ensure();
      mapped = await createMapped(entry.ortPath, options, log, open);
    }
    // Fixed = asked for, an input of the ONNX model, and not an input of the converted session.
    const wanted = Object.keys(options.constantInputs ?? {});
    const fixedInputs = wanted.length === 0 ? [] : wanted.filter((n) => !mapped.session.inputNames.includes(n) && readOnnxInfo(onnxPath).inputs.includes(n));
    const loadMs = performance.now() - t0;
    log('info', `loaded ${onnxPath} (${entry.converted ? 'converted to ORT' : 'cached ORT'}, ${mapped.via}) in ${loadMs.toFixed(0)} ms${runsDirectly(mapped.session)}`);
    return { session: mapped.session, sourcePath: onnxPath, via: mapped.via, ortPath: entry.ortPath, converted: entry.converted, loadMs, bytes: mapped.bytes, fixedInputs };
  } catch (e) {
    if (isMurmurError(e)) throw e;
    throw new MurmurError('MODEL_LOAD_FAILED', `onnxruntime could not load ${onnxPath}: ${(e as Error).message}`);
  }
}

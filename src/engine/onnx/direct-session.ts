/**
 * Sessions that onnxruntime runs for Murmur through its C API, by Murmur's addon
 * (native/mmap/ort_run.c), instead of through onnxruntime-node's binding.
 *
 * Why: onnxruntime-node copies every output of every run into a new ArrayBuffer, even when the
 * caller passes output tensors, and defers every run to a later turn of the event loop. A streaming
 * transducer runs its encoder per chunk (a Zipformer returns 39 state tensors each time) and its
 * decoder and joiner per token: the copies keep V8's collector busy and the hops add up. Here the
 * inputs and outputs are the caller's typed arrays, read and written in place, and a run returns
 * when onnxruntime does (README, Performance).
 *
 * Same onnxruntime library file as onnxruntime-node loaded (so the same copy in the process), same
 * session options as session.ts gives onnxruntime-node. Where the addon lacks these functions or
 * the library cannot be opened, createDirectSession says null and callers keep onnxruntime-node's
 * session: the same results, the copies included.
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Log } from '../log';
import { loadedAddon } from './mmap';

/** What Murmur's models use of a session: onnxruntime-node's InferenceSession or a DirectSession. */
export interface ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /** Outputs named in `fetches` are written into those tensors; the rest come back new. */
  run(feeds: Record<string, ort.Tensor>, fetches?: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

interface ValueInfo {
  name: string;
  /** ONNX element type; absent for a value that is not a tensor. */
  type?: number;
  /** -1 for a dimension the model leaves open. */
  dims?: number[];
}

type Data = ort.Tensor['data'];

/** ort_run.c's functions (its header comment documents them). */
interface OrtRunAddon {
  ortOpen(libraryPath: string): string;
  ortCreateSession(bytes: Uint8Array, threads: number, arena: boolean, config: string[]): { session: object; inputs: ValueInfo[]; outputs: ValueInfo[] };
  /** Undefined when every output was given. */
  ortRun(session: object, inputs: Data[], inputDims: readonly (readonly number[])[], outputs: (Data | null)[], outputDims: (readonly number[] | null)[]): ([Data, number[], number] | undefined)[] | undefined;
  ortRelease(session: object): void;
}

/** ONNX element types (TensorProto.DataType) by number, as onnxruntime-node names them. */
const TENSOR_TYPES: Record<number, ort.Tensor.Type> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

/** The onnxruntime library onnxruntime-node loads, beside its binding (its dist/binding.js). */
export function onnxruntimeLibraryPath(platform: NodeJS.Platform = process.platform, arch: string = process.arch): string {
  const name = platform === 'win32' ? 'onnxruntime.dll' : platform === 'darwin' ? 'libonnxruntime.1.dylib' : 'libonnxruntime.so.1';
  return path.join(path.dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', platform, arch, name);
}

let runtime: OrtRunAddon | null | undefined;
let unavailable = '';

function isOrtRunAddon(value: unknown): value is OrtRunAddon {
  const a = value as Partial<Record<keyof OrtRunAddon, unknown>> | null;
  return !!a && typeof a.ortOpen === 'function' && typeof a.ortCreateSession === 'function' && typeof a.ortRun === 'function' && typeof a.ortRelease === 'function';
}

/** The addon's runtime with onnxruntime opened, or null (and why, in `unavailable`). */
function directRuntime(): OrtRunAddon | null {
  if (runtime !== undefined) return runtime;
  runtime = null;
  const addon = loadedAddon();
  if (!isOrtRunAddon(addon)) {
    unavailable = addon ? 'this build of the addon has no ortRun' : 'the addon is not loaded';
    return null;
  }
  // Importing onnxruntime-node (above) loaded its binding and with it the library: opening the
  // same file again finds that copy.
  try {
    addon.ortOpen(onnxruntimeLibraryPath());
    runtime = addon;
  } catch (e) {
    unavailable = (e as Error).message;
  }
  return runtime;
}

export interface DirectSessionOptions {
  threads: number;
  arena: boolean;
  /** Session config entries (onnxruntime_session_options_config_keys.h), as session.ts sets them. */
  config: Record<string, string>;
  log: Log;
}

let told = false;

/**
 * A session on ORT-format bytes used in place (the bytes must live as long as the session, which
 * holds them); null when direct runs are not available here (logged once), so the caller uses
 * onnxruntime-node. Errors from onnxruntime (a file it refuses) are thrown as they are.
 */
export function createDirectSession(bytes: Uint8Array, options: DirectSessionOptions): DirectSession | null {
  const addon = directRuntime();
  if (!addon) {
    if (!told) options.log('info', `direct onnxruntime runs unavailable (${unavailable}); running through onnxruntime-node`);
    told = true;
    return null;
  }
  const created = addon.ortCreateSession(bytes, options.threads, options.arena, Object.entries(options.config).flat());
  return new DirectSession(addon, created.session, created.inputs, created.outputs);
}

function metadataOf(info: ValueInfo): ort.InferenceSession.ValueMetadata {
  const type = info.type === undefined ? undefined : TENSOR_TYPES[info.type];
  if (type === undefined || info.dims === undefined) return { name: info.name, isTensor: false };
  return { name: info.name, isTensor: true, type, shape: info.dims };
}

export class DirectSession implements ModelSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  /**
   * The per-call argument lists, filled in place: a run allocates no arrays, and when the caller
   * gave every output, not even a result record (fetches is returned).
   */
  private readonly inData: Data[] = [];
  private readonly inDims: (readonly number[])[] = [];
  private readonly outData: (Data | null)[] = [];
  private readonly outDims: (readonly number[] | null)[] = [];

  constructor(
    private readonly addon: OrtRunAddon,
    private readonly handle: object,
    inputs: ValueInfo[],
    outputs: ValueInfo[],
  ) {
    this.inputNames = inputs.map((v) => v.name);
    this.outputNames = outputs.map((v) => v.name);
    this.inputMetadata = inputs.map(metadataOf);
    this.outputMetadata = outputs.map(metadataOf);
  }

  /** Runs now, on this thread (as onnxruntime-node does, one event-loop turn later). */
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor> = {}): Promise<Record<string, ort.Tensor>> {
    try {
      return Promise.resolve(this.runNow(feeds, fetches));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  private runNow(feeds: Record<string, ort.Tensor>, fetches: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
    const { inputNames, outputNames } = this;
    for (let i = 0; i < inputNames.length; i++) {
      const t = feeds[inputNames[i]];
      if (!t) throw new Error(`input '${inputNames[i]}' is missing in 'feeds'`);
      this.inData[i] = t.data;
      this.inDims[i] = t.dims;
    }
    let allGiven = true;
    for (let i = 0; i < outputNames.length; i++) {
      const t = fetches[outputNames[i]];
      this.outData[i] = t ? t.data : null;
      this.outDims[i] = t ? t.dims : null;
      if (!t) allGiven = false;
    }
    const made = this.addon.ortRun(this.handle, this.inData, this.inDims, this.outData, this.outDims);
    if (allGiven) return fetches;
    const out: Record<string, ort.Tensor> = {};
    outputNames.forEach((name, i) => {
      const mine = fetches[name];
      const theirs = made?.[i];
      if (mine) out[name] = mine;
      else if (theirs) out[name] = new ort.Tensor(TENSOR_TYPES[theirs[2]], theirs[0], theirs[1]);
    });
    return out;
  }

  release(): Promise<void> {
    this.addon.ortRelease(this.handle);
    return Promise.resolve();
  }
}

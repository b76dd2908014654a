/**
 * Loading one ONNX model file into an onnxruntime session.
 *
 * PLACEHOLDER: loads by path. The real implementation converts the ONNX file once into an ORT
 * flatbuffer cache and memory-maps it (see ort-cache.ts / mmap.ts). The signature is the contract.
 */
import * as ort from 'onnxruntime-node';
import type { Log } from '../log';
import { silentLog } from '../log';

export interface SessionLoadOptions {
  /** Intra-op threads for this session. */
  threads: number;
  /** Directory for converted ORT-format models; default from paths.ts. */
  cacheDir?: string;
  /** Skip the ORT cache and load the ONNX file directly (tests, comparisons). */
  noCache?: boolean;
  log?: Log;
}

export interface LoadedSession {
  session: ort.InferenceSession;
  /** The ONNX file the caller asked for. */
  sourcePath: string;
  /** How the bytes reached onnxruntime. */
  via: 'mmap' | 'read' | 'path';
  /** The ORT-format file actually loaded, when the cache was used. */
  ortPath?: string;
  /** True when this load had to convert ONNX -> ORT first. */
  converted: boolean;
  loadMs: number;
}

export async function loadSession(onnxPath: string, options: SessionLoadOptions): Promise<LoadedSession> {
  const log = options.log ?? silentLog;
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(onnxPath, {
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadMs = performance.now() - t0;
  log('debug', `loaded ${onnxPath} by path in ${loadMs.toFixed(0)} ms`);
  return { session, sourcePath: onnxPath, via: 'path', converted: false, loadMs };
}

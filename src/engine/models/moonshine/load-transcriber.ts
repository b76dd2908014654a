/**
 * Loads the two Moonshine sessions (in parallel) and the tokenizer into an offline transcriber.
 */
import { MurmurError, toMurmurError } from '../../errors';
import type { Log } from '../../log';
import { silentLog } from '../../log';
import { projectInt8Kernel } from '../../onnx/mmap';
import { loadProjectionTable } from '../../onnx/projection-cache';
import { loadSession, type LoadedSession } from '../../onnx/session';
import { TIED_PROJECTION_INPUT } from '../../onnx/tied-projection';
import type { MoonshineFiles } from '../spec';
import { GreedyDecoder } from './greedy-decode';
import { Int8Projection } from './int8-projection';
import { readLayout, type MoonshineLayout } from './layout';
import { loadMoonshineTokenizer } from './tokenizer';
import { MoonshineTranscriber } from './transcriber';

/**
 * The encoder's convolution stem keeps int8 weights dequantised by Cast/Mul/Add; folded, they are
 * most of the encoder's ORT file. conv3's dequantisation stays at run time: the file stays within
 * 1.5x its ONNX, and the encoder's outputs stay the folded conversion's bit for bit. conv2's would
 * shrink it further, but onnxruntime then computes that convolution differently (its outputs
 * change), so it stays folded (README, "What was tried"; test/unit/graph-rewrite.test.ts).
 */
export const ENCODER_RUNTIME_DEQUANTIZE: readonly string[] = ['conv3.weight_quantized'];

export interface MoonshineSessionOptions {
  /** Intra-op threads for the encoder (the decoder always uses one). */
  threads: number;
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
}

export interface LoadedMoonshine {
  transcriber: MoonshineTranscriber;
  layout: MoonshineLayout;
  encoder: LoadedSession;
  decoder: LoadedSession;
}

export async function loadMoonshineTranscriber(files: MoonshineFiles, options: MoonshineSessionOptions): Promise<LoadedMoonshine> {
  const log = options.log ?? silentLog;
  const sessionOptions = { threads: options.threads, cacheDir: options.cacheDir, noCache: options.noCache, log };
  // The decoder runs one token at a time: its kernels are too small to split, and a second thread
  // only spins: one thread is faster in wall time at half the CPU (README, "Design choices,
  // measured"). The encoder (whole utterance at once) does gain from threads.
  // With the addon's 8-bit kernel, the decoder is converted without its output projection, which
  // Murmur computes itself (int8-projection.ts); without it (no addon for this platform, or a
  // model loaded by path), onnxruntime computes it from the folded float weight, as before.
  const kernel = options.noCache ? null : projectInt8Kernel();
  const results = await Promise.allSettled([loadSession(files.encoder, { ...sessionOptions, dequantizeAtRunTime: ENCODER_RUNTIME_DEQUANTIZE }), loadSession(files.decoder, { ...sessionOptions, threads: 1, cutTiedProjection: kernel !== null })]);
  const [encoder, decoder] = results;
  if (encoder.status === 'rejected' || decoder.status === 'rejected') {
    // Do not leak the session that did load.
    await Promise.all([encoder, decoder].map((r) => (r.status === 'fulfilled' ? r.value.session.release() : undefined)));
    const failed = [encoder, decoder].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw toMurmurError(failed?.reason, 'MODEL_LOAD_FAILED');
  }
  try {
    const layout = readLayout(encoder.value.session, decoder.value.session, files.encoder, files.decoder);
    // The tokenizer is only needed once a decode has produced ids. Building it takes noticeable
    // main-thread time (it also prepares merges we never use), so it is not on the load path: the
    // first decode (the model's background warm-up) builds it.
    const projection = decoder.value.session.outputNames.includes(TIED_PROJECTION_INPUT) ? tiedProjection(decoder.value, kernel, log) : undefined;
    const transcriber = new MoonshineTranscriber(encoder.value.session, new GreedyDecoder(decoder.value.session, layout, projection), loadMoonshineTokenizer);
    log('info', `Moonshine loaded: ${layout.layers} decoder layers, ${layout.kvHeads}x${layout.headDim} KV heads (encoder ${encoder.value.loadMs.toFixed(0)} ms, decoder ${decoder.value.loadMs.toFixed(0)} ms)`);
    return { transcriber, layout, encoder: encoder.value, decoder: decoder.value };
  } catch (e) {
    await Promise.all([encoder.value.session.release(), decoder.value.session.release()]);
    throw e;
  }
}

/** The output projection of a decoder converted without it, mapped from the ORT cache. */
function tiedProjection(decoder: LoadedSession, kernel: ReturnType<typeof projectInt8Kernel>, log: Log): Int8Projection {
  // Only the cache path cuts the projection, and only when the kernel is there.
  if (!kernel || !decoder.ortPath) throw new MurmurError('MODEL_LOAD_FAILED', `${decoder.sourcePath}: the decoder was converted without its output projection, but Murmur cannot compute it here.`);
  return new Int8Projection(loadProjectionTable(decoder.sourcePath, decoder.ortPath, log), kernel);
}

/**
 * sherpa-onnx-node (devDependency, used only here and in tests) as the reference streaming decoder:
 * same model files, same audio, same chunking, same thread count. The benchmark and the tests that
 * compare with it (token-exact, beam search, hotwords) build it here, one way.
 */
import * as path from 'node:path';

export interface SherpaStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
export interface SherpaResult {
  text: string;
  /** Token pieces as sherpa-onnx prints them (a word start is a leading space). */
  tokens: string[];
}
export interface SherpaRecognizer {
  createStream(): SherpaStream;
  isReady(s: SherpaStream): boolean;
  decode(s: SherpaStream): void;
  getResult(s: SherpaStream): SherpaResult;
}
interface SherpaModule {
  OnlineRecognizer: new (config: object) => SherpaRecognizer;
}

/** sherpa-onnx's tail: 0.8 s of silence before inputFinished(), as its examples feed a file. */
const TAIL_SAMPLES = 12800;

export interface SherpaOptions {
  decodingMethod?: 'greedy_search' | 'modified_beam_search';
  /** Extra modelConfig fields (hotwords: modelingUnit, bpeVocab). */
  modelConfig?: object;
  /** Extra top-level fields (hotwordsFile, hotwordsScore). */
  extra?: object;
}

/** The shared streaming Zipformer's files, as Murmur's detection picks them (encoder.int8.fixed, decoder fp32, joiner int8). */
export function sherpaRecognizer(dir: string, threads: number, options: SherpaOptions = {}): SherpaRecognizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sherpa = require('sherpa-onnx-node') as SherpaModule;
  return new sherpa.OnlineRecognizer({
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: path.join(dir, 'encoder.int8.fixed.onnx'), decoder: path.join(dir, 'decoder.onnx'), joiner: path.join(dir, 'joiner.int8.onnx') },
      tokens: path.join(dir, 'tokens.txt'),
      numThreads: threads,
      provider: 'cpu',
      debug: 0,
      ...options.modelConfig,
    },
    decodingMethod: options.decodingMethod ?? 'greedy_search',
    maxActivePaths: 4,
    ...options.extra,
  });
}

/** Decodes a clip fed in `chunk`-sample pieces, decoding as it goes; returns text and ms. */
export function sherpaDecode(rec: SherpaRecognizer, samples: Float32Array, chunk: number): { text: string; ms: number } {
  const t0 = performance.now();
  const s = rec.createStream();
  for (let i = 0; i < samples.length; i += chunk) {
    s.acceptWaveform({ samples: samples.subarray(i, i + chunk), sampleRate: 16000 });
    while (rec.isReady(s)) rec.decode(s);
  }
  s.acceptWaveform({ samples: new Float32Array(TAIL_SAMPLES), sampleRate: 16000 });
  s.inputFinished();
  while (rec.isReady(s)) rec.decode(s);
  const ms = performance.now() - t0;
  return { text: rec.getResult(s).text.trim(), ms };
}

/** The whole clip at once, then the tail and the end of input: sherpa-onnx's reference result. */
export function sherpaDecodeWhole(rec: SherpaRecognizer, samples: Float32Array): SherpaResult {
  const s = rec.createStream();
  s.acceptWaveform({ samples, sampleRate: 16000 });
  s.acceptWaveform({ samples: new Float32Array(TAIL_SAMPLES), sampleRate: 16000 });
  s.inputFinished();
  while (rec.isReady(s)) rec.decode(s);
  const r = rec.getResult(s);
  return { text: r.text.trim(), tokens: r.tokens };
}

/**
 * sherpa-onnx-node on a cache-aware streaming NeMo transducer (Nemotron, streaming FastConformer):
 * the same transducer fields; sherpa-onnx tells it from a Zipformer by its decoder's outputs (LSTM
 * states), so no modelType is needed. Greedy search is the only method it runs for these models.
 */
export function sherpaNemoRecognizer(files: { encoder: string; decoder: string; joiner: string; tokens: string }, threads: number): SherpaRecognizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sherpa = require('sherpa-onnx-node') as SherpaModule;
  return new sherpa.OnlineRecognizer({
    // sherpa-onnx sets the NeMo feature options itself and takes the dimension from the encoder.
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner },
      tokens: files.tokens,
      numThreads: threads,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod: 'greedy_search',
  });
}

/**
 * sherpa-onnx-node (devDependency, used only here and in tests) as the reference streaming decoder:
 * same model files, same audio, same chunking, same thread count.
 */
import * as path from 'node:path';

interface SherpaStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
  inputFinished(): void;
}
interface SherpaRecognizer {
  createStream(): SherpaStream;
  isReady(s: SherpaStream): boolean;
  decode(s: SherpaStream): void;
  getResult(s: SherpaStream): { text: string };
}
interface SherpaModule {
  OnlineRecognizer: new (config: object) => SherpaRecognizer;
}

export function sherpaRecognizer(dir: string, threads: number): SherpaRecognizer {
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
    },
    decodingMethod: 'greedy_search',
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
  s.acceptWaveform({ samples: new Float32Array(12800), sampleRate: 16000 });
  s.inputFinished();
  while (rec.isReady(s)) rec.decode(s);
  const ms = performance.now() - t0;
  return { text: rec.getResult(s).text.trim(), ms };
}

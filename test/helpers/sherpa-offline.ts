/**
 * sherpa-onnx-node's OfflineRecognizer for a NeMo transducer (Parakeet TDT), the reference the
 * Parakeet tests compare against.
 */
export interface SherpaOfflineResult {
  text: string;
  /** Pieces as sherpa-onnx prints them (U+2581 at word starts is a space). */
  tokens: string[];
  /** Seconds, one per token. */
  timestamps: number[];
  /** TDT durations, seconds, one per token. */
  durations: number[];
}

interface OfflineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
interface OfflineRecognizer {
  createStream(): OfflineStream;
  decode(s: OfflineStream): void;
  getResult(s: OfflineStream): SherpaOfflineResult;
}

export interface SherpaNemoFiles {
  encoder: string;
  decoder: string;
  joiner: string;
  tokens: string;
}

export function sherpaParakeet(
  files: SherpaNemoFiles,
  decodingMethod: 'greedy_search' | 'modified_beam_search',
  options: { maxActivePaths?: number; threads?: number } = {},
): { decode(samples: Float32Array): SherpaOfflineResult } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sherpa = require('sherpa-onnx-node') as { OfflineRecognizer: new (config: object) => OfflineRecognizer };
  const rec = new sherpa.OfflineRecognizer({
    // feat_dim in the model's metadata overrides featureDim (offline-recognizer-transducer-nemo-impl.h).
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      transducer: { encoder: files.encoder, decoder: files.decoder, joiner: files.joiner },
      tokens: files.tokens,
      modelType: 'nemo_transducer',
      numThreads: options.threads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
    decodingMethod,
    maxActivePaths: options.maxActivePaths ?? 4,
  });
  return {
    decode(samples) {
      const s = rec.createStream();
      s.acceptWaveform({ samples, sampleRate: 16000 });
      rec.decode(s);
      return rec.getResult(s);
    },
  };
}

/**
 * sherpa-onnx-node's offline Whisper recognizer as the reference: built one way for the benchmark
 * and the tests (language "" detects it; tail padding sherpa's default; greedy search).
 */
export interface SherpaWhisperResult {
  text: string;
  /** Token pieces (decoded bytes of each listed id). */
  tokens: string[];
  /** Language code used, detected or forced. */
  lang: string;
}
interface OfflineStream {
  acceptWaveform(w: { samples: Float32Array; sampleRate: number }): void;
}
export interface SherpaWhisperRecognizer {
  createStream(): OfflineStream;
  decode(s: OfflineStream): void;
  getResult(s: OfflineStream): SherpaWhisperResult;
}

export interface WhisperModelFiles {
  encoder: string;
  decoder: string;
  tokens: string;
}

export function sherpaWhisperRecognizer(files: WhisperModelFiles, options: { language?: string; threads?: number } = {}): SherpaWhisperRecognizer {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sherpa = require('sherpa-onnx-node') as { OfflineRecognizer: new (config: object) => SherpaWhisperRecognizer };
  const language = !options.language || options.language === 'auto' ? '' : options.language;
  return new sherpa.OfflineRecognizer({
    featConfig: { sampleRate: 16000, featureDim: 80 },
    modelConfig: {
      whisper: { encoder: files.encoder, decoder: files.decoder, language, task: 'transcribe', tailPaddings: -1 },
      tokens: files.tokens,
      numThreads: options.threads ?? 1,
      provider: 'cpu',
      debug: 0,
    },
  });
}

/** The whole signal as one utterance, as sherpa-onnx decodes a file. */
export function sherpaWhisperDecode(recognizer: SherpaWhisperRecognizer, samples: Float32Array): SherpaWhisperResult {
  const stream = recognizer.createStream();
  stream.acceptWaveform({ samples, sampleRate: 16000 });
  recognizer.decode(stream);
  return recognizer.getResult(stream);
}

/**
 * A loaded Whisper model (sherpa-onnx's export): the encoder and decoder sessions, the tokenizer and
 * the Silero VAD, all shared. Dictation is VAD-segmented like Moonshine's (offline/vad-recognizer.ts);
 * decodeWhole is sherpa-onnx's offline decode of the whole signal.
 */
import { toMurmurError } from '../../errors';
import type { Log } from '../../log';
import { silentLog } from '../../log';
import { readOnnxInfo } from '../../onnx/metadata';
import { loadSession, type LoadedSession } from '../../onnx/session';
import type { LoadedModel, RecognizerOptions, StreamingRecognizer, WholeDecode } from '../../recognizer';
import { loadSileroVadModel, type SileroVadModel } from '../../vad/silero';
import type { Transcriber } from '../offline/segmented-recognizer';
import { createVadRecognizer } from '../offline/vad-recognizer';
import type { OnnxMetadata, WhisperFiles } from '../spec';
import { WhisperGreedySearch } from './greedy-search';
import { whisperLanguageToken } from './language';
import { parseWhisperMetadata, type WhisperMetadata } from './metadata';
import { checkWhisperSessions } from './sessions';
import { WhisperTokenizer } from './tokenizer';
import { WhisperTranscriber } from './transcriber';

export interface WhisperLoadOptions {
  threads: number;
  /** Silero VAD v5 ONNX file; default: the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  noCache?: boolean;
  /** The encoder's ONNX metadata when already read (detection); read from the file otherwise. */
  encoderMetadata?: OnnxMetadata;
  log?: Log;
}

/** Warm-up input: onnxruntime's first run of a session is several times slower than later ones. */
const WARM_UP_SAMPLES = 16000;

export async function loadWhisperModel(files: WhisperFiles, options: WhisperLoadOptions): Promise<LoadedModel> {
  const log = options.log ?? silentLog;
  const meta = parseWhisperMetadata(options.encoderMetadata ?? readOnnxInfo(files.encoder).metadata, files.encoder);
  const tokenizer = WhisperTokenizer.load(files.tokens, meta.nVocab);
  const sessionOptions = { threads: options.threads, cacheDir: options.cacheDir, noCache: options.noCache, log };
  const results = await Promise.allSettled([
    loadSession(files.encoder, sessionOptions),
    // The decoder runs once per token with shapes bounded by n_text_ctx: the arena reuses one
    // step's buffers (two self caches per step would otherwise be fresh allocations), and its int8
    // MatMuls are faster on pre-packed weights. Without both, mapped decoding was markedly slower
    // than onnxruntime loading the same file by path (npm run bench -- whisper measures it).
    loadSession(files.decoder, { ...sessionOptions, arena: true, prepack: true }),
    loadSileroVadModel(options.vadPath, { cacheDir: options.cacheDir, noCache: options.noCache, log }),
  ]);
  const [encoder, decoder, vad] = results;
  if (encoder.status === 'rejected' || decoder.status === 'rejected' || vad.status === 'rejected') {
    await releaseAll(results);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    throw toMurmurError(failed?.reason, 'MODEL_LOAD_FAILED');
  }
  try {
    checkWhisperSessions(encoder.value.session, decoder.value.session, files);
  } catch (e) {
    await releaseAll(results);
    throw e;
  }
  const transcriber = new WhisperTranscriber(encoder.value.session, new WhisperGreedySearch(decoder.value.session, meta), tokenizer, meta);
  log('info', `Whisper loaded: ${meta.nTextLayer} decoder layers, state ${meta.nTextState}, ${meta.nMels} mel bins, ${meta.multilingual ? `${meta.languages.size} languages` : 'English only'}`);
  // In the background, as Moonshine's: every decode waits for it (see model.ts there).
  const t0 = performance.now();
  const warm = transcriber
    .transcribe(new Float32Array(WARM_UP_SAMPLES), meta.multilingual ? meta.sotSequence[1] : undefined)
    .then(() => log('debug', `Whisper warm-up decode: ${(performance.now() - t0).toFixed(0)} ms`))
    .catch((e: unknown) => log('warn', `Whisper warm-up decode failed: ${(e as Error).message}`));
  return new WhisperModel(transcriber, [encoder.value, decoder.value], vad.value, meta, files.encoder, warm);
}

async function releaseAll(results: PromiseSettledResult<LoadedSession | SileroVadModel>[]): Promise<void> {
  await Promise.all(results.map((r) => (r.status !== 'fulfilled' ? undefined : 'session' in r.value ? r.value.session.release() : r.value.dispose())));
}

class WhisperModel implements LoadedModel {
  readonly family = 'whisper' as const;
  readonly description: string;

  constructor(
    private readonly transcriber: WhisperTranscriber,
    private readonly sessions: LoadedSession[],
    private readonly vad: SileroVadModel,
    private readonly meta: WhisperMetadata,
    private readonly encoderPath: string,
    readonly settled: Promise<void>,
  ) {
    const size = ({ 384: 'tiny', 512: 'base', 768: 'small', 1024: 'medium', 1280: 'large/turbo' } as Record<number, string>)[meta.nTextState] ?? `${meta.nTextState}-wide`;
    this.description = `Whisper ${size}${meta.multilingual ? '' : ' (English only)'} encoder-decoder (offline model, re-decoded for partials; Silero VAD endpointing)`;
  }

  private languageToken(language: string | undefined): number | undefined {
    return whisperLanguageToken(this.meta, language, this.encoderPath);
  }

  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer {
    const token = this.languageToken(options?.language);
    const transcriber: Transcriber = {
      transcribe: async (samples) => {
        await this.settled;
        return this.transcriber.transcribe(samples, token);
      },
    };
    return createVadRecognizer({ family: 'whisper', transcriber, vad: this.vad }, options);
  }

  async decodeWhole(samples: Float32Array, options?: Pick<Partial<RecognizerOptions>, 'language'>): Promise<WholeDecode> {
    const token = this.languageToken(options?.language);
    await this.settled;
    const { text, tokens, language } = await this.transcriber.transcribe(samples, token);
    return { text: text.trim(), tokens, ...(language ? { language } : {}) };
  }

  async dispose(): Promise<void> {
    await this.settled;
    await Promise.all([...this.sessions.map((s) => s.session.release()), this.vad.dispose()]);
  }
}

/**
 * A loaded offline NeMo transducer (Parakeet TDT 0.6B v2/v3 as sherpa-onnx exports them): the three
 * sessions, the tokens and the Silero VAD, shared by every recognizer. Recognizers are VAD-segmented
 * (createVadRecognizer): each phrase is decoded whole, partials by re-decoding the open phrase.
 */
import { MurmurError, toMurmurError } from '../../errors';
import { languagesOf } from '../../languages';
import type { Log } from '../../log';
import { silentLog } from '../../log';
import { readOnnxInfo } from '../../onnx/metadata';
import { loadSession, type LoadedSession } from '../../onnx/session';
import type { LoadedModel, RecognizerOptions, StreamingRecognizer, WholeDecode } from '../../recognizer';
import { loadSileroVadModel, type SileroVadModel } from '../../vad/silero';
import type { Transcriber } from '../offline/segmented-recognizer';
import { createVadRecognizer } from '../offline/vad-recognizer';
import type { NemoTransducerFiles, OnnxMetadata } from '../spec';
import { readParakeetConfig } from './config';
import { ParakeetNets } from './nets';
import { readParakeetTokens } from './tokens';
import { ParakeetTranscriber, type ParakeetSearch } from './transcriber';

export interface ParakeetLoadOptions {
  /** Intra-op threads for the encoder (the decoder and joiner run on one: one token at a time). */
  threads: number;
  vadPath?: string;
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
  /** The encoder's metadata when the caller has read it already (detection). */
  encoderMetadata?: OnnxMetadata;
}

/**
 * Decoded at load, awaited: it proves the three networks fit together (a joiner without TDT
 * durations, a decoder of another size) before the user dictates, and warms onnxruntime up.
 */
const PROBE_SAMPLES = 8000;

export async function loadParakeetModel(files: NemoTransducerFiles, options: ParakeetLoadOptions): Promise<LoadedModel> {
  const log = options.log ?? silentLog;
  const config = readParakeetConfig(options.encoderMetadata ?? readOnnxInfo(files.encoder).metadata, files.encoder);
  const tokens = readParakeetTokens(files.tokens, config.vocabSize, files.encoder);
  const sessionOptions = { threads: options.threads, cacheDir: options.cacheDir, noCache: options.noCache, log };
  // Pre-packed: run once per token, they are much faster with packed weights, which are small here.
  const small = { ...sessionOptions, threads: 1, arena: true, prepack: true };
  const results = await Promise.allSettled([
    loadSession(files.encoder, sessionOptions),
    loadSession(files.decoder, small),
    loadSession(files.joiner, small),
    loadSileroVadModel(options.vadPath, { cacheDir: options.cacheDir, noCache: options.noCache, log }),
  ]);
  const release = async () => {
    await Promise.all(
      results.map((r) => {
        if (r.status !== 'fulfilled') return undefined;
        return 'session' in r.value ? r.value.session.release() : r.value.dispose();
      }),
    );
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await release();
    throw toMurmurError(failed.reason, 'MODEL_LOAD_FAILED');
  }
  const [encoder, decoder, joiner] = results.slice(0, 3).map((r) => (r as PromiseFulfilledResult<LoadedSession>).value);
  const vad = (results[3] as PromiseFulfilledResult<SileroVadModel>).value;
  const nets = new ParakeetNets(encoder.session, decoder.session, joiner.session, config);
  const transcriber = new ParakeetTranscriber(nets, tokens);
  try {
    const t0 = performance.now();
    await transcriber.transcribe(new Float32Array(PROBE_SAMPLES));
    log('debug', `Parakeet probe decode: ${(performance.now() - t0).toFixed(0)} ms`);
  } catch (e) {
    await release();
    throw toMurmurError(new Error(`${files.encoder}, ${files.decoder} and ${files.joiner} do not work together as a NeMo transducer: ${(e as Error).message}. Use the three files of one sherpa-onnx export.`), 'MODEL_LOAD_FAILED');
  }
  log('info', `Parakeet loaded: ${config.isTdt ? 'TDT' : 'RNN-T'}, ${config.featDim} mel bins, ${config.vocabSize - 1} tokens (encoder ${encoder.loadMs.toFixed(0)} ms)`);
  return new ParakeetModel(transcriber, vad, languagesOf('parakeet', options.encoderMetadata ?? readOnnxInfo(files.encoder).metadata));
}

class ParakeetModel implements LoadedModel {
  readonly family = 'parakeet' as const;
  readonly description: string;

  constructor(
    private readonly transcriber: ParakeetTranscriber,
    private readonly vad: SileroVadModel,
    /** What the model card says it hears ([] when the files do not name their source model). */
    private readonly languages: readonly string[],
  ) {
    const c = transcriber.nets.config;
    this.description = `Parakeet ${c.isTdt ? 'TDT' : 'RNN-T'} NeMo transducer (${c.featDim} mel bins, ${c.vocabSize - 1} tokens; offline model, re-decoded for partials; Silero VAD endpointing)`;
  }

  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer {
    this.checkLanguage(options?.language);
    const t = this.transcriber.withSearch(searchOf(options));
    const transcriber: Transcriber = { transcribe: (samples) => t.transcribe(samples) };
    return createVadRecognizer({ family: 'parakeet', transcriber, vad: this.vad }, options);
  }

  async decodeWhole(samples: Float32Array, options?: Pick<Partial<RecognizerOptions>, 'decoding' | 'beamSize' | 'language'>): Promise<WholeDecode> {
    this.checkLanguage(options?.language);
    const { text, tokens } = await this.transcriber.withSearch(searchOf(options)).transcribe(samples);
    return { text, tokens };
  }

  /**
   * Parakeet takes no language prompt: v3 recognises which of its languages it hears. A language
   * the model does not know is refused rather than silently transcribed as another one.
   */
  private checkLanguage(language: string | undefined): void {
    if (!language || language === 'auto' || !this.languages.length || this.languages.includes(language)) return;
    throw new MurmurError('MODEL_WRONG_FAMILY', `This Parakeet model does not hear "${language}"; it knows ${this.languages.join(', ')}. Set murmur.language to one of them or to "auto".`);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.transcriber.nets.release(), this.vad.dispose()]);
  }
}

function searchOf(options?: Pick<Partial<RecognizerOptions>, 'decoding' | 'beamSize'>): ParakeetSearch {
  return { decoding: options?.decoding ?? 'greedy', beamSize: options?.beamSize ?? 4 };
}

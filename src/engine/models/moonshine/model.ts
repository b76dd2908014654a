/**
 * A loaded Moonshine model: the encoder and decoder sessions, the tokenizer and the Silero VAD, all
 * shared. Each recognizer gets its own VAD state, segmenter, gain and audio buffer.
 */
import type { Log } from '../../log';
import { silentLog } from '../../log';
import type { LoadedModel, RecognizerOptions, StreamingRecognizer, WholeDecode } from '../../recognizer';
import { loadSileroVadModel, type SileroVadModel } from '../../vad/silero';
import type { MoonshineFiles } from '../spec';
import { END_TOKEN, START_TOKEN } from './greedy-decode';
import { loadMoonshineTranscriber, type LoadedMoonshine } from './load-transcriber';
import { Vocabulary } from '../../vocabulary';
import type { Transcriber } from '../offline/segmented-recognizer';
import { createVadRecognizer } from '../offline/vad-recognizer';
import { loadMoonshineTokenizer } from './tokenizer';

export interface MoonshineLoadOptions {
  /** Intra-op threads for the encoder (the decoder runs on one: see load-transcriber.ts). */
  threads: number;
  /** Silero VAD v5 ONNX file; default: the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
}

/** Warm-up input: onnxruntime's first run of a session is several times slower than later ones. */
const WARM_UP_SAMPLES = 16000;

export async function loadMoonshineModel(files: MoonshineFiles, options: MoonshineLoadOptions): Promise<LoadedModel> {
  const log = options.log ?? silentLog;
  const [nets, vad] = await Promise.allSettled([
    loadMoonshineTranscriber(files, options),
    loadSileroVadModel(options.vadPath, { cacheDir: options.cacheDir, noCache: options.noCache, log }),
  ]);
  if (nets.status === 'rejected' || vad.status === 'rejected') {
    if (nets.status === 'fulfilled') await releaseNets(nets.value);
    if (vad.status === 'fulfilled') await vad.value.dispose();
    throw nets.status === 'rejected' ? nets.reason : (vad as PromiseRejectedResult).reason;
  }
  // The warm-up runs in the background so that loading (and the user's first "Start Dictation")
  // does not wait for it; every decode waits for it instead, and the first one is due only after
  // 0.3 s of speech, by when it is long done.
  const t0 = performance.now();
  const warm = nets.value.transcriber
    .transcribe(new Float32Array(WARM_UP_SAMPLES))
    .then(() => log('debug', `Moonshine warm-up decode: ${(performance.now() - t0).toFixed(0)} ms`))
    .catch((e: unknown) => log('warn', `Moonshine warm-up decode failed: ${(e as Error).message}`));
  return new MoonshineModel(nets.value, vad.value, warm);
}

class MoonshineModel implements LoadedModel {
  readonly family = 'moonshine' as const;
  readonly description: string;

  /** The transcriber, behind the warm-up: no decode overlaps it. */
  private readonly transcriber: Transcriber;

  constructor(
    private readonly nets: LoadedMoonshine,
    private readonly vad: SileroVadModel,
    /** The warm-up decode (which also builds the tokenizer) is over. */
    readonly settled: Promise<void>,
  ) {
    this.transcriber = {
      transcribe: async (samples, draft) => {
        await settled;
        return nets.transcriber.transcribe(samples, draft);
      },
    };
    const { layers, headDim } = nets.layout;
    const size = layers === 6 && headDim === 36 ? 'tiny' : layers === 8 && headDim === 52 ? 'base' : `${layers}-layer`;
    this.description = `Moonshine ${size} encoder-decoder (offline model, re-decoded for partials; Silero VAD endpointing)`;
  }

  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer {
    const corrector = options?.hotwords?.length ? this.vocabulary(options.hotwords) : undefined;
    return createVadRecognizer({ family: 'moonshine', transcriber: this.transcriber, vad: this.vad, corrector }, options);
  }

  async decodeWhole(samples: Float32Array): Promise<WholeDecode> {
    const { text, tokens } = await this.transcriber.transcribe(samples);
    // The decoder's output after its start token, without the end token (not text).
    return { text: text.trim(), tokens: tokens.filter((t, i) => !(i === 0 && t === START_TOKEN) && !(i === tokens.length - 1 && t === END_TOKEN)) };
  }

  /**
   * The correction for a dictation's vocabulary. Words the tokenizer holds whole are common (the
   * model knows them): they are neither corrected nor corrected into. The tokenizer has loaded by
   * the time any text exists to correct (the first decode loads it).
   */
  private vocabulary(terms: string[]): Vocabulary {
    let tokenizer: Awaited<ReturnType<typeof loadMoonshineTokenizer>> | undefined;
    void loadMoonshineTokenizer().then((t) => (tokenizer = t));
    return new Vocabulary(terms, { isCommon: (w) => tokenizer?.isCommonWord(w) ?? false, ready: () => tokenizer !== undefined });
  }

  async dispose(): Promise<void> {
    await this.settled;
    await Promise.all([releaseNets(this.nets), this.vad.dispose()]);
  }
}

async function releaseNets(nets: LoadedMoonshine): Promise<void> {
  await Promise.all([nets.encoder.session.release(), nets.decoder.session.release()]);
}

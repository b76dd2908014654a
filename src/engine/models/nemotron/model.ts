/**
 * A loaded cache-aware streaming NeMo transducer (NVIDIA Nemotron speech streaming, streaming
 * FastConformer transducers) as sherpa-onnx exports it: three shared sessions and the token table;
 * each recognizer gets its own encoder caches, decoder states, features and search.
 *
 * sherpa-onnx decodes these models with greedy search only (it refuses any other method), so
 * modified beam search and hotwords, which need it, fall back to greedy search here.
 */
import type { Log } from '../../log';
import { silentLog } from '../../log';
import { loadSession, type LoadedSession } from '../../onnx/session';
import { readOnnxInfo } from '../../onnx/metadata';
import type { LoadedModel, RecognizerOptions, StreamingRecognizer, WholeDecode } from '../../recognizer';
import { defaultRecognizerOptions } from '../../recognizer';
import { GainNormalizer } from '../../audio/gain';
import { MurmurError } from '../../errors';
import { createSegmenter } from '../../vad/segmenter';
import { loadSileroVadModel, type SileroVadModel } from '../../vad/silero';
import type { NemoTransducerFiles, OnnxMetadata } from '../spec';
import { StreamingTransducerRecognizer } from '../zipformer/recognizer';
import { readTokens, type TokenTable } from '../zipformer/tokens';
import { parseNemotronConfig, type NemotronConfig } from './config';
import { NemoDecoderJoiner } from './decoder-joiner';
import { CacheAwareEncoder } from './encoder';
import { NemoGreedySearch } from './greedy-search';
import { TransducerStream } from '../zipformer/stream';
import { createNemoMel, nemoStreamingMelOptions } from '../../features/nemo-mel';

const SAMPLES_PER_FEATURE_FRAME = 160;

export interface NemotronLoadOptions {
  threads: number;
  /** Silero VAD ONNX file for endpointing; default: the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
}

/**
 * `encoderMetadata`: the encoder's metadata (window_size, chunk_shift, caches, pred_*, vocab_size) when
 * the caller has it (detection, or an export's manifest); otherwise it is read from the file.
 */
export async function loadNemotronModel(files: NemoTransducerFiles, options: NemotronLoadOptions, encoderMetadata?: OnnxMetadata): Promise<LoadedModel> {
  const log = options.log ?? silentLog;
  const tokens = readTokens(files.tokens);
  const sessionOptions = { threads: options.threads, cacheDir: options.cacheDir, noCache: options.noCache, arena: true, log };
  // The decoder and joiner run on one token / one frame at a time: more threads only add hand-off cost.
  const loads = await Promise.allSettled([
    loadSession(files.encoder, sessionOptions),
    loadSession(files.decoder, { ...sessionOptions, threads: 1 }),
    loadSession(files.joiner, { ...sessionOptions, threads: 1 }),
    loadSileroVadModel(options.vadPath, { cacheDir: options.cacheDir, noCache: options.noCache, log }),
  ]);
  const release = async () => {
    for (const l of loads) if (l.status === 'fulfilled') await ('dispose' in l.value ? l.value.dispose() : l.value.session.release());
  };
  const failed = loads.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) {
    await release();
    throw failed.reason;
  }
  const [encoder, decoder, joiner] = loads.slice(0, 3).map((l) => (l as PromiseFulfilledResult<LoadedSession>).value);
  const vad = (loads[3] as PromiseFulfilledResult<SileroVadModel>).value;
  try {
    const config = parseNemotronConfig(encoderMetadata ?? readOnnxInfo(files.encoder).metadata, files.encoder);
    checkTokens(tokens, config, files.tokens);
    // Validate the three graphs now so a wrong model fails at load, not at the first word.
    new CacheAwareEncoder(encoder.session, config, files.encoder);
    new NemoDecoderJoiner(decoder.session, joiner.session, config, files.decoder, files.joiner);
    return new NemotronModel(files, config, tokens, encoder, decoder, joiner, vad, log);
  } catch (e) {
    await release();
    throw e;
  }
}

/** sherpa-onnx's checks (PostInit): <blk> is the last of vocab_size + 1 tokens. */
function checkTokens(tokens: TokenTable, config: NemotronConfig, source: string): void {
  if (tokens.pieces.length !== config.vocabSize) {
    throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source} has ${tokens.pieces.length} tokens but the encoder says ${config.vocabSize} (vocab_size + blank). Use the tokens.txt that came with this model.`);
  }
  if (tokens.pieces[config.vocabSize - 1] !== '<blk>') {
    throw new MurmurError('MODEL_TOKENS_MISMATCH', `${source}: the last token is not the blank <blk>, as a NeMo transducer's tokens.txt has it. Use the tokens.txt that came with this model.`);
  }
}

class NemotronModel implements LoadedModel {
  readonly family = 'nemotron' as const;
  readonly description: string;
  private warnedSearch = false;

  constructor(
    private readonly files: NemoTransducerFiles,
    private readonly config: NemotronConfig,
    private readonly tokens: TokenTable,
    private readonly encoder: LoadedSession,
    private readonly decoder: LoadedSession,
    private readonly joiner: LoadedSession,
    private readonly vad: SileroVadModel,
    private readonly log: Log,
  ) {
    const chunkMs = config.chunkShift * 10;
    this.description = `NeMo cache-aware streaming transducer (${tokens.pieces.length} tokens, ${chunkMs} ms chunks)`;
  }

  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer {
    const opts = { ...defaultRecognizerOptions, ...options };
    if ((opts.decoding === 'modified-beam-search' || opts.hotwords?.length) && !this.warnedSearch) {
      this.warnedSearch = true;
      this.log('info', 'NeMo streaming transducers decode with greedy search only (as sherpa-onnx); beam search and hotwords are not used');
    }
    const encoder = new CacheAwareEncoder(this.encoder.session, this.config, this.files.encoder);
    const nets = new NemoDecoderJoiner(this.decoder.session, this.joiner.session, this.config, this.files.decoder, this.files.joiner);
    const search = new NemoGreedySearch(nets, this.config.vocabSize, this.config.vocabSize - 1, this.tokens.unkId);
    const segmenter = opts.endpointing
      ? createSegmenter(this.vad.createVad(), { endpointSilenceMs: opts.endpointSilenceMs, maxSegmentSec: opts.maxUtteranceSec })
      : undefined;
    const samplesPerOutputFrame = SAMPLES_PER_FEATURE_FRAME * this.config.subsamplingFactor;
    return new StreamingTransducerRecognizer(
      'nemotron',
      new TransducerStream(encoder, { windowFrames: this.config.windowSize, shiftFrames: this.config.chunkShift, featureDim: encoder.featureDim }, search, createNemoMel(nemoStreamingMelOptions(encoder.featureDim))),
      search,
      samplesPerOutputFrame,
      this.tokens,
      opts,
      segmenter,
      opts.normalizeGain ? new GainNormalizer() : undefined,
    );
  }

  async decodeWhole(samples: Float32Array): Promise<WholeDecode> {
    const r = this.createRecognizer({ endpointing: false, partials: false, normalizeGain: false }) as StreamingTransducerRecognizer;
    await r.accept(samples);
    // The end of input adds sherpa-onnx's 0.8 s of silence itself (stream.ts).
    return r.finishWhole();
  }

  async dispose(): Promise<void> {
    await Promise.all([this.encoder.session.release(), this.decoder.session.release(), this.joiner.session.release(), this.vad.dispose()]);
  }
}

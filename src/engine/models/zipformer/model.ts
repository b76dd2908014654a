/**
 * A loaded sherpa-onnx streaming transducer (Zipformer / Zipformer2): three shared sessions and the
 * token table. Each recognizer gets its own encoder caches, features and search state.
 */
import * as fs from 'node:fs';
import type { Log } from '../../log';
import { silentLog } from '../../log';
import type { ModelSession } from '../../onnx/direct-session';
import { loadDirectSession, type LoadedSession } from '../../onnx/session';
import type { LoadedModel, RecognizerOptions, StreamingRecognizer, WholeDecode } from '../../recognizer';
import { defaultRecognizerOptions } from '../../recognizer';
import { GainNormalizer } from '../../audio/gain';
import { createSegmenter } from '../../vad/segmenter';
import { loadSileroVadModel, type SileroVadModel } from '../../vad/silero';
import type { OnnxMetadata, ZipformerFiles } from '../spec';
import { DecoderJoiner } from './decoder-joiner';
import { StreamingEncoder } from './encoder';
import { ZipformerRecognizer } from './recognizer';
import { readTokens, type TokenTable } from './tokens';
import { ContextGraph } from './context-graph';
import { loadPieceEncoder, PieceEncoder } from './sentencepiece';
import { vocabularyTerms } from '../../vocabulary';
import { loadCommonWordTest, type CommonWordTest } from '../../common-words';

/** sherpa-onnx's default hotwords_score: the bonus per matched token. */
const DEFAULT_HOTWORD_SCORE = 1.5;

export interface ZipformerLoadOptions {
  threads: number;
  /** Silero VAD ONNX file for endpointing; default: the bundled one. */
  vadPath?: string;
  cacheDir?: string;
  noCache?: boolean;
  log?: Log;
}

export interface ZipformerMetadata {
  encoder: OnnxMetadata;
  decoder: OnnxMetadata;
  joiner?: OnnxMetadata;
}

/**
 * Pre-packed weights are a private copy in every window's process (README, "Design choices,
 * measured"), about 0.6 of an int8 encoder's file; below this size that copy is worth the faster
 * encoder call, above it (the larger streaming Zipformers) sharing the mapped weights wins.
 */
const PREPACK_ENCODER_MAX_BYTES = 16 * 1024 * 1024;

function prepackEncoder(file: string): boolean {
  try {
    return fs.statSync(file).size <= PREPACK_ENCODER_MAX_BYTES;
  } catch {
    return false; // loadSession reports the missing file
  }
}

export async function loadZipformerModel(files: ZipformerFiles, metadata: ZipformerMetadata, options: ZipformerLoadOptions): Promise<LoadedModel> {
  const log = options.log ?? silentLog;
  const tokens = readTokens(files.tokens);
  // tokens.txt was checked against the decoder's vocab_size by resolveModel (detect.ts).
  // Every call of all three has the same shapes (one chunk, one frame): see SessionLoadOptions.arena.
  const sessionOptions = { threads: options.threads, cacheDir: options.cacheDir, noCache: options.noCache, arena: true, log };
  // The decoder and joiner run on one frame at a time: more threads only add hand-off cost. They
  // run hundreds of times per second of audio on packed weights of a few hundred KB: pre-packed.
  const small = { ...sessionOptions, threads: 1, prepack: true };
  const loads = await Promise.allSettled([
    loadDirectSession(files.encoder, { ...sessionOptions, prepack: prepackEncoder(files.encoder) }),
    loadDirectSession(files.decoder, small),
    loadDirectSession(files.joiner, small),
    loadSileroVadModel(options.vadPath, { cacheDir: options.cacheDir, noCache: options.noCache, log }),
  ]);
  // Hotwords skip common English words; the judgement loads alongside (tens of ms, off the critical path).
  const isCommon = loadCommonWordTest();
  const failed = loads.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) {
    for (const l of loads) if (l.status === 'fulfilled') await ('dispose' in l.value ? l.value.dispose() : l.value.session.release());
    throw failed.reason;
  }
  const [encoder, decoder, joiner] = loads.slice(0, 3).map((l) => (l as PromiseFulfilledResult<LoadedSession<ModelSession>>).value);
  const vad = (loads[3] as PromiseFulfilledResult<SileroVadModel>).value;
  // Validate the encoder now so a wrong model fails at load, not at the first word.
  new StreamingEncoder(encoder.session, metadata.encoder, files.encoder);
  const contextSize = Number(metadata.decoder.context_size) || 2;
  return new ZipformerModel(files, metadata, tokens, encoder, decoder, joiner, contextSize, vad, log, await isCommon);
}

class ZipformerModel implements LoadedModel {
  readonly family = 'zipformer' as const;
  readonly description: string;

  constructor(
    private readonly files: ZipformerFiles,
    private readonly metadata: ZipformerMetadata,
    private readonly tokens: TokenTable,
    private readonly encoder: LoadedSession<ModelSession>,
    private readonly decoder: LoadedSession<ModelSession>,
    private readonly joiner: LoadedSession<ModelSession>,
    private readonly contextSize: number,
    private readonly vad: SileroVadModel,
    private readonly log: Log,
    private readonly isCommon: CommonWordTest,
  ) {
    const type = metadata.encoder.model_type ?? 'zipformer';
    this.description = `${type} transducer (${tokens.pieces.length} tokens, chunk ${metadata.encoder.decode_chunk_len} frames)`;
  }

  get sessions(): LoadedSession<ModelSession>[] {
    return [this.encoder, this.decoder, this.joiner];
  }

  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer {
    const opts = { ...defaultRecognizerOptions, ...options };
    const nets = new DecoderJoiner(this.decoder.session, this.joiner.session, this.contextSize, this.tokens.pieces.length);
    const encoder = new StreamingEncoder(this.encoder.session, this.metadata.encoder, this.files.encoder);
    const segmenter = opts.endpointing
      ? createSegmenter(this.vad.createVad(), { endpointSilenceMs: opts.endpointSilenceMs, maxSegmentSec: opts.maxUtteranceSec })
      : undefined;
    const hotwords = opts.hotwords?.length ? this.contextGraph(opts.hotwords, opts.hotwordScore ?? DEFAULT_HOTWORD_SCORE) : undefined;
    return new ZipformerRecognizer(encoder, nets, this.tokens, opts, segmenter, opts.normalizeGain ? new GainNormalizer() : undefined, hotwords);
  }

  async decodeWhole(samples: Float32Array, options: Pick<Partial<RecognizerOptions>, 'decoding' | 'beamSize'> = {}): Promise<WholeDecode> {
    const r = this.createRecognizer({ ...options, endpointing: false, partials: false, normalizeGain: false }) as ZipformerRecognizer;
    await r.accept(samples);
    // The end of input adds sherpa-onnx's 0.8 s of silence itself (stream.ts).
    return r.finishWhole();
  }

  private pieces: PieceEncoder | undefined;

  /**
   * The hotword graph for a dictation's vocabulary: its rare words (vocabularyTerms, not common English), each spelled
   * in the model's pieces. A bad bpe.model costs only the exact segmentation, never the dictation.
   */
  private contextGraph(terms: string[], score: number): ContextGraph | undefined {
    if (!this.pieces) {
      try {
        this.pieces = loadPieceEncoder(this.tokens, this.files.bpeModel);
      } catch (e) {
        this.log('warn', `hotwords: ${(e as Error).message}; spelling them with tokens.txt alone`);
        this.pieces = new PieceEncoder(this.tokens);
      }
    }
    const phrases: number[][] = [];
    for (const word of vocabularyTerms(terms)) {
      if (this.isCommon(word)) continue;
      const ids = this.pieces.encode(word);
      if (ids) phrases.push(ids);
    }
    if (phrases.length === 0) return undefined;
    const graph = new ContextGraph(phrases, score);
    this.log('debug', `hotwords: ${graph.size} words in the context graph (score ${score} per token)`);
    return graph;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.sessions.map((s) => s.session.release()), this.vad.dispose()]);
  }
}

/**
 * Streaming recognition with a transducer: the stream decodes continuously (the encoder never
 * restarts between utterances, as in sherpa-onnx) and the VAD segmenter decides where utterances
 * end. At an end the hypothesis is split at the end's audio position (moved forward to a word
 * boundary), so the final text does not depend on how the audio was chunked.
 */
import type { FinalEvent, ModelFamily, RecognizerEvent, RecognizerOptions, StreamingRecognizer } from '../../recognizer';
import type { Segmenter } from '../../vad/types';
import type { DecoderJoiner } from './decoder-joiner';
import type { StreamingEncoder } from './encoder';
import { splitIndex, type TransducerHypothesis, type TransducerSearch } from './search';
import { TransducerStream } from './stream';
import { detokenize, type TokenTable } from './tokens';
import { GreedySearch } from './greedy-search';
import { ModifiedBeamSearch } from './beam-search';
import type { ContextGraph } from './context-graph';

const SAMPLE_RATE = 16000;
/** Transducers emit a word's tokens a little after the word; keep them with their utterance. */
const EMISSION_DELAY_SAMPLES = 0.24 * SAMPLE_RATE;

/** Audio-domain preprocessing applied before recognition (gain normalisation): same length out. */
export interface SampleProcessor {
  process(samples: Float32Array): Float32Array;
  reset(): void;
}

/** What the recognizer needs of a transducer stream (features, encoder, search), whatever the family. */
export interface TransducerAudioStream {
  accept(samples: Float32Array): Promise<boolean>;
  finish(): Promise<boolean>;
  reset(): void;
}

/**
 * Endpointing, partials and finals over any streaming transducer (Zipformer, cache-aware NeMo): the
 * family brings its stream and search.
 */
export class StreamingTransducerRecognizer implements StreamingRecognizer {
  private utterance = 0;
  private samples = 0;
  private segmentStart: number | undefined;
  private utteranceStartSample = 0;
  private lastPartial = '';

  constructor(
    readonly family: ModelFamily,
    private readonly stream: TransducerAudioStream,
    private readonly search: TransducerSearch,
    /** Audio samples per encoder output frame, to split hypotheses at audio positions. */
    private readonly samplesPerOutputFrame: number,
    private readonly tokens: TokenTable,
    private readonly options: RecognizerOptions,
    private readonly segmenter?: Segmenter,
    private readonly preprocess?: SampleProcessor,
  ) {}

  async accept(input: Float32Array): Promise<RecognizerEvent[]> {
    if (input.length === 0) return [];
    const samples = this.preprocess ? this.preprocess.process(input) : input;
    this.samples += samples.length;
    await this.stream.accept(samples);
    const events: RecognizerEvent[] = [];
    if (this.segmenter) {
      for (const ev of await this.segmenter.accept(samples)) {
        if (ev.type === 'start') {
          this.segmentStart = ev.sample;
          continue;
        }
        // A pause is reported once it has lasted endpointSilenceMs; everything decoded up to that
        // moment (computed from the event, not from how far this chunk reaches) is this utterance's.
        // A max-length end is a cut inside speech: split there, allowing for emission delay.
        const cut = ev.reason === 'silence' ? ev.detectedAt : ev.sample + EMISSION_DELAY_SAMPLES;
        const final = this.endUtterance(cut, ev.sample, ev.reason === 'silence' ? 'endpoint' : 'max-length');
        if (final) events.push(final);
        this.segmentStart = ev.reason === 'max-length' ? ev.sample : undefined;
      }
    }
    this.pushPartial(events);
    return events;
  }

  async finish(): Promise<RecognizerEvent[]> {
    await this.stream.finish();
    const text = detokenize(this.tokens, this.search.hypothesis.tokens);
    const events: RecognizerEvent[] = [];
    if (text) events.push(this.final(text, this.segmentStart ?? this.utteranceStartSample, this.samples, 'end-of-input'));
    this.reset();
    return events;
  }

  /**
   * The end of a whole-signal decode (LoadedModel.decodeWhole): flushes the stream and returns the
   * hypothesis with its token ids, then resets.
   */
  async finishWhole(): Promise<{ text: string; tokens: number[] }> {
    await this.stream.finish();
    const tokens = [...this.search.hypothesis.tokens];
    this.reset();
    return { text: detokenize(this.tokens, tokens), tokens };
  }

  reset(): void {
    this.stream.reset();
    this.segmenter?.reset();
    this.preprocess?.reset();
    this.samples = 0;
    this.segmentStart = undefined;
    this.utteranceStartSample = 0;
    this.lastPartial = '';
  }

  private pushPartial(events: RecognizerEvent[]): void {
    if (!this.options.partials) return;
    const text = detokenize(this.tokens, this.search.hypothesis.tokens);
    if (text && text !== this.lastPartial) {
      this.lastPartial = text;
      events.push({ type: 'partial', text, utterance: this.utterance });
    }
  }

  /** Splits the hypothesis at audio sample `cut` (at a word boundary) and emits the head as final. */
  private endUtterance(cut: number, endSample: number, reason: FinalEvent['reason']): FinalEvent | undefined {
    const hyp = this.search.hypothesis;
    let n = splitIndex(hyp, Math.floor(cut / this.samplesPerOutputFrame));
    while (n < hyp.tokens.length && !this.startsWord(hyp.tokens[n])) n++;
    const head: TransducerHypothesis = this.search.splitAt(n < hyp.frames.length ? hyp.frames[n] : Number.MAX_SAFE_INTEGER);
    const text = detokenize(this.tokens, head.tokens);
    const start = this.segmentStart ?? this.utteranceStartSample;
    this.utteranceStartSample = endSample;
    this.lastPartial = '';
    return text ? this.final(text, start, endSample, reason) : undefined;
  }

  private startsWord(token: number): boolean {
    const piece = this.tokens.pieces[token] ?? '';
    return piece.startsWith('\u2581') || piece.startsWith('<');
  }

  private final(text: string, start: number, end: number, reason: FinalEvent['reason']): FinalEvent {
    const ev: FinalEvent = { type: 'final', text, utterance: this.utterance, startSec: start / SAMPLE_RATE, endSec: end / SAMPLE_RATE, reason };
    this.utterance++;
    return ev;
  }
}

export class ZipformerRecognizer extends StreamingTransducerRecognizer {
  constructor(
    encoder: StreamingEncoder,
    nets: DecoderJoiner,
    tokens: TokenTable,
    options: RecognizerOptions,
    segmenter?: Segmenter,
    preprocess?: SampleProcessor,
    hotwords?: ContextGraph,
  ) {
    // Hotwords live in the beam: with them, greedy search gives way to modified beam search.
    const search =
      options.decoding === 'modified-beam-search' || hotwords
        ? new ModifiedBeamSearch(nets, tokens.blankId, tokens.unkId, options.beamSize, hotwords)
        : new GreedySearch(nets, tokens.blankId, tokens.unkId);
    const { chunkFrames, shiftFrames, outFrames, featureDim } = encoder.config;
    super('zipformer', new TransducerStream(encoder, { windowFrames: chunkFrames, shiftFrames, featureDim }, search), search, (SAMPLE_RATE / 100) * (shiftFrames / Math.max(1, outFrames)), tokens, options, segmenter, preprocess);
  }
}

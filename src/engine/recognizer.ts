/**
 * The one streaming interface every model family implements.
 *
 * Audio is 16 kHz mono float32 in [-1, 1], fed in chunks of any size as it arrives. Each call
 * returns the events the chunk produced: partial hypotheses while speech goes on and one final
 * result per utterance (at an endpoint or when `finish()` is called at the end of input). After a
 * final the recognizer is ready for the next utterance by itself; `reset()` drops everything.
 *
 * Calls must not overlap: await each one before the next (the sidecar queues chunks).
 */
export type ModelFamily = 'moonshine' | 'zipformer' | 'whisper' | 'parakeet' | 'nemotron';

/** Families that hear several languages; the others are English-only here. */
export const MULTILINGUAL_FAMILIES: readonly ModelFamily[] = ['whisper', 'parakeet'];

export interface PartialEvent {
  type: 'partial';
  /** The whole hypothesis of the open utterance so far (not a delta). */
  text: string;
  utterance: number;
}

export interface FinalEvent {
  type: 'final';
  text: string;
  utterance: number;
  /** Audio time of the utterance, seconds from the start of the stream. */
  startSec: number;
  endSec: number;
  /** Why the utterance ended. */
  reason: 'endpoint' | 'max-length' | 'end-of-input';
}

export type RecognizerEvent = PartialEvent | FinalEvent;

export interface StreamingRecognizer {
  readonly family: ModelFamily;
  /** Feeds samples; returns the events they produced (often none). */
  accept(samples: Float32Array): Promise<RecognizerEvent[]>;
  /** End of input: decodes what is pending and returns its final (if there was speech). */
  finish(): Promise<RecognizerEvent[]>;
  /** Forgets the open utterance and all stream state. */
  reset(): void;
}

/** A loaded model: cheap to create many recognizers (streams) from. */
export interface WholeDecode {
  text: string;
  tokens: number[];
  /** The language the model transcribed in (forced or detected), for multilingual models. */
  language?: string;
}

export interface LoadedModel {
  readonly family: ModelFamily;
  readonly description: string;
  createRecognizer(options?: Partial<RecognizerOptions>): StreamingRecognizer;
  /**
   * The reference decode (`murmur transcribe --no-vad`, the token-exact tests): the whole signal as
   * one utterance, no VAD, no endpointing, no gain normalisation. Offline families decode it at once;
   * streaming ones are fed it, then 0.8 s of silence, then end of input (as sherpa-onnx's examples
   * do). `tokens`: the model's output ids, without start and end tokens.
   */
  decodeWhole(samples: Float32Array, options?: Pick<Partial<RecognizerOptions>, 'decoding' | 'beamSize' | 'language'>): Promise<WholeDecode>;
  /**
   * Settles when work the model started in the background after loading (a warm-up decode) is
   * over; absent when there is none. The sidecar releases the garbage of that work then.
   */
  readonly settled?: Promise<void>;
  dispose(): Promise<void>;
}

export interface RecognizerOptions {
  /** Emit partial hypotheses. */
  partials: boolean;
  /** Minimum interval between partials for re-decoding models (Moonshine), ms. */
  partialIntervalMs: number;
  /** End utterances at pauses (VAD). Off: one utterance until finish(). */
  endpointing: boolean;
  /** Trailing non-speech that ends an utterance, ms. */
  endpointSilenceMs: number;
  /** Longest utterance before it is split, seconds. */
  maxUtteranceSec: number;
  /** Transducer search. */
  decoding: 'greedy' | 'modified-beam-search';
  beamSize: number;
  /** Normalise input gain so quiet recordings are recognised. */
  normalizeGain: boolean;
  /**
   * Words to favour (the user's identifiers, jargon). Transducers: a context graph in modified
   * beam search (ignored by greedy search). Moonshine: close misrecognitions of rare ones are
   * corrected after decoding (vocabulary.ts).
   */
  hotwords?: string[];
  /** Bonus per matched token for transducer hotwords (sherpa-onnx's hotwords_score). */
  hotwordScore?: number;
  /**
   * Spoken language, as an ISO 639-1 code ("de"), or "auto" (default) for models that detect it
   * (Whisper). Single-language models ignore it; a multilingual model that cannot hear the code
   * fails the load with an error naming the languages it has.
   */
  language?: string;
}

export const defaultRecognizerOptions: RecognizerOptions = {
  partials: true,
  partialIntervalMs: 300,
  endpointing: true,
  endpointSilenceMs: 800,
  maxUtteranceSec: 20,
  decoding: 'greedy',
  beamSize: 4,
  normalizeGain: true,
};

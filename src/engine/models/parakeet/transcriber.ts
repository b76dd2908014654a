/**
 * Offline Parakeet: 16 kHz samples in, text out: NeMo mel features (normalised per feature when the
 * model says so), the encoder over the whole utterance, then the transducer search. Stateless
 * between calls, so one transcriber serves every recognizer of a loaded model.
 */
import { nemoOfflineFeatures } from '../../features/nemo-mel';
import type { Transcription } from '../offline/segmented-recognizer';
import { modifiedBeamSearch } from './beam';
import { greedyRnnt, greedyTdt, type SearchResult } from './greedy';
import type { ParakeetNets } from './nets';
import type { ParakeetTokens } from './tokens';

export interface ParakeetSearch {
  decoding: 'greedy' | 'modified-beam-search';
  beamSize: number;
}

export class ParakeetTranscriber {
  constructor(
    readonly nets: ParakeetNets,
    readonly tokens: ParakeetTokens,
    private readonly search: ParakeetSearch = { decoding: 'greedy', beamSize: 4 },
  ) {}

  /** The same networks with another search (decodeWhole's options). */
  withSearch(search: ParakeetSearch): ParakeetTranscriber {
    return new ParakeetTranscriber(this.nets, this.tokens, search);
  }

  async transcribe(samples: Float32Array): Promise<Transcription> {
    const { featDim, normalize, isTdt } = this.nets.config;
    const t0 = performance.now();
    const features = nemoOfflineFeatures(samples, featDim, normalize);
    if (features.numFrames === 0) return { text: '', tokens: [], encoderMs: 0, decoderMs: 0 };
    const enc = await this.nets.encode(features);
    const t1 = performance.now();
    let result: SearchResult;
    if (this.search.decoding === 'modified-beam-search') result = await modifiedBeamSearch(this.nets, enc, Math.max(1, Math.min(64, Math.trunc(this.search.beamSize))), this.tokens.unkId);
    else result = isTdt ? await greedyTdt(this.nets, enc) : await greedyRnnt(this.nets, enc);
    const t2 = performance.now();
    return { text: this.tokens.text(result.tokens), tokens: result.tokens, encoderMs: t1 - t0, decoderMs: t2 - t1 };
  }
}

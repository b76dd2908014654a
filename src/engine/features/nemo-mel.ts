/**
 * Log-mel features of NVIDIA NeMo models (Parakeet, FastConformer, Nemotron) as sherpa-onnx computes
 * them: kaldi-native-fbank with its "librosa" mel banks (Slaney scale and area normalisation, from
 * 0 Hz), no DC removal, pre-emphasis 0.97, no dither, 25 ms / 10 ms frames, snip_edges=false,
 * log with a FLT_EPSILON floor; then, when the model's metadata says normalize_type=per_feature,
 * each mel bin is normalised to zero mean and unit deviation over the utterance.
 *
 * sherpa-onnx configures the offline and the streaming NeMo recognizers differently (window and upper
 * edge), so there is one option set for each. The mel computation is the streaming StreamingFbank
 * (frames arrive as audio does); the normalisation is separate because offline models normalise over
 * the whole utterance and streaming ones do not normalise per chunk.
 */
import { FbankOptions, StreamingFbank } from './fbank';

/** The feature dimensions NeMo exports use (64: GigaAM, 80: most, 128: Parakeet TDT 0.6B). */
const MIN_FEAT_DIM = 16;
const MAX_FEAT_DIM = 256;

function checkFeatDim(featDim: number): void {
  if (!Number.isInteger(featDim) || featDim < MIN_FEAT_DIM || featDim > MAX_FEAT_DIM) {
    throw new Error(`NeMo mel: feature dimension must be an integer in [${MIN_FEAT_DIM}, ${MAX_FEAT_DIM}], got ${featDim}`);
  }
}

/**
 * sherpa-onnx's offline NeMo transducer / CTC setup (offline-recognizer-transducer-nemo-impl.h PostInit):
 * low_freq 0, is_librosa, no DC removal; window and high_freq stay at sherpa's defaults (povey, -400).
 */
export function nemoOfflineMelOptions(featDim: number): FbankOptions {
  checkFeatDim(featDim);
  return {
    sampleRate: 16000,
    numBins: featDim,
    frameLengthMs: 25,
    frameShiftMs: 10,
    lowFreq: 0,
    highFreq: -400,
    preemphasis: 0.97,
    window: 'povey',
    removeDcOffset: false,
    melBanks: 'librosa',
  };
}

/**
 * sherpa-onnx's streaming NeMo transducer setup (online-recognizer-transducer-nemo-impl.h PostInit):
 * as offline but with a (periodic) Hann window and mel banks up to 8000 Hz.
 */
export function nemoStreamingMelOptions(featDim: number): FbankOptions {
  return { ...nemoOfflineMelOptions(featDim), highFreq: 8000, window: 'hann' };
}

/** Frames of a feature matrix, row-major: frame t is data[t * featDim .. (t + 1) * featDim). */
export interface MelMatrix {
  data: Float32Array;
  numFrames: number;
  featDim: number;
}

/** Streaming NeMo mel: feed samples as they come, take frames as they are ready (no normalisation). */
export function createNemoMel(options: FbankOptions): StreamingFbank {
  return new StreamingFbank(options);
}

/** The log-mel frames of a whole signal (input finished at its end), not normalised. */
export function computeNemoMel(samples: Float32Array, options: FbankOptions): MelMatrix {
  const fbank = new StreamingFbank(options);
  fbank.accept(samples);
  fbank.finish();
  return stackFrames(fbank.takeFrames(), options.numBins);
}

export function stackFrames(frames: Float32Array[], featDim: number): MelMatrix {
  const data = new Float32Array(frames.length * featDim);
  for (let t = 0; t < frames.length; t++) data.set(frames[t], t * featDim);
  return { data, numFrames: frames.length, featDim };
}

/** The normalisations NeMo preprocessors declare; sherpa-onnx implements only these two. */
export type NemoNormalizeType = '' | 'per_feature';

/**
 * Reads the normalize_type metadata value: "per_feature", or "" / "NA" for none. Anything else is a
 * model sherpa-onnx cannot run either, so it is an error naming the value.
 */
export function parseNemoNormalizeType(value: string | undefined): NemoNormalizeType {
  if (value === undefined || value === '' || value === 'NA') return '';
  if (value === 'per_feature') return 'per_feature';
  throw new Error(`normalize_type "${value.slice(0, 40)}" is not supported (only per_feature or none)`);
}

/**
 * sherpa-onnx's NemoNormalizePerFeature, in place: per mel bin, subtract the mean over frames and
 * divide by (standard deviation + 1e-5), the variance taken as E[x^2] - E[x]^2 floored at 0.
 */
export function normalizePerFeature(m: MelMatrix): void {
  const { data, numFrames, featDim } = m;
  if (numFrames === 0) return;
  const sum = new Float64Array(featDim);
  const sumSq = new Float64Array(featDim);
  for (let t = 0; t < numFrames; t++) {
    const row = t * featDim;
    for (let d = 0; d < featDim; d++) {
      const x = data[row + d];
      sum[d] += x;
      sumSq[d] += x * x;
    }
  }
  const mean = new Float64Array(featDim);
  const invStd = new Float64Array(featDim);
  for (let d = 0; d < featDim; d++) {
    mean[d] = Math.fround(sum[d] / numFrames);
    const variance = Math.max(0, Math.fround(sumSq[d] / numFrames) - mean[d] * mean[d]);
    invStd[d] = Math.fround(1 / (Math.fround(Math.sqrt(variance)) + 1e-5));
  }
  for (let t = 0; t < numFrames; t++) {
    const row = t * featDim;
    for (let d = 0; d < featDim; d++) data[row + d] = (data[row + d] - mean[d]) * invStd[d];
  }
}

/** The features an offline NeMo model's encoder takes for a whole utterance. */
export function nemoOfflineFeatures(samples: Float32Array, featDim: number, normalize: NemoNormalizeType): MelMatrix {
  const m = computeNemoMel(samples, nemoOfflineMelOptions(featDim));
  if (normalize === 'per_feature') normalizePerFeature(m);
  return m;
}

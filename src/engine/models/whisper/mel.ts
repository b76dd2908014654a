/**
 * Whisper's mel filterbank energies exactly as sherpa-onnx computes them (kaldi-native-fbank's
 * WhisperFeatureComputer in an OnlineWhisperFbank, fed the whole signal then input-finished):
 * 16 kHz samples in [-1, 1] as given (normalize_samples), 25 ms frames every 10 ms centred on
 * multiples of the shift with mirrored edges (snip_edges=false), no dither, DC removal or
 * pre-emphasis, a periodic Hann window, the unpadded 400-point power spectrum, and librosa's
 * Slaney-scale, Slaney-normalised mel filters from 0 Hz to Nyquist. The energies are not logged
 * here: whisper-input.ts takes log10 and normalises over the utterance.
 *
 * The filters and window are computed in float32 as the reference does (Math.fround), so that the
 * bin edges land on the same FFT bins.
 */
import { EvenSizePowerSpectrum } from './even-dft';

const SAMPLE_RATE = 16000;
const FRAME_LENGTH = 400;
const FRAME_SHIFT = 160;
const f = Math.fround;

/** Slaney mel scale in float32 (kaldi-native-fbank MelScaleSlaney / InverseMelScaleSlaney). */
function melSlaney(hz: number): number {
  return hz <= 1000 ? f(f(hz * 3) / 200) : f(15 + f(f(14.545078505785561) * f(Math.log(f(hz / 1000)))));
}
function hzSlaney(mel: number): number {
  return mel <= 15 ? f(f(200 / 3) * mel) : f(1000 * f(Math.exp(f(f(mel - 15) * f(0.06875177742094911)))));
}

interface MelFilter {
  first: number;
  weights: Float32Array;
}

/** InitLibrosaMelBanks: triangles over FFT bins 0..N/2 (inclusive), each scaled by 2 / width. */
function librosaMelFilters(numBins: number): MelFilter[] {
  const fftBins = FRAME_LENGTH / 2;
  const binWidth = f(SAMPLE_RATE / FRAME_LENGTH);
  const melLow = melSlaney(0);
  const melHigh = melSlaney(SAMPLE_RATE / 2);
  const delta = f(f(melHigh - melLow) / (numBins + 1));
  const filters: MelFilter[] = [];
  for (let bin = 0; bin < numBins; bin++) {
    const left = hzSlaney(f(melLow + f(bin * delta)));
    const center = hzSlaney(f(melLow + f((bin + 1) * delta)));
    const right = hzSlaney(f(melLow + f((bin + 2) * delta)));
    const weights: number[] = [];
    let first = -1;
    for (let i = 0; i <= fftBins; i++) {
      const hz = f(binWidth * i);
      if (hz > left && hz < right) {
        let w = hz <= center ? f(f(hz - left) / f(center - left)) : f(f(right - hz) / f(right - center));
        w = f(w * f(2 / f(right - left)));
        if (first < 0) first = i;
        // Zeros between first and last stay (the reference keeps the whole span).
        while (first + weights.length < i) weights.push(0);
        weights.push(w);
      }
    }
    if (first < 0) throw new Error(`Whisper mel filter ${bin} of ${numBins} is empty`);
    filters.push({ first, weights: Float32Array.from(weights) });
  }
  return filters;
}

/** Periodic Hann window (kaldi-native-fbank "hann": 0.5 - 0.5 cos(2 pi i / N)), stored as float32. */
function hannWindow(): Float32Array {
  const w = new Float32Array(FRAME_LENGTH);
  for (let i = 0; i < FRAME_LENGTH; i++) w[i] = 0.5 - 0.5 * Math.cos(((2 * Math.PI) / FRAME_LENGTH) * i);
  return w;
}

export class WhisperMel {
  private readonly filters: MelFilter[];
  private readonly window = hannWindow();
  private readonly spectrum = new EvenSizePowerSpectrum(FRAME_LENGTH);
  private readonly frame = new Float64Array(FRAME_LENGTH);
  private readonly power = new Float64Array(FRAME_LENGTH / 2 + 1);

  constructor(readonly numBins: number) {
    this.filters = librosaMelFilters(numBins);
  }

  /** Frames for a whole signal (Kaldi NumFrames with snip_edges=false, flushed). */
  static frameCount(samples: number): number {
    return Math.floor((samples + FRAME_SHIFT / 2) / FRAME_SHIFT);
  }

  /**
   * Mel energies of the first `maxFrames` frames of `samples`, row-major [frames, numBins].
   * Frames past maxFrames are not computed (sherpa-onnx discards them).
   */
  compute(samples: Float32Array, maxFrames = Number.POSITIVE_INFINITY): { frames: number; energies: Float32Array } {
    const n = samples.length;
    const frames = n === 0 ? 0 : Math.min(WhisperMel.frameCount(n), maxFrames);
    const out = new Float32Array(frames * this.numBins);
    const x = this.frame;
    for (let t = 0; t < frames; t++) {
      const start = t * FRAME_SHIFT + FRAME_SHIFT / 2 - FRAME_LENGTH / 2;
      for (let j = 0; j < FRAME_LENGTH; j++) {
        let i = start + j;
        // Mirror around either end, repeatedly for signals shorter than a frame.
        while (i < 0 || i >= n) i = i < 0 ? -i - 1 : 2 * n - 1 - i;
        x[j] = f(samples[i] * this.window[j]);
      }
      this.spectrum.compute(x, this.power);
      const row = t * this.numBins;
      for (let b = 0; b < this.numBins; b++) {
        const { first, weights } = this.filters[b];
        let e = 0;
        for (let k = 0; k < weights.length; k++) e += weights[k] * this.power[first + k];
        out[row + b] = e;
      }
    }
    return { frames, energies: out };
  }
}

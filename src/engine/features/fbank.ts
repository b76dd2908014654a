/**
 * Streaming Kaldi-compatible log-mel filterbank, matching kaldi-native-fbank as sherpa-onnx
 * configures it for streaming Zipformer transducers: 16 kHz, 25 ms window, 10 ms shift, povey window,
 * no dither, pre-emphasis 0.97, DC removal, 512-point power spectrum, 80 mel bins from 20 Hz to
 * Nyquist-400 Hz, log with a FLT_EPSILON floor, snip_edges=false (frames centred on multiples of the
 * shift, edges mirrored). The optional window, DC and mel-bank options cover the variants NeMo models use
 * (see nemo-mel.ts).
 *
 * Samples are used as given in [-1, 1] (sherpa-onnx's normalize_samples=true). Output frames are
 * identical however the audio is chunked, because a frame is computed only once all of its samples
 * (or, after finish(), their mirror images) are known.
 */
import { RealPowerSpectrum } from './fft';

export interface FbankOptions {
  sampleRate: number;
  numBins: number;
  frameLengthMs: number;
  frameShiftMs: number;
  lowFreq: number;
  /** <= 0 means offset from Nyquist, as in Kaldi. */
  highFreq: number;
  preemphasis: number;
  /** Kaldi's window shape; absent: 'povey'. */
  window?: 'povey' | 'hann';
  /** Subtract each frame's mean before pre-emphasis (Kaldi's remove_dc_offset); absent: true. */
  removeDcOffset?: boolean;
  /**
   * 'kaldi' (absent): HTK mel scale over bins [0, N/2). 'librosa': kaldi-native-fbank's is_librosa
   * banks, Slaney mel scale with Slaney area normalisation over bins [0, N/2], as NeMo models use.
   */
  melBanks?: 'kaldi' | 'librosa';
}

export const zipformerFbankOptions: FbankOptions = {
  sampleRate: 16000,
  numBins: 80,
  frameLengthMs: 25,
  frameShiftMs: 10,
  lowFreq: 20,
  highFreq: -400,
  preemphasis: 0.97,
};

const FLT_EPSILON = 1.1920928955078125e-7;

function melScale(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

interface MelBanks {
  offset: Int32Array;
  weights: Float64Array[];
}

function melBanks(o: FbankOptions, paddedSize: number): MelBanks {
  return o.melBanks === 'librosa' ? librosaMelBanks(o, paddedSize) : kaldiMelBanks(o, paddedSize);
}

function slaneyMel(hz: number): number {
  return hz <= 1000 ? (hz * 3) / 200 : 15 + 14.545078505785561 * Math.log(hz / 1000);
}

function slaneyHz(mel: number): number {
  return mel <= 15 ? (200 / 3) * mel : 1000 * Math.exp((mel - 15) * 0.06875177742094911);
}

/**
 * kaldi-native-fbank's InitLibrosaMelBanks (norm "slaney", Slaney mel scale): triangles in Hz
 * between Slaney-mel-spaced edges, each scaled by 2 / (right - left), over bins [0, paddedSize/2].
 */
function librosaMelBanks(o: FbankOptions, paddedSize: number): MelBanks {
  const nyquist = o.sampleRate / 2;
  const high = o.highFreq > 0 ? o.highFreq : nyquist + o.highFreq;
  if (o.lowFreq < 0 || o.lowFreq >= nyquist || high <= o.lowFreq || high > nyquist) {
    throw new Error(`mel banks: bad frequency range ${o.lowFreq}..${high} Hz for ${o.sampleRate} Hz audio`);
  }
  const binWidth = o.sampleRate / paddedSize;
  const melLow = slaneyMel(o.lowFreq);
  const delta = (slaneyMel(high) - melLow) / (o.numBins + 1);
  const offset = new Int32Array(o.numBins);
  const weights: Float64Array[] = [];
  for (let b = 0; b < o.numBins; b++) {
    const left = slaneyHz(melLow + b * delta);
    const center = slaneyHz(melLow + (b + 1) * delta);
    const right = slaneyHz(melLow + (b + 2) * delta);
    const full = new Float64Array(paddedSize / 2 + 1);
    let first = -1;
    let last = -1;
    for (let i = 0; i <= paddedSize / 2; i++) {
      const hz = binWidth * i;
      if (hz > left && hz < right) {
        const w = hz <= center ? (hz - left) / (center - left) : (right - hz) / (right - center);
        full[i] = (w * 2) / (right - left);
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) throw new Error(`mel banks: ${o.numBins} bins is too many for a ${paddedSize}-point FFT (bin ${b} is empty)`);
    offset[b] = first;
    weights.push(full.slice(first, last + 1));
  }
  return { offset, weights };
}

/** Sparse triangular mel weights over FFT bins [0, paddedSize/2), as Kaldi's MelBanks builds them. */
function kaldiMelBanks(o: FbankOptions, paddedSize: number): MelBanks {
  const nyquist = o.sampleRate / 2;
  const high = o.highFreq > 0 ? o.highFreq : nyquist + o.highFreq;
  const numFftBins = paddedSize / 2;
  const binWidth = o.sampleRate / paddedSize;
  const melLow = melScale(o.lowFreq);
  const melHigh = melScale(high);
  const delta = (melHigh - melLow) / (o.numBins + 1);
  const offset = new Int32Array(o.numBins);
  const weights: Float64Array[] = [];
  for (let b = 0; b < o.numBins; b++) {
    const left = melLow + b * delta;
    const center = melLow + (b + 1) * delta;
    const right = melLow + (b + 2) * delta;
    let first = -1;
    let last = -1;
    const full = new Float64Array(numFftBins);
    for (let i = 0; i < numFftBins; i++) {
      const mel = melScale(binWidth * i);
      if (mel > left && mel < right) {
        full[i] = mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center);
        if (first < 0) first = i;
        last = i;
      }
    }
    offset[b] = Math.max(first, 0);
    weights.push(first < 0 ? new Float64Array(0) : full.slice(first, last + 1));
  }
  return { offset, weights };
}

export class StreamingFbank {
  readonly numBins: number;
  private readonly frameLength: number;
  private readonly frameShift: number;
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;
  private readonly banks: MelBanks;

  /** Audio not yet fully consumed; buffer[0] is absolute sample `bufferStart`. */
  private buffer = new Float32Array(16000);
  private bufferLength = 0;
  private bufferStart = 0;
  private totalSamples = 0;
  private framesComputed = 0;
  private finished = false;
  /** Computed frames not yet taken by the consumer, flat [n * numBins]. */
  private pending: Float32Array[] = [];

  constructor(private readonly options: FbankOptions = zipformerFbankOptions) {
    this.numBins = options.numBins;
    this.frameLength = Math.round((options.sampleRate * options.frameLengthMs) / 1000);
    this.frameShift = Math.round((options.sampleRate * options.frameShiftMs) / 1000);
    let padded = 1;
    while (padded < this.frameLength) padded <<= 1;
    this.window = new Float64Array(this.frameLength);
    if (options.window === 'hann') {
      // kaldi-native-fbank's "hann" is periodic (divides by N, not N - 1) and not raised to 0.85.
      const a = (2 * Math.PI) / this.frameLength;
      for (let i = 0; i < this.frameLength; i++) this.window[i] = 0.5 - 0.5 * Math.cos(a * i);
    } else {
      const a = (2 * Math.PI) / (this.frameLength - 1);
      for (let i = 0; i < this.frameLength; i++) this.window[i] = Math.pow(0.5 - 0.5 * Math.cos(a * i), 0.85);
    }
    this.spectrum = new RealPowerSpectrum(padded);
    this.frame = new Float64Array(padded);
    this.power = new Float64Array(padded / 2 + 1);
    this.banks = melBanks(options, padded);
  }

  get sampleRate(): number {
    return this.options.sampleRate;
  }

  /** Frames computed so far (taken or not). */
  get numFrames(): number {
    return this.framesComputed;
  }

  accept(samples: Float32Array): void {
    if (this.finished) throw new Error('StreamingFbank: accept() after finish(); call reset() first');
    this.append(samples);
    this.totalSamples += samples.length;
    this.computeReadyFrames();
  }

  /** End of input: computes the last frames, mirroring samples past the end. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.computeReadyFrames();
  }

  /** Removes and returns the computed frames, oldest first. */
  takeFrames(): Float32Array[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  reset(): void {
    this.bufferLength = 0;
    this.bufferStart = 0;
    this.totalSamples = 0;
    this.framesComputed = 0;
    this.finished = false;
    this.pending = [];
  }

  private append(samples: Float32Array): void {
    if (this.bufferLength + samples.length > this.buffer.length) {
      const next = new Float32Array(Math.max(this.buffer.length * 2, this.bufferLength + samples.length));
      next.set(this.buffer.subarray(0, this.bufferLength));
      this.buffer = next;
    }
    this.buffer.set(samples, this.bufferLength);
    this.bufferLength += samples.length;
  }

  /** Kaldi NumFrames with snip_edges=false: frames are centred on multiples of the shift. */
  private framesAvailable(): number {
    const n = this.totalSamples;
    let frames = Math.floor((n + this.frameShift / 2) / this.frameShift);
    if (this.finished) return frames;
    while (frames > 0 && this.firstSample(frames - 1) + this.frameLength > n) frames--;
    return frames;
  }

  private firstSample(frame: number): number {
    return frame * this.frameShift + this.frameShift / 2 - this.frameLength / 2;
  }

  private computeReadyFrames(): void {
    const available = this.framesAvailable();
    while (this.framesComputed < available) {
      this.pending.push(this.computeFrame(this.framesComputed));
      this.framesComputed++;
    }
    // Drop samples no future frame needs, keeping the first frameLength samples for start mirroring.
    const keepFrom = Math.max(0, Math.min(this.firstSample(this.framesComputed), this.totalSamples));
    const drop = keepFrom - this.bufferStart;
    if (drop > 4096 && keepFrom > this.frameLength) {
      this.buffer.copyWithin(0, drop, this.bufferLength);
      this.bufferLength -= drop;
      this.bufferStart = keepFrom;
    }
  }

  private computeFrame(frame: number): Float32Array {
    const len = this.frameLength;
    const re = this.frame;
    const start = this.firstSample(frame);
    const n = this.totalSamples;
    const buf = this.buffer;
    const base = this.bufferStart;
    let sum = 0;
    if (start >= 0 && start + len <= n) {
      for (let j = 0; j < len; j++) sum += re[j] = buf[start + j - base];
    } else {
      // Near the edges Kaldi mirrors the signal (snip_edges=false).
      for (let j = 0; j < len; j++) {
        let i = start + j;
        if (i < 0) i = -i - 1;
        else if (i >= n) i = 2 * n - 1 - i;
        sum += re[j] = buf[i - base];
      }
    }
    if (this.options.removeDcOffset !== false) {
      const mean = sum / len;
      for (let j = 0; j < len; j++) re[j] -= mean;
    }
    const k = this.options.preemphasis;
    for (let j = len - 1; j > 0; j--) re[j] -= k * re[j - 1];
    re[0] -= k * re[0];
    const w = this.window;
    for (let j = 0; j < len; j++) re[j] *= w[j];
    re.fill(0, len);
    this.spectrum.compute(re, this.power);
    const out = new Float32Array(this.numBins);
    const { offset, weights } = this.banks;
    for (let b = 0; b < this.numBins; b++) {
      const w = weights[b];
      const o = offset[b];
      let e = 0;
      for (let i = 0; i < w.length; i++) e += w[i] * this.power[o + i];
      out[b] = Math.log(Math.max(e, FLT_EPSILON));
    }
    return out;
  }
}

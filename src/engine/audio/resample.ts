/**
 * Sample-rate conversion to 16 kHz (or any integer rate) with a Kaiser-windowed sinc filter in
 * polyphase form, plus channel downmixing.
 *
 * Design: the rate ratio is reduced to L/M (48000->16000 = 1/3, 44100->16000 = 160/441). Output
 * sample n sits at input position n*M/L = base + phase/L, tracked with exact integer arithmetic, and
 * is the dot product of the input around `base` with the filter taps precomputed for `phase`. The
 * low-pass cuts at 0.9 of the lower Nyquist (7.2 kHz for 16 kHz output) with the stopband from 0.95
 * (7.6 kHz) at >= 80 dB, so nothing above the output Nyquist folds back into the speech band, and
 * the passband (to 6.8 kHz) is flat to within the Kaiser ripple (~1e-4). Each phase is normalised to
 * unit DC gain. Ratios with more than MAX_EXACT_PHASES phases (odd rates like 44056 Hz) use a table
 * of TABLE_PHASES phases with linear interpolation between neighbours.
 *
 * Streaming: an output is computed once every input sample it needs has arrived (latency: half the
 * filter, ~3 ms), from the same products in the same order whatever the chunking, so the output is
 * bit-identical for any chunk sizes. Before the first sample the input is taken to be zeros; flush()
 * pads zeros after the last and emits the tail, for ceil(inputLength * L / M) outputs in total.
 */
import { MurmurError } from '../errors';

/** Stopband attenuation of the anti-aliasing filter, dB. */
const ATTENUATION_DB = 80;
/** Passband edge and stopband edge as fractions of the lower of the two Nyquist frequencies. */
const PASS_EDGE = 0.85;
const STOP_EDGE = 0.95;
const MAX_EXACT_PHASES = 1024;
const TABLE_PHASES = 512;
const MAX_RATE = 1_536_000;

export class StreamingResampler {
  /** Input samples the output lags behind (half the filter length). */
  readonly latencyInputSamples: number;
  private readonly up: number;
  private readonly down: number;
  private readonly identity: boolean;
  private readonly half: number;
  private readonly taps: number;
  private readonly table: Float32Array;
  /** Phases in `table`: `up` when exact, TABLE_PHASES + 1 when interpolating. */
  private readonly exact: boolean;

  private buf = new Float32Array(0);
  private bufLen = 0;
  /** Absolute input index of buf[0] (negative while the leading zeros are in the buffer). */
  private bufStart = 0;
  private received = 0;
  private produced = 0;
  /** Next output's input position: base + phase / up. */
  private base = 0;
  private phase = 0;

  constructor(
    readonly inputRate: number,
    readonly outputRate = 16000,
  ) {
    for (const [name, rate] of [['input', inputRate], ['output', outputRate]] as const) {
      if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
        throw new MurmurError('AUDIO_UNSUPPORTED', `Cannot resample: the ${name} sample rate ${rate} Hz is not a whole number between 1 and ${MAX_RATE}.`);
      }
    }
    const g = gcd(inputRate, outputRate);
    this.up = outputRate / g;
    this.down = inputRate / g;
    this.identity = this.up === 1 && this.down === 1;
    const lowNyquist = Math.min(inputRate, outputRate) / 2;
    const cutoff = ((PASS_EDGE + STOP_EDGE) / 2) * lowNyquist;
    const transition = (STOP_EDGE - PASS_EDGE) * lowNyquist;
    // Kaiser's estimates for the window length and shape that reach ATTENUATION_DB.
    const beta = 0.1102 * (ATTENUATION_DB - 8.7);
    const length = (ATTENUATION_DB - 8) / (2.285 * ((2 * Math.PI * transition) / inputRate));
    const halfWidth = length / 2;
    this.half = this.identity ? 0 : Math.ceil(halfWidth);
    this.taps = 2 * this.half;
    this.latencyInputSamples = this.half;
    this.exact = this.up <= MAX_EXACT_PHASES;
    const phases = this.identity ? 0 : this.exact ? this.up : TABLE_PHASES + 1;
    this.table = new Float32Array(phases * this.taps);
    const fc = cutoff / inputRate;
    const i0Beta = besselI0(beta);
    for (let p = 0; p < phases; p++) {
      const frac = this.exact ? p / this.up : p / TABLE_PHASES;
      let sum = 0;
      const row = new Float64Array(this.taps);
      for (let j = 0; j < this.taps; j++) {
        const t = j - this.half + 1 - frac;
        const r = t / halfWidth;
        const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
        row[j] = 2 * fc * sinc(2 * fc * t) * w;
        sum += row[j];
      }
      for (let j = 0; j < this.taps; j++) this.table[p * this.taps + j] = row[j] / sum;
    }
    this.reset();
  }

  /** Feeds input samples; returns every output sample they complete (possibly none). */
  process(input: Float32Array): Float32Array {
    if (this.identity) {
      this.received += input.length;
      return input.slice();
    }
    this.append(input, input.length);
    this.received += input.length;
    return this.emit(this.available());
  }

  /** End of input: emits the remaining outputs (input beyond the end counts as zeros) and resets. */
  flush(): Float32Array {
    if (this.identity) {
      this.reset();
      return new Float32Array(0);
    }
    const total = Math.ceil((this.received * this.up) / this.down);
    this.append(new Float32Array(this.taps + 1), this.taps + 1);
    const out = this.emit(total - this.produced);
    this.reset();
    return out;
  }

  reset(): void {
    // Start with half-1 zeros of history so the first output sees silence before the stream.
    this.bufLen = Math.max(0, this.half - 1);
    if (this.buf.length < this.bufLen) this.buf = new Float32Array(this.bufLen * 2 + 1024);
    this.buf.fill(0, 0, this.bufLen);
    this.bufStart = -this.bufLen;
    this.received = 0;
    this.produced = 0;
    this.base = 0;
    this.phase = 0;
  }

  /** How many outputs the input received so far completes. */
  private available(): number {
    // Output at position P (in 1/up input samples) needs input up to floor(P / up) + half.
    const limit = (this.received - this.half) * this.up;
    const next = this.base * this.up + this.phase;
    return limit > next ? Math.ceil((limit - next) / this.down) : 0;
  }

  private emit(count: number): Float32Array {
    const out = new Float32Array(Math.max(0, count));
    const { table, taps, buf, up, down, exact } = this;
    const stepWhole = Math.floor(down / up);
    const stepFrac = down % up;
    // Locals in the hot loop; written back below.
    let start = this.base - this.half + 1 - this.bufStart;
    let phase = this.phase;
    for (let n = 0; n < out.length; n++) {
      if (exact) {
        out[n] = dot(buf, start, table, phase * taps, taps);
      } else {
        const pos = (phase / up) * TABLE_PHASES;
        const q = Math.floor(pos);
        const r0 = q * taps;
        const acc0 = dot(buf, start, table, r0, taps);
        out[n] = acc0 + (pos - q) * (dot(buf, start, table, r0 + taps, taps) - acc0);
      }
      start += stepWhole;
      phase += stepFrac;
      if (phase >= up) {
        phase -= up;
        start++;
      }
    }
    this.base = start + this.bufStart + this.half - 1;
    this.phase = phase;
    this.produced += out.length;
    return out;
  }

  /** Appends to the input buffer, first dropping samples no future output can need. */
  private append(input: Float32Array, length: number): void {
    const keepFrom = Math.min(this.base - this.half + 1, this.bufStart + this.bufLen);
    const drop = keepFrom - this.bufStart;
    if (this.bufLen + length > this.buf.length) {
      const kept = this.bufLen - drop;
      const next = new Float32Array(Math.max(2 * (kept + length), 4096));
      next.set(this.buf.subarray(drop, this.bufLen));
      this.buf = next;
      this.bufLen = kept;
      this.bufStart = keepFrom;
    } else if (drop > this.buf.length / 2) {
      this.buf.copyWithin(0, drop, this.bufLen);
      this.bufLen -= drop;
      this.bufStart = keepFrom;
    }
    this.buf.set(input.subarray(0, length), this.bufLen);
    this.bufLen += length;
  }
}

/** One-shot conversion of a whole signal. */
export function resample(samples: Float32Array, inputRate: number, outputRate = 16000): Float32Array {
  const r = new StreamingResampler(inputRate, outputRate);
  const head = r.process(samples);
  const tail = r.flush();
  if (tail.length === 0) return head;
  const out = new Float32Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

/** Mean of the channels of interleaved audio (whole frames only). */
export function downmix(interleaved: Float32Array, channels: number): Float32Array {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`downmix: channels must be a positive integer, got ${channels}`);
  if (interleaved.length % channels !== 0) throw new RangeError(`downmix: ${interleaved.length} samples is not a whole number of ${channels}-channel frames`);
  if (channels === 1) return interleaved.slice();
  const frames = interleaved.length / channels;
  const out = new Float32Array(frames);
  for (let f = 0, i = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[i++];
    out[f] = sum / channels;
  }
  return out;
}

/** Streaming downmix: chunks may split a frame; the partial frame waits for the next chunk. */
export class StreamingDownmixer {
  private readonly pending: Float32Array;
  private pendingLen = 0;

  constructor(readonly channels: number) {
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`StreamingDownmixer: channels must be a positive integer, got ${channels}`);
    this.pending = new Float32Array(channels);
  }

  process(interleaved: Float32Array): Float32Array {
    const c = this.channels;
    const total = this.pendingLen + interleaved.length;
    const out = new Float32Array(Math.floor(total / c));
    let i = 0;
    let f = 0;
    if (this.pendingLen > 0) {
      if (total < c) {
        this.pending.set(interleaved, this.pendingLen);
        this.pendingLen = total;
        return out;
      }
      // Sum in channel order, exactly as downmix() does for a whole frame.
      let sum = 0;
      for (let k = 0; k < this.pendingLen; k++) sum += this.pending[k];
      for (; i < c - this.pendingLen; i++) sum += interleaved[i];
      out[f++] = sum / c;
      this.pendingLen = 0;
    }
    for (; f < out.length; f++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += interleaved[i++];
      out[f] = sum / c;
    }
    this.pending.set(interleaved.subarray(i), 0);
    this.pendingLen = interleaved.length - i;
    return out;
  }

  reset(): void {
    this.pendingLen = 0;
  }
}

/** Dot product; four partial sums let the JIT overlap the multiplies (taps is always even). */
function dot(x: Float32Array, xOffset: number, h: Float32Array, hOffset: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < length; j += 4) {
    s0 += x[xOffset + j] * h[hOffset + j];
    s1 += x[xOffset + j + 1] * h[hOffset + j + 1];
    s2 += x[xOffset + j + 2] * h[hOffset + j + 2];
    s3 += x[xOffset + j + 3] * h[hOffset + j + 3];
  }
  for (; j < length; j++) s0 += x[xOffset + j] * h[hOffset + j];
  return s0 + s1 + (s2 + s3);
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for beta < 20). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 200; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

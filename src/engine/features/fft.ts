/**
 * In-place radix-2 complex FFT with precomputed twiddles and bit-reversal table. Sized once per
 * feature extractor (512 points for 25 ms frames at 16 kHz), so the hot loop allocates nothing.
 */
export class Fft {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(readonly size: number) {
    if (size < 2 || (size & (size - 1)) !== 0) throw new Error(`FFT size must be a power of two, got ${size}`);
    this.cos = new Float64Array(size / 2);
    this.sin = new Float64Array(size / 2);
    for (let i = 0; i < size / 2; i++) {
      this.cos[i] = Math.cos((-2 * Math.PI * i) / size);
      this.sin[i] = Math.sin((-2 * Math.PI * i) / size);
    }
    this.rev = new Uint32Array(size);
    const bits = Math.log2(size);
    for (let i = 0; i < size; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
  }

  /** Transforms (re, im) in place. */
  transform(re: Float64Array, im: Float64Array): void {
    const n = this.size;
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0, w = 0; k < half; k++, w += step) {
          const a = start + k;
          const b = a + half;
          const wr = this.cos[w];
          const wi = this.sin[w];
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr;
          im[b] = im[a] - xi;
          re[a] += xr;
          im[a] += xi;
        }
      }
    }
  }
}

/**
 * Power spectrum of a real signal of even power-of-two length N through one complex FFT of N/2
 * points (the even/odd packing trick): half the work of a full complex FFT.
 */
export class RealPowerSpectrum {
  private readonly half: Fft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;

  constructor(readonly size: number) {
    const m = size / 2;
    this.half = new Fft(m);
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
    this.twRe = new Float64Array(m + 1);
    this.twIm = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.twRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.twIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /** out[k] = |X[k]|^2 for k = 0..N/2, where X is the DFT of `input` (length N). */
  compute(input: Float64Array, out: Float64Array): void {
    const m = this.size / 2;
    const re = this.re;
    const im = this.im;
    for (let k = 0; k < m; k++) {
      re[k] = input[2 * k];
      im[k] = input[2 * k + 1];
    }
    this.half.transform(re, im);
    for (let k = 0; k <= m; k++) {
      const a = k % m;
      const b = (m - k) % m;
      // Even part E = (Z[k] + conj(Z[m-k])) / 2, odd part O = (Z[k] - conj(Z[m-k])) / 2i.
      const er = 0.5 * (re[a] + re[b]);
      const ei = 0.5 * (im[a] - im[b]);
      const or = 0.5 * (im[a] + im[b]);
      const oi = -0.5 * (re[a] - re[b]);
      const wr = this.twRe[k];
      const wi = this.twIm[k];
      const xr = er + wr * or - wi * oi;
      const xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}

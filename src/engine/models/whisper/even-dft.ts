/**
 * Power spectrum of a real frame whose length is not a power of two (Whisper's 400-sample window,
 * which kaldi-native-fbank transforms unpadded). The length is split as 2^k * m with m odd, as
 * kaldi-native-fbank's recursive even/odd FFT does: m-point DFTs of the 2^k interleaved
 * subsequences, then k radix-2 combining stages. Computed in float64, so it is at least as exact as
 * the float32 reference; the log-mel that follows does not notice the difference.
 */
export class EvenSizePowerSpectrum {
  private readonly blocks: number;
  private readonly odd: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** Input offset of each subsequence, in bit-reversed order so the combining stages work in place. */
  private readonly offsets: Int32Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 2 || size > 1 << 16) throw new Error(`DFT size must be an integer in [2, 65536], got ${size}`);
    let blocks = 1;
    while ((size / blocks) % 2 === 0) blocks *= 2;
    this.blocks = blocks;
    this.odd = size / blocks;
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let j = 0; j < size; j++) {
      this.cos[j] = Math.cos((2 * Math.PI * j) / size);
      this.sin[j] = Math.sin((2 * Math.PI * j) / size);
    }
    const bits = Math.log2(blocks);
    this.offsets = new Int32Array(blocks);
    for (let s = 0; s < blocks; s++) {
      let r = 0;
      for (let b = 0; b < bits; b++) if (s & (1 << b)) r |= 1 << (bits - 1 - b);
      this.offsets[s] = r;
    }
    this.re = new Float64Array(size);
    this.im = new Float64Array(size);
  }

  /** out[k] = |X[k]|^2 for k = 0..size/2, where X is the DFT of `input` (length size). */
  compute(input: Float64Array, out: Float64Array): void {
    const { size, blocks, odd, cos, sin, re, im } = this;
    // m-point DFTs: the twiddle of q*n/m is entry (q*n mod m) * blocks of the size-point table.
    for (let s = 0; s < blocks; s++) {
      const offset = this.offsets[s];
      const base = s * odd;
      for (let q = 0; q < odd; q++) {
        let sr = 0;
        let si = 0;
        let step = 0;
        for (let n = 0; n < odd; n++) {
          const x = input[offset + blocks * n];
          const t = step * blocks;
          sr += x * cos[t];
          si -= x * sin[t];
          step += q;
          if (step >= odd) step -= odd;
        }
        re[base + q] = sr;
        im[base + q] = si;
      }
    }
    // Radix-2 stages: each joins two half-length spectra (even, odd samples) into one.
    for (let length = 2 * odd; length <= size; length *= 2) {
      const half = length / 2;
      const stride = size / length;
      for (let start = 0; start < size; start += length) {
        for (let q = 0; q < half; q++) {
          const wr = cos[q * stride];
          const wi = -sin[q * stride];
          const a = start + q;
          const b = a + half;
          const tr = wr * re[b] - wi * im[b];
          const ti = wr * im[b] + wi * re[b];
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    for (let k = 0; k <= size / 2; k++) out[k] = re[k] * re[k] + im[k] * im[k];
  }
}

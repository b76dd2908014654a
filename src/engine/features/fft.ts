/**
 * Power spectrum of real frames. The transform itself is fft.js (radix-4, MIT, widely used): about
 * twice as fast as a straightforward radix-2 in V8, and the fbank runs it 100 times per second of audio.
 */
import FFT from 'fft.js';

export class RealPowerSpectrum {
  private readonly fft: FFT;
  /** Interleaved complex output (re, im) of length 2N; realTransform fills bins 0..N/2. */
  private readonly spectrum: Float64Array;

  constructor(readonly size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) throw new Error(`FFT size must be a power of two >= 4, got ${size}`);
    this.fft = new FFT(size);
    this.spectrum = new Float64Array(2 * size);
  }

  /** out[k] = |X[k]|^2 for k = 0..N/2, where X is the DFT of `input` (length N). */
  compute(input: Float64Array, out: Float64Array): void {
    this.fft.realTransform(this.spectrum, input);
    const s = this.spectrum;
    const half = this.size / 2;
    for (let k = 0; k <= half; k++) {
      const re = s[2 * k];
      const im = s[2 * k + 1];
      out[k] = re * re + im * im;
    }
  }
}

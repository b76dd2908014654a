/**
 * Input level for the status bar meter: RMS and peak of everything received since the last reading.
 * Only these two numbers ever leave the sidecar, never the samples.
 */
export interface Level {
  rms: number;
  peak: number;
}

export class LevelMeter {
  private sumSquares = 0;
  private count = 0;
  private peak = 0;

  add(samples: Float32Array): void {
    let sum = 0;
    let peak = this.peak;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i];
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
    this.sumSquares += sum;
    this.count += samples.length;
    this.peak = peak;
  }

  /** The level since the previous call, or undefined when no audio arrived in between. */
  take(): Level | undefined {
    if (this.count === 0) return undefined;
    // Float WAV input may exceed full scale; the protocol's levels are within [0, 1].
    const level = { rms: round(Math.min(1, Math.sqrt(this.sumSquares / this.count))), peak: round(Math.min(1, this.peak)) };
    this.sumSquares = 0;
    this.count = 0;
    this.peak = 0;
    return level;
  }
}

const round = (x: number) => Math.round(x * 10000) / 10000;

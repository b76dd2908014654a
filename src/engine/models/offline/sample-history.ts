/**
 * The stream's recent audio, addressed by absolute sample position (counted from the start of the
 * stream), so segment boundaries from the segmenter can be cut out directly.
 *
 * Appending is amortised O(1) per sample even for 1-sample chunks: the array grows by doubling and
 * discarded audio is reclaimed by one compaction when it is at least half the capacity.
 */
const INITIAL_CAPACITY = 16000 * 8;

export class SampleHistory {
  private data = new Float32Array(INITIAL_CAPACITY);
  /** Index in `data` of the oldest kept sample. */
  private offset = 0;
  private length = 0;
  /** Absolute position of the oldest kept sample. */
  private first = 0;

  /** Absolute position just past the newest sample: the number of samples ever appended. */
  get end(): number {
    return this.first + this.length;
  }

  /** Absolute position of the oldest sample still kept. */
  get start(): number {
    return this.first;
  }

  append(samples: Float32Array): void {
    const n = samples.length;
    if (this.offset + this.length + n > this.data.length) this.makeRoom(n);
    if (n === 1) this.data[this.offset + this.length] = samples[0];
    else this.data.set(samples, this.offset + this.length);
    this.length += n;
  }

  /** A copy of the samples in [from, to), clamped to what is kept. */
  slice(from: number, to: number): Float32Array {
    const a = Math.max(from, this.first) - this.first;
    const b = Math.min(to, this.end) - this.first;
    return b > a ? this.data.slice(this.offset + a, this.offset + b) : new Float32Array(0);
  }

  /** Forgets the samples before absolute position `sample`. */
  discardBefore(sample: number): void {
    const drop = Math.min(Math.max(0, sample - this.first), this.length);
    this.offset += drop;
    this.length -= drop;
    this.first += drop;
  }

  clear(): void {
    this.offset = 0;
    this.length = 0;
    this.first = 0;
  }

  private makeRoom(n: number): void {
    const needed = this.length + n;
    if (needed <= this.data.length / 2 || (this.offset >= this.data.length / 2 && needed <= this.data.length)) {
      this.data.copyWithin(0, this.offset, this.offset + this.length);
    } else {
      let capacity = this.data.length * 2;
      while (capacity < needed * 2) capacity *= 2;
      const grown = new Float32Array(capacity);
      grown.set(this.data.subarray(this.offset, this.offset + this.length));
      this.data = grown;
    }
    this.offset = 0;
  }
}

/**
 * Raw signed 16-bit little-endian PCM (what arecord/sox/the microphone module emit) to float32.
 *
 * The microphone delivers bytes in whatever pieces the pipe gives, and a piece may end in the middle
 * of a sample; the decoder keeps that odd byte and joins it with the next piece, so the samples are
 * identical however the bytes were split. Multi-channel input comes out interleaved (see
 * StreamingDownmixer in resample.ts).
 */

/** One-shot: s16le bytes to float32 in [-1, 1). An odd trailing byte is ignored. */
export function s16leToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength >> 1;
  const out = new Float32Array(n);
  for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = toFloat(bytes[p], bytes[p + 1]);
  return out;
}

export class Pcm16Decoder {
  /** The low byte of a sample split across chunks, or -1. */
  private carry = -1;

  /** Bytes waiting for the rest of their sample (0 or 1). */
  get pendingBytes(): number {
    return this.carry < 0 ? 0 : 1;
  }

  decode(bytes: Uint8Array): Float32Array {
    const start = this.carry < 0 ? 0 : 1;
    const total = bytes.byteLength + (this.carry < 0 ? 0 : 1);
    const out = new Float32Array(total >> 1);
    let o = 0;
    if (this.carry >= 0 && bytes.byteLength > 0) out[o++] = toFloat(this.carry, bytes[0]);
    if (bytes.byteLength > 0) this.carry = -1;
    let p = start;
    for (; p + 1 < bytes.byteLength; p += 2) out[o++] = toFloat(bytes[p], bytes[p + 1]);
    if (p < bytes.byteLength) this.carry = bytes[p];
    return out;
  }

  reset(): void {
    this.carry = -1;
  }
}

function toFloat(lo: number, hi: number): number {
  // Sign-extend the 16-bit value assembled from two bytes.
  return (((hi << 24) >> 16) | lo) / 32768;
}

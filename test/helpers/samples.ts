/** Small helpers for tests that compare audio buffers. */
import * as assert from 'node:assert/strict';

export function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Bit-identical (Object.is per sample: -0 and NaN count), with the first difference named. */
export function assertIdentical(a: Float32Array, b: Float32Array, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: sample ${i} differs: ${a[i]} vs ${b[i]}`);
}

/**
 * Greedy decoding's choice, shared by the model families: the index of the largest value in one
 * row of a [rows, width] matrix of logits, the first index on ties (as sherpa-onnx and
 * moonshine-js pick).
 */
export function argmaxRow(data: Float32Array, width: number, row: number): number {
  const base = row * width;
  let best = 0;
  let max = data[base];
  for (let i = 1; i < width; i++) {
    if (data[base + i] > max) {
      max = data[base + i];
      best = i;
    }
  }
  return best;
}

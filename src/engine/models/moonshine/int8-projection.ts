/**
 * Moonshine's tied output projection computed by Murmur from the 8-bit embedding, for a decoder
 * converted with the projection cut out (onnx/tied-projection.ts). The decoder then returns its
 * last hidden state, and the logits come from the addon's kernel (native/mmap/project_int8.c):
 * the same floats onnxruntime would compute from the folded float weight, from a quarter of the
 * bytes, and without the 37.7 MB float copy in the decoder's ORT file.
 */
import { argmaxRow } from '../../argmax';
import type { ProjectInt8 } from '../../onnx/mmap';
import type { ProjectionTable } from '../../onnx/projection-cache';

export class Int8Projection {
  readonly vocab: number;
  readonly hidden: number;
  /** The weight transposed to hidden x vocab (k-major): the kernel's loops run along a vocabulary row. */
  private readonly table: Uint8Array;
  /** The cache file the table is mapped from (projection-cache.ts); kept referenced with it. */
  readonly file: string | undefined;
  /** One row of logits, reused: argmax reads it before anything else can run. */
  private readonly logits: Float32Array;
  private readonly zeroPoint: number;
  private readonly scale: number;

  constructor(
    projection: ProjectionTable,
    private readonly kernel: ProjectInt8,
  ) {
    this.vocab = projection.vocab;
    this.hidden = projection.hidden;
    this.table = projection.table;
    this.file = projection.file;
    this.zeroPoint = projection.zeroPoint;
    this.scale = projection.scale;
    this.logits = new Float32Array(this.vocab);
  }

  /** The greedy choice (first index on ties) after row `row` of hidden states [rows, hidden]. */
  argmax(hiddenStates: Float32Array, row: number): number {
    this.kernel(hiddenStates.subarray(row * this.hidden, (row + 1) * this.hidden), this.table, this.logits, this.hidden, this.zeroPoint, this.scale);
    return argmaxRow(this.logits, this.vocab, 0);
  }

  /** Logits of every row of hidden states [rows, hidden], as [rows, vocab] (tests compare them with onnxruntime's). */
  project(hiddenStates: Float32Array): Float32Array {
    const out = new Float32Array((hiddenStates.length / this.hidden) * this.vocab);
    this.kernel(hiddenStates, this.table, out, this.hidden, this.zeroPoint, this.scale);
    return out;
  }
}

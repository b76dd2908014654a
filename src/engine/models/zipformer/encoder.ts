/**
 * Chunked streaming encoder of a sherpa-onnx Zipformer / Zipformer2 transducer.
 *
 * Every input other than the features `x` is a cache tensor: it starts as zeros and is replaced by
 * the matching `new_<name>` output after each call. Shapes come from the model's declared inputs
 * (batch dims resolved to 1), so both Zipformer (2023-02-17, cached_len/avg/...) and Zipformer2
 * (cached_key/nonlin_attn/..., embed_states, processed_lens) layouts load unchanged. Chunk size T
 * and shift decode_chunk_len come from the ONNX metadata.
 */
import * as ort from 'onnxruntime-node';
import type { ModelSession } from '../../onnx/direct-session';
import { MurmurError } from '../../errors';
import type { OnnxMetadata } from '../spec';

export interface EncoderConfig {
  /** Feature frames per encoder call. */
  chunkFrames: number;
  /** Frames the window advances per call. */
  shiftFrames: number;
  featureDim: number;
  /** Encoder output frames per call and their dimension. */
  outFrames: number;
  outDim: number;
}

interface StateSpec {
  name: string;
  type: 'float32' | 'int64';
  dims: number[];
}

function toDims(shape: ReadonlyArray<number | string>): number[] {
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
}

export class StreamingEncoder {
  readonly config: EncoderConfig;
  private readonly stateSpecs: StateSpec[];
  private states: Record<string, ort.Tensor> = {};
  /**
   * Two sets of output tensors, written by onnxruntime in turn: a call reads its states from one
   * set and writes the new ones into the other. Saves allocating every state tensor on every call
   * (and the garbage). Shapes are taken from the first call's outputs, since a
   * model may declare some symbolically; a chunk's shapes never change after that.
   */
  private outputSets: [Record<string, ort.Tensor>, Record<string, ort.Tensor>] | undefined;
  private nextSet = 0;

  constructor(private readonly session: ModelSession, metadata: OnnxMetadata, source: string) {
    const chunk = Number(metadata.T);
    const shift = Number(metadata.decode_chunk_len);
    if (!Number.isInteger(chunk) || !Number.isInteger(shift) || chunk <= 0 || shift <= 0) {
      throw new MurmurError(
        'MODEL_WRONG_FAMILY',
        `${source} has no streaming metadata (T, decode_chunk_len): it is not a streaming Zipformer encoder. Use a sherpa-onnx *streaming* Zipformer model.`,
      );
    }
    const inputs = session.inputMetadata;
    const x = inputs.find((m) => m.name === 'x');
    if (!x || !x.isTensor) throw new MurmurError('MODEL_WRONG_FAMILY', `${source} has no input "x": not a sherpa-onnx streaming transducer encoder.`);
    const featureDim = toDims(x.shape)[2] ?? 80;
    this.stateSpecs = inputs
      .filter((m) => m.name !== 'x')
      .map((m) => {
        if (!m.isTensor || (m.type !== 'float32' && m.type !== 'int64')) {
          throw new MurmurError('MODEL_WRONG_FAMILY', `${source}: unexpected encoder input ${m.name}.`);
        }
        return { name: m.name, type: m.type, dims: toDims(m.shape) };
      });
    for (const s of this.stateSpecs) {
      if (!session.outputNames.includes(`new_${s.name}`)) {
        throw new MurmurError('MODEL_WRONG_FAMILY', `${source}: state input ${s.name} has no matching output new_${s.name}.`);
      }
    }
    const out = session.outputMetadata.find((m) => m.name === 'encoder_out');
    const outShape = out && out.isTensor ? toDims(out.shape) : [1, 1, 1];
    this.config = { chunkFrames: chunk, shiftFrames: shift, featureDim, outFrames: outShape[1], outDim: outShape[2] };
    this.reset();
  }

  reset(): void {
    this.states = {};
    for (const s of this.stateSpecs) {
      const size = s.dims.reduce((a, b) => a * b, 1);
      this.states[s.name] =
        s.type === 'int64' ? new ort.Tensor('int64', new BigInt64Array(size), s.dims) : new ort.Tensor('float32', new Float32Array(size), s.dims);
    }
  }

  /**
   * Runs one chunk of `chunkFrames` feature frames (flat, frame-major); returns [frames x outDim].
   * The returned data is valid until the call after next (it lives in an output set).
   */
  async run(features: Float32Array): Promise<{ data: Float32Array; frames: number; dim: number }> {
    const { chunkFrames, featureDim } = this.config;
    // The states record is the feeds: updated in place below, so a call allocates no record.
    const feeds = this.states;
    feeds.x = new ort.Tensor('float32', features, [1, chunkFrames, featureDim]);
    let out: Record<string, ort.Tensor>;
    if (this.outputSets) {
      out = this.outputSets[this.nextSet];
      this.nextSet ^= 1;
      await this.session.run(feeds, out);
    } else {
      out = (await this.session.run(feeds)) as Record<string, ort.Tensor>;
      this.outputSets = [likeOutputs(out), likeOutputs(out)];
    }
    for (const s of this.stateSpecs) this.states[s.name] = out[`new_${s.name}`];
    const enc = out.encoder_out;
    const [, frames, dim] = enc.dims;
    return { data: enc.data as Float32Array, frames, dim };
  }
}

/** Zero-filled tensors of the same names, types and shapes as `outputs`. */
function likeOutputs(outputs: Record<string, ort.Tensor>): Record<string, ort.Tensor> {
  const set: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(outputs)) {
    if (t.type === 'int64') set[name] = new ort.Tensor('int64', new BigInt64Array(t.size), t.dims);
    else if (t.type === 'float32') set[name] = new ort.Tensor('float32', new Float32Array(t.size), t.dims);
    else throw new Error(`unexpected encoder output type ${t.type} for ${name}`);
  }
  return set;
}

/**
 * A small ONNX model writer for synthetic test models: a graph of standard operators with float32 or
 * int64 initializers, typed inputs and outputs, and metadata, written with the engine's protobuf
 * codec (src/engine/onnx/protobuf.ts). Only what the generators need; field numbers are onnx.proto's.
 */
import { bytesField, encodeMessage, stringField, varintField, WIRE_FIXED32, type WireField } from '../../src/engine/onnx/protobuf';

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

export type Dim = number | string;

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  intLists?: Record<string, number[]>;
  floatAttrs?: Record<string, number>;
}

export interface ValueSpec {
  name: string;
  type: 'float32' | 'int64' | 'int32';
  shape: Dim[];
}

function tensorProto(name: string, dims: number[], type: number, raw: Uint8Array): Uint8Array {
  return encodeMessage([...dims.map((d) => varintField(1, d)), varintField(2, type), stringField(8, name), bytesField(9, raw)]);
}

function valueInfo(v: ValueSpec): Uint8Array {
  const dims = v.shape.map((d) => bytesField(1, encodeMessage([typeof d === 'number' ? varintField(1, d) : stringField(2, d)])));
  const elemType = v.type === 'float32' ? FLOAT : v.type === 'int32' ? INT32 : INT64;
  const tensor = encodeMessage([varintField(1, elemType), bytesField(2, encodeMessage(dims))]);
  return encodeMessage([stringField(1, v.name), bytesField(2, encodeMessage([bytesField(1, tensor)]))]);
}

function node(n: NodeSpec, index: number): Uint8Array {
  const fields: WireField[] = [...n.inputs.map((i) => stringField(1, i)), ...n.outputs.map((o) => stringField(2, o)), stringField(3, `${n.op}_${index}`), stringField(4, n.op)];
  for (const [name, value] of Object.entries(n.ints ?? {})) fields.push(bytesField(5, encodeMessage([stringField(1, name), varintField(3, value), varintField(20, ATTR_INT)])));
  for (const [name, value] of Object.entries(n.floatAttrs ?? {})) {
    const f: WireField = { number: 2, wire: WIRE_FIXED32, varint: 0n, bytes: new Uint8Array(Float32Array.of(value).buffer) };
    fields.push(bytesField(5, encodeMessage([stringField(1, name), f, varintField(20, ATTR_FLOAT)])));
  }
  for (const [name, values] of Object.entries(n.intLists ?? {})) fields.push(bytesField(5, encodeMessage([stringField(1, name), ...values.map((v) => varintField(8, v)), varintField(20, ATTR_INTS)])));
  return encodeMessage(fields);
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: Uint8Array[] = [];
  private counter = 0;

  /** A fresh intermediate name. */
  name(hint: string): string {
    return `${hint}_${this.counter++}`;
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push(tensorProto(name, dims, FLOAT, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    return name;
  }

  ints(name: string, values: number[]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push(tensorProto(name, [values.length], INT64, new Uint8Array(data.buffer)));
    return name;
  }

  int32s(name: string, dims: number[], values: Int32Array): string {
    this.initializers.push(tensorProto(name, dims, INT32, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    return name;
  }

  /** Quantised weights (DynamicQuantizeLinear / MatMulInteger operands): int8 or uint8, raw bytes. */
  bytes(name: string, dims: number[], type: 'int8' | 'uint8', values: Uint8Array | Int8Array): string {
    this.initializers.push(tensorProto(name, dims, type === 'int8' ? INT8 : UINT8, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)));
    return name;
  }

  /** Adds a node with one output (a fresh name unless given) and returns that output. */
  op(op: string, inputs: string[], attrs: Omit<NodeSpec, 'op' | 'inputs' | 'outputs'> = {}, output = this.name(op.toLowerCase())): string {
    this.nodes.push({ op, inputs, outputs: [output], ...attrs });
    return output;
  }

  /** Adds a node with several outputs (fresh names) and returns them in order. */
  multi(op: string, inputs: string[], count: number, attrs: Omit<NodeSpec, 'op' | 'inputs' | 'outputs'> = {}): string[] {
    const outputs = Array.from({ length: count }, () => this.name(op.toLowerCase()));
    this.nodes.push({ op, inputs, outputs, ...attrs });
    return outputs;
  }

  model(inputs: ValueSpec[], outputs: ValueSpec[], metadata: Record<string, string>, opset = 13): Uint8Array {
    const graph = encodeMessage([
      ...this.nodes.map((n, i) => bytesField(1, node(n, i))),
      stringField(2, 'synthetic'),
      ...this.initializers.map((t) => bytesField(5, t)),
      ...inputs.map((v) => bytesField(11, valueInfo(v))),
      ...outputs.map((v) => bytesField(12, valueInfo(v))),
    ]);
    return encodeMessage([
      varintField(1, 8),
      stringField(2, 'murmur-synthetic'),
      bytesField(7, graph),
      bytesField(8, encodeMessage([stringField(1, ''), varintField(2, opset)])),
      ...Object.entries(metadata).map(([k, v]) => bytesField(14, encodeMessage([stringField(1, k), stringField(2, v)]))),
    ]);
  }
}

/** Seeded normal-ish weights (sum of uniforms), scaled. */
export function randomWeights(random: () => number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (random() + random() + random() - 1.5) * scale;
  return out;
}

/**
 * Small ONNX models written with Murmur's own protobuf codec, for tests that need a model of an
 * exact, unusual shape (external data in odd places, crafted attributes) that no shipped model
 * has. Field numbers are onnx.proto's.
 */
import { bytesField, encodeMessage, stringField, varintField, type WireField } from '../../src/engine/onnx/protobuf';

export type ElemType = 'float' | 'uint8' | 'int64' | 'bool';
const ELEM: Record<ElemType, number> = { float: 1, uint8: 2, int64: 7, bool: 9 };

export interface ExternalLocation {
  location: string;
  offset?: number;
  length?: number;
}

export interface TensorSpec {
  name?: string;
  type: ElemType;
  dims: number[];
  /** Raw little-endian data, or where it is kept outside the model. */
  raw?: Uint8Array;
  external?: ExternalLocation;
}

/** A TensorProto's fields. */
export function tensor(spec: TensorSpec): WireField[] {
  const fields: WireField[] = [...spec.dims.map((d) => varintField(1, d)), varintField(2, ELEM[spec.type])];
  if (spec.name !== undefined) fields.push(stringField(8, spec.name));
  if (spec.raw) fields.push(bytesField(9, spec.raw));
  if (spec.external) {
    const entry = (k: string, v: string) => bytesField(13, encodeMessage([stringField(1, k), stringField(2, v)]));
    fields.push(entry('location', spec.external.location));
    if (spec.external.offset !== undefined) fields.push(entry('offset', String(spec.external.offset)));
    if (spec.external.length !== undefined) fields.push(entry('length', String(spec.external.length)));
    fields.push(varintField(14, 1));
  }
  return fields;
}

export function floats(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** A ValueInfoProto: a typed tensor with fixed or symbolic dims. */
export function valueInfo(name: string, type: ElemType, dims: (number | string)[]): WireField[] {
  const dimFields = dims.map((d) => bytesField(1, encodeMessage([typeof d === 'number' ? varintField(1, d) : stringField(2, d)])));
  const tensorType = encodeMessage([varintField(1, ELEM[type]), bytesField(2, encodeMessage(dimFields))]);
  return [stringField(1, name), bytesField(2, encodeMessage([bytesField(1, tensorType)]))];
}

export const attr = {
  int: (name: string, v: number) => encodeMessage([stringField(1, name), varintField(3, v), varintField(20, 2)]),
  ints: (name: string, vs: number[]) => encodeMessage([stringField(1, name), ...vs.map((v) => varintField(8, v)), varintField(20, 7)]),
  tensor: (name: string, t: WireField[]) => encodeMessage([stringField(1, name), bytesField(5, encodeMessage(t)), varintField(20, 4)]),
  tensors: (name: string, ts: WireField[][]) => encodeMessage([stringField(1, name), ...ts.map((t) => bytesField(10, encodeMessage(t))), varintField(20, 9)]),
  graph: (name: string, g: Uint8Array) => encodeMessage([stringField(1, name), bytesField(6, g), varintField(20, 5)]),
  sparseTensor: (name: string, values: WireField[], indices: WireField[], dims: number[]) =>
    encodeMessage([stringField(1, name), bytesField(22, sparse(values, indices, dims)), varintField(20, 11)]),
};

export function sparse(values: WireField[], indices: WireField[], dims: number[]): Uint8Array {
  return encodeMessage([bytesField(1, encodeMessage(values)), bytesField(2, encodeMessage(indices)), ...dims.map((d) => varintField(3, d))]);
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Encoded AttributeProtos (see `attr`). */
  attrs?: Uint8Array[];
  name?: string;
}

export function node(spec: NodeSpec): Uint8Array {
  return encodeMessage([
    ...spec.inputs.map((i) => stringField(1, i)),
    ...spec.outputs.map((o) => stringField(2, o)),
    stringField(3, spec.name ?? `${spec.op}_${spec.outputs[0] ?? ''}`),
    stringField(4, spec.op),
    ...(spec.attrs ?? []).map((a) => bytesField(5, a)),
  ]);
}

export interface GraphSpec {
  nodes: Uint8Array[];
  initializers?: WireField[][];
  sparseInitializers?: Uint8Array[];
  inputs?: WireField[][];
  outputs: WireField[][];
  name?: string;
}

export function graph(spec: GraphSpec): Uint8Array {
  return encodeMessage([
    ...spec.nodes.map((n) => bytesField(1, n)),
    stringField(2, spec.name ?? 'g'),
    ...(spec.initializers ?? []).map((t) => bytesField(5, encodeMessage(t))),
    ...(spec.inputs ?? []).map((v) => bytesField(11, encodeMessage(v))),
    ...spec.outputs.map((v) => bytesField(12, encodeMessage(v))),
    ...(spec.sparseInitializers ?? []).map((s) => bytesField(15, s)),
  ]);
}

export function model(g: Uint8Array, options: { opset?: number; ir?: number; metadata?: Record<string, string> } = {}): Uint8Array {
  return encodeMessage([
    varintField(1, options.ir ?? 8),
    stringField(2, 'murmur-test'),
    bytesField(7, g),
    bytesField(8, encodeMessage([stringField(1, ''), varintField(2, options.opset ?? 13)])),
    ...Object.entries(options.metadata ?? {}).map(([k, v]) => bytesField(14, encodeMessage([stringField(1, k), stringField(2, v)]))),
  ]);
}

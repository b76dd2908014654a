/**
 * A decoder's tied output projection, taken out of the graph so that Murmur computes it from the
 * 8-bit weights (native/mmap/project_int8.c) instead of onnxruntime from a float copy.
 *
 * Moonshine's merged decoder multiplies its last hidden state by the transposed, dequantised uint8
 * token embedding: MatMul(h, DequantizeLinear(Transpose(E), scale, zero point)), once in each branch
 * of its If. Conversion to the ORT cache folds that chain into a 288 x 32768 float constant: 37.7 MB
 * of the decoder's 58 MB ORT file, read whole at every decoder step. Cut here, the If returns h
 * (as TIED_PROJECTION_INPUT) and the decoder's ORT file keeps only the uint8 embedding its Gather
 * reads. The logits are the same floats (project_int8.c computes them in onnxruntime's order).
 *
 * findTiedProjection recognises the pattern and hands out the weight (a view into the model's
 * bytes); cutTiedProjection edits the graph. Both see the same pattern, or nothing: a model
 * without it (another family, an fp32 export, a changed exporter) is converted as it is.
 */
import { bytesField, decodeMessage, encodeMessage, fieldString, repeatedInts, stringField, type WireField } from './protobuf';
import { hasExternalData } from './external-data';

/** Name of the decoder output that replaces the logits in a cut model. */
export const TIED_PROJECTION_INPUT = 'murmur_tied_projection_input';

/** The weight of a tied projection: logits = h x ((float)weight - zeroPoint) * scale, transposed. */
export interface TiedProjection {
  /** The logits output the cut replaces. */
  output: string;
  /** Rows (the vocabulary) and columns (the hidden width) of the embedding. */
  vocab: number;
  hidden: number;
  /** vocab x hidden bytes, row-major, a view into the model bytes. */
  weight: Uint8Array;
  scale: number;
  zeroPoint: number;
}

// Field numbers of onnx.proto (as in graph-rewrite.ts).
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_SHAPE = 2;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_G = 6;
const ATTR_GRAPHS = 11;
const ATTR_INTS = 8;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_INT32_DATA = 5;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const DATA_TYPE_FLOAT = 1;
const DATA_TYPE_UINT8 = 2;

interface Node {
  opType: string;
  inputs: string[];
  outputs: string[];
  fields: WireField[];
}

function parseNode(bytes: Uint8Array): Node {
  const fields = decodeMessage(bytes);
  const strings = (n: number) => fields.filter((f) => f.number === n).map(fieldString);
  const domain = strings(NODE_DOMAIN)[0] ?? '';
  return { opType: domain === '' || domain === 'ai.onnx' ? (strings(NODE_OP_TYPE)[0] ?? '') : `${domain}.${strings(NODE_OP_TYPE)[0] ?? ''}`, inputs: strings(NODE_INPUT), outputs: strings(NODE_OUTPUT), fields };
}

function hasSubgraph(node: Node): boolean {
  return node.fields.some((f) => f.number === NODE_ATTRIBUTE && decodeMessage(f.bytes).some((a) => a.number === ATTR_G || a.number === ATTR_GRAPHS));
}

function nameOf(fields: WireField[], number: number): string {
  const f = fields.find((x) => x.number === number);
  return f ? fieldString(f) : '';
}

/** A scalar initializer's value (raw data, or the typed field), or undefined if not a scalar of that type. */
function scalar(t: WireField[], type: number): number | undefined {
  if (t.find((f) => f.number === TENSOR_DATA_TYPE)?.varint !== BigInt(type)) return undefined;
  if (repeatedInts(t, TENSOR_DIMS).some((d) => d !== 1n)) return undefined;
  const raw = t.find((f) => f.number === TENSOR_RAW_DATA)?.bytes;
  if (raw) {
    if (type === DATA_TYPE_FLOAT) return raw.length === 4 ? new DataView(raw.buffer, raw.byteOffset, 4).getFloat32(0, true) : undefined;
    return raw.length === 1 ? raw[0] : undefined;
  }
  if (type === DATA_TYPE_FLOAT) {
    const f = t.filter((x) => x.number === TENSOR_FLOAT_DATA);
    // Packed (one bytes field) or one fixed32 field.
    const bytes = f.length === 1 ? f[0].bytes : undefined;
    if (bytes && bytes.length === 4) return new DataView(bytes.buffer, bytes.byteOffset, 4).getFloat32(0, true);
    return undefined;
  }
  const ints = repeatedInts(t, TENSOR_INT32_DATA);
  return ints.length === 1 ? Number(ints[0]) : undefined;
}

interface Initializers {
  get(name: string): WireField[] | undefined;
}

interface Match {
  projection: TiedProjection;
  /** Index in the graph's fields of the MatMul, the DequantizeLinear and the Transpose. */
  matmul: number;
  chain: number[];
  /** The MatMul's first input: the hidden state. */
  hiddenState: string;
}

/** The MatMul of `graph` (a main graph or a branch) that is a tied projection over main-graph initializers. */
function matchIn(graph: WireField[], initializers: Initializers): Match | undefined {
  const producer = new Map<string, number>();
  const consumers = new Map<string, number>();
  const nodes = graph.map((f, i) => {
    if (f.number !== GRAPH_NODE) return undefined;
    const n = parseNode(f.bytes);
    n.outputs.forEach((o) => producer.set(o, i));
    n.inputs.forEach((x) => consumers.set(x, (consumers.get(x) ?? 0) + 1));
    return n;
  });
  if (nodes.some((n) => n && hasSubgraph(n))) return undefined;
  const outputs = new Set(graph.filter((f) => f.number === GRAPH_OUTPUT).map((f) => nameOf(decodeMessage(f.bytes), VALUE_INFO_NAME)));
  const matches: Match[] = [];
  nodes.forEach((mm, i) => {
    if (!mm || mm.opType !== 'MatMul' || mm.inputs.length !== 2 || mm.outputs.length !== 1 || !outputs.has(mm.outputs[0])) return;
    const dqAt = producer.get(mm.inputs[1]);
    const dq = dqAt === undefined ? undefined : nodes[dqAt];
    if (!dq || dq.opType !== 'DequantizeLinear' || dq.inputs.length !== 3 || consumers.get(dq.outputs[0]) !== 1) return;
    if (dq.fields.some((f) => f.number === NODE_ATTRIBUTE)) return; // an axis: not one scale for the tensor
    const trAt = producer.get(dq.inputs[0]);
    const tr = trAt === undefined ? undefined : nodes[trAt];
    if (!tr || tr.opType !== 'Transpose' || tr.inputs.length !== 1 || consumers.get(tr.outputs[0]) !== 1) return;
    const perm = tr.fields.filter((f) => f.number === NODE_ATTRIBUTE).map((f) => decodeMessage(f.bytes));
    if (perm.some((a) => nameOf(a, ATTR_NAME) !== 'perm' || repeatedInts(a, ATTR_INTS).join(',') !== '1,0')) return;
    const [weightT, scaleT, zeroT] = [initializers.get(tr.inputs[0]), initializers.get(dq.inputs[1]), initializers.get(dq.inputs[2])];
    if (!weightT || !scaleT || !zeroT) return;
    const dims = repeatedInts(weightT, TENSOR_DIMS).map(Number);
    const raw = weightT.find((f) => f.number === TENSOR_RAW_DATA)?.bytes;
    if (weightT.find((f) => f.number === TENSOR_DATA_TYPE)?.varint !== BigInt(DATA_TYPE_UINT8) || dims.length !== 2 || !raw || raw.length !== dims[0] * dims[1]) return;
    const scale = scalar(scaleT, DATA_TYPE_FLOAT);
    const zeroPoint = scalar(zeroT, DATA_TYPE_UINT8);
    if (scale === undefined || zeroPoint === undefined || !Number.isFinite(scale) || !Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) return;
    matches.push({ projection: { output: mm.outputs[0], vocab: dims[0], hidden: dims[1], weight: raw, scale, zeroPoint }, matmul: i, chain: [dqAt as number, trAt as number], hiddenState: mm.inputs[0] });
  });
  return matches.length === 1 ? matches[0] : undefined;
}

function sameProjection(a: TiedProjection, b: TiedProjection): boolean {
  return a.vocab === b.vocab && a.hidden === b.hidden && a.weight === b.weight && a.scale === b.scale && a.zeroPoint === b.zeroPoint;
}

interface Located {
  top: WireField[];
  graphIndex: number;
  graph: WireField[];
  /** The If node's index in the main graph, and its branches (attribute index, graph fields, match). */
  ifAt: number;
  ifNode: Node;
  branches: { attrIndex: number; attr: WireField[]; graph: WireField[]; match: Match }[];
}

/** The one If of the main graph whose every branch ends in the same tied projection. */
function locate(model: Uint8Array): Located | undefined {
  if (hasExternalData(model)) return undefined;
  const top = decodeMessage(model);
  const graphIndex = top.findIndex((f) => f.number === MODEL_GRAPH);
  if (graphIndex < 0) return undefined;
  const graph = decodeMessage(top[graphIndex].bytes);
  const initializers = new Map<string, WireField[]>();
  for (const f of graph) {
    if (f.number !== GRAPH_INITIALIZER) continue;
    const t = decodeMessage(f.bytes);
    initializers.set(nameOf(t, TENSOR_NAME), t);
  }
  const found: Located[] = [];
  graph.forEach((f, ifAt) => {
    if (f.number !== GRAPH_NODE) return;
    const ifNode = parseNode(f.bytes);
    if (ifNode.opType !== 'If') return;
    const branches: Located['branches'] = [];
    for (const [attrIndex, a] of ifNode.fields.entries()) {
      if (a.number !== NODE_ATTRIBUTE) continue;
      const attr = decodeMessage(a.bytes);
      const g = attr.find((x) => x.number === ATTR_G);
      if (!g) continue;
      const branch = decodeMessage(g.bytes);
      const match = matchIn(branch, initializers);
      if (!match) return;
      branches.push({ attrIndex, attr, graph: branch, match });
    }
    if (branches.length !== 2 || !sameProjection(branches[0].match.projection, branches[1].match.projection)) return;
    // The projection must be the If's output of the same position in both branches.
    const position = (b: Located['branches'][number]) => b.graph.filter((x) => x.number === GRAPH_OUTPUT).findIndex((x) => nameOf(decodeMessage(x.bytes), VALUE_INFO_NAME) === b.match.projection.output);
    if (position(branches[0]) !== position(branches[1]) || position(branches[0]) < 0 || !ifNode.outputs[position(branches[0])]) return;
    found.push({ top, graphIndex, graph, ifAt, ifNode, branches });
  });
  return found.length === 1 ? found[0] : undefined;
}

/** The model's tied projection, if it has exactly the pattern cutTiedProjection removes. */
export function findTiedProjection(model: Uint8Array): TiedProjection | undefined {
  const located = locate(model);
  return located ? projectionOf(located) : undefined;
}

/** The projection of a located pattern, named by the If's output. */
function projectionOf(located: Located): TiedProjection {
  const { projection } = located.branches[0].match;
  const position = located.branches[0].graph.filter((x) => x.number === GRAPH_OUTPUT).findIndex((x) => nameOf(decodeMessage(x.bytes), VALUE_INFO_NAME) === projection.output);
  return { ...projection, output: located.ifNode.outputs[position] };
}

/** A ValueInfoProto of `name` that keeps the element type and drops the shape. */
function withoutShape(info: WireField[], name: string): WireField[] {
  return info.map((f) => {
    if (f.number === VALUE_INFO_NAME) return stringField(VALUE_INFO_NAME, name);
    if (f.number !== VALUE_INFO_TYPE) return f;
    const type = decodeMessage(f.bytes).map((t) => (t.number === TYPE_TENSOR ? bytesField(TYPE_TENSOR, encodeMessage(decodeMessage(t.bytes).filter((x) => x.number !== TENSOR_TYPE_SHAPE))) : t));
    return bytesField(VALUE_INFO_TYPE, encodeMessage(type));
  });
}

/**
 * The model with its tied projection cut (see the file comment): each branch returns the hidden
 * state where it returned the logits, the If and the graph output are renamed
 * TIED_PROJECTION_INPUT, and the Transpose and DequantizeLinear that fed only the projection are
 * gone. Also the projection that was cut (as findTiedProjection gives it). Undefined when the
 * model does not have the pattern.
 */
export function cutTiedProjection(model: Uint8Array): { bytes: Uint8Array; projection: TiedProjection } | undefined {
  const located = locate(model);
  if (!located) return undefined;
  const projection = projectionOf(located);
  const { top, graphIndex, graph, ifAt, ifNode, branches } = located;
  const logits = projection.output;
  const ifFields = ifNode.fields.map((f, i) => {
    if (f.number === NODE_OUTPUT && fieldString(f) === logits) return stringField(NODE_OUTPUT, TIED_PROJECTION_INPUT);
    const b = branches.find((x) => x.attrIndex === i);
    if (!b) return f;
    const drop = new Set(b.match.chain);
    const edited = b.graph.flatMap((x, j): WireField[] => {
      if (drop.has(j)) return [];
      if (j === b.match.matmul) {
        return [bytesField(GRAPH_NODE, encodeMessage([stringField(NODE_INPUT, b.match.hiddenState), stringField(NODE_OUTPUT, b.match.projection.output), stringField(3, `${b.match.projection.output}/murmur_cut`), stringField(NODE_OP_TYPE, 'Identity')]))];
      }
      if (x.number === GRAPH_OUTPUT || x.number === GRAPH_VALUE_INFO) {
        const info = decodeMessage(x.bytes);
        const name = nameOf(info, VALUE_INFO_NAME);
        if (name === b.match.projection.output) return [bytesField(x.number, encodeMessage(withoutShape(info, name)))];
      }
      return [x];
    });
    return bytesField(NODE_ATTRIBUTE, encodeMessage(b.attr.map((a) => (a.number === ATTR_G ? bytesField(ATTR_G, encodeMessage(edited)) : a))));
  });
  const out = graph.map((f, i) => {
    if (i === ifAt) return bytesField(GRAPH_NODE, encodeMessage(ifFields));
    if (f.number === GRAPH_OUTPUT || f.number === GRAPH_VALUE_INFO) {
      const info = decodeMessage(f.bytes);
      if (nameOf(info, VALUE_INFO_NAME) === logits) return bytesField(f.number, encodeMessage(withoutShape(info, TIED_PROJECTION_INPUT)));
    }
    return f;
  });
  const newTop = top.slice();
  newTop[graphIndex] = bytesField(MODEL_GRAPH, encodeMessage(out));
  return { bytes: encodeMessage(newTop), projection };
}

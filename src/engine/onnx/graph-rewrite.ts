/**
 * Graph edits made to an ONNX model before onnxruntime converts it (ort-cache.ts, the exporter).
 *
 * Inputs fixed at conversion (RewriteOptions.constantInputs): a graph input whose value Murmur
 * always feeds the same becomes a constant, and the optimiser folds what depends on it. Silero
 * VAD v5 takes its sample rate as an input and picks a 16 kHz or 8 kHz branch with an If node;
 * with sr fixed at 16000 the If and its nested branches fold away: the same probabilities (bit
 * for bit), in less time per window and less private memory per process.
 *
 * And a 1-D depthwise convolution (Conv on [N, C, T] with group = C, a weight of
 * [C, 1, K]) becomes Unsqueeze -> 2-D Conv with a [C, 1, 1, K] kernel -> Squeeze. The arithmetic
 * is the same (outputs are bit-identical with the optimiser off), but at optimisation level "all"
 * onnxruntime runs a 2-D depthwise Conv with its NCHWc depthwise kernel, while a 1-D grouped Conv
 * goes through im2col and one small GEMM per channel. Streaming Zipformer encoders have 24 such
 * convolutions (kernel 31 over a 16-frame chunk), so an encoder call is faster (README, "Design
 * choices, measured"). With the NCHWc kernel the sums are taken in another order, so outputs differ in
 * the last bits, as they do between onnxruntime builds; the transcripts stay those of sherpa-onnx
 * (test/unit/graph-rewrite.test.ts, zipformer tests).
 *
 * And weights named by the caller (RewriteOptions.dequantizeAtRunTime) stay 8-bit in the ORT file:
 * declared graph inputs too, they are not constants to onnxruntime, so their dequantisation is
 * not folded into a float copy four times their size; it runs at every call instead.
 *
 * Only the main graph is edited, and a model is left alone if anything is unusual: any tensor
 * anywhere (initializers, attributes, sparse tensors, subgraphs) with its data in an external file
 * (loaded from a buffer, onnxruntime would resolve it against the working directory, not the
 * model's folder: external-data.ts), IR versions before 4
 * (initializers had to be graph inputs), auto_pad, or a weight that is not an initializer.
 */
import {
  bytesField,
  decodeMessage,
  encodeMessage,
  fieldInt,
  fieldString,
  repeatedInts,
  stringField,
  varintField,
  type WireField,
} from './protobuf';
import { hasExternalData } from './external-data';
import { cutTiedProjection, type TiedProjection } from './tied-projection';

// Field numbers of onnx.proto.
const MODEL_IR_VERSION = 1;
const MODEL_GRAPH = 7;
const MODEL_OPSET_IMPORT = 8;
const OPSET_DOMAIN = 1;
const OPSET_VERSION = 2;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const VALUE_INFO_NAME = 1;
const VALUE_INFO_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;
const TENSOR_TYPE_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_I = 3;
const ATTR_S = 4;
const ATTR_G = 6;
const ATTR_GRAPHS = 11;
const ATTR_INTS = 8;
const ATTR_TYPE = 20;
const ATTR_TYPE_INTS = 7;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const DATA_TYPE_UINT8 = 2;
const DATA_TYPE_INT8 = 3;
const DATA_TYPE_INT64 = 7;

export interface RewriteOptions {
  /**
   * Graph inputs to turn into constants: int64 scalars only (a rank-0 or shapeless int64 input).
   * Names the model does not have as such an input are ignored.
   */
  constantInputs?: Readonly<Record<string, bigint>>;
  /**
   * Take a decoder's tied output projection out of the graph (tied-projection.ts): for a caller
   * that fetches TIED_PROJECTION_INPUT and computes the logits itself from the 8-bit weights.
   * Ignored by a model without one.
   */
  cutTiedProjection?: boolean;
  /**
   * 8-bit weight initializers whose dequantisation stays in the graph, run at every call, instead
   * of being folded into float weights in the ORT file (ort-cache.ts folds every constant chain,
   * which stores those weights at four times their size). Each is declared a graph input as well:
   * onnxruntime treats an initializer that is also an input as overridable, hence not constant,
   * and folds nothing that reads it. Murmur never feeds it, so its value is the mapped int8 one.
   * Names the model does not have as an 8-bit initializer are ignored.
   */
  dequantizeAtRunTime?: readonly string[];
}

export interface RewriteResult {
  /** The edited model, or the input itself when nothing was changed. */
  bytes: Uint8Array;
  /** Depthwise 1-D convolutions rewritten as 2-D. */
  depthwiseConvs: number;
  /** Graph inputs that became constants. */
  fixedInputs: string[];
  /** Weight dequantisations moved out of If branches into the main graph (see hoistDequantize). */
  hoistedDequantize: number;
  /** Weights whose dequantisation stays at run time (RewriteOptions.dequantizeAtRunTime). */
  runtimeDequantize: string[];
  /** The tied output projection that was cut (RewriteOptions.cutTiedProjection), if one was. */
  projection?: TiedProjection;
}

interface Node {
  fields: WireField[];
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  name: string;
}

function parseNode(payload: Uint8Array): Node {
  const fields = decodeMessage(payload);
  const strings = (n: number) => fields.filter((f) => f.number === n).map(fieldString);
  return {
    fields,
    opType: strings(NODE_OP_TYPE)[0] ?? '',
    domain: strings(NODE_DOMAIN)[0] ?? '',
    inputs: strings(NODE_INPUT),
    outputs: strings(NODE_OUTPUT),
    name: strings(NODE_NAME)[0] ?? '',
  };
}

/** A node's attributes by name, each decoded into its fields. */
function attributes(node: Node): Map<string, WireField[]> {
  const out = new Map<string, WireField[]>();
  for (const f of node.fields) {
    if (f.number !== NODE_ATTRIBUTE) continue;
    const a = decodeMessage(f.bytes);
    const name = a.find((x) => x.number === ATTR_NAME);
    if (name) out.set(fieldString(name), a);
  }
  return out;
}

function attrInt(a: WireField[] | undefined, fallback: bigint): bigint {
  const f = a?.find((x) => x.number === ATTR_I);
  return f ? fieldInt(f) : fallback;
}

function attrInts(a: WireField[] | undefined, fallback: bigint[]): bigint[] {
  return a ? repeatedInts(a, ATTR_INTS) : fallback;
}

function intsAttribute(name: string, values: bigint[]): WireField {
  return bytesField(NODE_ATTRIBUTE, encodeMessage([stringField(ATTR_NAME, name), ...values.map((v) => varintField(ATTR_INTS, v)), varintField(ATTR_TYPE, ATTR_TYPE_INTS)]));
}

function makeNode(opType: string, name: string, inputs: string[], outputs: string[], extra: WireField[] = []): WireField {
  return bytesField(
    GRAPH_NODE,
    encodeMessage([...inputs.map((i) => stringField(NODE_INPUT, i)), ...outputs.map((o) => stringField(NODE_OUTPUT, o)), stringField(NODE_NAME, name), stringField(NODE_OP_TYPE, opType), ...extra]),
  );
}

function defaultOpset(model: WireField[]): number {
  for (const f of model) {
    if (f.number !== MODEL_OPSET_IMPORT) continue;
    const o = decodeMessage(f.bytes);
    const domain = o.find((x) => x.number === OPSET_DOMAIN);
    const d = domain ? fieldString(domain) : '';
    const version = o.find((x) => x.number === OPSET_VERSION);
    if ((d === '' || d === 'ai.onnx') && version) return Number(fieldInt(version));
  }
  return 0;
}

/** A GraphProto initializer field holding one int64 `value` with the given dims ([] for a scalar). */
function int64Initializer(name: string, value: bigint, dims: number[]): WireField {
  const data = new Uint8Array(8);
  new DataView(data.buffer).setBigInt64(0, value, true);
  return bytesField(GRAPH_INITIALIZER, encodeMessage([...dims.map((d) => varintField(TENSOR_DIMS, d)), varintField(TENSOR_DATA_TYPE, DATA_TYPE_INT64), stringField(TENSOR_NAME, name), bytesField(TENSOR_RAW_DATA, data)]));
}

/** The name of a ValueInfoProto (decoded), '' if it has none. */
function valueInfoName(info: WireField[]): string {
  const name = info.find((f) => f.number === VALUE_INFO_NAME);
  return name ? fieldString(name) : '';
}

/** True for a ValueInfoProto of an int64 tensor declared with rank 0 or with no shape. */
function isInt64Scalar(info: WireField[]): boolean {
  const type = info.find((f) => f.number === VALUE_INFO_TYPE);
  const tensor = type && decodeMessage(type.bytes).find((f) => f.number === TYPE_TENSOR);
  if (!tensor) return false;
  const t = decodeMessage(tensor.bytes);
  const elem = t.find((f) => f.number === TENSOR_TYPE_ELEM);
  const shape = t.find((f) => f.number === TENSOR_TYPE_SHAPE);
  return elem?.varint === BigInt(DATA_TYPE_INT64) && (!shape || !decodeMessage(shape.bytes).some((f) => f.number === SHAPE_DIM));
}

export function rewriteForOnnxruntime(source: Uint8Array, options: RewriteOptions = {}): RewriteResult {
  const cut = options.cutTiedProjection ? cutTiedProjection(source) : undefined;
  const model = cut?.bytes ?? source;
  const projection = cut?.projection;
  const unchanged: RewriteResult = { bytes: model, depthwiseConvs: 0, fixedInputs: [], hoistedDequantize: 0, runtimeDequantize: [], projection };
  const top = decodeMessage(model);
  const ir = top.find((f) => f.number === MODEL_IR_VERSION);
  const graphIndex = top.findIndex((f) => f.number === MODEL_GRAPH);
  if (!ir || Number(ir.varint) < 4 || graphIndex < 0 || hasExternalData(model)) return unchanged;
  const opset = defaultOpset(top);
  const graph = decodeMessage(top[graphIndex].bytes);

  // Initializers by name (header fields only; the data stays where it is).
  const initializers = new Map<string, WireField[]>();
  const names = new Set<string>();
  for (const f of graph) {
    if (f.number !== GRAPH_INITIALIZER) continue;
    const t = decodeMessage(f.bytes);
    const name = t.find((x) => x.number === TENSOR_NAME);
    if (name) initializers.set(fieldString(name), t);
  }
  const graphInputs = new Set(graph.filter((f) => f.number === GRAPH_INPUT).map((f) => valueInfoName(decodeMessage(f.bytes))));
  const nodes = graph.map((f) => (f.number === GRAPH_NODE ? parseNode(f.bytes) : undefined));
  for (const n of nodes) for (const o of n?.outputs ?? []) names.add(o);
  for (const k of initializers.keys()) names.add(k);
  const fresh = (base: string): string => {
    let name = `${base}__murmur_2d`;
    for (let i = 1; names.has(name); i++) name = `${base}__murmur_2d_${i}`;
    names.add(name);
    return name;
  };

  const added: WireField[] = [];
  const kernels2d = new Map<string, string>();
  let axesName = '';
  /** Unsqueeze/Squeeze take their axes as an input from opset 13, as an attribute before. */
  const axes = (): { inputs: string[]; attrs: WireField[] } => {
    if (opset < 13) return { inputs: [], attrs: [intsAttribute('axes', [2n])] };
    if (!axesName) {
      axesName = fresh('axis2');
      added.push(int64Initializer(axesName, 2n, [1]));
    }
    return { inputs: [axesName], attrs: [] };
  };

  let count = 0;
  let hoisted = 0;
  const fixedInputs: string[] = [];
  const out: WireField[] = [];
  graph.forEach((f, i) => {
    const node = nodes[i];
    const replacement = node ? depthwiseAs2d(node) : undefined;
    const lifted = node && !replacement ? hoistDequantize(node, initializers, fresh) : undefined;
    if (replacement) {
      out.push(...replacement);
      count++;
    } else if (lifted) {
      out.push(...lifted.nodes);
      hoisted += lifted.count;
    } else if (f.number === GRAPH_INPUT && fixInput(f)) {
      // The input is gone; its value is now an initializer of the same name (added below).
    } else out.push(f);
  });
  const runtimeDequantize = (options.dequantizeAtRunTime ?? []).filter(keepQuantized);
  if (count === 0 && fixedInputs.length === 0 && hoisted === 0 && runtimeDequantize.length === 0) return unchanged;
  out.push(...added);
  const newTop = top.slice();
  newTop[graphIndex] = bytesField(MODEL_GRAPH, encodeMessage(out));
  return { bytes: encodeMessage(newTop), depthwiseConvs: count, fixedInputs, hoistedDequantize: hoisted, runtimeDequantize, projection };

  /** Declares an 8-bit initializer a graph input too (RewriteOptions.dequantizeAtRunTime). */
  function keepQuantized(name: string): boolean {
    const tensor = initializers.get(name);
    const type = Number(tensor?.find((x) => x.number === TENSOR_DATA_TYPE)?.varint ?? -1);
    if (!tensor || (type !== DATA_TYPE_INT8 && type !== DATA_TYPE_UINT8) || graphInputs.has(name)) return false;
    const dims = repeatedInts(tensor, TENSOR_DIMS).map((d) => bytesField(SHAPE_DIM, encodeMessage([varintField(DIM_VALUE, d)])));
    const tensorType = encodeMessage([varintField(TENSOR_TYPE_ELEM, type), bytesField(TENSOR_TYPE_SHAPE, encodeMessage(dims))]);
    added.push(bytesField(GRAPH_INPUT, encodeMessage([stringField(VALUE_INFO_NAME, name), bytesField(VALUE_INFO_TYPE, encodeMessage([bytesField(TYPE_TENSOR, tensorType)]))])));
    graphInputs.add(name);
    return true;
  }

  function fixInput(f: WireField): boolean {
    const info = decodeMessage(f.bytes);
    const name = valueInfoName(info);
    const value = options.constantInputs?.[name];
    if (value === undefined || !isInt64Scalar(info) || initializers.has(name)) return false;
    added.push(int64Initializer(name, value, []));
    fixedInputs.push(name);
    return true;
  }

  function depthwiseAs2d(node: Node): WireField[] | undefined {
    if (node.opType !== 'Conv' || (node.domain !== '' && node.domain !== 'ai.onnx')) return undefined;
    const [x, w, ...rest] = node.inputs;
    if (!x || !w || node.outputs.length !== 1 || rest.length > 1) return undefined;
    const weight = initializers.get(w);
    if (!weight) return undefined;
    const dims = repeatedInts(weight, TENSOR_DIMS);
    if (dims.length !== 3 || dims[1] !== 1n) return undefined;
    const attrs = attributes(node);
    const autoPad = attrs.get('auto_pad')?.find((a) => a.number === ATTR_S);
    if (autoPad && fieldString(autoPad) !== 'NOTSET') return undefined;
    if (attrInt(attrs.get('group'), 1n) !== dims[0]) return undefined;
    const [c, , k] = dims;
    const pads = attrInts(attrs.get('pads'), [0n, 0n]);
    const strides = attrInts(attrs.get('strides'), [1n]);
    const dilations = attrInts(attrs.get('dilations'), [1n]);
    if (pads.length !== 2 || strides.length !== 1 || dilations.length !== 1) return undefined;

    // The kernel as [C, 1, 1, K]: same data, one more dimension (once per weight).
    let w2 = kernels2d.get(w);
    if (!w2) {
      w2 = fresh(w);
      kernels2d.set(w, w2);
      added.push(
        bytesField(GRAPH_INITIALIZER, encodeMessage([...[c, 1n, 1n, k].map((d) => varintField(TENSOR_DIMS, d)), ...weight.filter((t) => t.number !== TENSOR_DIMS && t.number !== TENSOR_NAME), stringField(TENSOR_NAME, w2)])),
      );
    }
    const ax = axes();
    const y = node.outputs[0];
    const x2 = fresh(x);
    const y2 = fresh(y);
    const keep = node.fields.filter((f) => {
      if (f.number === NODE_INPUT || f.number === NODE_OUTPUT) return false;
      if (f.number !== NODE_ATTRIBUTE) return true;
      const name = decodeMessage(f.bytes).find((a) => a.number === ATTR_NAME);
      return !name || !['kernel_shape', 'pads', 'strides', 'dilations'].includes(fieldString(name));
    });
    const conv = encodeMessage([
      stringField(NODE_INPUT, x2),
      stringField(NODE_INPUT, w2),
      ...rest.map((b) => stringField(NODE_INPUT, b)),
      stringField(NODE_OUTPUT, y2),
      ...keep,
      intsAttribute('kernel_shape', [1n, k]),
      intsAttribute('pads', [0n, pads[0], 0n, pads[1]]),
      intsAttribute('strides', [1n, strides[0]]),
      intsAttribute('dilations', [1n, dilations[0]]),
    ]);
    const base = node.name || y;
    return [makeNode('Unsqueeze', fresh(`${base}/unsqueeze`), [x, ...ax.inputs], [x2], ax.attrs), bytesField(GRAPH_NODE, conv), makeNode('Squeeze', fresh(`${base}/squeeze`), [y2, ...ax.inputs], [y], ax.attrs)];
  }
}

/** Ops that conversion folds when their inputs are constants, and that may run outside a branch. */
const FOLDABLE = new Set(['DequantizeLinear', 'Transpose', 'Reshape', 'Unsqueeze', 'Squeeze', 'Cast', 'Identity']);

/**
 * Weight dequantisation hoisted out of an If node's branches. Conversion folds DequantizeLinear of
 * an int8 weight into a float32 constant (ort-cache.ts); when both branches of an If dequantise
 * the same main-graph weight (Moonshine's merged decoder: the first step's branch and the cached
 * steps' branch each transpose and dequantise the tied output projection), each branch gets its
 * own float copy, and the ORT file holds the weight twice, four times its int8 size each. The
 * constant chain (DequantizeLinear and the reshaping it reads, FOLDABLE, every input a
 * main-graph initializer or another such node) moves into the main graph, before the If, once for
 * both branches, which read it from the outer scope: it is folded once, and the same float values
 * feed the same MatMuls. An If whose branches hold subgraphs of their own is left alone (a nested
 * graph could read the old names).
 * Returns the nodes to put in place of the If (the hoisted nodes, then the edited If) and how many
 * DequantizeLinear nodes moved, or undefined when none did.
 */
function hoistDequantize(node: Node, initializers: ReadonlyMap<string, WireField[]>, fresh: (base: string) => string): { nodes: WireField[]; count: number } | undefined {
  if (node.opType !== 'If' || (node.domain !== '' && node.domain !== 'ai.onnx')) return undefined;
  const branches = node.fields.map((f) => {
    if (f.number !== NODE_ATTRIBUTE) return undefined;
    const attr = decodeMessage(f.bytes);
    const g = attr.find((a) => a.number === ATTR_G);
    return g ? { attr, graph: decodeMessage(g.bytes), renamed: new Map<string, string>() } : undefined;
  });
  /** Hoisted name by structural key: op, attributes and the keys of its inputs. */
  const hoisted = new Map<string, string>();
  const hoistedNodes: WireField[] = [];
  let count = 0;
  for (const b of branches) {
    if (!b) continue;
    const keyOf = new Map<string, string>();
    for (const f of b.graph) {
      if (f.number !== GRAPH_NODE) continue;
      const n = parseNode(f.bytes);
      if (n.fields.some((x) => x.number === NODE_ATTRIBUTE && decodeMessage(x.bytes).some((a) => a.number === ATTR_G || a.number === ATTR_GRAPHS))) return undefined;
      if (!FOLDABLE.has(n.opType) || (n.domain !== '' && n.domain !== 'ai.onnx') || n.outputs.length !== 1) continue;
      if (!n.inputs.every((i) => initializers.has(i) || keyOf.has(i))) continue;
      const attrs = n.fields.filter((x) => x.number === NODE_ATTRIBUTE).map((x) => Buffer.from(x.bytes).toString('hex'));
      const key = `${n.opType}(${n.inputs.map((i) => keyOf.get(i) ?? `=${i}`).join(',')})[${attrs.join(',')}]`;
      keyOf.set(n.outputs[0], key);
      let name = hoisted.get(key);
      if (!name) {
        name = fresh(`${n.outputs[0]}/hoisted`);
        hoisted.set(key, name);
        if (n.opType === 'DequantizeLinear') count++;
        const fields = n.fields.filter((x) => x.number !== NODE_OUTPUT && x.number !== NODE_NAME).map((x) => (x.number === NODE_INPUT && b.renamed.has(fieldString(x)) ? stringField(NODE_INPUT, b.renamed.get(fieldString(x)) as string) : x));
        hoistedNodes.push(bytesField(GRAPH_NODE, encodeMessage([...fields, stringField(NODE_OUTPUT, name), stringField(NODE_NAME, fresh(`${n.name || n.outputs[0]}/hoisted`))])));
      }
      b.renamed.set(n.outputs[0], name);
    }
  }
  if (count === 0) return undefined;

  const fields = node.fields.map((f, i) => {
    const b = branches[i];
    if (!b) return f;
    // In this branch the hoisted nodes go, and what read their outputs reads the hoisted ones.
    const { renamed } = b;
    const rename = (v: WireField): WireField => (renamed.has(fieldString(v)) ? stringField(v.number, renamed.get(fieldString(v)) as string) : v);
    const graph = b.graph.flatMap((x): WireField[] => {
      if (x.number === GRAPH_NODE) {
        const n = parseNode(x.bytes);
        if (n.outputs.length === 1 && renamed.has(n.outputs[0])) return [];
        if (!n.inputs.some((input) => renamed.has(input))) return [x];
        return [bytesField(GRAPH_NODE, encodeMessage(n.fields.map((y) => (y.number === NODE_INPUT ? rename(y) : y))))];
      }
      if (x.number === GRAPH_OUTPUT) {
        const info = decodeMessage(x.bytes);
        return [bytesField(GRAPH_OUTPUT, encodeMessage(info.map((y) => (y.number === VALUE_INFO_NAME ? rename(y) : y))))];
      }
      if (x.number === GRAPH_VALUE_INFO) {
        const name = decodeMessage(x.bytes).find((y) => y.number === VALUE_INFO_NAME);
        return name && renamed.has(fieldString(name)) ? [] : [x];
      }
      return [x];
    });
    return bytesField(NODE_ATTRIBUTE, encodeMessage(b.attr.map((a) => (a.number === ATTR_G ? bytesField(ATTR_G, encodeMessage(graph)) : a))));
  });
  return { nodes: [...hoistedNodes, bytesField(GRAPH_NODE, encodeMessage(fields))], count };
}

/**
 * Reads what Murmur needs from an ONNX file without onnxruntime (whose JS API does not expose
 * metadata_props): the ModelProto header fields, opsets, metadata_props, graph input/output names,
 * the operator types used (to recognise quantisation) and initializer count/bytes (with
 * scanInitializers: their element types, so inspection can tell an int8 model from a float one).
 *
 * The file is read with positional reads through a small window, and initializers (the weights)
 * are skipped by their length prefix, so the cost does not grow with the model's weights. Every length is
 * checked against the file size: a truncated download is reported as such, not as a parse error.
 */
import * as fs from 'node:fs';
import { MurmurError } from '../errors';

export interface OnnxInfo {
  path: string;
  bytes: number;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  metadata: Record<string, string>;
  inputs: string[];
  outputs: string[];
  /** Distinct operator types, subgraphs included (only with scanOps; empty otherwise). */
  opTypes: string[];
  initializers: number;
  /** True if the graph uses integer (quantised) operators (only with scanOps). */
  quantized: boolean;
  /** Initializers by ONNX element type name (float, int8, ...): count and logical bytes (only with scanInitializers). */
  initializerTypes?: Record<string, { count: number; bytes: number }>;
}

/** TensorProto.DataType -> [name, bytes per element] (0 where it is not fixed). */
const TENSOR_TYPES: Record<number, [string, number]> = {
  1: ['float', 4],
  2: ['uint8', 1],
  3: ['int8', 1],
  4: ['uint16', 2],
  5: ['int16', 2],
  6: ['int32', 4],
  7: ['int64', 8],
  8: ['string', 0],
  9: ['bool', 1],
  10: ['float16', 2],
  11: ['double', 8],
  12: ['uint32', 4],
  13: ['uint64', 8],
  16: ['bfloat16', 2],
  21: ['uint4', 0.5],
  22: ['int4', 0.5],
};

const QUANT_OPS = new Set([
  'DynamicQuantizeLinear',
  'QuantizeLinear',
  'DequantizeLinear',
  'MatMulInteger',
  'ConvInteger',
  'QLinearMatMul',
  'QLinearConv',
  'MatMulNBits',
  'DynamicQuantizeMatMul',
]);

class Truncated extends Error {}
class Malformed extends Error {}

/** Positional reader with a sliding window over the file. */
class WindowReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private fill(pos: number, need: number): void {
    if (pos + need > this.size) throw new Truncated();
    if (pos >= this.bufStart && pos + need <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(need, 1 << 16), this.size - pos);
    const buf = Buffer.alloc(len);
    const n = fs.readSync(this.fd, buf, 0, len, pos);
    if (n < need) throw new Truncated();
    this.buf = buf.subarray(0, n);
    this.bufStart = pos;
  }

  byte(pos: number): number {
    this.fill(pos, 1);
    return this.buf[pos - this.bufStart];
  }

  bytes(pos: number, len: number): Buffer {
    this.fill(pos, len);
    return this.buf.subarray(pos - this.bufStart, pos - this.bufStart + len);
  }

  /** Reads a varint at pos; returns [value, next position]. Values above 2^53 lose precision. */
  varint(pos: number): [number, number] {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte(pos + i);
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return [value, pos + i + 1];
      mul *= 128;
    }
    throw new Malformed('varint too long');
  }
}

interface Field {
  number: number;
  wire: number;
  /** For varints: the value. For length-delimited: the payload start. */
  value: number;
  /** Payload length for length-delimited fields. */
  length: number;
  next: number;
}

function readField(r: WindowReader, pos: number, end: number): Field {
  const [key, p] = r.varint(pos);
  const number = Math.floor(key / 8);
  const wire = key & 7;
  if (number === 0) throw new Malformed('field number 0');
  switch (wire) {
    case 0: {
      const [value, next] = r.varint(p);
      return { number, wire, value, length: 0, next };
    }
    case 1:
      if (p + 8 > end) throw p + 8 > r.size ? new Truncated() : new Malformed('fixed64 past end');
      return { number, wire, value: 0, length: 8, next: p + 8 };
    case 2: {
      const [length, start] = r.varint(p);
      if (start + length > r.size) throw new Truncated();
      if (start + length > end) throw new Malformed('field runs past its message');
      return { number, wire, value: start, length, next: start + length };
    }
    case 5:
      if (p + 4 > end) throw p + 4 > r.size ? new Truncated() : new Malformed('fixed32 past end');
      return { number, wire, value: 0, length: 4, next: p + 4 };
    default:
      throw new Malformed(`wire type ${wire}`);
  }
}

function* fields(r: WindowReader, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const f = readField(r, pos, end);
    yield f;
    pos = f.next;
  }
}

function str(r: WindowReader, f: Field): string {
  if (f.wire !== 2) throw new Malformed('expected a string');
  return r.bytes(f.value, f.length).toString('utf8');
}

function keyValue(r: WindowReader, f: Field): [string, string] {
  let key = '';
  let value = '';
  for (const g of fields(r, f.value, f.value + f.length)) {
    if (g.number === 1) key = str(r, g);
    else if (g.number === 2) value = str(r, g);
  }
  return [key, value];
}

/** Op types of a NodeProto, including those inside its subgraphs (If/Loop branches). */
function collectOpTypes(r: WindowReader, node: Field, into: Set<string>, depth = 0): void {
  for (const n of fields(r, node.value, node.value + node.length)) {
    if (n.number === 4) into.add(str(r, n));
    else if (n.number === 5 && n.wire === 2 && depth < 8) {
      // AttributeProto: g (6) is one GraphProto, graphs (11) several.
      for (const a of fields(r, n.value, n.value + n.length)) {
        if ((a.number === 6 || a.number === 11) && a.wire === 2) {
          for (const gn of fields(r, a.value, a.value + a.length)) if (gn.number === 1 && gn.wire === 2) collectOpTypes(r, gn, into, depth + 1);
        }
      }
    }
  }
}

/**
 * One initializer's element type and logical size (elements x element size, from its dims, so the
 * figure does not depend on whether the data sits in raw_data, a typed field or an external file).
 * Only the small header fields are read; the data is skipped by its length prefix.
 */
function tallyInitializer(r: WindowReader, t: Field, into: Record<string, { count: number; bytes: number }>): void {
  let type = 0;
  let elements = 1;
  let payload = 0;
  for (const f of fields(r, t.value, t.value + t.length)) {
    if (f.number === 1) {
      if (f.wire === 0) elements *= f.value;
      else if (f.wire === 2) {
        // Packed dims.
        for (let p = f.value; p < f.value + f.length; ) {
          const [dim, next] = r.varint(p);
          elements *= dim;
          p = next;
        }
      }
    } else if (f.number === 2 && f.wire === 0) type = f.value;
    else if (f.wire === 2 && f.number !== 8 && f.number !== 12) payload += f.length;
  }
  const [name, size] = TENSOR_TYPES[type] ?? [`type${type}`, 0];
  const entry = (into[name] ??= { count: 0, bytes: 0 });
  entry.count++;
  entry.bytes += size > 0 ? Math.ceil(elements * size) : payload;
}

function parse(r: WindowReader, info: OnnxInfo, scanOps: boolean, scanInitializers = false): void {
  let sawGraph = false;
  const opTypes = new Set<string>();
  for (const f of fields(r, 0, r.size)) {
    switch (f.number) {
      case 1:
        if (f.wire !== 0) throw new Malformed('ir_version');
        info.irVersion = f.value;
        break;
      case 2:
        info.producerName = str(r, f);
        break;
      case 3:
        info.producerVersion = str(r, f);
        break;
      case 7:
        if (f.wire !== 2) throw new Malformed('graph');
        sawGraph = true;
        for (const g of fields(r, f.value, f.value + f.length)) {
          if (g.number === 1 && g.wire === 2) {
            if (scanOps) collectOpTypes(r, g, opTypes);
          } else if (g.number === 5) {
            info.initializers++;
            if (scanInitializers && g.wire === 2) tallyInitializer(r, g, (info.initializerTypes ??= {}));
          } else if ((g.number === 11 || g.number === 12) && g.wire === 2) {
            for (const n of fields(r, g.value, g.value + g.length)) {
              if (n.number === 1) (g.number === 11 ? info.inputs : info.outputs).push(str(r, n));
            }
          }
        }
        break;
      case 8:
        if (f.wire === 2) {
          let domain = '';
          let version = 0;
          for (const g of fields(r, f.value, f.value + f.length)) {
            if (g.number === 1) domain = str(r, g);
            else if (g.number === 2) version = g.value;
          }
          info.opsets.push({ domain, version });
        }
        break;
      case 14:
        if (f.wire === 2) {
          const [k, v] = keyValue(r, f);
          info.metadata[k] = v;
        }
        break;
      default:
        break;
    }
  }
  if (!sawGraph || info.irVersion === 0) throw new Malformed('no graph or ir_version');
  info.opTypes = [...opTypes].sort();
  info.quantized = info.opTypes.some((t) => QUANT_OPS.has(t));
}

/**
 * Reads an ONNX file's header, metadata and graph outline. Throws MurmurError for bad files.
 * `scanOps` also walks every node (and If/Loop subgraphs) for `opTypes` and `quantized`: exact but
 * it parses the whole graph, so model loading (which needs only names and metadata) skips it.
 * `scanInitializers` fills `initializerTypes` (headers only; for inspection, not loading).
 */
export function readOnnxInfo(path: string, options: { scanOps?: boolean; scanInitializers?: boolean } = {}): OnnxInfo {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MurmurError('MODEL_FILE_MISSING', `Model file not found: ${path}`);
    if (code === 'EISDIR') throw new MurmurError('MODEL_NOT_ONNX', `${path} is a directory, not an ONNX file.`);
    throw new MurmurError('MODEL_LOAD_FAILED', `Cannot read ${path}: ${(e as Error).message}. Check the file's permissions.`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size === 0) throw new MurmurError('MODEL_NOT_ONNX', `${path} is empty (0 bytes), not an ONNX model. Download or export it again.`);
    const info: OnnxInfo = {
      path,
      bytes: size,
      irVersion: 0,
      producerName: '',
      producerVersion: '',
      opsets: [],
      metadata: {},
      inputs: [],
      outputs: [],
      opTypes: [],
      initializers: 0,
      quantized: false,
    };
    try {
      parse(new WindowReader(fd, size), info, options.scanOps === true, options.scanInitializers === true);
    } catch (e) {
      if (e instanceof Truncated) {
        throw new MurmurError(
          'MODEL_TRUNCATED',
          `${path} is truncated: it ends in the middle of the model (${size} bytes). The download or copy was probably interrupted; fetch the file again.`,
        );
      }
      if (e instanceof Malformed) {
        throw new MurmurError('MODEL_NOT_ONNX', `${path} is not an ONNX model (${describeContent(path)}). Murmur needs ONNX (.onnx) files.`);
      }
      throw e;
    }
    return info;
  } finally {
    fs.closeSync(fd);
  }
}

/** The first `n` bytes of a file (fewer if it is shorter), or undefined if it cannot be read. */
export function fileHead(path: string, n: number): Buffer | undefined {
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const head = Buffer.alloc(n);
      return head.subarray(0, fs.readSync(fd, head, 0, n, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** A short guess at what a non-ONNX file is, for error messages. */
export function describeContent(path: string): string {
  const h = fileHead(path, 16);
  if (!h) return 'unreadable';
  if (h.subarray(4, 8).toString('latin1') === 'TFL3') return 'a TensorFlow Lite flatbuffer';
  if (h.subarray(4, 8).toString('latin1') === 'ORTM') return 'an ORT-format model, which Murmur makes itself from ONNX';
  if (h.subarray(0, 2).toString('latin1') === 'PK') return 'a zip archive';
  if (h.subarray(0, 3).toString('latin1') === 'BZh') return 'a bzip2 archive: extract it first';
  if (h[0] === 0x1f && h[1] === 0x8b) return 'a gzip archive: extract it first';
  if (/^\s*[<{[]/.test(h.toString('latin1'))) return 'a text file';
  return 'unrecognised content';
}

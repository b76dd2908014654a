/**
 * The protobuf wire format, in memory, for the few ONNX edits Murmur makes before converting a
 * model (graph-rewrite.ts). A message is decoded into its fields in order, each kept as raw bytes
 * unless the caller looks inside; encoding writes them back in the same order. Fields the editor
 * does not understand survive untouched, which a schema-driven library would only guarantee with
 * the full, current onnx.proto. (metadata.ts reads files through a window instead: it must not
 * load a 300 MB model to read its header.)
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

export interface WireField {
  number: number;
  wire: number;
  /** Varints (wire 0): the value as unsigned 64 bits. */
  varint: bigint;
  /** Length-delimited fields (wire 2): the payload; fixed32/64: their raw bytes. */
  bytes: Uint8Array;
}

export class ProtobufError extends Error {}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new ProtobufError('varint runs past the end');
    const b = buf[pos + i];
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
    shift += 7n;
  }
  throw new ProtobufError('varint longer than 10 bytes');
}

export function decodeMessage(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (number === 0) throw new ProtobufError('field number 0');
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, p);
        out.push({ number, wire, varint: value, bytes: new Uint8Array(0) });
        pos = next;
        break;
      }
      case WIRE_BYTES: {
        const [len, start] = readVarint(buf, p);
        const end = start + Number(len);
        if (end > buf.length) throw new ProtobufError(`field ${number} runs past the end of its message`);
        out.push({ number, wire, varint: 0n, bytes: buf.subarray(start, end) });
        pos = end;
        break;
      }
      case WIRE_FIXED64:
      case WIRE_FIXED32: {
        const end = p + (wire === WIRE_FIXED64 ? 8 : 4);
        if (end > buf.length) throw new ProtobufError(`field ${number} runs past the end of its message`);
        out.push({ number, wire, varint: 0n, bytes: buf.subarray(p, end) });
        pos = end;
        break;
      }
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

function varintBytes(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}

export function encodeMessage(fields: readonly WireField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const push = (u: Uint8Array) => {
    parts.push(u);
    total += u.length;
  };
  for (const f of fields) {
    push(Uint8Array.from(varintBytes(BigInt(f.number * 8 + f.wire))));
    if (f.wire === WIRE_VARINT) push(Uint8Array.from(varintBytes(f.varint)));
    else {
      if (f.wire === WIRE_BYTES) push(Uint8Array.from(varintBytes(BigInt(f.bytes.length))));
      push(f.bytes);
    }
  }
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function varintField(number: number, value: bigint | number): WireField {
  return { number, wire: WIRE_VARINT, varint: BigInt.asUintN(64, BigInt(value)), bytes: new Uint8Array(0) };
}

export function bytesField(number: number, bytes: Uint8Array): WireField {
  return { number, wire: WIRE_BYTES, varint: 0n, bytes };
}

export function stringField(number: number, s: string): WireField {
  return bytesField(number, new TextEncoder().encode(s));
}

export function fieldString(f: WireField): string {
  if (f.wire !== WIRE_BYTES) throw new ProtobufError(`field ${f.number} is not a string`);
  return new TextDecoder().decode(f.bytes);
}

/** A varint field read as a signed 64-bit integer (ONNX int64s: -1 is ten bytes on the wire). */
export function fieldInt(f: WireField): bigint {
  if (f.wire !== WIRE_VARINT) throw new ProtobufError(`field ${f.number} is not a varint`);
  return BigInt.asIntN(64, f.varint);
}

/** The values of a repeated int64 field, whether written packed or one field per value. */
export function repeatedInts(fields: readonly WireField[], number: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.number !== number) continue;
    if (f.wire === WIRE_VARINT) out.push(BigInt.asIntN(64, f.varint));
    else if (f.wire === WIRE_BYTES) {
      let pos = 0;
      while (pos < f.bytes.length) {
        const [v, next] = readVarint(f.bytes, pos);
        out.push(BigInt.asIntN(64, v));
        pos = next;
      }
    } else throw new ProtobufError(`field ${number} is not an integer list`);
  }
  return out;
}

/**
 * The schema helpers every protocol message is declared with. One declaration gives the TypeScript
 * type (`Infer<typeof schema>`) and the validator (`schema.check(value, path)`), so the two cannot
 * drift. A check returns the value rebuilt from checked fields only (unknown fields are dropped,
 * fields are read as own properties, never through the prototype) or throws Invalid naming the
 * first bad field. Our own and small: the webview bundles it, and the reasons read well in a log.
 */
import { absolutePath, boolean, fail, Invalid, integer, jsonSizeUpTo, number, oneOf as oneOfCheck, record, string } from './check';

export interface Schema<T> {
  readonly check: (v: unknown, at: string) => T;
}
/** A field that may be absent (or undefined); present, it must pass `inner`. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
  readonly inner: Schema<T>;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

export type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalSchema<unknown> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] };
export type InferObject<S extends Shape> = Flat<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined> }
>;

export const custom = <T>(check: (v: unknown, at: string) => T): Schema<T> => ({ check });

/** An own property only: nothing is read through the prototype (`constructor`, `toString`, ...). */
export function own(o: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

export function str(options: { max: number; nonEmpty?: boolean; pattern?: RegExp; expected?: string }): Schema<string> {
  return custom((v, at) => {
    const s = string(v, at, options);
    if (options.pattern && !options.pattern.test(s)) fail(at, options.expected ?? `a string matching ${options.pattern.source}`, v);
    return s;
  });
}

export function num(options: { min?: number; max?: number; int?: boolean } = {}): Schema<number> {
  const min = options.min ?? (options.int ? Number.MIN_SAFE_INTEGER : -Number.MAX_VALUE);
  const max = options.max ?? (options.int ? Number.MAX_SAFE_INTEGER : Number.MAX_VALUE);
  return custom((v, at) => (options.int ? integer(v, at, min, max) : number(v, at, min, max)));
}

export const bool: Schema<boolean> = custom(boolean);

/** Absolute on any platform (POSIX, drive, UNC), no NUL, nothing under /proc or /dev. */
export const absPath: Schema<string> = custom(absolutePath);

export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  return custom((v, at) => oneOfCheck(v, at, values));
}

/** Every index is checked, holes included (Array.prototype.map would skip a sparse array's holes). */
export function arr<T>(item: Schema<T>, max: number, expected = 'an array'): Schema<T[]> {
  return custom((v, at) => {
    if (!Array.isArray(v)) fail(at, expected, v);
    if (v.length > max) throw new Invalid(`${at}: more than ${max} items`);
    const items: readonly unknown[] = v;
    const out: T[] = [];
    for (let i = 0; i < items.length; i++) out.push(item.check(Object.prototype.hasOwnProperty.call(items, i) ? items[i] : undefined, `${at}[${i}]`));
    return out;
  });
}

export function optional<T>(inner: Schema<T>): OptionalSchema<T> {
  return { optional: true, inner, check: (v, at) => (v === undefined ? undefined : inner.check(v, at)) };
}

export function nullable<T>(inner: Schema<T>): Schema<T | null> {
  return custom((v, at) => (v === null ? null : inner.check(v, at)));
}

/** Either schema's value; the first one's reason when both refuse (e.g. '' or an absolute path). */
export function either<A, B>(a: Schema<A>, b: Schema<B>): Schema<A | B> {
  return custom((v, at) => {
    try {
      return a.check(v, at);
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      try {
        return b.check(v, at);
      } catch {
        throw e;
      }
    }
  });
}

export const literal = <const T extends string>(value: T): Schema<T> => oneOf([value]);

export interface ObjectSchema<S extends Shape> extends Schema<InferObject<S>> {
  readonly shape: S;
}

/** An object with exactly these fields (others dropped); absent optional fields stay absent. */
export function obj<S extends Shape>(shape: S): ObjectSchema<S> {
  const keys = Object.keys(shape);
  return {
    shape,
    check: (v, at) => {
      const o = record(v, at);
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const x = shape[key].check(own(o, key), `${at}.${key}`);
        if (x !== undefined) out[key] = x;
      }
      // Rebuilt from `shape`'s keys only, each checked by its own schema: the type of InferObject<S>.
      return out as InferObject<S>;
    },
  };
}

/**
 * A string -> V map (ONNX metadata, resource counts), rebuilt key by key. Keys are defined, not
 * assigned: "__proto__" stays a plain own key and never reaches the prototype.
 */
export function map<V>(value: Schema<V>, options: { maxEntries: number; key: Schema<string> }): Schema<Record<string, V>> {
  return custom((v, at) => {
    const o = record(v, at);
    const keys = Object.keys(o);
    if (keys.length > options.maxEntries) throw new Invalid(`${at}: more than ${options.maxEntries} entries`);
    const out: Record<string, V> = {};
    for (const k of keys) {
      options.key.check(k, `${at}.${k}`);
      Object.defineProperty(out, k, { value: value.check(o[k], `${at}.${k}`), enumerable: true, writable: true, configurable: true });
    }
    return out;
  });
}

/** An exact value (a response's `ok: true`). */
export function exactly<const T extends string | number | boolean>(value: T): Schema<T> {
  return custom((v, at) => (v === value ? value : fail(at, JSON.stringify(value), v)));
}

/** Every field of `shape` made optional (a partial settings update of a full shape). */
export function partial<S extends Shape>(shape: S): ObjectSchema<{ [K in keyof S]: OptionalSchema<Exclude<Infer<S[K]>, undefined>> }> {
  const out: Record<string, OptionalSchema<unknown>> = {};
  for (const [key, field] of Object.entries(shape)) out[key] = 'optional' in field ? (field as OptionalSchema<unknown>) : optional(field);
  // Each field of `shape`, made optional above (already optional ones kept).
  return obj(out) as unknown as ObjectSchema<{ [K in keyof S]: OptionalSchema<Exclude<Infer<S[K]>, undefined>> }>;
}

/**
 * A union told apart by one field (`kind`, `type`): each variant's fields as an object schema. The
 * value is `{ [tag]: variant, ...its fields }`; an unknown variant is refused naming the field.
 */
export function tagged<const Tag extends string, V extends Record<string, Shape>>(tag: Tag, variants: V): Schema<TaggedUnion<Tag, V>> {
  const names = Object.keys(variants);
  const schemas = new Map(names.map((n) => [n, obj(variants[n])]));
  return custom((v, at) => {
    const o = record(v, at);
    const variant = oneOfCheck(own(o, tag), `${at}.${tag}`, names);
    const fields = (schemas.get(variant) as ObjectSchema<Shape>).check(o, at);
    // The tag was checked against `variants`' names and the fields against that variant's shape.
    return { [tag]: variant, ...fields } as TaggedUnion<Tag, V>;
  });
}

export type Fields = Shape;
/** One member per entry of a table: `{ [tag]: name } & head's fields & the entry's fields`. */
export type TaggedUnion<Tag extends string, V extends Record<string, Shape>, Head extends Shape = Record<never, never>> = {
  [K in keyof V & string]: Flat<{ [T in Tag]: K } & InferObject<Head & V[K]>>;
}[keyof V & string];

/** A message as it arrives: an object, at most `limit` bytes of JSON. */
export function envelope(raw: unknown, limit: number): Record<string, unknown> {
  const o = record(raw, 'message');
  if (jsonSizeUpTo(raw, limit) > limit) throw new Invalid(`message: larger than the ${limit}-byte limit`);
  return o;
}

/**
 * A whole message of a table (webview messages, sidecar requests and events): bounded size, a
 * `type` the table has, then `head`'s and that entry's fields, checked in that order (paths read
 * `<type>.<field>`). Returns the message rebuilt from checked fields only.
 */
export function checkTableMessage<V extends Record<string, Shape>, Head extends Shape = Record<never, never>>(
  raw: unknown,
  limit: number,
  table: V,
  head?: Head,
): TaggedUnion<'type', V, Head> {
  const o = envelope(raw, limit);
  const type = oneOfCheck(own(o, 'type'), 'message.type', Object.keys(table));
  const fields = obj({ ...head, ...table[type] }).check(o, type);
  // The type was checked against the table's names and the fields against its entry (and head).
  return { type, ...fields } as TaggedUnion<'type', V, Head>;
}

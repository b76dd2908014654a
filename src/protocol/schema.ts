/**
 * The schema helpers every protocol message is declared with. One declaration gives the TypeScript
 * type (`Infer<typeof schema>`) and the validator (`schema.check(value, path)`), so the two cannot
 * drift. A check returns the value rebuilt from checked fields only (unknown fields are dropped,
 * fields are read as own properties, never through the prototype) or throws Invalid naming the
 * first bad field. Our own and small: the webview bundles it, and the reasons read well in a log.
 */
import { absolutePath, boolean, fail, Invalid, integer, number, oneOf as oneOfCheck, record, string } from './check';

export interface Schema<T> {
  readonly check: (v: unknown, at: string) => T;
}
/** A field that may be absent (or undefined); present, it must pass `inner`. */
export interface OptionalSchema<T> extends Schema<T | undefined> {
  readonly optional: true;
  readonly inner: Schema<T>;
}
export type Infer<S> = S extends Schema<infer T> ? T : never;

type Shape = Record<string, Schema<unknown>>;
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
export function arr<T>(item: Schema<T>, max: number): Schema<T[]> {
  return custom((v, at) => {
    if (!Array.isArray(v)) fail(at, 'an array', v);
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

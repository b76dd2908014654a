/**
 * The few checks the validators are made of. Each takes the value and its path in the message
 * ("loadModel.location.dir") and returns the value typed, or throws Invalid with the path, what was
 * expected and what was there. Hand-written so the protocol needs no dependency and the reasons
 * read well in a log. Browser-safe (no node:* import, ESLint enforces it): the webview bundles it too.
 */
import { HOST_PATH_RULES, isAbsolutePath, normalizePosixAbsolute, windowsDeviceReason, type PathRules } from './paths';

export class Invalid extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Invalid';
  }
}

/** A short, safe description of a value for an error message (strings are cut, never echoed whole). */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters ${JSON.stringify(v.slice(0, 40))}...` : `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number') return Number.isFinite(v) ? `the number ${v}` : String(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

export function fail(at: string, expected: string, got: unknown): never {
  throw new Invalid(`${at}: expected ${expected}, got ${describe(got)}`);
}

export function record(v: unknown, at: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(at, 'an object', v);
  // Narrowed above to a non-null, non-array object; JSON objects have string keys only.
  return v as Record<string, unknown>;
}

export function string(v: unknown, at: string, options: { nonEmpty?: boolean; max?: number } = {}): string {
  const max = options.max ?? 100_000;
  if (typeof v !== 'string') fail(at, options.nonEmpty ? 'a non-empty string' : 'a string', v);
  if (options.nonEmpty && v.length === 0) fail(at, 'a non-empty string', v);
  if (v.length > max) fail(at, `a string of at most ${max} characters`, v);
  return v;
}

/** A string handed to a process or the file system: no NUL, bounded. */
export function name(v: unknown, at: string): string {
  const s = string(v, at, { nonEmpty: true, max: 4096 });
  if (s.includes('\0')) fail(at, 'a string without NUL characters', v);
  return s;
}

/** Kernel file systems: processes and devices, never a model, a clip or a folder of Murmur's. */
const SYSTEM_ROOTS = ['/proc', '/dev'] as const;

/**
 * The kernel file system an absolute POSIX path lies under ('/proc' or '/dev'), seen through `//`,
 * `.` and `..`; undefined for any other path. /proc/self/cwd/models passes an "is it absolute"
 * check yet names a folder of whatever repository the process was started in, and /dev/zero or
 * /dev/stdin are endless or blocking: no setting of Murmur's may point there. Lexical on purpose (a
 * validator does not touch the disk); a symlink elsewhere that points there is the file system
 * owner's choice, not a setting's.
 */
export function systemPathRoot(p: string): string | undefined {
  if (!p.startsWith('/')) return undefined;
  const normal = normalizePosixAbsolute(p);
  return SYSTEM_ROOTS.find((root) => normal === root || normal.startsWith(`${root}/`));
}

/** Absolute by this process's path rules (HOST_PATH_RULES; `rules` for tests), naming no kernel or device path. */
export function absolutePath(v: unknown, at: string, rules: PathRules = HOST_PATH_RULES): string {
  const s = name(v, at);
  if (!isAbsolutePath(s, rules)) fail(at, 'an absolute path', v);
  const root = systemPathRoot(s);
  if (root) fail(at, `a path outside ${SYSTEM_ROOTS.join(' and ')} (${root} holds processes and devices, not files Murmur can use)`, v);
  const device = windowsDeviceReason(s);
  if (device) fail(at, device, v);
  return s;
}

export function number(v: unknown, at: string, min = -Number.MAX_VALUE, max = Number.MAX_VALUE): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    fail(at, min === -Number.MAX_VALUE && max === Number.MAX_VALUE ? 'a finite number' : `a number from ${min} to ${max}`, v);
  }
  return v;
}

export function integer(v: unknown, at: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(at, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`, v);
  }
  return v;
}

export function boolean(v: unknown, at: string): boolean {
  if (typeof v !== 'boolean') fail(at, 'true or false', v);
  return v;
}

export function oneOf<T extends string>(v: unknown, at: string, values: readonly T[]): T {
  const found = values.find((x) => x === v);
  if (found === undefined) fail(at, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
  return found;
}

/** `check(o[key])` when the key is present and not undefined, else undefined. */
export function optional<T>(o: Record<string, unknown>, key: string, at: string, check: (v: unknown, at: string) => T): T | undefined {
  const v = o[key];
  return v === undefined ? undefined : check(v, `${at}.${key}`);
}

/**
 * The size of `value` as JSON, counted up to `limit` and no further (a huge message costs no more
 * than the limit to measure), iteratively (deep nesting cannot overflow the stack). Escapes are not
 * counted: this is a guard, not an exact figure.
 */
export function jsonSizeUpTo(value: unknown, limit: number): number {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && size <= limit) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (typeof v === 'number') size += String(v).length;
    else if (typeof v === 'boolean') size += v ? 4 : 5;
    else if (v === null || v === undefined) size += 4;
    else if (Array.isArray(v)) {
      size += 2;
      // One per element (its comma) as it is queued, so a huge array stops the walk early.
      for (let i = 0; i < v.length && size <= limit; i++, size++) stack.push(v[i]);
    } else if (typeof v === 'object') {
      size += 2;
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 4;
        stack.push(x);
        if (size > limit) break;
      }
    }
  }
  return size;
}

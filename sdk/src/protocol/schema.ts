// A tiny validating schema language: each schema checks a decoded value and rebuilds it from known
// fields only, so unknown keys (including `__proto__`) never reach application code. Strict maps
// (what clients send) refuse unknown keys; lenient ones (what servers send) drop them.

export interface Schema<T> {
  /** Returns the clean value, or throws SchemaError naming the offending path. */
  parse(value: unknown, path: string): T;
  readonly optional?: boolean;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  constructor(
    readonly path: string,
    readonly problem: string,
    /** True when the value was the right type but exceeded a length limit. */
    readonly tooLarge = false,
  ) {
    super(path ? `${path}: ${problem}` : problem);
  }
}

export function str(min = 0, max = 256, pattern?: RegExp): Schema<string> {
  return {
    parse(v, path) {
      if (typeof v !== 'string') throw new SchemaError(path, 'expected a string');
      if (v.length > max) throw new SchemaError(path, `longer than ${max}`, true);
      if (v.length < min) throw new SchemaError(path, `shorter than ${min}`);
      if (pattern && !pattern.test(v)) throw new SchemaError(path, 'has characters that are not allowed');
      // No text a client sends may hold U+0000: PostgreSQL cannot store it, and one such message would
      // fail the whole group-commit batch it shares with other people's messages.
      if (v.indexOf('\u0000') >= 0) throw new SchemaError(path, 'contains a NUL character (U+0000)');
      return v;
    },
  };
}

/**
 * Any string, as a server may send it: no length bound but the frame's (a later server may allow
 * longer names than this build knows), no pattern.
 */
export function text(min = 0): Schema<string> {
  // Still no U+0000: no server stores it, so one would be a broken frame rather than a longer name.
  return str(min, Infinity);
}

/**
 * A non-empty string where a server names one of a set of values that grows (a kind, a role): the
 * values this build knows (`T`) are typed so that editors offer them; any other passes through.
 */
export function open<T extends string>(): Schema<T | (string & {})> {
  return text(1);
}

/** A non-negative safe integer, at most `max`. */
export function uint(max = Number.MAX_SAFE_INTEGER): Schema<number> {
  return {
    parse(v, path) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        throw new SchemaError(path, 'expected a non-negative integer');
      }
      if (v > max) throw new SchemaError(path, `greater than ${max}`, true);
      return v;
    },
  };
}

export function bool(): Schema<boolean> {
  return {
    parse(v, path) {
      if (typeof v !== 'boolean') throw new SchemaError(path, 'expected a boolean');
      return v;
    },
  };
}

export function literal<const T extends readonly (string | number)[]>(...values: T): Schema<T[number]> {
  return {
    parse(v, path) {
      if (!values.includes(v as T[number])) throw new SchemaError(path, `expected one of ${values.join(', ')}`);
      return v as T[number];
    },
  };
}

export function opt<T>(inner: Schema<T>): Schema<T | undefined> & { readonly optional: true } {
  return {
    optional: true,
    parse(v, path) {
      return v === undefined || v === null ? undefined : inner.parse(v, path);
    },
  };
}

export function arr<T>(item: Schema<T>, max: number): Schema<T[]> {
  return {
    parse(v, path) {
      if (!Array.isArray(v)) throw new SchemaError(path, 'expected an array');
      if (v.length > max) throw new SchemaError(path, `more than ${max} items`, true);
      return v.map((x, i) => item.parse(x, `${path}[${i}]`));
    },
  };
}

/** A map of string keys to values of one schema (e.g. kind-specific event data). */
export function record<T>(value: Schema<T>, maxKeys: number, maxKeyLength = 64): Schema<Record<string, T>> {
  return {
    parse(v, path) {
      if (!isPlainObject(v)) throw new SchemaError(path, 'expected a map');
      const keys = Object.keys(v);
      if (keys.length > maxKeys) throw new SchemaError(path, `more than ${maxKeys} keys`, true);
      const out: Record<string, T> = Object.create(null) as Record<string, T>;
      for (const k of keys) {
        if (k.length > maxKeyLength) throw new SchemaError(path, `key longer than ${maxKeyLength}`, true);
        out[k] = value.parse(v[k], `${path}.${k}`);
      }
      return out;
    },
  };
}

/** Any msgpack scalar: a string that `string` accepts (default: up to 4000), a finite number, a boolean. */
export function scalar(string: Schema<string> = str(0, 4000)): Schema<string | number | boolean> {
  return {
    parse(v, path) {
      if (typeof v === 'string') return string.parse(v, path);
      if (typeof v === 'number' && Number.isFinite(v)) return v;
      if (typeof v === 'boolean') return v;
      throw new SchemaError(path, 'expected a string, number or boolean');
    },
  };
}

type Shape = Record<string, Schema<unknown>>;
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type RequiredKeys<S extends Shape> = Exclude<keyof S, OptionalKeys<S>>;
export type ObjOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & {
  [K in OptionalKeys<S>]?: Exclude<Infer<S[K]>, undefined>;
};

/** A map with the fields of `shape`; other keys are dropped (what a client reads from a server). */
export function obj<S extends Shape>(shape: S): Schema<ObjOf<S>> & { shape: S } {
  return mapOf(shape, false);
}

/**
 * A map with the fields of `shape` and no others (what a server reads from a client): a key it
 * does not know is refused by name, so a newer client learns its field was not understood rather
 * than seeing it ignored. A key whose value is `undefined` (only possible in-process) counts as absent.
 */
export function strictObj<S extends Shape>(shape: S): Schema<ObjOf<S>> & { shape: S } {
  return mapOf(shape, true);
}

function mapOf<S extends Shape>(shape: S, strict: boolean): Schema<ObjOf<S>> & { shape: S } {
  const keys = Object.keys(shape);
  return {
    shape,
    parse(v, path) {
      if (!isPlainObject(v)) throw new SchemaError(path, 'expected a map');
      const out: Record<string, unknown> = {};
      // Known keys present in `v`; the unknown-key rule then costs one key count on the hot path (send).
      let present = 0;
      for (const k of keys) {
        const raw = v[k];
        if (raw !== undefined) present++;
        const parsed = (shape[k] as Schema<unknown>).parse(raw, path ? `${path}.${k}` : k);
        if (parsed !== undefined) out[k] = parsed;
      }
      if (strict) {
        let all = 0;
        for (const _key in v) all++;
        if (all !== present) refuseUnknown(v, shape, path);
      }
      return out as ObjOf<S>;
    },
  };
}

function refuseUnknown(v: Record<string, unknown>, shape: Shape, path: string): void {
  for (const k in v) if (!Object.hasOwn(shape, k) && v[k] !== undefined) throw new SchemaError(path, `unknown field "${k}"`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

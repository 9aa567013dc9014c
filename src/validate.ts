// Validation of the values a caller hands the library: every failure is a
// ConfigError naming the field and the allowed range, with the value given.
// One module, so every part says it the same way:
//   "batch: must be an integer in [1, 65536], got 0"
//   "sampler.eta: must be a finite number in (0, inf), got -1"

import { ConfigError } from './errors';

/** A value as an error message shows it. */
export function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'undefined';
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  return JSON.stringify(v) ?? String(v);
}

/**
 * An integer in [lo, hi] (`hiText` shows hi, e.g. '2^31'; hi = Infinity: no
 * upper bound); `undefined` takes `fallback` when one is given.
 */
export function integer(field: string, v: unknown, lo: number, hi = Infinity, options: { fallback?: number; hiText?: string } = {}): number {
  const x = v === undefined ? options.fallback : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${options.hiText ?? hi}]`;
    throw new ConfigError(field, `must be an integer ${range}, got ${show(x)}`);
  }
  return x;
}

/**
 * A finite number for which `ok` holds; `range` says which, e.g. 'in (0, inf)'.
 * `undefined` takes `fallback` when one is given.
 */
export function real(field: string, v: unknown, range: string, ok: (x: number) => boolean, fallback?: number): number {
  const x = v === undefined ? fallback : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) throw new ConfigError(field, `must be a finite number ${range}, got ${show(x)}`);
  return x;
}

/** [lo, hi] with finite lo < hi. */
export function interval(field: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(field, `must be [lo, hi] with lo < hi, got ${show(v)}`);
  const lo = real(`${field}[0]`, v[0], 'in (-inf, inf)', () => true);
  const hi = real(`${field}[1]`, v[1], `in (${lo}, inf) (above ${field}[0])`, (x) => x > lo);
  return [lo, hi];
}

/** An array of `length` finite numbers. */
export function vector(field: string, v: unknown, length: number, what = `${length} numbers`): number[] {
  if (!Array.isArray(v) || v.length !== length) {
    throw new ConfigError(field, `must be an array of ${what}, got length ${Array.isArray(v) ? v.length : typeof v}`);
  }
  v.forEach((x, k) => real(`${field}[${k}]`, x, 'in (-inf, inf)', () => true));
  return v as number[];
}

/** One of `allowed`. */
export function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(v)}`);
  }
  return v as T;
}

/** No key of the object `v` outside `allowed` (field '' for the top level). */
export function knownKeys(field: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new ConfigError(field ? `${field}.${k}` : k, `is not an option (options: ${allowed.join(', ')})`);
  }
}

// The public description of an f-divergence and its validation.
//
// A divergence is either one of the built-ins of the method note
// (docs/method.md, section 2) or a user-supplied convex f. For a custom f
// the host functions f, f', f'' are checked here in float64 (f(1) = 0,
// convexity, derivatives consistent with finite differences); the optional
// WGSL source is only carried: a later step composes it into the kernels.

import { ConfigError } from '../errors';
import { shaderCodes } from '../device/constants';
import { show } from '../validate';

export type DivergenceName =
  | 'kl'
  | 'reverse_kl'
  | 'jensen_shannon'
  | 'squared_hellinger'
  | 'pearson'
  | 'neyman'
  | 'alpha';

export const DIVERGENCE_NAMES: readonly DivergenceName[] = [
  'kl',
  'reverse_kl',
  'jensen_shannon',
  'squared_hellinger',
  'pearson',
  'neyman',
  'alpha',
];

/**
 * How g and c are evaluated.
 * - 'authors': as the authors' image code: every exponential is
 *   exp(clamp(x, -5, 5)), with zero derivative where the clamp is active.
 * - 'stable': the exact functions, written to stay finite and accurate
 *   (softplus written stably, expm1 where it avoids cancellation).
 */
export type Numerics = 'authors' | 'stable';
export const NUMERICS: readonly Numerics[] = ['authors', 'stable'];

/** A user-supplied convex f with f(1) = 0, on u > 0. */
export interface CustomDivergence {
  f: (u: number) => number;
  df: (u: number) => number;
  d2f: (u: number) => number;
  /** WGSL source of f, f', f'' for the GPU (composed by the kernel builder; carried as is here). */
  wgsl?: string;
}

export interface DivergenceSpec {
  name: DivergenceName | 'custom';
  /** Only for name 'alpha': any finite real other than 0 and 1. */
  alpha?: number;
  /** Only (and required) for name 'custom'. */
  custom?: CustomDivergence;
}

/**
 * The checks run on a custom f: a log-spaced grid of `points` values of u in
 * [uMin, uMax]; central differences with step relStep * u; relative tolerance
 * rtol on the derivative checks (see validateDivergence).
 */
export const CUSTOM_CHECK = {
  uMin: 1e-3,
  uMax: 1e3,
  points: 241,
  f1Tol: 1e-9,
  relStep: 1e-4,
  rtol: 1e-5,
} as const;

const ALLOWED = [...DIVERGENCE_NAMES, 'custom'].map((n) => `'${n}'`).join(', ');


/** The grid of u on which a custom f is checked. */
export function customCheckGrid(): number[] {
  const { uMin, uMax, points } = CUSTOM_CHECK;
  const a = Math.log(uMin);
  const b = Math.log(uMax);
  const grid: number[] = [];
  for (let i = 0; i < points; i++) grid.push(Math.exp(a + ((b - a) * i) / (points - 1)));
  grid.push(1); // f'' > 0 and the derivative checks at u = 1 too
  return grid;
}

/**
 * Checks a custom f in float64 and throws ConfigError(`${field}.custom...`)
 * naming the failed check and the u where it failed:
 * - |f(1)| < 1e-9;
 * - f(u), f'(u), f''(u) finite on the grid (and at u(1 +- relStep));
 * - f''(u) > 0 on the grid (strict convexity);
 * - |(f(u+h) - f(u-h))/(2h) - f'(u)| <= rtol * (|f'(u)| + |f(u)|/u + u f''(u)),
 * - |(f'(u+h) - f'(u-h))/(2h) - f''(u)| <= rtol * (f''(u) + |f'(u)|/u),
 *   with h = relStep * u. The scales are the natural sizes of each
 *   derivative at u (the roundoff of a difference quotient is eps |f| / h and
 *   its truncation error h^2 f''' / 6 ~ relStep^2 u f''), so a correct f
 *   passes with a wide margin and any derivative wrong by more than 1e-5 of
 *   its scale is caught.
 */
function checkCustom(custom: unknown, field: string): CustomDivergence {
  if (typeof custom !== 'object' || custom === null) {
    throw new ConfigError(field, `must be an object { f, df, d2f, wgsl? }, got ${show(custom)}`);
  }
  const c = custom as Record<string, unknown>;
  for (const k of ['f', 'df', 'd2f'] as const) {
    if (typeof c[k] !== 'function') throw new ConfigError(`${field}.${k}`, `must be a function, got ${show(c[k])}`);
  }
  if (c.wgsl !== undefined && typeof c.wgsl !== 'string') {
    throw new ConfigError(`${field}.wgsl`, `must be a string of WGSL source, got ${show(c.wgsl)}`);
  }
  const f = c.f as (u: number) => number;
  const df = c.df as (u: number) => number;
  const d2f = c.d2f as (u: number) => number;
  const call = (name: string, fn: (u: number) => number, u: number): number => {
    const y = fn(u);
    if (typeof y !== 'number' || !Number.isFinite(y)) {
      throw new ConfigError(field, `${name}(u) must be a finite number, got ${show(y)} at u = ${u}`);
    }
    return y;
  };

  const f1 = call('f', f, 1);
  if (!(Math.abs(f1) < CUSTOM_CHECK.f1Tol)) {
    throw new ConfigError(field, `f(1) must be 0 (|f(1)| < ${CUSTOM_CHECK.f1Tol}), got f(1) = ${f1}`);
  }
  const { relStep, rtol } = CUSTOM_CHECK;
  for (const u of customCheckGrid()) {
    const fu = call('f', f, u);
    const d1 = call('df', df, u);
    const d2 = call('d2f', d2f, u);
    if (!(d2 > 0)) {
      throw new ConfigError(field, `f'' must be > 0 (f strictly convex), got f''(u) = ${d2} at u = ${u}`);
    }
    const h = relStep * u;
    const fd1 = (call('f', f, u + h) - call('f', f, u - h)) / (2 * h);
    const scale1 = Math.abs(d1) + Math.abs(fu) / u + u * d2;
    if (!(Math.abs(fd1 - d1) <= rtol * scale1)) {
      throw new ConfigError(
        field,
        `df is not the derivative of f (relative tolerance ${rtol}): at u = ${u}, df(u) = ${d1} but ` +
          `the central difference of f gives ${fd1}`,
      );
    }
    const fd2 = (call('df', df, u + h) - call('df', df, u - h)) / (2 * h);
    const scale2 = d2 + Math.abs(d1) / u;
    if (!(Math.abs(fd2 - d2) <= rtol * scale2)) {
      throw new ConfigError(
        field,
        `d2f is not the derivative of df (relative tolerance ${rtol}): at u = ${u}, d2f(u) = ${d2} but ` +
          `the central difference of df gives ${fd2}`,
      );
    }
  }
  const out: CustomDivergence = { f, df, d2f };
  if (c.wgsl !== undefined) out.wgsl = c.wgsl as string;
  return out;
}

/**
 * Validates a divergence description and returns a normalised copy
 * ({ name }, { name: 'alpha', alpha } or { name: 'custom', custom }).
 * Throws ConfigError naming the offending field: an unknown name (the
 * message lists the allowed names), a missing or bad alpha (finite, not 0
 * or 1), alpha or custom given with a name that does not use them, or a
 * custom f that fails one of the checks of checkCustom.
 */
export function validateDivergence(spec: unknown, field = 'divergence'): DivergenceSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw new ConfigError(field, `must be an object { name, alpha?, custom? }, got ${show(spec)}`);
  }
  const s = spec as Record<string, unknown>;
  const name = s.name;
  if (typeof name !== 'string' || !(DIVERGENCE_NAMES as readonly string[]).concat('custom').includes(name)) {
    throw new ConfigError(`${field}.name`, `must be one of ${ALLOWED}, got ${show(name)}`);
  }
  if (name === 'alpha') {
    const a = s.alpha;
    if (typeof a !== 'number' || !Number.isFinite(a) || a === 0 || a === 1) {
      throw new ConfigError(`${field}.alpha`, `must be a finite real other than 0 and 1, got ${show(a)}`);
    }
  } else if (s.alpha !== undefined) {
    throw new ConfigError(`${field}.alpha`, `is only used with name 'alpha' (name is '${name}')`);
  }
  if (name === 'custom') {
    return { name: 'custom', custom: checkCustom(s.custom, `${field}.custom`) };
  }
  if (s.custom !== undefined) {
    throw new ConfigError(`${field}.custom`, `is only used with name 'custom' (name is '${name}')`);
  }
  return name === 'alpha' ? { name, alpha: s.alpha as number } : { name: name as DivergenceName };
}

/** Validates a numerics mode ('authors' or 'stable'). */
export function validateNumerics(value: unknown, field = 'numerics'): Numerics {
  if (typeof value !== 'string' || !(NUMERICS as readonly string[]).includes(value)) {
    throw new ConfigError(field, `must be one of ${NUMERICS.map((n) => `'${n}'`).join(', ')}, got ${show(value)}`);
  }
  return value as Numerics;
}

/** A short label: 'kl', 'alpha(-0.5)', 'custom'. */
export function describeDivergence(spec: DivergenceSpec): string {
  return spec.name === 'alpha' ? `alpha(${spec.alpha})` : spec.name;
}

/** The code of each divergence in shaders/divergence.wgsl (its DIV_* constants: DIV_KL, ..., DIV_CUSTOM). */
export const DIVERGENCE_CODE: Record<DivergenceName | 'custom', number> = shaderCodes('divergence.wgsl', 'DIV_', [...DIVERGENCE_NAMES, 'custom']);

/** The code of each numerics mode in shaders/divergence.wgsl (DIV_AUTHORS, DIV_STABLE). */
export const NUMERICS_CODE: Record<Numerics, number> = shaderCodes('divergence.wgsl', 'DIV_', NUMERICS);

/**
 * Parses a divergence label as written on a command line or in a table:
 * a name of DIVERGENCE_NAMES, or alpha with its parameter as 'alpha(-0.5)',
 * 'alpha:-0.5' or 'alpha=-0.5'. Throws ConfigError (allowed forms listed) on
 * anything else; the result is validated (alpha not 0 or 1).
 */
export function parseDivergence(label: string, field = 'divergence'): DivergenceSpec {
  const s = label.trim();
  const m = /^alpha\s*(?:\(\s*([^)]*)\s*\)|[:=]\s*(.*))$/.exec(s);
  if (m) {
    const text = (m[1] ?? m[2] ?? '').trim();
    const alpha = text === '' ? NaN : Number(text);
    return validateDivergence({ name: 'alpha', alpha }, field);
  }
  if (s === 'alpha') {
    throw new ConfigError(`${field}.alpha`, "is required: write alpha(-0.5), alpha:-0.5 or alpha=-0.5");
  }
  if (s === 'custom') {
    throw new ConfigError(`${field}.name`, "'custom' needs f, f', f'' functions and WGSL: pass a DivergenceSpec, not a label");
  }
  return validateDivergence({ name: s }, field);
}

/**
 * Every built-in divergence, with the alpha family at -1, -0.5, 0.5, 0.9 and
 * 2: the set the tests sweep and the 1-D reproduction reports.
 */
export const EXAMPLE_DIVERGENCES: readonly DivergenceSpec[] = [
  { name: 'kl' },
  { name: 'reverse_kl' },
  { name: 'jensen_shannon' },
  { name: 'squared_hellinger' },
  { name: 'pearson' },
  { name: 'neyman' },
  { name: 'alpha', alpha: -1 },
  { name: 'alpha', alpha: -0.5 },
  { name: 'alpha', alpha: 0.5 },
  { name: 'alpha', alpha: 0.9 },
  { name: 'alpha', alpha: 2 },
];

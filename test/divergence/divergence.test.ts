import { describe, it, expect } from 'vitest';
import {
  describeDivergence,
  validateDivergence,
  validateNumerics,
  type DivergenceSpec,
  type Numerics,
 EXAMPLE_DIVERGENCES } from '../../src/divergence/divergence';
import { ConfigError } from '../../src/errors';
import {
  AUTHORS_CLAMP,
  c64,
  d2f64,
  dc64,
  df64,
  dg64,
  f32SafeRange,
  f64,
  g64,
  objectives64,
} from '../../src/divergence/reference';

const ALL = EXAMPLE_DIVERGENCES;
const label = describeDivergence;

/** f''(1) from the table of docs/method.md. */
const FPP1: Record<string, number> = {
  kl: 1,
  reverse_kl: 1,
  jensen_shannon: 0.5,
  squared_hellinger: 0.5,
  pearson: 2,
  neyman: 2,
};

/**
 * The rate k of the (single) exponential e^(k v) in g and in c, per the
 * table of docs/method.md; null where the function has no exponential.
 * Jensen-Shannon's exponential sits inside log(1 + e^v): rate 1 for both.
 */
function rates(spec: DivergenceSpec): { g: number | null; c: number | null } {
  switch (spec.name) {
    case 'kl':
      return { g: null, c: 1 };
    case 'reverse_kl':
      return { g: -1, c: null };
    case 'jensen_shannon':
      return { g: 1, c: 1 };
    case 'squared_hellinger':
      return { g: -0.5, c: 0.5 };
    case 'pearson':
      return { g: 1, c: 2 };
    case 'neyman':
      return { g: -2, c: -1 };
    case 'alpha':
      return { g: (spec.alpha as number) - 1, c: spec.alpha as number };
    default:
      throw new Error('no rates for custom');
  }
}

const grid = (a: number, b: number, step: number): number[] => {
  const out: number[] = [];
  for (let v = a; v <= b + 1e-12; v += step) out.push(Math.round(v * 1e9) / 1e9);
  return out;
};

const asCustom = (spec: DivergenceSpec): DivergenceSpec => ({
  name: 'custom',
  custom: { f: (u) => f64(spec, u), df: (u) => df64(spec, u), d2f: (u) => d2f64(spec, u) },
});

const klByHand = {
  f: (u: number) => u * Math.log(u),
  df: (u: number) => 1 + Math.log(u),
  d2f: (u: number) => 1 / u,
  wgsl: 'fn f(u: f32) -> f32 { return u * log(u); }',
};

function expectConfigError(fn: () => unknown, ...parts: string[]): ConfigError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ConfigError);
  const err = caught as ConfigError;
  for (const p of parts) expect(err.message).toContain(p);
  return err;
}

describe('closed forms (stable mode)', () => {
  it.each(ALL.map((s) => [label(s), s] as const))('%s: g = f\'(e^v), c = u f\'(u) - f(u)', (_, spec) => {
    // Tolerance: 1e-12 of the size of the terms (u f'(u) and f(u) cancel in c).
    for (const v of grid(-30, 30, 0.25)) {
      const u = Math.exp(v);
      const d1 = df64(spec, u);
      const f = f64(spec, u);
      expect(Math.abs(g64(spec, v, 'stable') - d1)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(d1)));
      const cRef = u * d1 - f;
      expect(Math.abs(c64(spec, v, 'stable') - cRef)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(u * d1) + Math.abs(f)));
    }
  });

  it.each(ALL.map((s) => [label(s), s] as const))("%s: c' = e^v g', g' = e^v f''(e^v), and finite differences", (_, spec) => {
    for (const v of grid(-20, 20, 0.25)) {
      const u = Math.exp(v);
      const dg = dg64(spec, v, 'stable');
      const dc = dc64(spec, v, 'stable');
      expect(Math.abs(dc - u * dg)).toBeLessThanOrEqual(1e-13 * Math.abs(dc) + 1e-300);
      expect(Math.abs(dg - u * d2f64(spec, u))).toBeLessThanOrEqual(1e-12 * Math.abs(dg) + 1e-300);
      // Central differences, h = 1e-5: truncation ~1e-10 relative, roundoff ~2e-11 |g|.
      const h = 1e-5;
      const g = g64(spec, v, 'stable');
      const c = c64(spec, v, 'stable');
      const fdg = (g64(spec, v + h, 'stable') - g64(spec, v - h, 'stable')) / (2 * h);
      const fdc = (c64(spec, v + h, 'stable') - c64(spec, v - h, 'stable')) / (2 * h);
      expect(Math.abs(fdg - dg)).toBeLessThanOrEqual(1e-7 * Math.abs(dg) + 1e-9 * (1 + Math.abs(g)));
      expect(Math.abs(fdc - dc)).toBeLessThanOrEqual(1e-7 * Math.abs(dc) + 1e-9 * (1 + Math.abs(c)));
    }
  });

  it.each(ALL.map((s) => [label(s), s] as const))("%s: f(1) = 0, f''(1) as in the table, g(0) = c(0) = f'(1)", (_, spec) => {
    expect(f64(spec, 1) === 0).toBe(true); // +0 or -0
    const expected = spec.name === 'alpha' ? 1 : FPP1[spec.name];
    expect(d2f64(spec, 1)).toBeCloseTo(expected, 15);
    for (const numerics of ['stable', 'authors'] as const) {
      expect(g64(spec, 0, numerics)).toBeCloseTo(df64(spec, 1), 15);
      expect(c64(spec, 0, numerics)).toBeCloseTo(df64(spec, 1), 15);
    }
  });

  it('stays finite and accurate far out: softplus written stably', () => {
    const js: DivergenceSpec = { name: 'jensen_shannon' };
    for (const v of [-700, -80, 80, 700, 1e6]) {
      for (const fn of [g64, c64, dg64, dc64]) expect(Number.isFinite(fn(js, v, 'stable'))).toBe(true);
    }
    // Tiny slopes keep their relative accuracy: g'(80) = sigmoid(-80), not 1 - sigmoid(80) = 0.
    expect(dg64(js, 80, 'stable') / Math.exp(-80)).toBeCloseTo(1, 14);
    expect(dc64(js, -80, 'stable') / Math.exp(-80)).toBeCloseTo(1, 14);
    // g(v) = log 2 + v - softplus(v) without the cancellation of v - v at large v.
    expect(g64(js, 1e17, 'stable')).toBe(Math.LN2);
    expect(dg64(js, 800, 'stable')).toBe(0);
    expect(dc64(js, 800, 'stable')).toBe(1);
    // Hellinger near 0: expm1, not 1 - e^x.
    const he: DivergenceSpec = { name: 'squared_hellinger' };
    expect(c64(he, 1e-12, 'stable')).toBeCloseTo(5e-13, 24);
  });
});

describe('f32 range of the stable mode', () => {
  it.each(ALL.map((s) => [label(s), s] as const))('%s: finite in float32 inside f32SafeRange, not beyond', (_, spec) => {
    const range = f32SafeRange(spec);
    expect(range).not.toBeNull();
    const [lo, hi] = range as [number, number];
    const fns = [g64, c64, dg64, dc64];
    for (const v of grid(Math.max(lo, -80), Math.min(hi, 80), 0.5)) {
      for (const fn of fns) expect(Number.isFinite(Math.fround(fn(spec, v, 'stable')))).toBe(true);
    }
    // 2% beyond the bound every overflowing exponent is above log(FLT_MAX) = 88.72.
    for (const edge of [lo * 1.02, hi * 1.02]) {
      if (!Number.isFinite(edge)) continue;
      expect(fns.some((fn) => !Number.isFinite(Math.fround(fn(spec, edge, 'stable'))))).toBe(true);
    }
  });

  it('matches the ranges stated in the header', () => {
    for (const name of ['kl', 'reverse_kl', 'jensen_shannon', 'squared_hellinger'] as const) {
      const [lo, hi] = f32SafeRange({ name }) as [number, number];
      expect(lo).toBeLessThanOrEqual(-80);
      expect(hi).toBeGreaterThanOrEqual(80);
    }
    expect(f32SafeRange({ name: 'pearson' })).toEqual([-Infinity, 44]);
    expect(f32SafeRange({ name: 'neyman' })).toEqual([-44, Infinity]);
    expect(f32SafeRange({ name: 'alpha', alpha: 2 })).toEqual([-Infinity, 44]);
    expect(f32SafeRange(asCustom({ name: 'kl' }))).toBeNull();
  });
});

describe("authors' numerics (exp(clamp(x, -5, 5)))", () => {
  const fnsOf = (which: 'g' | 'c') => (which === 'g' ? ([g64, dg64] as const) : ([c64, dc64] as const));

  it.each(ALL.map((s) => [label(s), s] as const))('%s: equals stable where no clamp is active, slope 0 where one is', (_, spec) => {
    const r = rates(spec);
    for (const which of ['g', 'c'] as const) {
      const [val, der] = fnsOf(which);
      const k = r[which];
      for (const v of grid(-12, 12, 0.05)) {
        const a = val(spec, v, 'authors');
        const s = val(spec, v, 'stable');
        const da = der(spec, v, 'authors');
        const ds = der(spec, v, 'stable');
        const active = k !== null && Math.abs(k * v) > AUTHORS_CLAMP;
        if (!active) {
          expect(Math.abs(a - s)).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(s)));
          expect(Math.abs(da - ds)).toBeLessThanOrEqual(1e-14 * (1 + Math.abs(ds)));
        } else if (spec.name === 'jensen_shannon' && which === 'g') {
          // g = log 2 + v - log(1 + e^clamp(v)): only the linear term is left.
          expect(da).toBe(1);
        } else {
          expect(da).toBe(0);
        }
      }
    }
  });

  it.each(ALL.map((s) => [label(s), s] as const))('%s: derivatives are those of the clamped functions', (_, spec) => {
    const r = rates(spec);
    const h = 1e-6;
    for (const which of ['g', 'c'] as const) {
      const [val, der] = fnsOf(which);
      const k = r[which];
      for (const v of grid(-12, 12, 0.05)) {
        // Skip the kinks at |k v| = 5.
        if (k !== null && Math.abs(Math.abs(k * v) - AUTHORS_CLAMP) < 2 * Math.abs(k) * h) continue;
        const fd = (val(spec, v + h, 'authors') - val(spec, v - h, 'authors')) / (2 * h);
        const d = der(spec, v, 'authors');
        expect(Math.abs(fd - d)).toBeLessThanOrEqual(1e-7 * (1 + Math.abs(d)));
      }
    }
  });

  it('clamps exactly like stable_exp: KL c(v) = e^5 for v > 5, reverse KL g(v) = -e^5 for v < -5', () => {
    expect(c64({ name: 'kl' }, 7, 'authors')).toBe(Math.exp(5));
    expect(c64({ name: 'kl' }, -7, 'authors')).toBe(Math.exp(-5));
    expect(g64({ name: 'reverse_kl' }, -9, 'authors')).toBe(-Math.exp(5));
    expect(c64({ name: 'pearson' }, 3, 'authors')).toBe(Math.exp(5) - 1);
    expect(g64({ name: 'jensen_shannon' }, 10, 'authors')).toBeCloseTo(Math.LN2 + 10 - Math.log(1 + Math.exp(5)), 14);
    // At the boundary itself the clamp passes the gradient (as clip_by_value does).
    expect(dc64({ name: 'kl' }, 5, 'authors')).toBe(Math.exp(5));
  });
});

describe('validateDivergence', () => {
  it('accepts and normalises the built-ins', () => {
    for (const spec of ALL) expect(validateDivergence({ ...spec })).toEqual(spec);
  });

  it('rejects an unknown name, listing the allowed names', () => {
    expectConfigError(() => validateDivergence({ name: 'kld' }), 'divergence.name', "'kl'", "'jensen_shannon'", "'custom'", 'kld');
    expectConfigError(() => validateDivergence({ name: 'kld' }, 'run.divergence'), 'run.divergence.name');
    expectConfigError(() => validateDivergence('kl'), 'divergence');
    expectConfigError(() => validateDivergence(null), 'divergence');
  });

  it('rejects alpha 0, 1, NaN, infinite, missing, or not a number', () => {
    for (const a of [0, 1, NaN, Infinity, undefined, '0.5']) {
      const err = expectConfigError(
        () => validateDivergence({ name: 'alpha', alpha: a }),
        'divergence.alpha: must be a finite real other than 0 and 1, got',
      );
      expect(err.field).toBe('divergence.alpha');
    }
    expectConfigError(() => validateDivergence({ name: 'alpha', alpha: 1 }), 'got 1');
    expectConfigError(() => validateDivergence({ name: 'kl', alpha: 0.5 }), 'divergence.alpha', "only used with name 'alpha'");
    expectConfigError(() => validateDivergence({ name: 'kl', custom: klByHand }), 'divergence.custom', "only used with name 'custom'");
  });

  it('rejects a non-convex custom f, naming the check and the u', () => {
    const concave = { f: (u: number) => -u * Math.log(u), df: (u: number) => -Math.log(u) - 1, d2f: (u: number) => -1 / u };
    expectConfigError(
      () => validateDivergence({ name: 'custom', custom: concave }),
      'divergence.custom',
      "f'' must be > 0",
      'at u = 0.001',
    );
  });

  it('rejects a custom f with f(1) != 0', () => {
    const shifted = { ...klByHand, f: (u: number) => u * Math.log(u) + 0.1 };
    expectConfigError(() => validateDivergence({ name: 'custom', custom: shifted }), 'divergence.custom', 'f(1) must be 0', '0.1');
  });

  it('rejects derivatives that do not match f', () => {
    const badDf = { ...klByHand, df: (u: number) => Math.log(u) };
    expectConfigError(() => validateDivergence({ name: 'custom', custom: badDf }), 'divergence.custom', 'df is not the derivative of f', 'at u =');
    const badD2f = { ...klByHand, d2f: (u: number) => 2 / u };
    expectConfigError(() => validateDivergence({ name: 'custom', custom: badD2f }), 'divergence.custom', 'd2f is not the derivative of df', 'at u =');
  });

  it('rejects non-finite values, missing functions and a non-string wgsl', () => {
    const nan = { ...klByHand, d2f: (u: number) => (u > 100 ? NaN : 1 / u) };
    expectConfigError(() => validateDivergence({ name: 'custom', custom: nan }), 'divergence.custom', 'd2f(u) must be a finite number', 'NaN');
    expectConfigError(() => validateDivergence({ name: 'custom', custom: { f: klByHand.f, df: klByHand.df } }), 'divergence.custom.d2f', 'must be a function');
    expectConfigError(() => validateDivergence({ name: 'custom' }), 'divergence.custom', 'must be an object');
    expectConfigError(() => validateDivergence({ name: 'custom', custom: { ...klByHand, wgsl: 3 } }), 'divergence.custom.wgsl');
  });

  it('accepts KL written by hand, carries its WGSL, and it matches the built-in KL', () => {
    const spec = validateDivergence({ name: 'custom', custom: klByHand });
    expect(spec.custom?.wgsl).toBe(klByHand.wgsl);
    const kl: DivergenceSpec = { name: 'kl' };
    for (const v of grid(-20, 20, 0.5)) {
      for (const fn of [g64, c64, dg64, dc64]) {
        for (const numerics of ['stable', 'authors'] as const) {
          if (numerics === 'authors' && Math.abs(v) > AUTHORS_CLAMP) continue; // custom has no clamps
          const ref = fn(kl, v, numerics);
          expect(Math.abs(fn(spec, v, numerics) - ref)).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(ref)));
        }
      }
    }
  });

  it('accepts every built-in f written as a custom divergence (the checks have margin)', () => {
    for (const spec of ALL) expect(() => validateDivergence(asCustom(spec))).not.toThrow();
  });

  it('validates numerics', () => {
    expect(validateNumerics('authors')).toBe('authors');
    expect(validateNumerics('stable')).toBe('stable');
    expectConfigError(() => validateNumerics('exact'), 'numerics', "'authors'", "'stable'");
  });
});

// ---- objectives and gradient weights on a small discrete problem ----

const K = 5;
// p and q on 5 points, multiples of 1/20, so 20 samples reproduce them exactly.
const P = [0.1, 0.3, 0.2, 0.25, 0.15];
const Q = [0.2, 0.1, 0.3, 0.15, 0.25];
const N = 20;
/** Sample indices whose empirical distribution is exactly `probs`. */
const support = (probs: number[]): number[] => probs.flatMap((pr, k) => new Array<number>(Math.round(pr * N)).fill(k));
const DATA_IDX = support(P);
const MODEL_IDX = support(Q);

const softmaxNeg = (theta: number[]): number[] => {
  const m = Math.min(...theta);
  const e = theta.map((t) => Math.exp(-(t - m)));
  const z = e.reduce((s, x) => s + x, 0);
  return e.map((x) => x / z);
};

/** L(theta, H) = sum_x p g(H + theta) - sum_x q_theta c(H + theta), with E_theta(x) = theta_x. */
function exactL(spec: DivergenceSpec, numerics: Numerics, H: number[], theta: number[]): number {
  const q = softmaxNeg(theta);
  let L = 0;
  for (let x = 0; x < K; x++) {
    const v = H[x] + theta[x];
    L += P[x] * g64(spec, v, numerics) - q[x] * c64(spec, v, numerics);
  }
  return L;
}

/** Sums the per-sample weights onto the support points (dE(x_i)/dtheta_k = [x_i = k]). */
function accumulate(wData: number[], wModel: number[]): number[] {
  const grad = new Array<number>(K).fill(0);
  DATA_IDX.forEach((k, i) => (grad[k] += wData[i]));
  MODEL_IDX.forEach((k, j) => (grad[k] += wModel[j]));
  return grad;
}

const THETA0 = Q.map((q) => -Math.log(q)); // q_theta0 = Q exactly (Z = 1)
// v = H + theta spans [-3.1, 2.9]: some authors' clamps are active (Pearson's
// e^(2v), Neyman's e^(-2v), alpha -0.5's e^(-1.5 v)), none at a kink.
const V0 = [-3.1, -0.7, 0.4, 1.3, 2.9];
const H0 = V0.map((v, x) => v - THETA0[x]);

const centralGrad = (fn: (x: number[]) => number, x0: number[], h: number): number[] =>
  x0.map((_, k) => {
    const xp = x0.slice();
    const xm = x0.slice();
    xp[k] += h;
    xm[k] -= h;
    return (fn(xp) - fn(xm)) / (2 * h);
  });

describe('objectives64', () => {
  it('KL with the ideal H: mean c(v\') = 1 and the theta weights are the CD weights (1/B, -1/B)', () => {
    const kl: DivergenceSpec = { name: 'kl' };
    const ideal = P.map((p, x) => Math.log(p / Q[x])); // v = log p/q
    const o = objectives64(
      kl,
      'stable',
      DATA_IDX.map((k) => ideal[k]),
      MODEL_IDX.map((k) => ideal[k]),
    );
    const meanC = MODEL_IDX.reduce((s, k) => s + c64(kl, ideal[k], 'stable'), 0) / N;
    expect(meanC).toBeCloseTo(1, 14);
    for (const w of o.wEData) expect(w).toBeCloseTo(1 / N, 15);
    for (const w of o.wEModel) expect(w).toBeCloseTo(-1 / N, 14);
    // The theta gradient is the CD gradient p - q on the support.
    const grad = accumulate(o.wEData, o.wEModel);
    grad.forEach((g, k) => expect(g).toBeCloseTo(P[k] - Q[k], 14));
  });

  it.each(ALL.map((s) => [label(s), s] as const))('%s: with the ideal H the bound is tight, L = D_f(p || q)', (_, spec) => {
    const ideal = P.map((p, x) => Math.log(p / Q[x]));
    const o = objectives64(
      spec,
      'stable',
      DATA_IDX.map((k) => ideal[k]),
      MODEL_IDX.map((k) => ideal[k]),
    );
    const D = Q.reduce((s, q, x) => s + q * f64(spec, P[x] / q), 0);
    expect(o.divergenceEstimate).toBeCloseTo(D, 13);
    expect(o.hObjective).toBe(o.divergenceEstimate);
    expect(o.eObjective).toBe(o.divergenceEstimate);
    // And for any other H it is a lower bound.
    const other = objectives64(
      spec,
      'stable',
      DATA_IDX.map((k) => V0[k]),
      MODEL_IDX.map((k) => V0[k]),
    );
    expect(other.divergenceEstimate).toBeLessThan(D);
  });

  const cases = ALL.flatMap((s) => (['stable', 'authors'] as const).map((n) => [`${label(s)} ${n}`, s, n] as const));

  it.each(cases)('%s: theta weights (with the covariance term) give the exact gradient of L', (_, spec, numerics) => {
    const o = objectives64(
      spec,
      numerics,
      DATA_IDX.map((k) => V0[k]),
      MODEL_IDX.map((k) => V0[k]),
    );
    expect(o.eObjective).toBeCloseTo(exactL(spec, numerics, H0, THETA0), 13);
    const est = accumulate(o.wEData, o.wEModel);
    // The expectation written out: E_p[g' dE] - E_q[c' dE] + Cov_q(c, dE), dE = e_k.
    const cs = V0.map((v) => c64(spec, v, numerics));
    const meanC = Q.reduce((s, q, x) => s + q * cs[x], 0);
    const exact = V0.map(
      (v, k) => P[k] * dg64(spec, v, numerics) - Q[k] * dc64(spec, v, numerics) + Q[k] * (cs[k] - meanC),
    );
    // Finite differences of L in theta (h = 1e-6: error ~1e-9 relative).
    const fd = centralGrad((th) => exactL(spec, numerics, H0, th), THETA0, 1e-6);
    for (let k = 0; k < K; k++) {
      expect(Math.abs(est[k] - exact[k])).toBeLessThanOrEqual(1e-13 * (1 + Math.abs(exact[k])));
      expect(Math.abs(est[k] - fd[k])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd[k])));
    }
  });

  it.each(cases)('%s: H weights give the exact gradient of L in omega', (_, spec, numerics) => {
    const o = objectives64(
      spec,
      numerics,
      DATA_IDX.map((k) => V0[k]),
      MODEL_IDX.map((k) => V0[k]),
    );
    const est = accumulate(o.wHData, o.wHModel);
    // H(x) = omega_x; q does not depend on omega.
    const fd = centralGrad((om) => exactL(spec, numerics, om, THETA0), H0, 1e-6);
    for (let k = 0; k < K; k++) expect(Math.abs(est[k] - fd[k])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd[k])));
  });

  it('without the covariance term the theta gradient would be wrong', () => {
    const spec: DivergenceSpec = { name: 'jensen_shannon' };
    const o = objectives64(
      spec,
      'stable',
      DATA_IDX.map((k) => V0[k]),
      MODEL_IDX.map((k) => V0[k]),
    );
    const pathwiseOnly = accumulate(o.wEData, o.wHModel);
    const fd = centralGrad((th) => exactL(spec, 'stable', H0, th), THETA0, 1e-6);
    const err = Math.max(...fd.map((g, k) => Math.abs(g - pathwiseOnly[k])));
    expect(err).toBeGreaterThan(1e-2);
  });

  it('rejects empty batches', () => {
    expectConfigError(() => objectives64({ name: 'kl' }, 'stable', [], [0]), 'vData');
    expectConfigError(() => objectives64({ name: 'kl' }, 'stable', [0], []), 'vModel');
  });
});

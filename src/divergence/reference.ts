// Float64 references of the divergence functions of the method note
// (docs/method.md): f, f', f'' on the density ratio u, and on the log-ratio
// estimate v = H(x) + E(x)
//
//   g(v) = f'(e^v),  c(v) = f*(f'(e^v)) = e^v g(v) - f(e^v),
//   g'(v) = e^v f''(e^v),  c'(v) = e^v g'(v),
//
// plus the objective and per-sample gradient weights of one f-EBM step.
//
// Every built-in divergence is written once, in TABLE below, in terms of a
// small kit of primitives (exp, expm1, softplus, ...). The numerics mode picks
// the kit:
// - 'stable' (STABLE_KIT): the exact functions. Closed forms avoid
//   cancellation (expm1, softplus(x) = max(x, 0) + log1p(exp(-|x|)),
//   log sigmoid(x) = -softplus(-x)), so every value is accurate to a few ulps
//   *in absolute terms relative to 1 + |value|*, which is what the objective
//   and weights need. The GPU cannot call expm1/log1p (WGSL has neither) and
//   must write them (or accept an absolute error of ~eps); compare it with
//   these references to |err| <= tol * (1 + |ref|).
// - 'authors' (AUTHORS_KIT): as the authors' image code (f_divergence.py of
//   ermongroup/f-EBM): every exponential is exp(clamp(x, -5, 5)), and the
//   derivative of a clamped exponential is 0 where x < -5 or x > 5 (what
//   autodiff of clip_by_value gives; at x = +-5 exactly the gradient passes).
//   Derivatives in this mode are the derivatives *of the clamped functions*,
//   so identities like c' = e^v g' hold only where no clamp is active. The
//   same clamp is applied to Neyman and alpha, which the image code lacks.
//   (The authors' 1-D script clamps differently, KL's c at v <= 3 and
//   Pearson's exponents at <= 6; that variant is not offered here.)
// Custom divergences are computed from the user's host f, f', f'' in both
// modes (no clamps): g = f'(e^v), c = e^v f'(e^v) - f(e^v), g' = e^v f''(e^v),
// c' = e^v g'.
//
// Float32 range of the stable mode (exact values below FLT_MAX = e^88.72):
// for v in [-80, 80]
//   kl, reverse_kl, squared_hellinger: representable everywhere
//     (e^80 = 5.5e34; note KL's c = e^v only overflows f32 beyond v = 88.7);
//   jensen_shannon: bounded slopes, representable for every v;
//   pearson: c = e^(2v) - 1 and c' = 2 e^(2v) overflow for v > 44.0;
//   neyman: g = 1 - e^(-2v) and g' = 2 e^(-2v) overflow for v < -44.0;
//   alpha: e^(a v) in c, c' and e^((a-1) v) in g, g' overflow where
//     a v > 88 or (a-1) v > 88; all of [-80, 80] is representable only for
//     a in [-0.1, 1.1]; alpha = -1 and 2 behave as neyman and pearson.
// f32SafeRange(spec) gives these intervals (conservatively, exponent <= 88).
// Underflow (e.g. neyman's g' = 2 e^(-2v) at v = 60) is harmless: the value
// flushes to 0, an absolute error below 1e-38.
// These float64 references keep the exact (huge but finite) values there.
// Recommendation for the GPU stable mode: evaluate the same closed forms in
// f32 and saturate exponent arguments at +80 (exp(min(x, 80)) <= 5.5e34, so a
// batch sum of up to ~6000 saturated terms still fits in f32), counting the
// samples that hit the bound; results inside f32SafeRange(spec) must match
// these references, results outside are saturated by definition, and a run
// whose counter is non-zero should report it (v that large means H or E has
// diverged anyway).

import type { DivergenceName, DivergenceSpec, Numerics } from './divergence';
import { ConfigError } from '../errors';

/** The argument clamp of the authors' stable_exp. */
export const AUTHORS_CLAMP = 5;
/** log(FLT_MAX): e^x overflows float32 for x above this. */
export const F32_LOG_MAX = Math.log(3.4028234663852886e38);
/** The exponent bound f32SafeRange uses (a margin below F32_LOG_MAX for coefficients up to 2). */
export const F32_SAFE_EXPONENT = 88;

const LN2 = Math.LN2;

/** The primitives every closed form is written with; the numerics mode picks the implementation. */
interface Kit {
  /** e^x */
  exp(x: number): number;
  /** d/dx of exp(x) as this kit computes it */
  dexp(x: number): number;
  /** e^x - 1 */
  expm1(x: number): number;
  /** log(1 + e^x) */
  softplus(x: number): number;
  /** d/dx softplus(x) = sigmoid(x) */
  dsoftplus(x: number): number;
  /** x - softplus(x) = log sigmoid(x) */
  logsigmoid(x: number): number;
  /** d/dx logsigmoid(x) = 1 - sigmoid(x) */
  dlogsigmoid(x: number): number;
}

const softplusStable = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoidStable = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};

const STABLE_KIT: Kit = {
  exp: Math.exp,
  dexp: Math.exp,
  expm1: Math.expm1,
  softplus: softplusStable,
  dsoftplus: sigmoidStable,
  logsigmoid: (x) => -softplusStable(-x),
  dlogsigmoid: (x) => sigmoidStable(-x),
};

const clampArg = (x: number): number => Math.min(Math.max(x, -AUTHORS_CLAMP), AUTHORS_CLAMP);
const clampActive = (x: number): boolean => x < -AUTHORS_CLAMP || x > AUTHORS_CLAMP;
const expClamped = (x: number): number => Math.exp(clampArg(x));
const dexpClamped = (x: number): number => (clampActive(x) ? 0 : Math.exp(x));
// log(1 + stable_exp(x)) and its autodiff derivative, as the authors write JS.
const softplusClamped = (x: number): number => Math.log1p(expClamped(x));
const dsoftplusClamped = (x: number): number => dexpClamped(x) / (1 + expClamped(x));

const AUTHORS_KIT: Kit = {
  exp: expClamped,
  dexp: dexpClamped,
  expm1: (x) => Math.expm1(clampArg(x)),
  softplus: softplusClamped,
  dsoftplus: dsoftplusClamped,
  logsigmoid: (x) => x - softplusClamped(x),
  dlogsigmoid: (x) => 1 - dsoftplusClamped(x),
};

const kitFor = (numerics: Numerics): Kit => (numerics === 'authors' ? AUTHORS_KIT : STABLE_KIT);

/** Everything one divergence defines. */
interface Formulas {
  f(u: number): number;
  df(u: number): number;
  d2f(u: number): number;
  g(v: number, m: Kit): number;
  c(v: number, m: Kit): number;
  dg(v: number, m: Kit): number;
  dc(v: number, m: Kit): number;
  /** The rates k of every e^(k v) in g, c, g', c' whose value can overflow in the stable mode. */
  overflowRates: number[];
}

const xlogx = (u: number): number => (u === 0 ? 0 : u * Math.log(u));

/** The divergence table (docs/method.md); a is alpha (used by 'alpha' only). */
const TABLE: Record<DivergenceName, (a: number) => Formulas> = {
  kl: () => ({
    f: xlogx,
    df: (u) => 1 + Math.log(u),
    d2f: (u) => 1 / u,
    g: (v) => 1 + v,
    c: (v, m) => m.exp(v),
    dg: () => 1,
    dc: (v, m) => m.dexp(v),
    overflowRates: [1],
  }),
  reverse_kl: () => ({
    f: (u) => -Math.log(u),
    df: (u) => -1 / u,
    d2f: (u) => 1 / (u * u),
    g: (v, m) => -m.exp(-v),
    c: (v) => v - 1,
    dg: (v, m) => m.dexp(-v),
    dc: () => 1,
    overflowRates: [-1],
  }),
  jensen_shannon: () => ({
    f: (u) => xlogx(u) - (u + 1) * Math.log((u + 1) / 2),
    df: (u) => Math.log((2 * u) / (u + 1)),
    d2f: (u) => 1 / (u * (u + 1)),
    g: (v, m) => LN2 + m.logsigmoid(v),
    c: (v, m) => m.softplus(v) - LN2,
    dg: (v, m) => m.dlogsigmoid(v),
    dc: (v, m) => m.dsoftplus(v),
    overflowRates: [],
  }),
  squared_hellinger: () => ({
    f: (u) => (Math.sqrt(u) - 1) ** 2,
    df: (u) => 1 - 1 / Math.sqrt(u),
    d2f: (u) => 0.5 / (u * Math.sqrt(u)),
    g: (v, m) => -m.expm1(-0.5 * v),
    c: (v, m) => m.expm1(0.5 * v),
    dg: (v, m) => 0.5 * m.dexp(-0.5 * v),
    dc: (v, m) => 0.5 * m.dexp(0.5 * v),
    overflowRates: [-0.5, 0.5],
  }),
  pearson: () => ({
    f: (u) => (u - 1) ** 2,
    df: (u) => 2 * (u - 1),
    d2f: () => 2,
    g: (v, m) => 2 * m.expm1(v),
    c: (v, m) => m.expm1(2 * v),
    dg: (v, m) => 2 * m.dexp(v),
    dc: (v, m) => 2 * m.dexp(2 * v),
    overflowRates: [1, 2],
  }),
  neyman: () => ({
    f: (u) => (1 - u) ** 2 / u,
    df: (u) => 1 - 1 / (u * u),
    d2f: (u) => 2 / (u * u * u),
    g: (v, m) => -m.expm1(-2 * v),
    c: (v, m) => -2 * m.expm1(-v),
    dg: (v, m) => 2 * m.dexp(-2 * v),
    dc: (v, m) => 2 * m.dexp(-v),
    overflowRates: [-2, -1],
  }),
  alpha: (a) => ({
    f: (u) => (u ** a - 1 - a * (u - 1)) / (a * (a - 1)),
    df: (u) => (u ** (a - 1) - 1) / (a - 1),
    d2f: (u) => u ** (a - 2),
    g: (v, m) => m.expm1((a - 1) * v) / (a - 1),
    c: (v, m) => m.expm1(a * v) / a,
    dg: (v, m) => m.dexp((a - 1) * v),
    dc: (v, m) => m.dexp(a * v),
    overflowRates: [a - 1, a],
  }),
};

function customFormulas(spec: DivergenceSpec): Formulas {
  const cu = spec.custom;
  if (!cu) throw new ConfigError('divergence.custom', "is required with name 'custom'");
  const { f, df, d2f } = cu;
  const dg = (v: number): number => {
    const u = Math.exp(v);
    return u * d2f(u);
  };
  return {
    f,
    df,
    d2f,
    g: (v) => df(Math.exp(v)),
    c: (v) => {
      const u = Math.exp(v);
      return u * df(u) - f(u);
    },
    dg,
    dc: (v) => Math.exp(v) * dg(v),
    overflowRates: [],
  };
}

/** The formulas of a (validated) spec. */
function formulas(spec: DivergenceSpec): Formulas {
  if (spec.name === 'custom') return customFormulas(spec);
  const make = TABLE[spec.name];
  if (!make) throw new ConfigError('divergence.name', `unknown divergence '${String(spec.name)}'`);
  if (spec.name === 'alpha') {
    const a = spec.alpha;
    if (typeof a !== 'number' || !Number.isFinite(a) || a === 0 || a === 1) {
      throw new ConfigError('divergence.alpha', `must be a finite real other than 0 and 1, got ${String(a)}`);
    }
    return make(a);
  }
  return make(0);
}

/** f(u). */
export const f64 = (spec: DivergenceSpec, u: number): number => formulas(spec).f(u);
/** f'(u). */
export const df64 = (spec: DivergenceSpec, u: number): number => formulas(spec).df(u);
/** f''(u). */
export const d2f64 = (spec: DivergenceSpec, u: number): number => formulas(spec).d2f(u);

/** g(v) = f'(e^v), the function applied to data samples. */
export const g64 = (spec: DivergenceSpec, v: number, numerics: Numerics): number =>
  formulas(spec).g(v, kitFor(numerics));
/** c(v) = f*(f'(e^v)) = e^v g(v) - f(e^v), the function applied to model samples. */
export const c64 = (spec: DivergenceSpec, v: number, numerics: Numerics): number =>
  formulas(spec).c(v, kitFor(numerics));
/** g'(v) = e^v f''(e^v) (in 'authors' mode: the derivative of the clamped g). */
export const dg64 = (spec: DivergenceSpec, v: number, numerics: Numerics): number =>
  formulas(spec).dg(v, kitFor(numerics));
/** c'(v) = e^v g'(v) (in 'authors' mode: the derivative of the clamped c). */
export const dc64 = (spec: DivergenceSpec, v: number, numerics: Numerics): number =>
  formulas(spec).dc(v, kitFor(numerics));

/**
 * The interval of v on which every stable-mode value g, c, g', c' is finite
 * in float32 (every e^(k v) has k v <= F32_SAFE_EXPONENT). Infinite ends where
 * nothing overflows; null for a custom divergence (unknown).
 */
export function f32SafeRange(spec: DivergenceSpec): [number, number] | null {
  if (spec.name === 'custom') return null;
  let lo = -Infinity;
  let hi = Infinity;
  for (const k of formulas(spec).overflowRates) {
    if (k > 0) hi = Math.min(hi, F32_SAFE_EXPONENT / k);
    else if (k < 0) lo = Math.max(lo, F32_SAFE_EXPONENT / k);
  }
  return [lo, hi];
}

export interface Objectives64 {
  /** mean_i g(v_i) - mean_j c(v'_j): what omega ascends. */
  hObjective: number;
  /** The same L: what theta descends. */
  eObjective: number;
  /** g'(v_i) / B_data: ascent direction of L in omega is sum_i wHData_i dH(x_i) + sum_j wHModel_j dH(x'_j). */
  wHData: number[];
  /** -c'(v'_j) / B_model. */
  wHModel: number[];
  /** g'(v_i) / B_data: gradient of L in theta is sum_i wEData_i dE(x_i) + sum_j wEModel_j dE(x'_j). */
  wEData: number[];
  /** (-c'(v'_j) + c(v'_j) - mean_k c(v'_k)) / B_model: pathwise part plus the covariance (score-function) term. */
  wEModel: number[];
  /** L, the variational lower bound of D_f(P || Q) (tight when H + E = log p/q). */
  divergenceEstimate: number;
}

/**
 * One f-EBM step's objective and per-sample output weights, from
 * vData[i] = H(x_i) + E(x_i) on data samples and vModel[j] = H(x'_j) + E(x'_j)
 * on model samples (no gradient through the sampler). With these weights,
 *   sum_i wHData[i] dH(x_i) + sum_j wHModel[j] dH(x'_j)
 * is the gradient of L in omega (which omega ascends), and
 *   sum_i wEData[i] dE(x_i) + sum_j wEModel[j] dE(x'_j)
 * estimates the gradient of L in theta (which theta descends), including the
 * term Cov_q(c(v), dE) that comes from q_theta depending on theta (the batch
 * covariance, whose expectation is (B - 1)/B of the true one): one backward
 * pass of each network with a per-sample weight on its scalar output. On a
 * weighted sample whose empirical distributions equal p and q exactly, both
 * sums are the exact gradients.
 */
export function objectives64(
  spec: DivergenceSpec,
  numerics: Numerics,
  vData: readonly number[],
  vModel: readonly number[],
): Objectives64 {
  if (vData.length === 0) throw new ConfigError('vData', 'must hold at least one sample');
  if (vModel.length === 0) throw new ConfigError('vModel', 'must hold at least one sample');
  const fm = formulas(spec);
  const m = kitFor(numerics);
  const bd = vData.length;
  const bm = vModel.length;
  let meanG = 0;
  const wData: number[] = [];
  for (const v of vData) {
    meanG += fm.g(v, m);
    wData.push(fm.dg(v, m) / bd);
  }
  meanG /= bd;
  const cs = vModel.map((v) => fm.c(v, m));
  const meanC = cs.reduce((s, x) => s + x, 0) / bm;
  const dcs = vModel.map((v) => fm.dc(v, m));
  const L = meanG - meanC;
  return {
    hObjective: L,
    eObjective: L,
    wHData: wData,
    wHModel: dcs.map((d) => -d / bm),
    wEData: wData.slice(),
    wEModel: dcs.map((d, j) => (-d + cs[j] - meanC) / bm),
    divergenceEstimate: L,
  };
}

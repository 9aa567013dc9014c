// The exact optimum of the 1-D experiment (docs/method.md, section 7): the
// Gaussian N(mu, sigma^2) closest to the data
//   p = 0.33 N(-1, 0.25^2) + 0.67 N(2, (sqrt 2)^2)
// in D_f(P || Q) = integral q(x) f(p(x)/q(x)) dx, which the learned
// (mu, sigma) of an f-EBM run should approach.
//
// Quadrature. The integrand is written from log p and log q as
// q f~(p/q) with f~(u) = f(u) - f'(1)(u - 1) (the same divergence, since
// integral (p - q) = 0, but pointwise >= 0 by convexity), in forms that
// neither overflow nor lose the tails where p/q over- or underflows (e.g. KL
// p log(p/q) - p + q, Pearson q expm1(log p - log q)^2). It is smooth and
// decays like a Gaussian, so the trapezoid rule on a uniform grid converges
// geometrically: nodes every min(sigma, 0.25)/16 over the union of +-10
// standard deviations of every component and of q, then walking outward
// until a node adds less than 1e-17 of the running sum. Its accuracy is
// ~1e-14 absolute (the tests check that halving the step changes nothing).
// Where the integral diverges (the alpha family with a < 0 and sigma^2 >=
// 2(1 - a)/(-a), e.g. Neyman at sigma >= 2, or a > 1 and sigma^2 <=
// 2(a - 1)/a, e.g. Pearson at sigma <= 1) the value is +Infinity.
//
// Minimisation: Nelder-Mead on (mu, log sigma) from the moment match, then
// Newton steps on (mu, sigma) with central-difference gradient and Hessian
// (step 1e-4), which lands within ~1e-8 of the minimiser (far inside the
// 1e-4 asked for).

import { ConfigError, type DivergenceSpec } from '../../src/index';
import { df64, f64 } from '../../src/kernels';

/** The data distribution of the 1-D experiment. */
export const DATA_1D = {
  weights: [0.33, 0.67],
  means: [-1, 2],
  stds: [0.25, Math.SQRT2],
} as const;

/** E_p[x] = 1.01. */
export const DATA_1D_MEAN = DATA_1D.weights.reduce((s, w, i) => s + w * DATA_1D.means[i], 0);
/** Var_p[x] = E_p[x^2] - E_p[x]^2 = 3.350525. */
export const DATA_1D_VARIANCE =
  DATA_1D.weights.reduce((s, w, i) => s + w * (DATA_1D.stds[i] ** 2 + DATA_1D.means[i] ** 2), 0) - DATA_1D_MEAN ** 2;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LN2 = Math.LN2;

/** log N(x; mu, s^2). */
export function logNormal(x: number, mu: number, s: number): number {
  const z = (x - mu) / s;
  return -0.5 * z * z - Math.log(s) - LOG_SQRT_2PI;
}

function logAddExp(a: number, b: number): number {
  const m = Math.max(a, b);
  if (m === -Infinity) return -Infinity;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

const LOG_W = DATA_1D.weights.map(Math.log);

/** log p(x) of the data mixture. */
export function logDensityData1D(x: number): number {
  return logAddExp(
    LOG_W[0] + logNormal(x, DATA_1D.means[0], DATA_1D.stds[0]),
    LOG_W[1] + logNormal(x, DATA_1D.means[1], DATA_1D.stds[1]),
  );
}

/** log |e^x - 1|, without overflow for large x. */
function logAbsExpm1(x: number): number {
  return x > 0 ? x + Math.log1p(-Math.exp(-x)) : Math.log(-Math.expm1(x));
}

/** q f~(p/q) from lp = log p(x), lq = log q(x). */
type Integrand = (lp: number, lq: number) => number;

function integrandFor(spec: DivergenceSpec): Integrand {
  switch (spec.name) {
    case 'kl':
      // p log(p/q) - p + q
      return (lp, lq) => {
        const p = Math.exp(lp);
        return p * (lp - lq) - p + Math.exp(lq);
      };
    case 'reverse_kl':
      // q log(q/p) - q + p
      return (lp, lq) => {
        const q = Math.exp(lq);
        return q * (lq - lp) - q + Math.exp(lp);
      };
    case 'jensen_shannon':
      // p log(2p/(p+q)) + q log(2q/(p+q))
      return (lp, lq) => {
        const ls = logAddExp(lp, lq);
        return Math.exp(lp) * (LN2 + lp - ls) + Math.exp(lq) * (LN2 + lq - ls);
      };
    case 'squared_hellinger':
      // (sqrt p - sqrt q)^2 = q expm1((lp - lq)/2)^2
      return (lp, lq) => Math.exp(lq + 2 * logAbsExpm1(0.5 * (lp - lq)));
    case 'pearson':
      // (p - q)^2 / q = q expm1(lp - lq)^2
      return (lp, lq) => Math.exp(lq + 2 * logAbsExpm1(lp - lq));
    case 'neyman':
      // (p - q)^2 / p = p expm1(lq - lp)^2
      return (lp, lq) => Math.exp(lp + 2 * logAbsExpm1(lq - lp));
    case 'alpha': {
      // (p^a q^(1-a) - (1-a) q - a p) / (a (a-1))
      const a = spec.alpha as number;
      return (lp, lq) => (Math.exp(a * lp + (1 - a) * lq) - (1 - a) * Math.exp(lq) - a * Math.exp(lp)) / (a * (a - 1));
    }
    case 'custom': {
      // From the host f: q f~(r) where r <= 1, p f~(r)/r where r > 1 (r capped at e^700).
      const d1 = df64(spec, 1);
      const ft = (r: number): number => f64(spec, r) - d1 * (r - 1);
      return (lp, lq) => {
        const t = lp - lq;
        if (t <= 0) {
          const q = Math.exp(lq);
          return q === 0 ? 0 : q * ft(Math.exp(t));
        }
        const p = Math.exp(lp);
        if (p === 0) return 0;
        const r = Math.exp(Math.min(t, 700));
        return (p * ft(r)) / r;
      };
    }
    default:
      throw new ConfigError('divergence.name', `unknown divergence '${String((spec as DivergenceSpec).name)}'`);
  }
}

/** Whether D_f(p || N(mu, sigma^2)) is finite, for the divergences where it can be infinite. */
function isFinite1D(spec: DivergenceSpec, sigma: number): boolean {
  const a =
    spec.name === 'alpha' ? (spec.alpha as number) : spec.name === 'pearson' ? 2 : spec.name === 'neyman' ? -1 : 0.5;
  // Tails of q^(1-a) p^a, p's tail being its widest component (variance 2):
  // exponent -x^2 ((1-a)/(2 sigma^2) + a/4) must go to -infinity.
  return (1 - a) / (2 * sigma * sigma) + a / 4 > 0;
}

export interface QuadratureOptions {
  /** Node spacing of the trapezoid rule (default min(sigma, 0.25)/16). */
  step?: number;
}

const CORE_STDS = 10;
const TAIL_REL = 1e-17;
const TAIL_MAX_WIDTH = 2000;

/**
 * D_f(P || N(mu, sigma^2)) = integral q f(p/q) dx for the 1-D data p, by
 * quadrature (see the header). +Infinity where the integral diverges.
 * For a custom divergence, divergence is detected only numerically (the
 * tail walk reaching overflow or +-TAIL_MAX_WIDTH).
 */
export function divergenceToGaussian64(
  spec: DivergenceSpec,
  mu: number,
  sigma: number,
  options: QuadratureOptions = {},
): number {
  if (!Number.isFinite(mu)) throw new ConfigError('mu', `must be finite, got ${mu}`);
  if (!Number.isFinite(sigma) || !(sigma > 0)) throw new ConfigError('sigma', `must be finite and > 0, got ${sigma}`);
  if (!isFinite1D(spec, sigma)) return Infinity;
  const F = integrandFor(spec);
  const h = options.step ?? Math.min(sigma, ...DATA_1D.stds) / 16;
  if (!(h > 0)) throw new ConfigError('step', `must be > 0, got ${h}`);
  let a = mu - CORE_STDS * sigma;
  let b = mu + CORE_STDS * sigma;
  for (let i = 0; i < DATA_1D.means.length; i++) {
    a = Math.min(a, DATA_1D.means[i] - CORE_STDS * DATA_1D.stds[i]);
    b = Math.max(b, DATA_1D.means[i] + CORE_STDS * DATA_1D.stds[i]);
  }
  const point = (x: number): number => F(logDensityData1D(x), logNormal(x, mu, sigma));
  const n = Math.ceil((b - a) / h);
  let sum = 0;
  for (let k = 0; k <= n; k++) sum += point(a + k * h);
  const maxSteps = Math.ceil(TAIL_MAX_WIDTH / h);
  for (const [x0, dir] of [
    [a, -1],
    [a + n * h, 1],
  ] as const) {
    for (let k = 1; ; k++) {
      const t = point(x0 + dir * k * h);
      sum += t;
      // Stops on a negligible node, and on Infinity or NaN (the sum then carries it).
      if (!(Math.abs(t) > TAIL_REL * Math.abs(sum))) break;
      if (k >= maxSteps) return Infinity;
    }
  }
  return sum * h;
}

export interface Optimum1D {
  mu: number;
  sigma: number;
  /** D_f(P || N(mu, sigma^2)) at the optimum. */
  value: number;
}

/** Nelder-Mead minimisation; NaN counts as +Infinity. */
function nelderMead(
  fn: (x: number[]) => number,
  x0: number[],
  step: number,
  xTol: number,
  fTol: number,
  maxEval: number,
): { x: number[]; fx: number } {
  const n = x0.length;
  let evals = 0;
  const ev = (x: number[]): number => {
    evals++;
    const y = fn(x);
    return Number.isNaN(y) ? Infinity : y;
  };
  let pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const x = x0.slice();
    x[i] += step;
    pts.push(x);
  }
  let vals = pts.map(ev);
  const comb = (p: number[], q: number[], t: number): number[] => p.map((pi, i) => pi + t * (q[i] - pi));
  for (;;) {
    const order = vals.map((_, i) => i).sort((i, j) => vals[i] - vals[j]);
    pts = order.map((i) => pts[i]);
    vals = order.map((i) => vals[i]);
    const size = Math.max(...pts.slice(1).map((p) => Math.max(...p.map((pi, i) => Math.abs(pi - pts[0][i])))));
    if (size <= xTol || vals[n] - vals[0] <= fTol || evals >= maxEval) break;
    const cen = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) cen[i] += pts[k][i] / n;
    const worst = pts[n];
    const xr = comb(cen, worst, -1);
    const fr = ev(xr);
    if (fr < vals[0]) {
      const xe = comb(cen, worst, -2);
      const fe = ev(xe);
      if (fe < fr) [pts[n], vals[n]] = [xe, fe];
      else [pts[n], vals[n]] = [xr, fr];
    } else if (fr < vals[n - 1]) {
      [pts[n], vals[n]] = [xr, fr];
    } else {
      const outside = fr < vals[n];
      const xc = outside ? comb(cen, xr, 0.5) : comb(cen, worst, 0.5);
      const fc = ev(xc);
      if (fc < (outside ? fr : vals[n])) {
        [pts[n], vals[n]] = [xc, fc];
      } else {
        for (let k = 1; k <= n; k++) {
          pts[k] = comb(pts[0], pts[k], 0.5);
          vals[k] = ev(pts[k]);
        }
      }
    }
  }
  return { x: pts[0], fx: vals[0] };
}

export interface OptimumOptions {
  /** Starting point (default: the moment match, mu = 1.01, sigma = sqrt(3.350525)). */
  start?: { mu: number; sigma: number };
}

/**
 * The minimiser (mu, sigma > 0) of D_f(p || N(mu, sigma^2)) for the 1-D
 * data, to ~1e-8 (see the header), and the divergence there.
 */
export function exactOptimum(spec: DivergenceSpec, options: OptimumOptions = {}): Optimum1D {
  const start = options.start ?? { mu: DATA_1D_MEAN, sigma: Math.sqrt(DATA_1D_VARIANCE) };
  const D = (mu: number, sigma: number): number => {
    if (!(sigma > 0) || !Number.isFinite(sigma)) return Infinity;
    const v = divergenceToGaussian64(spec, mu, sigma);
    return Number.isNaN(v) ? Infinity : v;
  };
  const nm = nelderMead(([m, ls]) => D(m, Math.exp(ls)), [start.mu, Math.log(start.sigma)], 0.2, 1e-7, 1e-15, 2000);
  let mu = nm.x[0];
  let sigma = Math.exp(nm.x[1]);
  let f0 = D(mu, sigma);
  // Newton polish with central differences on a 3x3 stencil.
  const h = 1e-4;
  for (let it = 0; it < 10; it++) {
    const at = (i: number, j: number): number => (i === 0 && j === 0 ? f0 : D(mu + i * h, sigma + j * h));
    const fpm = [at(1, 0), at(-1, 0), at(0, 1), at(0, -1)];
    const g0 = (fpm[0] - fpm[1]) / (2 * h);
    const g1 = (fpm[2] - fpm[3]) / (2 * h);
    const h00 = (fpm[0] - 2 * f0 + fpm[1]) / (h * h);
    const h11 = (fpm[2] - 2 * f0 + fpm[3]) / (h * h);
    const h01 = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * h * h);
    const det = h00 * h11 - h01 * h01;
    if (!(h00 > 0 && det > 0)) break;
    const s0 = -(h11 * g0 - h01 * g1) / det;
    const s1 = -(h00 * g1 - h01 * g0) / det;
    if (!(Math.abs(s0) < 0.05 && Math.abs(s1) < 0.05)) break;
    const f1 = D(mu + s0, sigma + s1);
    if (!(f1 <= f0 + 1e-14)) break;
    mu += s0;
    sigma += s1;
    f0 = f1;
    if (Math.abs(s0) < 1e-10 && Math.abs(s1) < 1e-10) break;
  }
  return { mu, sigma, value: f0 };
}

// Statistical test helpers, float64, for checking random number generators and
// samplers against known distributions: sample moments, the Kolmogorov-Smirnov
// test, the standard normal CDF, correlation, and tolerances derived from the
// sample size.

/** Sample mean. */
export function mean(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) throw new RangeError('mean of an empty sample');
  let s = 0;
  for (let i = 0; i < n; i++) s += xs[i];
  return s / n;
}

/** Central moments m2, m3, m4 (divided by n) about the sample mean. */
function centralMoments(xs: ArrayLike<number>): { m: number; m2: number; m3: number; m4: number } {
  const m = mean(xs);
  const n = xs.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = xs[i] - m;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { m, m2: m2 / n, m3: m3 / n, m4: m4 / n };
}

/** Unbiased sample variance (divides by n - 1). */
export function variance(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n < 2) throw new RangeError('variance needs at least 2 samples');
  return (centralMoments(xs).m2 * n) / (n - 1);
}

/** Sample skewness g1 = m3 / m2^(3/2) (moment estimator; 0 for a normal). */
export function skewness(xs: ArrayLike<number>): number {
  const { m2, m3 } = centralMoments(xs);
  return m3 / Math.pow(m2, 1.5);
}

/** Sample excess kurtosis g2 = m4 / m2^2 - 3 (moment estimator; 0 for a normal). */
export function excessKurtosis(xs: ArrayLike<number>): number {
  const { m2, m4 } = centralMoments(xs);
  return m4 / (m2 * m2) - 3;
}

/** Pearson correlation coefficient of two equally long samples. */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new RangeError(`samples differ in length: ${n} and ${b.length}`);
  if (n < 2) throw new RangeError('correlation needs at least 2 pairs');
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * The complementary error function, relative error ~1e-14 or better.
 * |x| < 2: erf by its series with positive terms,
 *   erf(x) = 2/sqrt(pi) e^(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1))
 * (no cancellation), erfc = 1 - erf (>= 0.0047 there, so no loss).
 * x >= 2: Laplace's continued fraction
 *   erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
 * 100 levels, evaluated from the bottom. x <= -2: erfc(x) = 2 - erfc(-x).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 0; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 3);
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (ax > 27) return x > 0 ? 0 : 2; // erfc(27) ~ 5e-319: below the smallest subnormal
  let f = ax;
  for (let k = 100; k >= 1; k--) f = ax + k / 2 / f;
  const tail = (ONE_OVER_SQRT_PI * Math.exp(-ax * ax)) / f;
  return x > 0 ? tail : 2 - tail;
}

/** The error function (absolute error ~1e-16). */
export function erf(x: number): number {
  return 1 - erfc(x);
}

/** The standard normal CDF, Phi(x) = erfc(-x / sqrt 2) / 2; relative error ~1e-14, tails included. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

/** The uniform (0, 1) CDF. */
export function uniformCdf(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x;
}

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error ~1e-15). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) /
 * Gamma(a), by its series below x = a + 1 and its continued fraction above
 * (Numerical Recipes' gser / gcf, to 1e-15 relative).
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) throw new RangeError(`gammaQ needs a > 0 and x >= 0, got a = ${a}, x = ${x}`);
  if (x === 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - front * sum;
  }
  // Lentz's method for the continued fraction.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return front * h;
}

/**
 * Pearson's chi-square test of observed counts against expected counts:
 * the statistic sum (o - e)^2 / e and its p-value P(chi^2_(k-1) >= stat) for
 * k cells (every expected count should be >= 5 for the approximation).
 */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>): { statistic: number; df: number; pValue: number } {
  const k = observed.length;
  if (k < 2 || expected.length !== k) throw new RangeError(`chiSquareTest needs >= 2 cells and as many expected counts, got ${k} and ${expected.length}`);
  let statistic = 0;
  for (let i = 0; i < k; i++) {
    if (!(expected[i] > 0)) throw new RangeError(`expected count ${i} must be > 0, got ${expected[i]}`);
    statistic += (observed[i] - expected[i]) ** 2 / expected[i];
  }
  const df = k - 1;
  return { statistic, df, pValue: gammaQ(df / 2, statistic / 2) };
}

/**
 * The one-sample Kolmogorov-Smirnov statistic D = sup_x |F_n(x) - F(x)| of a
 * sample against a continuous CDF (the sample is not modified).
 */
export function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const n = samples.length;
  if (n === 0) throw new RangeError('KS statistic of an empty sample');
  const xs = Float64Array.from(samples).sort();
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(xs[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/**
 * The Kolmogorov distribution's survival function Q(lambda) = P(K > lambda),
 * K = sup |Brownian bridge|: the limit of P(sqrt(n) D_n > lambda).
 * lambda < 1.18: 1 - sqrt(2 pi)/lambda sum_j exp(-(2j-1)^2 pi^2 / (8 lambda^2));
 * otherwise 2 sum_j (-1)^(j-1) exp(-2 j^2 lambda^2). Both converge fast there;
 * absolute error < 1e-15.
 */
export function kolmogorovSurvival(lambda: number): number {
  if (!(lambda > 0)) return 1;
  if (lambda < 1.18) {
    const c = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let s = 0;
    for (let j = 1; j <= 20; j++) {
      const k = 2 * j - 1;
      s += Math.exp(-k * k * c);
    }
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * s));
  }
  let s = 0;
  for (let j = 1; j <= 100; j++) {
    const t = Math.exp(-2 * j * j * lambda * lambda);
    s += j % 2 === 1 ? t : -t;
    if (t < 1e-300) break;
  }
  return Math.min(1, Math.max(0, 2 * s));
}

/**
 * Asymptotic p-value of the one-sample KS statistic d for n samples:
 * Q((sqrt(n) + 0.12 + 0.11/sqrt(n)) d) (the Kolmogorov limit with Stephens'
 * finite-n correction, as in Numerical Recipes; within a few % of the exact
 * p-value from n ~ 50, e.g. 0.01296 against 0.01301 exact at n = 1000,
 * d = 0.05).
 */
export function ksPValue(d: number, n: number): number {
  if (!(n > 0)) throw new RangeError(`ksPValue needs n > 0, got ${n}`);
  const sn = Math.sqrt(n);
  return kolmogorovSurvival((sn + 0.12 + 0.11 / sn) * d);
}

export interface MomentTolerances {
  mean: number;
  variance: number;
  skewness: number;
  excessKurtosis: number;
  /** For the Pearson correlation of two independent samples of n pairs. */
  correlation: number;
}

/**
 * Tolerances for the sample moments of n independent STANDARD NORMAL draws:
 * `sigmas` (default 5) times the large-n standard error of each estimator:
 *   mean            1 / sqrt(n)       (sd / sqrt n, sd = 1)
 *   variance        sqrt(2 / n)       (Var s^2 = 2 sd^4 / (n - 1) for a normal)
 *   skewness        sqrt(6 / n)
 *   excess kurtosis sqrt(24 / n)
 *   correlation     1 / sqrt(n)       (of independent samples, any distribution)
 * At 5 standard errors a correct generator fails one such check with
 * probability ~6e-7 (two-sided normal tail), and with fixed seeds a test is
 * deterministic anyway; an error of more than ~5 SE is detected.
 * For other distributions scale: mean sd/sqrt(n), variance sqrt((mu4 - sd^4)/n)
 * (see uniformMomentTolerance).
 */
export function momentTolerance(n: number, sigmas = 5): MomentTolerances {
  if (!(n > 1)) throw new RangeError(`momentTolerance needs n > 1, got ${n}`);
  return {
    mean: sigmas / Math.sqrt(n),
    variance: sigmas * Math.sqrt(2 / n),
    skewness: sigmas * Math.sqrt(6 / n),
    excessKurtosis: sigmas * Math.sqrt(24 / n),
    correlation: sigmas / Math.sqrt(n),
  };
}

/**
 * Tolerances for the mean and variance of n independent uniform (0, 1) draws:
 * `sigmas` times the standard errors sqrt(1 / (12 n)) (sd^2 = 1/12) and
 * sqrt(1 / (180 n)) (mu4 - sd^4 = 1/80 - 1/144 = 1/180).
 */
export function uniformMomentTolerance(n: number, sigmas = 5): { mean: number; variance: number } {
  if (!(n > 1)) throw new RangeError(`uniformMomentTolerance needs n > 1, got ${n}`);
  return { mean: sigmas * Math.sqrt(1 / (12 * n)), variance: sigmas * Math.sqrt(1 / (180 * n)) };
}

/**
 * Unbiased estimate of the squared maximum mean discrepancy between two
 * samples of d-dimensional points (row-major), with the Gaussian kernel
 * k(x, y) = exp(-|x - y|^2 / (2 h^2)) (Gretton et al. 2012, MMD^2_u):
 *   mean_{i != j} k(x_i, x_j) + mean_{i != j} k(y_i, y_j) - 2 mean_{i,j} k(x_i, y_j).
 * Zero in expectation when both samples come from one distribution; for
 * N(a, s^2 I) against N(b, s^2 I) its expectation is
 * 2 (h^2 / (h^2 + 2 s^2))^(d/2) (1 - exp(-|a - b|^2 / (2 (h^2 + 2 s^2)))).
 */
export function mmd2(x: ArrayLike<number>, y: ArrayLike<number>, dim: number, bandwidth: number): number {
  const n = Math.floor(x.length / dim);
  const m = Math.floor(y.length / dim);
  if (n < 2 || m < 2 || n * dim !== x.length || m * dim !== y.length) {
    throw new RangeError(`mmd2 needs two samples of at least 2 points of dim ${dim}, got ${x.length} and ${y.length} values`);
  }
  if (!(bandwidth > 0)) throw new RangeError(`mmd2 needs a bandwidth > 0, got ${bandwidth}`);
  const c = -1 / (2 * bandwidth * bandwidth);
  const k = (a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number) => {
    let s = 0;
    for (let t = 0; t < dim; t++) {
      const u = a[i * dim + t] - b[j * dim + t];
      s += u * u;
    }
    return Math.exp(c * s);
  };
  let xx = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) xx += k(x, i, x, j);
  let yy = 0;
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) yy += k(y, i, y, j);
  let xy = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) xy += k(x, i, y, j);
  return (2 * xx) / (n * (n - 1)) + (2 * yy) / (m * (m - 1)) - (2 * xy) / (n * m);
}

/**
 * max_i |got_i - ref_i| / max(max_i |ref_i|, floor): the error relative to the
 * reference's scale; Infinity where got holds a non-finite value or the
 * lengths differ. The measure every GPU-against-float64 comparison uses.
 */
export function relativeError(got: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-6): number {
  if (got.length !== ref.length) return Infinity;
  let err = 0;
  let scale = floor;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(got[i])) return Infinity;
    err = Math.max(err, Math.abs(got[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}

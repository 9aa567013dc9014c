// The MMD estimator (src/stats.ts) against its closed-form
// expectation for two Gaussians, and its behaviour on identical distributions;
// the chi-square test's p-values against tabulated quantiles.
import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/rng/random';
import { chiSquareTest, gammaQ, logGamma, mmd2, relativeError } from '../../src/stats';

function gaussian(n: number, dim: number, mean: number[], s: number, seed: number): Float64Array {
  const z = seededNormal(seed);
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let t = 0; t < dim; t++) out[i * dim + t] = mean[t] + s * z();
  return out;
}

/** E[MMD^2] for N(a, s^2 I) against N(b, s^2 I), kernel bandwidth h. */
const expected = (d2: number, s: number, h: number, dim: number) =>
  2 * (h * h / (h * h + 2 * s * s)) ** (dim / 2) * (1 - Math.exp(-d2 / (2 * (h * h + 2 * s * s))));

describe('mmd2 (unbiased, Gaussian kernel)', () => {
  it('matches the closed form for shifted Gaussians within 4 standard deviations of the estimator (800 + 800 points)', () => {
    const [n, s, h, dim] = [800, 0.5, 0.4, 2];
    // Standard deviations of the estimator at this n, measured over 30 seeds: 0.0064, 0.0133, 0.0139.
    for (const [shift, sd, seed] of [[0.3, 0.0064, 1], [0.8, 0.0133, 2], [1.5, 0.0139, 3]] as const) {
      const v = mmd2(gaussian(n, dim, [0, 0], s, seed), gaussian(n, dim, [shift, 0], s, seed + 100), dim, h);
      expect(Math.abs(v - expected(shift * shift, s, h, dim))).toBeLessThan(4 * sd);
    }
  });

  it('is near zero for one distribution and grows with the shift', () => {
    const [n, s, h] = [1000, 1, 0.5];
    const same = mmd2(gaussian(n, 2, [0, 0], s, 7), gaussian(n, 2, [0, 0], s, 8), 2, h);
    expect(Math.abs(same)).toBeLessThan(0.005);
    const small = mmd2(gaussian(n, 2, [0, 0], s, 7), gaussian(n, 2, [0.5, 0], s, 8), 2, h);
    const large = mmd2(gaussian(n, 2, [0, 0], s, 7), gaussian(n, 2, [2, 0], s, 8), 2, h);
    expect(small).toBeGreaterThan(0.01);
    expect(large).toBeGreaterThan(small);
  });

  it('rejects samples of the wrong shape and a non-positive bandwidth', () => {
    expect(() => mmd2([0, 0, 1], [0, 0, 1, 1], 2, 1)).toThrow(RangeError);
    expect(() => mmd2([0, 0, 1, 1], [0, 0, 1, 1], 2, 0)).toThrow(/bandwidth/);
  });
});

describe('relativeError', () => {
  it('is the largest difference over the reference scale, floored; Infinity for a non-finite value or another length', () => {
    expect(relativeError([1, 2.5], [1, 2])).toBe(0.25);
    expect(relativeError([1e-9], [0], 1e-6)).toBeCloseTo(1e-3, 15);
    expect(relativeError([NaN, 1], [1, 1])).toBe(Infinity);
    expect(relativeError([1], [1, 2])).toBe(Infinity);
  });
});

describe('chi-square test (regularised incomplete gamma)', () => {
  it('gives the tabulated p-values and closed forms', () => {
    // 95% points of chi^2 with 1, 9 and 30 degrees of freedom.
    expect(gammaQ(0.5, 3.841458820694124 / 2)).toBeCloseTo(0.05, 12);
    expect(gammaQ(4.5, 16.918977604620448 / 2)).toBeCloseTo(0.05, 12);
    expect(gammaQ(15, 43.77297182574219 / 2)).toBeCloseTo(0.05, 12);
    // 2 degrees of freedom: Q(1, x) = exp(-x); Q(a, 0) = 1.
    for (const x of [0.01, 0.7, 3, 40]) expect(gammaQ(1, x)).toBeCloseTo(Math.exp(-x), 14);
    expect(gammaQ(3, 0)).toBe(1);
    // log Gamma at integers and one half.
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
  });

  it('Pearson statistic of counts', () => {
    const r = chiSquareTest([10, 20, 30], [20, 20, 20]);
    expect(r).toMatchObject({ statistic: 10, df: 2 });
    expect(r.pValue).toBeCloseTo(Math.exp(-5), 14);
    expect(() => chiSquareTest([1], [1])).toThrow(RangeError);
    expect(() => chiSquareTest([1, 2], [1, 0])).toThrow(/expected count 1 must be > 0/);
  });
});

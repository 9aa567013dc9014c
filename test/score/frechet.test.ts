// The Frechet distance and its matrix square root (src/score/frechet.ts),
// float64, against closed forms on Gaussians: diagonal and commuting
// covariances, a scaled covariance, the 2 x 2 case where the covariances do
// not commute (tr (A B)^1/2 = sqrt(tr AB + 2 sqrt det AB)), and sample
// estimates converging to the exact distance.

import { describe, expect, it } from 'vitest';
import { seededNormal } from '../../src/rng/random';
import { frechetDistance, gaussianOf, sqrtPsd, symmetricEigen } from '../../src/score/frechet';

/** A random symmetric positive definite d x d matrix B B^T / d + eps I, seeded. */
function randomSpd(d: number, seed: number, eps = 0.1): Float64Array {
  const g = seededNormal(seed);
  const b = Float64Array.from({ length: d * d }, () => g());
  const s = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += b[i * d + k] * b[j * d + k];
    s[i * d + j] = acc / d + (i === j ? eps : 0);
  }
  return s;
}

const matmul = (a: ArrayLike<number>, b: ArrayLike<number>, d: number) => {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
    let acc = 0;
    for (let k = 0; k < d; k++) acc += a[i * d + k] * b[k * d + j];
    out[i * d + j] = acc;
  }
  return out;
};
const transpose = (a: ArrayLike<number>, d: number) => Float64Array.from({ length: d * d }, (_, k) => a[(k % d) * d + Math.floor(k / d)]);
const maxAbs = (a: ArrayLike<number>) => Math.max(...Array.from(a, Math.abs));
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));
const diag = (v: number[]) => Float64Array.from({ length: v.length * v.length }, (_, k) => (k % (v.length + 1) === 0 ? v[k / (v.length + 1)] : 0));
const gauss = (mean: number[], cov: Float64Array) => ({ d: mean.length, mean: Float64Array.from(mean), cov });

describe('symmetric eigendecomposition and square root', () => {
  it('reconstructs a random symmetric matrix with orthonormal vectors', () => {
    for (const d of [1, 2, 7, 64]) {
      const a = randomSpd(d, d);
      for (let i = 0; i < d; i++) a[i * d + i] -= 0.5; // indefinite too
      const { values, vectors } = symmetricEigen(a, d);
      const back = matmul(matmul(vectors, diag(Array.from(values)), d), transpose(vectors, d), d);
      expect(maxDiff(back, a) / maxAbs(a), `d ${d}`).toBeLessThan(1e-12);
      expect(maxDiff(matmul(transpose(vectors, d), vectors, d), diag(new Array(d).fill(1))), `d ${d}`).toBeLessThan(1e-12);
    }
  });

  it('finds known eigenvalues', () => {
    const v = Array.from(symmetricEigen([2, 1, 1, 2], 2).values).sort();
    expect(v[0]).toBeCloseTo(1, 14);
    expect(v[1]).toBeCloseTo(3, 14);
  });

  it('square root: R R = S, R symmetric, for positive definite and singular S', () => {
    for (const [d, s] of [[10, randomSpd(10, 3)], [3, diag([4, 0, 9])]] as const) {
      const r = sqrtPsd(s, d);
      expect(maxDiff(matmul(r, r, d), s) / maxAbs(s)).toBeLessThan(1e-12);
      expect(maxDiff(r, transpose(r, d))).toBeLessThan(1e-12);
    }
    expect(Array.from(sqrtPsd(diag([4, 0, 9]), 3))).toEqual(Array.from(diag([2, 0, 3])));
  });
});

describe('Frechet distance: closed forms', () => {
  it('diagonal covariances: |dmu|^2 + sum (sqrt a - sqrt b)^2', () => {
    const a = [1, 4, 0.25, 9];
    const b = [2, 1, 0.25, 0];
    const exact = 1 + 4 + 0 + 0.25 + a.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(b[i])) ** 2, 0);
    const r = frechetDistance(gauss([1, 0, 2, 0], diag(a)), gauss([0, 2, 2, 0.5], diag(b)));
    expect(r.distance).toBeCloseTo(exact, 12);
    expect(r.meanTerm).toBeCloseTo(5.25, 12);
  });

  it('commuting covariances Q diag(a) Q^T, Q diag(b) Q^T: the same as diagonal', () => {
    const d = 6;
    const q = symmetricEigen(randomSpd(d, 11), d).vectors; // a random orthogonal matrix
    const a = [0.5, 1, 2, 3, 4, 5];
    const rot = (v: number[]) => matmul(matmul(q, diag(v), d), transpose(q, d), d);
    const exact = (b: number[]) => a.reduce((s, x, i) => s + (Math.sqrt(x) - Math.sqrt(b[i])) ** 2, 0);
    const fd = (b: number[]) => frechetDistance(gauss(new Array(d).fill(0), rot(a)), gauss(new Array(d).fill(0), rot(b))).distance;
    const b = [5, 0.1, 2, 1, 0.01, 7];
    expect(fd(b)).toBeCloseTo(exact(b), 11);
    // A singular covariance: its zero eigenvalue comes back as round-off of order 1e-16, whose square root is 1e-8.
    const singular = [5, 0.1, 2, 1, 0, 7];
    expect(Math.abs(fd(singular) - exact(singular))).toBeLessThan(1e-6);
  });

  it('a scaled covariance c S: (1 - sqrt c)^2 tr S', () => {
    const d = 12;
    const s = randomSpd(d, 5);
    const tr = Array.from({ length: d }, (_, i) => s[i * d + i]).reduce((x, y) => x + y, 0);
    for (const c of [0.25, 1, 3]) {
      const r = frechetDistance(gauss(new Array(d).fill(1), s), gauss(new Array(d).fill(1), s.map((x) => c * x)));
      expect(r.distance / tr).toBeCloseTo((1 - Math.sqrt(c)) ** 2, 12);
    }
  });

  it('2 x 2 covariances that do not commute: tr (A B)^1/2 = sqrt(tr AB + 2 sqrt det AB)', () => {
    const A = [2, 0.7, 0.7, 1];
    const B = [0.5, -0.3, -0.3, 3];
    const ab = matmul(A, B, 2);
    const trSqrt = Math.sqrt(ab[0] + ab[3] + 2 * Math.sqrt(ab[0] * ab[3] - ab[1] * ab[2]));
    expect(Math.abs(matmul(A, B, 2)[1] - matmul(B, A, 2)[1])).toBeGreaterThan(0.1);
    const exact = 0.5 ** 2 + 1 + (2 + 1 + 0.5 + 3) - 2 * trSqrt;
    expect(frechetDistance(gauss([0.5, 1], Float64Array.from(A)), gauss([0, 0], Float64Array.from(B))).distance).toBeCloseTo(exact, 12);
  });

  it('is 0 for identical Gaussians and symmetric in its arguments', () => {
    const s = randomSpd(20, 8);
    const t = randomSpd(20, 9);
    const m = new Array(20).fill(0).map((_, i) => i / 10);
    expect(frechetDistance(gauss(m, s), gauss(m, s)).distance).toBeLessThan(1e-10);
    const ab = frechetDistance(gauss(m, s), gauss(new Array(20).fill(0), t)).distance;
    const ba = frechetDistance(gauss(new Array(20).fill(0), t), gauss(m, s)).distance;
    expect(Math.abs(ab - ba) / ab).toBeLessThan(1e-10);
  });

  it('sample estimates converge to the exact distance (n = 40,000, d = 3, fixed seed)', () => {
    const d = 3;
    const n = 40000;
    const chol = (s: number[]) => {
      // Lower Cholesky factor of a 3 x 3 SPD matrix.
      const l = new Array(9).fill(0);
      for (let i = 0; i < 3; i++) for (let j = 0; j <= i; j++) {
        let acc = s[i * 3 + j];
        for (let k = 0; k < j; k++) acc -= l[i * 3 + k] * l[j * 3 + k];
        l[i * 3 + j] = i === j ? Math.sqrt(acc) : acc / l[j * 3 + j];
      }
      return l;
    };
    const S1 = [1, 0.5, 0.2, 0.5, 2, -0.3, 0.2, -0.3, 0.5];
    const S2 = [0.3, 0, 0.1, 0, 1, 0.4, 0.1, 0.4, 2];
    const draw = (mean: number[], s: number[], seed: number) => {
      const l = chol(s);
      const g = seededNormal(seed);
      const out = new Float64Array(n * d);
      for (let r = 0; r < n; r++) {
        const z = [g(), g(), g()];
        for (let i = 0; i < 3; i++) out[r * 3 + i] = mean[i] + l[i * 3] * z[0] + l[i * 3 + 1] * z[1] + l[i * 3 + 2] * z[2];
      }
      return out;
    };
    const exact = frechetDistance(gauss([0, 1, 0], Float64Array.from(S1)), gauss([1, 1, -1], Float64Array.from(S2))).distance;
    const est = frechetDistance(gaussianOf(draw([0, 1, 0], S1, 1), n, d), gaussianOf(draw([1, 1, -1], S2, 2), n, d)).distance;
    // Standard error of the estimate is about 0.02 here (sum of ~10 moment errors of order 1/sqrt(n)); 5 of them.
    expect(Math.abs(est - exact)).toBeLessThan(0.1);
    const g1 = gaussianOf(draw([0, 1, 0], S1, 3), n, d);
    expect(maxDiff(g1.cov, S1)).toBeLessThan(5 * Math.sqrt(2 * 4 / n));
    expect(maxDiff(g1.mean, [0, 1, 0])).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});

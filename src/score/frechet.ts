// The Frechet distance between two Gaussians, in float64: FID's recipe,
// applied to our own classifier's features (src/score/score.ts).
//
//   d^2 = |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr( (S1^1/2 S2 S1^1/2)^1/2 )
//
// (the usual tr((S1 S2)^1/2) written through a symmetric matrix, since S1 S2
// has the same eigenvalues as S1^1/2 S2 S1^1/2, which is symmetric positive
// semi-definite, so both square roots come from a symmetric eigen-
// decomposition). The eigendecomposition is cyclic Jacobi: slow for large
// matrices (O(d^3) per sweep, a handful of sweeps) but accurate to round-off
// and simple; at the score's d = 64 it takes milliseconds. Eigenvalues that
// round-off made slightly negative are taken as 0, and so is a distance
// that round-off made slightly negative.
//
// This is the score's only implementation (it runs on the host, in float64),
// and so also its reference: test/score/ checks it against closed forms.

import { ConfigError } from '../errors';

/** A symmetric matrix's eigenvalues and eigenvectors: a = V diag(values) V^T, V's columns the vectors (row-major d x d). */
export interface Eigen {
  values: Float64Array;
  vectors: Float64Array;
}

/** Eigendecomposition of a symmetric d x d matrix (row-major; only read) by cyclic Jacobi rotations. */
export function symmetricEigen(matrix: ArrayLike<number>, d: number): Eigen {
  if (matrix.length !== d * d) throw new ConfigError('matrix', `must hold ${d} x ${d} values, got ${matrix.length}`);
  const a = Float64Array.from(matrix);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  let norm = 0;
  for (let i = 0; i < d * d; i++) norm += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q] * a[p * d + q];
    if (off <= 1e-30 * norm || off === 0) return { values: Float64Array.from({ length: d }, (_, i) => a[i * d + i]), vectors: v };
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q];
        if (apq === 0) continue;
        // Zero a[p][q] with the rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s): A <- J^T A J, V <- V J.
        const theta = (a[q * d + q] - a[p * d + p]) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p];
          const akq = a[k * d + q];
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k];
          const aqk = a[q * d + k];
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p];
          const vkq = v[k * d + q];
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  throw new Error(`symmetricEigen: no convergence in 100 sweeps (d = ${d}); is the matrix symmetric and finite?`);
}

/** The symmetric square root of a symmetric positive semi-definite matrix (negative eigenvalues from round-off taken as 0). */
export function sqrtPsd(matrix: ArrayLike<number>, d: number): Float64Array {
  const { values, vectors } = symmetricEigen(matrix, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const r = Math.sqrt(Math.max(values[k], 0));
    if (r === 0) continue;
    for (let i = 0; i < d; i++) {
      const vik = vectors[i * d + k] * r;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k];
    }
  }
  return out;
}

/** Mean and covariance (divided by n - 1) of n rows of d values, in float64. */
export interface Gaussian {
  d: number;
  n: number;
  mean: Float64Array;
  cov: Float64Array;
}

export function gaussianOf(rows: ArrayLike<number>, n: number, d: number): Gaussian {
  if (n < 2) throw new ConfigError('n', `a covariance needs at least 2 rows, got ${n}`);
  if (rows.length < n * d) throw new ConfigError('rows', `must hold ${n} x ${d} values, got ${rows.length}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += rows[r * d + i];
  for (let i = 0; i < d; i++) mean[i] /= n;
  const cov = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) c[i] = rows[r * d + i] - mean[i];
    for (let i = 0; i < d; i++) {
      const ci = c[i];
      if (ci === 0) continue;
      for (let j = i; j < d; j++) cov[i * d + j] += ci * c[j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      cov[i * d + j] /= n - 1;
      cov[j * d + i] = cov[i * d + j];
    }
  }
  return { d, n, mean, cov };
}

/** The Frechet distance d^2 between N(mu1, S1) and N(mu2, S2), and its two parts. */
export function frechetDistance(a: Pick<Gaussian, 'd' | 'mean' | 'cov'>, b: Pick<Gaussian, 'd' | 'mean' | 'cov'>): { distance: number; meanTerm: number; covTerm: number } {
  const d = a.d;
  if (b.d !== d) throw new ConfigError('d', `both Gaussians must have the same dimension, got ${a.d} and ${b.d}`);
  let meanTerm = 0;
  for (let i = 0; i < d; i++) meanTerm += (a.mean[i] - b.mean[i]) ** 2;
  const r = sqrtPsd(a.cov, d);
  // m = r S2 r, symmetrised against round-off.
  const tmp = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const rik = r[i * d + k];
      if (rik === 0) continue;
      for (let j = 0; j < d; j++) tmp[i * d + j] += rik * b.cov[k * d + j];
    }
  }
  const m = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const tik = tmp[i * d + k];
      if (tik === 0) continue;
      for (let j = 0; j < d; j++) m[i * d + j] += tik * r[k * d + j];
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const s = 0.5 * (m[i * d + j] + m[j * d + i]);
      m[i * d + j] = s;
      m[j * d + i] = s;
    }
  }
  let traceSqrt = 0;
  for (const l of symmetricEigen(m, d).values) traceSqrt += Math.sqrt(Math.max(l, 0));
  let tr = 0;
  for (let i = 0; i < d; i++) tr += a.cov[i * d + i] + b.cov[i * d + i];
  const covTerm = tr - 2 * traceSqrt;
  return { distance: Math.max(meanTerm + covTerm, 0), meanTerm, covTerm };
}

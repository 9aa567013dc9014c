// Float64 reference of the fused Langevin samplers (shaders/langevin.wgsl):
// the same update rules, the same Philox stream (src/rng/philox.ts), float64
// arithmetic throughout. GPU trajectories are judged against these.
//
// Random numbers, as on the GPU: the noise of step s of chain i is
// xi[4b + r] = normal r of Philox counter (i, s, SAMPLER_STREAM.noise, b)
// under the seed (Box-Muller on its uniforms (0, 1) and (2, 3)); the MALA
// uniform is lane 0 of counter (i, s, SAMPLER_STREAM.accept, 0). Steps count
// on from `step0` (the sampler's counter). With `classes` > 0 the last
// `classes` coordinates (the label) never move.

import { ConfigError } from '../errors';
import type { ParamLayout } from '../mlp/params';
import { normalPair, philox4x32, seedKey, u32ToUniform } from '../rng/philox';
import { SAMPLER_STREAM, type SamplerKind } from './sampler';
import { mlpBackwardInput64, mlpForward64 } from '../mlp/reference';

/** An energy and its gradient at one point, float64. */
export interface Energy64 {
  dim: number;
  at(x: Float64Array): { e: number; grad: Float64Array };
}

/** Normals 4b..4b+3 of (chain, step, stream) under seed: counter (chain, step, stream, b). */
export function normalsAt(seed: number, chain: number, step: number, stream: number, b: number): number[] {
  const w = philox4x32([chain >>> 0, step >>> 0, stream, b], seedKey(seed));
  const u = w.map(u32ToUniform);
  return [...normalPair(u[0], u[1]), ...normalPair(u[2], u[3])];
}

/** The dim noise normals of chain i at step s (the noise stream). */
export function stepNoise(seed: number, chain: number, step: number, dim: number): Float64Array {
  const xi = new Float64Array(dim);
  for (let b = 0; 4 * b < dim; b++) {
    const z = normalsAt(seed, chain, step, SAMPLER_STREAM.noise, b);
    for (let r = 0; r < 4 && 4 * b + r < dim; r++) xi[4 * b + r] = z[r];
  }
  return xi;
}

/** The MALA accept/reject uniform of chain i at step s (the accept stream, lane 0). */
export function acceptUniform(seed: number, chain: number, step: number): number {
  return u32ToUniform(philox4x32([chain >>> 0, step >>> 0, SAMPLER_STREAM.accept, 0], seedKey(seed))[0]);
}

/** (x - mean)' P (x - mean) / 2; `precision` a matrix, or a vector (a diagonal P). */
export function gaussianEnergy64(mean: number[], precision: number[][] | number[]): Energy64 {
  const d = mean.length;
  if (!precision.some((row) => Array.isArray(row))) {
    const p = precision as number[];
    return {
      dim: d,
      at(x) {
        const grad = new Float64Array(d);
        let e = 0;
        for (let k = 0; k < d; k++) {
          grad[k] = p[k] * (x[k] - mean[k]);
          e += (x[k] - mean[k]) * grad[k];
        }
        return { e: 0.5 * e, grad };
      },
    };
  }
  const P = precision as number[][];
  return {
    dim: d,
    at(x) {
      const grad = new Float64Array(d);
      let e = 0;
      for (let k = 0; k < d; k++) {
        let g = 0;
        for (let j = 0; j < d; j++) g += P[k][j] * (x[j] - mean[j]);
        grad[k] = g;
        e += (x[k] - mean[k]) * g;
      }
      return { e: 0.5 * e, grad };
    },
  };
}

/** -log sum_m w_m N(x; means[m], stds[m]^2 I), weights normalised. */
export function mixtureEnergy64(weights: number[], means: number[][], stds: number[]): Energy64 {
  const d = means[0].length;
  const total = weights.reduce((a, b) => a + b, 0);
  const logc = weights.map((w, m) => Math.log(w / total) - (d / 2) * Math.log(2 * Math.PI * stds[m] ** 2));
  return {
    dim: d,
    at(x) {
      const terms = means.map((mu, m) => {
        let r2 = 0;
        for (let k = 0; k < d; k++) r2 += (x[k] - mu[k]) ** 2;
        return logc[m] - r2 / (2 * stds[m] ** 2);
      });
      const top = Math.max(...terms);
      const grad = new Float64Array(d);
      let s = 0;
      terms.forEach((t, m) => {
        const w = Math.exp(t - top);
        s += w;
        for (let k = 0; k < d; k++) grad[k] += (w * (x[k] - means[m][k])) / stds[m] ** 2;
      });
      for (let k = 0; k < d; k++) grad[k] /= s;
      return { e: -(top + Math.log(s)), grad };
    },
  };
}

/** The MLP energy E(x) = f(x), packed parameters (float64 reference of src/mlp/reference.ts). */
export function mlpEnergy64(layout: ParamLayout, params: ArrayLike<number>): Energy64 {
  return {
    dim: layout.spec.inputDim,
    at(x) {
      return { e: mlpForward64(layout, params, x, 1)[0], grad: mlpBackwardInput64(layout, params, x, 1) };
    },
  };
}

export interface ReferenceSamplerConfig {
  sampler: SamplerKind;
  seed: number;
  steps: number;
  /** Philox step of the first step (the sampler's step counter; default 0). */
  step0?: number;
  /** The last `classes` coordinates are the chain's label: never moved (default 0). */
  classes?: number;
  eta?: number;
  stepSize?: number;
  noiseStd?: number;
  gradClip?: number | null;
  box?: [number, number] | null;
}

export interface ReferenceChain {
  x: Float64Array;
  /** MALA: proposals accepted. */
  accepted: number;
  /**
   * MALA: the smallest |log u - log alpha| over the chain's steps. A decision
   * closer to its threshold than float32 rounding of the GPU's log alpha can
   * go either way there.
   */
  margin: number;
}

/** Runs `steps` steps of chain `chain` from x0 in float64, with the GPU's random numbers. */
export function referenceChain(config: ReferenceSamplerConfig, energy: Energy64, chain: number, x0: ArrayLike<number>): ReferenceChain {
  const d = energy.dim;
  if (x0.length !== d) throw new ConfigError('x0', `must hold dim = ${d} numbers, got ${x0.length}`);
  const classes = config.classes ?? 0;
  if (!Number.isInteger(classes) || classes < 0 || classes >= d) throw new ConfigError('classes', `must be an integer in [0, ${d - 1}], got ${classes}`);
  // Coordinates k >= moved hold the label: every update below leaves them as they are.
  const moved = d - classes;
  const fixed = (update: (v: number, k: number) => number) => (v: number, k: number) => (k < moved ? update(v, k) : v);
  const step0 = config.step0 ?? 0;
  const eta = config.eta ?? 0;
  const stepSize = config.stepSize ?? 10;
  const noiseStd = config.noiseStd ?? 0.005;
  const gradClip = config.gradClip === undefined ? 0.01 : config.gradClip;
  const box = config.box ?? null;
  let x = Float64Array.from(x0);
  let accepted = 0;
  let margin = Infinity;
  let cur = config.sampler === 'mala' ? energy.at(x) : null;
  for (let t = 0; t < config.steps; t++) {
    const s = step0 + t;
    const xi = stepNoise(config.seed, chain, s, moved);
    if (config.sampler === 'ula') {
      const { grad } = energy.at(x);
      x = x.map(fixed((v, k) => v - (eta / 2) * grad[k] + Math.sqrt(eta) * xi[k]));
    } else if (config.sampler === 'du-mordatch') {
      const y = x.map(fixed((v, k) => v + noiseStd * xi[k]));
      const { grad } = energy.at(y);
      x = y.map(fixed((v, k) => {
        const g = gradClip === null ? grad[k] : Math.min(gradClip, Math.max(-gradClip, grad[k]));
        const z = v - stepSize * g;
        return box ? Math.min(box[1], Math.max(box[0], z)) : z;
      }));
    } else {
      const gx = cur!.grad;
      const y = x.map(fixed((v, k) => v - (eta / 2) * gx[k] + Math.sqrt(eta) * xi[k]));
      const prop = energy.at(y);
      let fwd = 0;
      let rev = 0;
      for (let k = 0; k < moved; k++) {
        fwd += (y[k] - x[k] + (eta / 2) * gx[k]) ** 2;
        rev += (x[k] - y[k] + (eta / 2) * prop.grad[k]) ** 2;
      }
      const logAlpha = cur!.e - prop.e - (rev - fwd) / (2 * eta);
      const logU = Math.log(acceptUniform(config.seed, chain, s));
      margin = Math.min(margin, Math.abs(logU - logAlpha));
      if (Number.isFinite(logAlpha) && logU < logAlpha) {
        x = y;
        cur = prop;
        accepted++;
      }
    }
  }
  return { x, accepted, margin };
}

/**
 * The stationary variance of ULA on E = x^2 / (2 s^2) in 1-D, and the variance
 * after k steps from a start of variance v0.
 *
 * The chain is x' = a x + sqrt(eta) xi with a = 1 - eta / (2 s^2). A
 * stationary variance v satisfies v = a^2 v + eta, so
 *   v = eta / (1 - a^2) = eta / (eta/s^2 - eta^2/(4 s^4)) = s^2 / (1 - eta / (4 s^2)),
 * above the target's s^2 by the discretisation bias (exists for |a| < 1,
 * i.e. 0 < eta < 4 s^2). After k steps: v_k = a^(2k) v0 + v (1 - a^(2k)).
 */
export function ulaGaussianVariance(s: number, eta: number, k = Infinity, v0 = 0): number {
  const v = (s * s) / (1 - eta / (4 * s * s));
  if (k === Infinity) return v;
  const a2k = (1 - eta / (2 * s * s)) ** (2 * k);
  return a2k * v0 + v * (1 - a2k);
}

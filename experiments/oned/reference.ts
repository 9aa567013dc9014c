// Float64 reference of the 1-D experiment's pieces (experiments/oned/oned.ts,
// experiments/oned/oned.wgsl): the Philox samples of one iteration, the Gaussian
// energy and its parameter gradient, and the gradients of one Algorithm 1
// iteration, for comparing the GPU with step by step.

import type { DivergenceSpec, Numerics, ParamLayout, ValidOptimizerSpec } from '../../src/index';
import {
  mlpBackwardParams64, mlpForward64, normals4, objectives64, optimizerStep64, wgslCodes, type OptimizerState64,
} from '../../src/kernels';
import { DATA_1D, logDensityData1D, logNormal } from './optimum';
import onedWgsl from './oned.wgsl?raw';

/** The Philox streams of oned.wgsl (ONED_STREAM_MODEL, ONED_STREAM_DATA), read from it. */
export const ONED_STREAM = wgslCodes(onedWgsl, 'ONED_STREAM_', ['model', 'data'] as const, 'oned.wgsl');

/**
 * The samples oned_sample draws at `iteration`: data stratified (the first
 * nFirst from component 0), then model samples mu + sigma z. Equal to the
 * GPU's within NORMAL_ABS_TOLERANCE times the scale (std or sigma).
 */
export function onedSamples64(
  seed: number,
  iteration: number,
  batch: number,
  nFirst: number,
  mu: number,
  sigma: number,
): number[] {
  const x: number[] = [];
  for (let i = 0; i < batch; i++) {
    const z = normals4(seed, i, iteration, ONED_STREAM.data)[0];
    const c = i < nFirst ? 0 : 1;
    x.push(DATA_1D.means[c] + DATA_1D.stds[c] * z);
  }
  for (let j = 0; j < batch; j++) x.push(mu + sigma * normals4(seed, j, iteration, ONED_STREAM.model)[0]);
  return x;
}

/** E(x) = 0.5 ((x - mu) / sigma)^2. */
export const energy1D = (x: number, mu: number, sigma: number): number => 0.5 * ((x - mu) / sigma) ** 2;

/** (dE/dmu, dE/dsigma) at x. */
export function energyGrad1D(x: number, mu: number, sigma: number): [number, number] {
  const z = (x - mu) / sigma;
  return [-z / sigma, -(z * z) / sigma];
}

/** sum_i w_i dE(x_i)/d(mu, sigma). */
export function energyParamGrad64(x: readonly number[], w: readonly number[], mu: number, sigma: number): [number, number] {
  let gm = 0;
  let gs = 0;
  for (let i = 0; i < x.length; i++) {
    const [a, b] = energyGrad1D(x[i], mu, sigma);
    gm += w[i] * a;
    gs += w[i] * b;
  }
  return [gm, gs];
}

export interface OnedGradients64 {
  /** v = H + E on [data; model]. */
  v: number[];
  /** The objective L of these v. */
  objective: number;
  /** Weights of the H gradient and of the E gradient ([data; model]). */
  wH: number[];
  wE: number[];
  /** sum_i wH_i dH(x_i)/domega, packed (the ascent direction of omega). */
  gradH: Float64Array;
  /** sum_i wE_i dE(x_i)/d(mu, sigma) (the descent direction of theta is minus this). */
  gradE: [number, number];
}

/**
 * The gradients of one half-step of Algorithm 1 from given H parameters,
 * theta and samples x = [data; model] (nData each side): H step with
 * hParams, or E step with the updated H (pass those as hParams). l2H: H's
 * L2 output penalty (OnedConfig.l2H), which changes wH and gradH only.
 */
export function onedGradients64(
  spec: DivergenceSpec,
  numerics: Numerics,
  layout: ParamLayout,
  hParams: ArrayLike<number>,
  mu: number,
  sigma: number,
  x: readonly number[],
  nData: number,
  l2H = 0,
): OnedGradients64 {
  const n = x.length;
  const h = mlpForward64(layout, hParams, x, n);
  const v = x.map((xi, i) => h[i] + energy1D(xi, mu, sigma));
  const o = objectives64(spec, numerics, v.slice(0, nData), v.slice(nData));
  // The L2 output penalty (trainer_loss.wgsl's trn_penalty_h): omega ascends L - l2H (mean_data H^2 + mean_model H^2).
  const wH = [...o.wHData, ...o.wHModel].map((w, i) => w - (2 * l2H * h[i]) / (i < nData ? nData : n - nData));
  const wE = [...o.wEData, ...o.wEModel];
  return {
    v,
    objective: o.hObjective,
    wH,
    wE,
    gradH: mlpBackwardParams64(layout, hParams, x, n, wH),
    gradE: energyParamGrad64(x, wE, mu, sigma),
  };
}

/** The true log(p(x) / q_theta(x)) that H + E approaches at the optimum. */
export const logRatio1D = (x: number, mu: number, sigma: number): number => logDensityData1D(x) - logNormal(x, mu, Math.abs(sigma));

export interface ExactCriticRun64 {
  /** (mu, sigma) after each of the iterations. */
  path: [number, number][];
}

/**
 * Theta's updates alone with the exact critic in place of H: every iteration
 * draws the same samples as the GPU run (onedSamples64), sets
 * v = log p - log q_theta (the optimum H + E), and takes one optimiser step
 * on (mu, sigma) along the f-EBM gradient, covariance term included. It
 * separates what the optimiser does with theta's noisy gradients from what
 * an imperfect H adds (docs/results-1d.md, "Pearson chi^2"). Sigma is kept >= 1e-3.
 */
export function exactCriticTheta64(
  spec: DivergenceSpec,
  optimizer: ValidOptimizerSpec,
  options: { iterations: number; batch: number; seed: number; init?: { mu: number; sigma: number } },
): ExactCriticRun64 {
  const { iterations, batch, seed } = options;
  const nFirst = Math.floor(batch * DATA_1D.weights[0] + 1e-9); // as firstComponentCount
  const state: OptimizerState64 = { theta: [options.init?.mu ?? 0, options.init?.sigma ?? 1], m: [0, 0], v: [0, 0], t: 0 };
  const path: [number, number][] = [];
  for (let it = 0; it < iterations; it++) {
    const [mu, sigma] = state.theta;
    const x = onedSamples64(seed, it, batch, nFirst, mu, sigma);
    const v = x.map((xi) => logRatio1D(xi, mu, sigma));
    const o = objectives64(spec, 'stable', v.slice(0, batch), v.slice(batch));
    optimizerStep64(optimizer, state, energyParamGrad64(x, [...o.wEData, ...o.wEModel], mu, sigma));
    state.theta[1] = Math.max(state.theta[1], 1e-3);
    path.push([state.theta[0], state.theta[1]]);
  }
  return { path };
}

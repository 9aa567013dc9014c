// T1 (bench/WORKLOADS.md): one f-EBM training iteration (Algorithm 1). The
// workload's constants, its trainer configuration, the FLOP count of one
// iteration, and the implementations measured; shared by the page side
// (bench/t1/t1.jobs.ts, bench/t1/t1-peers.ts) and the Node side (bench/t1/t1.ts).

import { mlpFlopsPerSample, type MlpSpec, type TrainerConfig } from '../../src/index';

export const T1_IMPLS = ['febm-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'jax-js-webgpu'] as const;
export type T1Impl = (typeof T1_IMPLS)[number];

/** The sizes of one T1 iteration (the workload's, or smaller for checks and tests). */
export interface T1Size {
  /** Hidden width of both MLPs [2, w, w, 1]. */
  width: number;
  /** Data batch B. */
  batch: number;
  /** Persistent chains N. */
  chains: number;
  /** Langevin steps K per iteration. */
  steps: number;
}

/** The workload: E and H MLP [2,128,128,1] SiLU, B = N = 4096, K = 60. */
export const T1_SIZE: T1Size = { width: 128, batch: 4096, chains: 4096, steps: 60 };

/** Workload settings that do not change with the size. */
export const T1 = {
  /** ULA step, as L1. */
  eta: 0.01,
  /** Adam on both networks: lr 1e-3, betas 0.9 / 0.999 (epsilon: our default, given to every peer). */
  adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  divergence: 'jensen_shannon' as const,
  /** Rows of the 8-Gaussians data set the batches are drawn from (uniform, with replacement). */
  dataRows: 100_000,
  dataSeed: 8,
  /** Protocol: the median of >= 5 timed blocks of >= 10 iterations. */
  blocks: 5,
  blockIterations: 10,
};

export function t1Spec(width: number): MlpSpec {
  return { inputDim: 2, hidden: [width, width], activation: 'silu' };
}

/**
 * Our trainer's configuration for T1: f-EBM with Jensen-Shannon (stable
 * numerics, i.e. the exact formulas, as the peers write them), no L2 penalty,
 * no warm-up; Adam on both networks. Persistent chains: a replay buffer of
 * exactly N rows and reuse probability 1, so every chain restarts from one of
 * the previous iteration's N samples (the first iteration starts from uniform
 * noise over the data's range). One command encoder (and submit) per
 * iteration; no readback inside a block: metrics (and the NaN check's
 * readback) only at the end of each run() call.
 */
export function t1TrainerConfig(size: T1Size, seed = 1): TrainerConfig {
  const spec = t1Spec(size.width);
  const { lr, beta1, beta2, eps } = T1.adam;
  return {
    energy: spec,
    variational: spec,
    divergence: { name: T1.divergence },
    numerics: 'stable',
    optimizerE: { kind: 'adam', lr, beta1, beta2, eps },
    optimizerH: { kind: 'adam', lr, beta1, beta2, eps },
    batch: size.batch,
    chains: size.chains,
    sampler: { kind: 'ula', steps: size.steps, eta: T1.eta },
    replay: { capacity: size.chains, reuse: 1 },
    l2: 0,
    warmup: 0,
    seed,
    metricsEvery: 2 ** 31,
    iterationsPerSubmit: 1,
  };
}

/**
 * FLOPs of one T1 iteration, counted once here and used for every
 * implementation (the work the algorithm needs, not what an implementation
 * happens to recompute). With F = mlpFlopsPerSample([2, w, w, 1]) = 2 (2w + w^2 + w)
 * (forward, 2ab per layer of fan-in a and fan-out b; 33,536 at w = 128):
 *
 *   sampling:  N K (F + F)                  forward + input gradient per chain-step (L1's 67,072 at w = 128)
 *   H step:    (B + N) (F + F + 2F - 4w)    E forward and H forward (v = H + E), then H's parameter
 *                                           gradient: the parameter products (F) and the products
 *                                           back to each hidden layer's input (F less the first
 *                                           layer's 2 * 2 * w, which gradients never need)
 *   E step:    (B + N) (F + 2F - 4w)        H forward with the updated H, then E's parameter gradient
 *
 *   total = 2 N K F + (B + N) (7F - 8w)
 *
 * At the workload's sizes: 16,483,614,720 + 1,914,699,776 = 18,398,314,496
 * FLOP. Elementwise work (activations, losses, Adam, random numbers) is not
 * counted.
 */
export function t1FlopsPerIteration(size: T1Size): number {
  const s = t1StageFlops(size);
  return s.sample + s.hStep + s.eStep;
}

/** The FLOPs of t1FlopsPerIteration by stage of the iteration (the trainer's stage names). */
export function t1StageFlops(size: T1Size): { sample: number; hStep: number; eStep: number } {
  const F = mlpFlopsPerSample(t1Spec(size.width));
  const w = size.width;
  const n = size.batch + size.chains;
  return {
    sample: 2 * size.chains * size.steps * F,
    hStep: n * (F + F + 2 * F - 4 * w),
    eStep: n * (F + 2 * F - 4 * w),
  };
}

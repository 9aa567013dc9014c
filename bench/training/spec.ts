// The training-iteration workloads (bench/WORKLOADS.md, T1 and T2) as data:
// each names its networks, its sizes, its Langevin update, its data and its
// protocol, so that one runner (bench/training/training.ts), one page job
// (bench/training/training.jobs.ts), one set of peers
// (bench/training/peers.ts) and one check (bench/training/check.ts) measure
// both. The workloads themselves are defined in bench/t1/t1-spec.ts and
// bench/t2/t2-spec.ts. Shared by the page side and the Node side.

import { mlpFlopsPerSample, type MlpSpec, type TrainerConfig } from '../../src/index';
import type { LangevinUpdate } from '../langevin/spec';

export const TRAINING_IMPLS = ['febm-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'jax-js-webgpu'] as const;
export type TrainingImpl = (typeof TRAINING_IMPLS)[number];

/** The sizes of one iteration (the workload's, or smaller for checks and tests). */
export interface TrainingSize {
  /** Hidden width of both MLPs [d, w, w, 1]. */
  width: number;
  /** Data batch B. */
  batch: number;
  /** Persistent chains N. */
  chains: number;
  /** Langevin steps K per iteration. */
  steps: number;
}

export interface TrainingWorkload {
  name: 'T1' | 'T2';
  /** Features of x; E and H are MLPs [inputDim, w, w, 1] with SiLU. */
  inputDim: number;
  size: TrainingSize;
  update: LangevinUpdate;
  /**
   * The data set batches are drawn from (uniformly, with replacement): the 2-D
   * mixture of 8 Gaussians (T1), or rows uniform in [0, 1]^inputDim (T2's
   * stand-in for MNIST digits: timing does not depend on the values).
   */
  data: '8gaussians' | 'uniform';
  dataRows: number;
  dataSeed: number;
  /** Fresh chains start uniform in this box (the data's range). */
  startBox: [number, number];
  /** The correctness check's negatives: N(0, 1.5^2) (T1) or uniform in startBox (T2). */
  checkSamples: 'normal' | 'uniform';
}

/** Settings every training workload shares. */
export const TRAINING = {
  /** Adam on both networks: lr 1e-3, betas 0.9 / 0.999 (epsilon: our default, given to every peer). */
  adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  divergence: 'jensen_shannon' as const,
  /** Protocol: the median of >= 5 timed blocks of >= 10 iterations. */
  blocks: 5,
  blockIterations: 10,
};

export function trainingSpec(w: TrainingWorkload, width: number): MlpSpec {
  return { inputDim: w.inputDim, hidden: [width, width], activation: 'silu' };
}

/** The workload's Langevin update as our trainer's sampler settings. */
export function trainerSampler(u: LangevinUpdate, steps: number): TrainerConfig['sampler'] {
  return u.kind === 'ula'
    ? { kind: 'ula', steps, eta: u.eta }
    : { kind: 'du-mordatch', steps, noiseStd: u.noiseStd, gradClip: u.gradClip, stepSize: u.stepSize, box: u.box };
}

/**
 * Our trainer's configuration: f-EBM with Jensen-Shannon (stable numerics,
 * i.e. the exact formulas, as the peers write them), no L2 penalty, no
 * warm-up; Adam on both networks. Persistent chains: a replay buffer of
 * exactly N rows and reuse probability 1, so every chain restarts from one of
 * the previous iteration's N samples (the first iteration starts uniform in
 * the workload's box). One command encoder (and submit) per iteration; no
 * readback inside a block: metrics (and the NaN check's readback) only at the
 * end of each run() call.
 */
export function trainingTrainerConfig(w: TrainingWorkload, size: TrainingSize, seed = 1): TrainerConfig {
  const spec = trainingSpec(w, size.width);
  const { lr, beta1, beta2, eps } = TRAINING.adam;
  return {
    energy: spec,
    variational: spec,
    divergence: { name: TRAINING.divergence },
    numerics: 'stable',
    optimizerE: { kind: 'adam', lr, beta1, beta2, eps },
    optimizerH: { kind: 'adam', lr, beta1, beta2, eps },
    batch: size.batch,
    chains: size.chains,
    sampler: trainerSampler(w.update, size.steps),
    replay: { capacity: size.chains, reuse: 1, initBox: w.startBox },
    l2: 0,
    warmup: 0,
    seed,
    metricsEvery: 2 ** 31,
    iterationsPerSubmit: 1,
  };
}

/**
 * FLOPs of one iteration, counted once here and used for every
 * implementation (the work the algorithm needs, not what an implementation
 * happens to recompute). With F = mlpFlopsPerSample([d, w, w, 1]) =
 * 2 (d w + w^2 + w) (forward, 2ab per layer of fan-in a and fan-out b; 33,536
 * for T1, 1,328,128 for T2):
 *
 *   sampling:  N K (F + F)                  forward + input gradient per chain-step (L1's and L2's count)
 *   H step:    (B + N) (F + F + 2F - 2dw)   E forward and H forward (v = H + E), then H's parameter
 *                                           gradient: the parameter products (F) and the products
 *                                           back to each hidden layer's input (F less the first
 *                                           layer's 2 d w, which gradients never need)
 *   E step:    (B + N) (F + 2F - 2dw)       H forward with the updated H, then E's parameter gradient
 *
 *   total = 2 N K F + (B + N) (7F - 4dw)
 *
 * T1: 16,483,614,720 + 1,914,699,776 = 18,398,314,496 FLOP. T2:
 * 13,600,030,720 + 3,937,927,168 = 17,537,957,888 (bench/WORKLOADS.md rounds
 * it up to about 19 G by counting each step as 4F per sample). Elementwise
 * work (activations, losses, Adam, random numbers) is not counted.
 */
export function trainingFlopsPerIteration(w: TrainingWorkload, size: TrainingSize): number {
  const s = trainingStageFlops(w, size);
  return s.sample + s.hStep + s.eStep;
}

/** The FLOPs of trainingFlopsPerIteration by stage of the iteration (the trainer's stage names). */
export function trainingStageFlops(w: TrainingWorkload, size: TrainingSize): { sample: number; hStep: number; eStep: number } {
  const F = mlpFlopsPerSample(trainingSpec(w, size.width));
  const first = 2 * w.inputDim * size.width;
  const n = size.batch + size.chains;
  return {
    sample: 2 * size.chains * size.steps * F,
    hStep: n * (F + F + 2 * F - first),
    eStep: n * (F + 2 * F - first),
  };
}

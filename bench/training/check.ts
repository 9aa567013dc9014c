// The training workloads' correctness check (T1, T2), run on every
// implementation before it is timed and by test/bench/training.gpu.test.ts:
// one training step (one H step, then one E step with
// the updated H, fresh Adam) from given parameters, data batch and negatives,
// against the float64 reference of the same update (src/trainer/reference.ts:
// objectives, both gradients with the covariance term, both Adam steps).

import { validateTrainerConfig } from '../../src/index';
import { relativeError, trainerUpdate64, type Update64Result } from '../../src/kernels';
import { trainingTrainerConfig, type TrainingSize, type TrainingWorkload } from './spec';

/** One implementation's update, parameters and gradients packed (src/mlp/params.ts). */
export interface PackedUpdate {
  hObjective: number;
  eObjective: number;
  gradH: ArrayLike<number>;
  gradE: ArrayLike<number>;
  paramsH: ArrayLike<number>;
  paramsE: ArrayLike<number>;
}

/**
 * Tolerances (float32 implementations against float64), each relative to the
 * reference's scale: objectives to max(1, |L|); gradients to their largest
 * entry; Adam steps (new - old) to the largest step, compared only where
 * |g| > 1e-3 max |g| (Adam's first step is lr g / (|g| + eps), about
 * lr sign(g), so an f32 gradient entry near 0 may flip its sign). The E
 * gradient comes after an Adam step on H, so it gets a looser bound. Measured
 * errors are about 100 times smaller (see test/bench/training.gpu.test.ts).
 */
export const TRAINING_CHECK_TOLERANCE = { objective: 1e-4, gradH: 1e-3, gradE: 3e-3, stepH: 1e-3, stepE: 3e-3 };

export type TrainingCheckErrors = Record<keyof typeof TRAINING_CHECK_TOLERANCE, number>;

export interface TrainingCheckResult {
  ok: boolean;
  errors: TrainingCheckErrors;
  /** The first error over its tolerance, in words (null when ok). */
  failure: string | null;
}


function stepError(after: ArrayLike<number>, before: ArrayLike<number>, refAfter: ArrayLike<number>, refGrad: ArrayLike<number>): number {
  if (after.length !== before.length) return Infinity;
  let gmax = 0;
  for (let i = 0; i < refGrad.length; i++) gmax = Math.max(gmax, Math.abs(refGrad[i]));
  const moved: number[] = [];
  const expected: number[] = [];
  for (let i = 0; i < before.length; i++) {
    if (!(Math.abs(refGrad[i]) > 1e-3 * gmax)) continue;
    moved.push(after[i] - before[i]);
    expected.push(refAfter[i] - before[i]);
  }
  return relativeError(moved, expected, 1e-12);
}

/** The float64 reference of one update of a workload at the given size (width, data and samples decide B and N). */
export function trainingReference(w: TrainingWorkload, size: TrainingSize, input: { paramsE: ArrayLike<number>; paramsH: ArrayLike<number>; data: ArrayLike<number>; samples: ArrayLike<number> }): Update64Result {
  const d = w.inputDim;
  const v = validateTrainerConfig({ ...trainingTrainerConfig(w, size), batch: input.data.length / d, chains: input.samples.length / d });
  return trainerUpdate64(v, input);
}

/** Compares an update with the reference; before: the parameters it started from. */
export function checkTrainingUpdate(got: PackedUpdate, ref: Update64Result, before: { paramsE: ArrayLike<number>; paramsH: ArrayLike<number> }): TrainingCheckResult {
  const close = (a: number, b: number) => (Number.isFinite(a) ? Math.abs(a - b) / Math.max(1, Math.abs(b)) : Infinity);
  const errors: TrainingCheckErrors = {
    objective: Math.max(close(got.hObjective, ref.hObjective), close(got.eObjective, ref.eObjective)),
    gradH: relativeError(got.gradH, ref.gradH!, 1e-12),
    gradE: relativeError(got.gradE, ref.gradE, 1e-12),
    stepH: stepError(got.paramsH, before.paramsH, ref.paramsH!, ref.gradH!),
    stepE: stepError(got.paramsE, before.paramsE, ref.paramsE, ref.gradE),
  };
  const over = (Object.keys(TRAINING_CHECK_TOLERANCE) as (keyof TrainingCheckErrors)[]).find((k) => !(errors[k] <= TRAINING_CHECK_TOLERANCE[k]));
  return {
    ok: over === undefined,
    errors,
    failure: over === undefined ? null : `${over} differs from the float64 reference by ${errors[over]} (tolerance ${TRAINING_CHECK_TOLERANCE[over]})`,
  };
}

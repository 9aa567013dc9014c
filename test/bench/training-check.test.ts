// The training workloads' correctness check (bench/training/check.ts) fails
// where it should: a gradient, objective or Adam step off by a little more
// than its tolerance, or a non-finite value. (test/bench/training.gpu.test.ts
// runs it on every implementation.)
import { describe, expect, it } from 'vitest';
import { checkTrainingUpdate, trainingReference, TRAINING_CHECK_TOLERANCE } from '../../bench/training/check';
import { T1 } from '../../bench/t1/t1-spec';
import { generateToy } from '../../src/data/toy';
import { initParams, paramLayout } from '../../src/mlp/params';
import { seededNormal } from '../../src/rng/random';

const WIDTH = 16;
const BATCH = 24;
const CHAINS = 20;

function inputs(seed: number) {
  const layout = paramLayout({ inputDim: 2, hidden: [WIDTH, WIDTH], activation: 'silu' });
  const z = seededNormal(seed);
  return {
    paramsE: Array.from(initParams(layout, seed + 1)),
    paramsH: Array.from(initParams(layout, seed + 2)),
    data: Array.from(generateToy('8gaussians', BATCH, seed + 3)),
    samples: Array.from({ length: 2 * CHAINS }, () => Math.fround(1.5 * z())),
  };
}

describe('training check (T1)', () => {
  it('rejects a wrong gradient, objective or step', () => {
    const input = inputs(950);
    const ref = trainingReference(T1, { width: WIDTH, batch: BATCH, chains: CHAINS, steps: 1 }, input);
    const exact = { hObjective: ref.hObjective, eObjective: ref.eObjective, gradH: ref.gradH!, gradE: ref.gradE, paramsH: ref.paramsH!, paramsE: ref.paramsE };
    expect(checkTrainingUpdate(exact, ref, input).ok).toBe(true);
    // Each error just over its tolerance.
    const scaled = (a: number[], f: number) => a.map((x) => x * f);
    expect(checkTrainingUpdate({ ...exact, gradE: scaled(ref.gradE, 1 + 1.5 * TRAINING_CHECK_TOLERANCE.gradE) }, ref, input).failure).toMatch(/^gradE/);
    expect(checkTrainingUpdate({ ...exact, gradH: scaled(ref.gradH!, -1) }, ref, input).failure).toMatch(/^gradH/);
    expect(checkTrainingUpdate({ ...exact, eObjective: ref.eObjective + 0.01 }, ref, input).failure).toMatch(/^objective/);
    const backwards = ref.paramsE.map((p, i) => 2 * input.paramsE[i] - p);
    expect(checkTrainingUpdate({ ...exact, paramsE: backwards }, ref, input).failure).toMatch(/^stepE/);
    expect(checkTrainingUpdate({ ...exact, gradE: [...ref.gradE.slice(1), NaN] }, ref, input).ok).toBe(false);
  });
});


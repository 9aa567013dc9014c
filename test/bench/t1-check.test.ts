// T1's correctness check (bench/t1/t1-check.ts) fails where it should: a
// gradient, objective or Adam step off by a little more than its tolerance,
// or a non-finite value. (test/bench/t1.gpu.test.ts runs it on every implementation.)
import { describe, expect, it } from 'vitest';
import { checkT1Update, t1Reference, T1_CHECK_TOLERANCE } from '../../bench/t1/t1-check';
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

describe('T1 check', () => {
  it('rejects a wrong gradient, objective or step', () => {
    const input = inputs(950);
    const ref = t1Reference({ width: WIDTH, batch: BATCH, chains: CHAINS, steps: 1 }, input);
    const exact = { hObjective: ref.hObjective, eObjective: ref.eObjective, gradH: ref.gradH!, gradE: ref.gradE, paramsH: ref.paramsH!, paramsE: ref.paramsE };
    expect(checkT1Update(exact, ref, input).ok).toBe(true);
    // Each error just over its tolerance.
    const scaled = (a: number[], f: number) => a.map((x) => x * f);
    expect(checkT1Update({ ...exact, gradE: scaled(ref.gradE, 1 + 1.5 * T1_CHECK_TOLERANCE.gradE) }, ref, input).failure).toMatch(/^gradE/);
    expect(checkT1Update({ ...exact, gradH: scaled(ref.gradH!, -1) }, ref, input).failure).toMatch(/^gradH/);
    expect(checkT1Update({ ...exact, eObjective: ref.eObjective + 0.01 }, ref, input).failure).toMatch(/^objective/);
    const backwards = ref.paramsE.map((p, i) => 2 * input.paramsE[i] - p);
    expect(checkT1Update({ ...exact, paramsE: backwards }, ref, input).failure).toMatch(/^stepE/);
    expect(checkT1Update({ ...exact, gradE: [...ref.gradE.slice(1), NaN] }, ref, input).ok).toBe(false);
  });
});


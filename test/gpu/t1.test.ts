// T1 (bench/t1.jobs.ts) on the real WebGPU adapter, at tiny sizes: each
// implementation's training step (ours and every peer's) against the float64
// reference of the same update, i.e. the check T1 runs before it times
// anything; and the T1 job itself, for ours and for the peers, through its
// whole protocol (check, warm-up, timed blocks, stage timings, time budget).
import { describe, expect, it } from 'vitest';
import { checkT1Update, t1Reference, T1_CHECK_TOLERANCE } from '../../bench/t1-check';
import { T1_IMPLS, type T1Size } from '../../bench/t1-spec';
import type { T1JobResult } from '../../bench/t1.jobs';
import { generateToy } from '../../src/data/toy';
import { initParams, paramLayout } from '../../src/params';
import { seededNormal } from '../../src/random';
import { useHarness } from './harness';

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

describe('T1: one training step of each implementation against float64', () => {
  const page = useHarness();

  for (const [index, impl] of T1_IMPLS.entries()) {
    it(impl, async () => {
      const input = inputs(900 + index);
      const got = await page().run<Parameters<typeof checkT1Update>[0]>('t1.update', { impl, width: WIDTH, ...input });
      const ref = t1Reference({ width: WIDTH, batch: BATCH, chains: CHAINS, steps: 1 }, input);
      const r = checkT1Update(got, ref, input);
      console.log(`${impl}: ${Object.entries(r.errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
      expect(r.failure).toBeNull();
      expect(r.ok).toBe(true);
    });
  }

  it('the check rejects a wrong gradient or a wrong step', () => {
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

describe('T1: the benchmark job at a tiny size', () => {
  const page = useHarness();
  const size: T1Size = { width: WIDTH, batch: 64, chains: 48, steps: 3 };

  it('febm-gpu: check, warm-up, 2 blocks of 3 iterations, stage timings', async () => {
    const r = await page().run<T1JobResult>('t1.cell', { impl: 'febm-gpu', size, checkBatch: 16, blocks: 2, blockIterations: 3, stages: true });
    console.log(`febm-gpu tiny T1: ${r.iterationsPerSecond.toFixed(1)} it/s, stages ${JSON.stringify(r.stageSeconds)}`);
    expect(r.check.ok).toBe(true);
    expect(r.seconds).toHaveLength(2);
    expect(r.blockIterations).toBe(3);
    expect(r.protocol).toBe('full');
    expect(r.iterationsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(r.stageSeconds!)).toEqual(['draw', 'sample', 'hStep', 'eStep', 'checks']);
  });

  for (const impl of T1_IMPLS.filter((i) => i !== 'febm-gpu')) {
    it(`${impl}: check, warm-up and a time budget that allows one iteration`, async () => {
      const r = await page().run<T1JobResult>('t1.cell', { impl, size, checkBatch: 16, blocks: 5, blockIterations: 10, budgetSeconds: 1e-3 });
      console.log(`${impl} tiny T1: ${r.iterationsPerSecond.toFixed(1)} it/s, ${r.seconds.length} block(s) of ${r.blockIterations}`);
      expect(r.check.ok).toBe(true);
      expect(r.protocol).toBe('budget');
      expect(r.blockIterations).toBe(1);
      expect(r.seconds).toHaveLength(1);
      expect(r.iterationsPerSecond).toBeGreaterThan(0);
    });
  }
});

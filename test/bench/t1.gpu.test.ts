// T1 (bench/t1/t1.jobs.ts) on the real WebGPU adapter, at tiny sizes: the T1 job
// for ours and for every peer through its whole protocol, starting with the
// check it runs before timing anything (one training step against the float64
// reference of the same update), and a peer without the covariance term,
// which the check must reject. (test/bench/t1-check.test.ts: the check's own
// failures.)
import { describe, expect, it } from 'vitest';
import { T1_CHECK_TOLERANCE } from '../../bench/t1/t1-check';
import { T1_IMPLS, type T1Size } from '../../bench/t1/t1-spec';
import type { T1JobResult } from '../../bench/t1/t1.jobs';
import { useGpu } from '../support/gpu';

const WIDTH = 16;

describe('T1: the benchmark job at a tiny size, each implementation checked against float64 first', () => {
  const gpu = useGpu();
  // The check's B = N equal the run's, so that ours compiles its kernels once.
  const size: T1Size = { width: WIDTH, batch: 16, chains: 16, steps: 3 };
  const checkBatch = 16;
  const report = (impl: string, r: T1JobResult) =>
    console.log(
      `${impl}: check ${Object.entries(r.check.errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}; ` +
        `tiny T1 ${r.iterationsPerSecond.toFixed(1)} it/s, ${r.seconds.length} block(s) of ${r.blockIterations}`,
    );
  const expectChecked = (r: T1JobResult) => {
    expect(r.check.batch).toBe(checkBatch);
    expect(r.check.failure).toBeNull();
    for (const [k, v] of Object.entries(r.check.errors)) expect(v, k).toBeLessThanOrEqual(T1_CHECK_TOLERANCE[k as keyof typeof T1_CHECK_TOLERANCE]);
  };

  it('febm-gpu: check, warm-up, 2 blocks of 3 iterations, stage timings', async () => {
    const r = await gpu.t1.cell({ impl: 'febm-gpu', size, checkBatch, blocks: 2, blockIterations: 3, stages: true });
    report('febm-gpu', r);
    expectChecked(r);
    expect(r.seconds).toHaveLength(2);
    expect(r.blockIterations).toBe(3);
    expect(r.protocol).toBe('full');
    expect(r.iterationsPerSecond).toBeGreaterThan(0);
    expect(Object.keys(r.stageSeconds!)).toEqual(['draw', 'sample', 'hStep', 'eStep', 'checks']);
  });

  for (const impl of T1_IMPLS.filter((i) => i !== 'febm-gpu')) {
    it(`${impl}: check, warm-up and a time budget that allows one iteration`, async () => {
      const r = await gpu.t1.cell({ impl, size, checkBatch, blocks: 5, blockIterations: 10, budgetSeconds: 1e-3 });
      report(impl, r);
      expectChecked(r);
      expect(r.protocol).toBe('budget');
      expect(r.blockIterations).toBe(1);
      expect(r.seconds).toHaveLength(1);
      expect(r.iterationsPerSecond).toBeGreaterThan(0);
    });
  }

  it('a peer whose E step lacks the covariance term fails the check and is not timed', async () => {
    await expect(gpu.t1.cell({ impl: 'tfjs-wasm', size, checkBatch, omitCovariance: true })).rejects.toThrow(/gradE differs from the float64 reference/);
  });
});

// The training workloads' job (bench/training/training.jobs.ts) on the real
// WebGPU adapter, at tiny sizes: T1 and T2 for ours and for every peer
// through the whole protocol, starting with the check each runs before timing
// anything (one training step against the float64 reference of the same
// update), and a peer without the covariance term, which the check must
// reject. (test/bench/training-check.test.ts: the check's own failures.)
import { describe, expect, it } from 'vitest';
import { TRAINING_CHECK_TOLERANCE } from '../../bench/training/check';
import { TRAINING_IMPLS, type TrainingSize } from '../../bench/training/spec';
import type { TrainingJobResult } from '../../bench/training/training.jobs';
import { useGpu } from '../support/gpu';

// The check's B = N equal the run's, so that ours compiles its kernels once.
// T2's networks take 784 features (its data and its Du & Mordatch update); a
// narrow width keeps the float64 reference and the peers' compiles short.
const CASES: { workload: 'T1' | 'T2'; size: TrainingSize }[] = [
  { workload: 'T1', size: { width: 16, batch: 16, chains: 16, steps: 3 } },
  { workload: 'T2', size: { width: 8, batch: 8, chains: 8, steps: 2 } },
];

for (const { workload, size } of CASES) {
  describe(`${workload}: the benchmark job at a tiny size, each implementation checked against float64 first`, () => {
    const gpu = useGpu();
    const checkBatch = size.batch;
    const report = (impl: string, r: TrainingJobResult) =>
      console.log(
        `${workload} ${impl}: check ${Object.entries(r.check.errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}; ` +
          `tiny ${workload} ${r.iterationsPerSecond.toFixed(1)} it/s, ${r.seconds.length} block(s) of ${r.blockIterations}`,
      );
    const expectChecked = (r: TrainingJobResult) => {
      expect(r.workload).toBe(workload);
      expect(r.check.batch).toBe(checkBatch);
      expect(r.check.failure).toBeNull();
      for (const [k, v] of Object.entries(r.check.errors)) expect(v, k).toBeLessThanOrEqual(TRAINING_CHECK_TOLERANCE[k as keyof typeof TRAINING_CHECK_TOLERANCE]);
    };

    it('febm-gpu: check, warm-up, 2 blocks of 3 iterations, stage timings', async () => {
      const r = await gpu.training.cell({ workload, impl: 'febm-gpu', size, checkBatch, blocks: 2, blockIterations: 3, stages: true });
      report('febm-gpu', r);
      expectChecked(r);
      expect(r.seconds).toHaveLength(2);
      expect(r.blockIterations).toBe(3);
      expect(r.protocol).toBe('full');
      expect(r.iterationsPerSecond).toBeGreaterThan(0);
      expect(Object.keys(r.stageSeconds!)).toEqual(['draw', 'sample', 'hStep', 'eStep', 'checks']);
    });

    for (const impl of TRAINING_IMPLS.filter((i) => i !== 'febm-gpu')) {
      it(`${impl}: check, warm-up and a time budget that allows one iteration`, async () => {
        const r = await gpu.training.cell({ workload, impl, size, checkBatch, blocks: 5, blockIterations: 10, budgetSeconds: 1e-3 });
        report(impl, r);
        expectChecked(r);
        expect(r.protocol).toBe('budget');
        expect(r.blockIterations).toBe(1);
        expect(r.seconds).toHaveLength(1);
        expect(r.iterationsPerSecond).toBeGreaterThan(0);
      });
    }

    if (workload === 'T1') {
      it('a peer whose E step lacks the covariance term fails the check and is not timed', async () => {
        await expect(gpu.training.cell({ workload, impl: 'tfjs-wasm', size, checkBatch, omitCovariance: true })).rejects.toThrow(/gradE differs from the float64 reference/);
      });
    }
  });
}

// The Langevin workloads' job (bench/langevin/langevin.jobs.ts) on the real
// WebGPU adapter, at tiny sizes: L1 (2-D, ULA) and L2 (784-D, Du & Mordatch
// with the gradient and box clips) for ours and every peer, each through the
// check it runs before timing (ours: one sampler step against the float64
// reference; peers: the input gradient) and one timed run.
import { describe, expect, it } from 'vitest';
import { LANGEVIN_CHECK_TOLERANCE, LANGEVIN_IMPLS } from '../../bench/langevin/langevin.jobs';
import { useGpu } from '../support/gpu';

const CASES = [
  { workload: 'L1', n: 20, width: 16, steps: 3 },
  { workload: 'L2', n: 9, width: 8, steps: 2 },
] as const;

for (const c of CASES) {
  describe(`${c.workload}: the benchmark job at a tiny size, each implementation checked against float64 first`, () => {
    const gpu = useGpu();
    for (const impl of LANGEVIN_IMPLS) {
      it(`${impl}: check, warm-up, one timed run, samples finite (and in the box)`, async () => {
        const r = await gpu.langevin.cell({ ...c, impl, runs: 1 });
        console.log(`${c.workload} ${impl}: ${r.check.what} ${r.check.relError.toExponential(1)}; ${r.chainStepsPerSecond.toFixed(0)} chain-steps/s`);
        expect(r.workload).toBe(c.workload);
        expect(r.check.relError).toBeLessThan(impl === 'febm-gpu' ? 50 * LANGEVIN_CHECK_TOLERANCE : LANGEVIN_CHECK_TOLERANCE);
        expect(r.runs).toBe(1);
        expect(r.steps).toBe(c.steps);
        expect(r.finite).toBe(true);
      });
    }
  });
}

// The 1-D experiment on the real WebGPU adapter: single iterations of
// Algorithm 1 against the float64 reference (src/reference/oned.ts), every
// intermediate buffer checked; then a short training run with a fixed seed
// that must move (mu, sigma) toward the exact optimum.
import { describe, expect, it } from 'vitest';
import type { DivergenceSpec, Numerics } from '../../src/divergence';
import { ONED_H_SPEC, firstComponentCount, type OnedResult } from '../../src/experiments/oned';
import { validateOptimizer, type OptimizerSpec } from '../../src/optim';
import { paramLayout } from '../../src/params';
import { NORMAL_ABS_TOLERANCE } from '../../src/philox';
import { onedGradients64, onedSamples64 } from '../../src/reference/oned';
import { exactOptimum } from '../../src/reference/optimum';
import { relativeError, useHarness } from './harness';
import type { StepRecord } from './oned.jobs';

const layout = paramLayout(ONED_H_SPEC);

/** H gradient: MLP backward in f32 over 2 batches (relative to its largest entry, as test/gpu/mlp.test.ts). */
const GRAD_H_TOL = 2e-4;
/** E gradient and objective: f32 sums of up to 2000 weighted terms, relative to the sum of |terms|. */
const GRAD_E_TOL = 1e-4;

interface StepCase {
  divergence: DivergenceSpec;
  numerics: Numerics;
  optimizer: OptimizerSpec;
  batch: number;
}

const STEP_CASES: StepCase[] = [
  { divergence: { name: 'jensen_shannon' }, numerics: 'authors', optimizer: { kind: 'sgd', lr: 1e-3 }, batch: 67 },
  { divergence: { name: 'kl' }, numerics: 'stable', optimizer: { kind: 'adam', lr: 1e-2 }, batch: 50 },
  { divergence: { name: 'alpha', alpha: -0.5 }, numerics: 'stable', optimizer: { kind: 'sgd', lr: 0.05 }, batch: 33 },
];

describe('1-D experiment: one iteration at a time against float64', () => {
  const page = useHarness();

  for (const c of STEP_CASES) {
    const label = `${c.divergence.name}${c.divergence.alpha !== undefined ? `(${c.divergence.alpha})` : ''}, ${c.numerics}, ${c.optimizer.kind}, batch ${c.batch}`;
    it(label, async () => {
      const seed = 1234;
      const STEPS = 3;
      const { records } = await page().run<{ records: StepRecord[] }>('oned.steps', {
        config: { divergence: c.divergence, numerics: c.numerics, optimizer: c.optimizer, batch: c.batch, seed, iterations: STEPS, traceEvery: 1 },
        steps: STEPS,
      });
      const opt = validateOptimizer(c.optimizer);
      const nFirst = firstComponentCount(c.batch);
      const spec = c.divergence;
      records.forEach((r, it) => {
        // The GPU advanced its own counter: one per iteration.
        expect(r.counter).toBe(it + 1);
        // Samples: Philox step = iteration; data stratified, model mu + sigma z.
        const xs = onedSamples64(seed, it, c.batch, nFirst, r.muBefore, r.sigmaBefore);
        xs.forEach((x, i) => expect(Math.abs(r.x[i] - x), `sample ${i} of iteration ${it}`).toBeLessThanOrEqual(3 * NORMAL_ABS_TOLERANCE));
        // H step: gradient from the state before; the update applied with it.
        const h = onedGradients64(spec, c.numerics, layout, r.hBefore, r.muBefore, r.sigmaBefore, r.x, c.batch);
        expect(relativeError(r.gradH, h.gradH)).toBeLessThan(GRAD_H_TOL);
        if (opt.kind === 'sgd') {
          const expected = r.hBefore.map((p, i) => Math.fround(p + opt.lr * r.gradH[i]));
          expect(relativeError(r.hAfter.map((p, i) => p - r.hBefore[i]), expected.map((p, i) => p - r.hBefore[i]), 1e-12)).toBeLessThan(1e-2);
        } else {
          // Adam's first step (bias-corrected m = g, v = g^2) moves each parameter by lr g / (|g| + eps), along g (ascent).
          if (it === 0) {
            r.hAfter.forEach((p, i) => {
              const g = r.gradH[i];
              // Tolerance: optim.wgsl forms Adam's bias correction 1 - beta2^t as
              // 1 - exp2(t log2 beta2) in f32; exp2's few-ULP error near 0.999
              // becomes ~1e-4 relative in 1 - beta2^t, so the step can be off by
              // ~5e-5 of itself: allow 1e-4 * lr. The new parameter is rounded
              // to f32: allow 2 units in its last place.
              const ulp = 2 ** (Math.floor(Math.log2(Math.max(Math.abs(p), Math.abs(r.hBefore[i]), 2 ** -126))) - 23);
              expect(Math.abs(p - r.hBefore[i] - (opt.lr * g) / (Math.abs(g) + opt.eps)), `parameter ${i}`).toBeLessThan(1e-4 * opt.lr + 2 * ulp);
            });
          }
        }
        // E step with the updated H: v, objective and gradient (covariance term included).
        const e = onedGradients64(spec, c.numerics, layout, r.hAfter, r.muBefore, r.sigmaBefore, r.x, c.batch);
        expect(relativeError(r.v, e.v)).toBeLessThan(1e-5);
        const scaleE = [0, 1].map((k) => r.x.reduce((s, x, i) => {
          const z = (x - r.muBefore) / r.sigmaBefore;
          return s + Math.abs(e.wE[i] * (k === 0 ? z / r.sigmaBefore : (z * z) / r.sigmaBefore));
        }, 0));
        for (const k of [0, 1]) {
          expect(Math.abs(r.gradE[k] - e.gradE[k]) / scaleE[k], `dL/d${k === 0 ? 'mu' : 'sigma'}`).toBeLessThan(GRAD_E_TOL);
        }
        const absTerms = e.v.reduce((s, v) => s + Math.abs(v), 0) / e.v.length;
        expect(Math.abs(r.objective - e.objective) / (1 + absTerms)).toBeLessThan(GRAD_E_TOL);
        if (opt.kind === 'sgd') {
          expect(Math.abs(r.muAfter - (r.muBefore - opt.lr * r.gradE[0]))).toBeLessThan(1e-6);
          expect(Math.abs(r.sigmaAfter - (r.sigmaBefore - opt.lr * r.gradE[1]))).toBeLessThan(1e-6);
        } else if (it === 0) {
          expect(Math.abs(r.muAfter - (r.muBefore - opt.lr * Math.sign(r.gradE[0])))).toBeLessThan(1e-6);
          expect(Math.abs(r.sigmaAfter - (r.sigmaBefore - opt.lr * Math.sign(r.gradE[1])))).toBeLessThan(1e-6);
        }
      });
    });
  }
});

// The optimiser kernels (shaders/optim.wgsl) against optimizerStep64 (the
// float64 form of PyTorch's SGD and Adam, plus the linear decay): many steps
// per submit (the counter lives on the GPU), ascent and descent, odd sizes.
import { describe, expect, it } from 'vitest';
import { optimizerStep64, validateOptimizer, type OptimizerSpec, type OptimizerState64 } from '../../src/optim/optim';
import { seededNormal } from '../../src/rng/random';
import { relativeError, useGpu } from '../support/gpu';

/** f32 parameters after up to 40 steps: rounding of theta, m, v and the update. */
const TOL = 1e-5;

/** gradScale: a factor per submit (default 1), so that clipping has something to clip. */
interface Case { name: string; spec: OptimizerSpec; maximize: boolean; count: number; submits: number; stepsPerSubmit: number; gradScale?: number[] }

const CASES: Case[] = [
  { name: 'SGD, 1 parameter, 3 submits of 1 step', spec: { kind: 'sgd', lr: 0.1 }, maximize: false, count: 1, submits: 3, stepsPerSubmit: 1 },
  { name: 'SGD ascent, 67 parameters, 4 submits of 10 steps', spec: { kind: 'sgd', lr: 1e-3 }, maximize: true, count: 67, submits: 4, stepsPerSubmit: 10 },
  { name: 'Adam, 67 parameters, 4 submits of 10 steps', spec: { kind: 'adam', lr: 1e-2 }, maximize: false, count: 67, submits: 4, stepsPerSubmit: 10 },
  { name: 'Adam ascent, beta1 = 0, 130 parameters', spec: { kind: 'adam', lr: 3e-4, beta1: 0, beta2: 0.999 }, maximize: true, count: 130, submits: 3, stepsPerSubmit: 7 },
  { name: 'Adam with linear decay over 20 steps', spec: { kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 20 }, maximize: false, count: 9, submits: 3, stepsPerSubmit: 10 },
  { name: 'SGD with linear decay', spec: { kind: 'sgd', lr: 0.05, lrFinal: 0, decaySteps: 15 }, maximize: false, count: 5, submits: 2, stepsPerSubmit: 10 },
  {
    name: "Adam with the authors' per-element clipping (beta1 0, 3 RMS + 0.1), gradients growing 10x per submit",
    spec: { kind: 'adam', lr: 1e-2, beta1: 0, clipRms: 3, clipAdd: 0.1 }, maximize: false, count: 33, submits: 3, stepsPerSubmit: 5, gradScale: [1, 10, 100],
  },
  { name: 'Adam with warm-up then decay', spec: { kind: 'adam', lr: 1e-2, warmupSteps: 8, lrFinal: 2e-3, decaySteps: 12 }, maximize: true, count: 11, submits: 3, stepsPerSubmit: 9 },
];

describe('optim.wgsl against optimizerStep64', () => {
  const gpu = useGpu();

  for (const [index, c] of CASES.entries()) {
    it(c.name, async () => {
      const z = seededNormal(300 + index);
      const theta = Array.from({ length: c.count }, () => Math.fround(z()));
      const grads = Array.from({ length: c.submits }, (_, k) => Array.from({ length: c.count }, () => Math.fround((c.gradScale?.[k] ?? 1) * z())));
      const res = await gpu.optim.run({
        spec: c.spec, maximize: c.maximize, theta, grads, stepsPerSubmit: c.stepsPerSubmit,
      });
      const spec = validateOptimizer(c.spec);
      const state: OptimizerState64 = { theta: theta.slice(), m: new Array(c.count).fill(0), v: new Array(c.count).fill(0), t: 0 };
      for (const g of grads) for (let s = 0; s < c.stepsPerSubmit; s++) optimizerStep64(spec, state, g, c.maximize);
      if (spec.clipRms > 0) {
        // The clip must have acted: without it the float64 run ends elsewhere.
        const plain: OptimizerState64 = { theta: theta.slice(), m: new Array(c.count).fill(0), v: new Array(c.count).fill(0), t: 0 };
        for (const g of grads) for (let s = 0; s < c.stepsPerSubmit; s++) optimizerStep64({ ...spec, clipRms: 0 }, plain, g, c.maximize);
        expect(relativeError(plain.theta, state.theta)).toBeGreaterThan(100 * TOL);
      }
      expect(res.steps).toBe(c.submits * c.stepsPerSubmit);
      // Parameter changes relative to the largest change: the parameters themselves are O(1).
      const moved = res.theta.map((p, i) => p - theta[i]);
      const expected = state.theta.map((p, i) => p - theta[i]);
      expect(relativeError(moved, expected)).toBeLessThan(spec.kind === 'sgd' ? 1e-4 : TOL * 10);
      expect(relativeError(res.theta, state.theta)).toBeLessThan(TOL);
      if (spec.kind === 'adam') {
        expect(relativeError(res.moments.slice(0, c.count), state.m)).toBeLessThan(TOL);
        expect(relativeError(res.moments.slice(c.count), state.v)).toBeLessThan(TOL);
      }
    });
  }
});

describe('optim.wgsl: an overflowing second moment', () => {
  const gpu = useGpu();

  // The kernel forms (1 - beta2) g g: at beta2 0.999 it overflows f32 for
  // |g| > 5.8e20 (1e20 stays finite: 1e37). With g = 1e21, v becomes +inf
  // and stays so (beta2 inf = inf), every later step m / sqrt(v) of that
  // parameter is 0, and the parameter stays finite. nonFiniteMoment() is how the 1-D
  // experiment sees it (the trainer checks the moments on the GPU).
  it('freezes the parameter without a NaN, and nonFiniteMoment names it', async () => {
    const res = await gpu.optim.run({
      spec: { kind: 'adam', lr: 1e-2 }, maximize: false, theta: [0.5, 0.5, 0.5],
      grads: [[1, 1e21, 1], [1, 1, 1]], stepsPerSubmit: 5,
    });
    // (The value, +Infinity, reaches Node as null: the job's result is JSON.)
    expect(res.nonFinite).toMatchObject({ moment: 'second', index: 1 });
    expect(res.theta.every(Number.isFinite)).toBe(true);
    expect(res.theta[1]).toBe(0.5);
    expect(res.theta[0]).toBeLessThan(0.5 - 0.05); // 10 steps of about lr each
    const fine = await gpu.optim.run({
      spec: { kind: 'adam', lr: 1e-2 }, maximize: false, theta: [0.5], grads: [[1e20]], stepsPerSubmit: 3,
    });
    expect(fine.nonFinite).toBeNull();
  });
});

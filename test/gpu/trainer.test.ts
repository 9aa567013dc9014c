// The trainer (src/trainer.ts) on the real WebGPU adapter: one deterministic
// update (singleUpdate) against the float64 reference of the whole update
// (src/reference/trainer.ts: MLPs, objectives64 weights, L2 penalty, warm-up,
// Adam/SGD step); no buffer or bind group created inside the training loop;
// NaN detection with the iteration and the restore of the last good
// parameters; and a short statistical smoke test on 8gaussians.
import { describe, expect, it } from 'vitest';
import { generateToy } from '../../src/data/toy';
import { initParams, paramLayout } from '../../src/params';
import { seededNormal } from '../../src/random';
import { trainerUpdate64 } from '../../src/reference/trainer';
import { validateTrainerConfig, type TrainerConfig } from '../../src/trainer';
import { relativeError, useHarness } from './harness';
import type { MemoryResult, NanResult, SmokeResult, UpdateResult } from './trainer.jobs';

/**
 * Tolerances, with the errors measured on SwiftShader (largest over the cases)
 * for scale: objectives 4e-8, gradients 6e-7, parameter steps 1.3e-5.
 * Objectives and mean energies: f32 forward passes and sums of < 100 terms, relative to max(1, |value|).
 */
const OBJ_TOL = 1e-6;
/** Gradients: f32 MLP backward over < 100 samples, relative to the largest entry (as test/gpu/mlp.test.ts). */
const GRAD_TOL = 2e-5;
/** Parameter changes (new - old) relative to the largest change: SGD. */
const STEP_TOL_SGD = 2e-4;
/**
 * Adam's first step is lr * g / (|g| + eps) = lr sign(g) almost everywhere, so
 * an f32 gradient entry near 0 may flip; changes are compared only where
 * |g| > 1e-3 max |g|, and the E gradient (which depends on the updated H) gets
 * a looser bound.
 */
const STEP_TOL_ADAM = 2e-4;
const GRAD_TOL_AFTER_ADAM = 1e-4;

const E_SPEC = { inputDim: 2, hidden: [16], activation: 'silu' as const };
const H_SPEC = { inputDim: 2, hidden: [16, 8], activation: 'tanh' as const };
const SAMPLER = { kind: 'ula' as const, steps: 2, eta: 0.01 };

interface Case { name: string; config: TrainerConfig; batch: number; chains: number }

const CASES: Case[] = [
  {
    name: 'KL, stable, SGD, no penalty',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'kl' }, numerics: 'stable', optimizerE: { kind: 'sgd', lr: 0.01 }, batch: 1, sampler: SAMPLER },
    batch: 37, chains: 29,
  },
  {
    name: 'Jensen-Shannon, authors, SGD, l2 = 0.5',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'jensen_shannon' }, numerics: 'authors', optimizerE: { kind: 'sgd', lr: 0.02 }, optimizerH: { kind: 'sgd', lr: 0.05 }, l2: 0.5, batch: 1, sampler: SAMPLER },
    batch: 40, chains: 40,
  },
  {
    name: 'alpha(-0.5), stable, Adam (beta1 = 0), l2 = 1',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'alpha', alpha: -0.5 }, numerics: 'stable', optimizerE: { kind: 'adam', lr: 1e-3, beta1: 0 }, l2: 1, batch: 1, sampler: SAMPLER },
    batch: 33, chains: 50,
  },
  {
    name: 'squared Hellinger, warm-up (only the L2 steps)',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'squared_hellinger' }, optimizerE: { kind: 'sgd', lr: 0.05 }, l2: 0.3, warmup: 5, batch: 1, sampler: SAMPLER },
    batch: 20, chains: 24,
  },
  {
    name: 'reverse KL, authors, Adam, separate H optimiser (SGD)',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'reverse_kl' }, numerics: 'authors', optimizerE: { kind: 'adam', lr: 2e-3 }, optimizerH: { kind: 'sgd', lr: 0.03 }, batch: 1, sampler: SAMPLER },
    batch: 45, chains: 19,
  },
  {
    name: 'Pearson chi^2, stable, SGD, l2 = 0.2',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'pearson' }, numerics: 'stable', optimizerE: { kind: 'sgd', lr: 0.01 }, l2: 0.2, batch: 1, sampler: SAMPLER },
    batch: 26, chains: 35,
  },
  {
    name: 'contrastive divergence, SGD, l2 = 0.1',
    config: { mode: 'cd', energy: E_SPEC, optimizerE: { kind: 'sgd', lr: 0.05 }, l2: 0.1, batch: 1, sampler: SAMPLER },
    batch: 30, chains: 31,
  },
];

function changeError(after: number[], before: number[], ref: number[], grad: number[] | null, adam: boolean): number {
  const moved = after.map((p, i) => p - before[i]);
  const expected = ref.map((p, i) => p - before[i]);
  if (!adam) return relativeError(moved, expected);
  const gmax = Math.max(...grad!.map(Math.abs));
  const keep = grad!.map((g) => Math.abs(g) > 1e-3 * gmax);
  return relativeError(moved.filter((_, i) => keep[i]), expected.filter((_, i) => keep[i]));
}

describe('trainer: one update against float64', () => {
  const page = useHarness();

  for (const [index, c] of CASES.entries()) {
    it(c.name, async () => {
      const z = seededNormal(700 + index);
      const data = Array.from(generateToy('8gaussians', c.batch, 20 + index));
      const samples = Array.from({ length: 2 * c.chains }, () => Math.fround(1.5 * z()));
      const paramsE = Array.from(initParams(paramLayout(E_SPEC), 40 + index));
      const fdiv = (c.config.mode ?? 'fdiv') === 'fdiv';
      const paramsH = fdiv ? Array.from(initParams(paramLayout(H_SPEC), 60 + index)) : null;
      const res = await page().run<UpdateResult>('trainer.update', { config: c.config, paramsE, paramsH, data, samples });
      const v = validateTrainerConfig({ ...c.config, batch: c.batch, chains: c.chains });
      const ref = trainerUpdate64(v, { paramsE, paramsH, data, samples });
      const close = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
      const adam0 = v.optimizerE.kind === 'adam';
      const adamH0 = v.optimizerH?.kind === 'adam';
      console.log(
        `${c.name}: objectives ${close(res.hObjective, ref.hObjective).toExponential(1)} / ${close(res.eObjective, ref.eObjective).toExponential(1)}, ` +
          `grad H ${fdiv ? relativeError(res.gradH!, ref.gradH!).toExponential(1) : '-'}, grad E ${relativeError(res.gradE, ref.gradE).toExponential(1)}, ` +
          `step H ${fdiv ? changeError(res.paramsH!, paramsH!, ref.paramsH!, ref.gradH, adamH0).toExponential(1) : '-'}, ` +
          `step E ${changeError(res.paramsE, paramsE, ref.paramsE, ref.gradE, adam0).toExponential(1)}`,
      );
      expect(close(res.hObjective, ref.hObjective)).toBeLessThan(OBJ_TOL);
      expect(close(res.eObjective, ref.eObjective)).toBeLessThan(OBJ_TOL);
      expect(close(res.meanEData, ref.meanEData)).toBeLessThan(OBJ_TOL);
      expect(close(res.meanESamples, ref.meanESamples)).toBeLessThan(OBJ_TOL);
      const adam = v.optimizerE.kind === 'adam';
      const adamH = v.optimizerH?.kind === 'adam';
      if (fdiv) {
        expect(relativeError(res.gradH!, ref.gradH!)).toBeLessThan(GRAD_TOL);
        expect(changeError(res.paramsH!, paramsH!, ref.paramsH!, ref.gradH, adamH)).toBeLessThan(adamH ? STEP_TOL_ADAM : STEP_TOL_SGD);
      }
      expect(relativeError(res.gradE, ref.gradE)).toBeLessThan(adamH ? GRAD_TOL_AFTER_ADAM : GRAD_TOL);
      expect(changeError(res.paramsE, paramsE, ref.paramsE, ref.gradE, adam)).toBeLessThan(adam ? STEP_TOL_ADAM : STEP_TOL_SGD);
    });
  }
});

const LOOP_CONFIG: TrainerConfig = {
  energy: { inputDim: 2, hidden: [16], activation: 'silu' },
  variational: { inputDim: 2, hidden: [16], activation: 'tanh' },
  divergence: { name: 'jensen_shannon' },
  optimizerE: { kind: 'adam', lr: 1e-3, beta1: 0 },
  batch: 64,
  chains: 64,
  sampler: { kind: 'ula', steps: 3, eta: 0.01 },
  replay: { capacity: 256, reuse: 0.95 },
  l2: 0.1,
  warmup: 3,
  metricsEvery: 50,
  iterationsPerSubmit: 25,
};

describe('trainer: the training loop', () => {
  const page = useHarness();

  it('creates no buffer or bind group in 200 iterations; GPU bytes constant', async () => {
    const r = await page().run<MemoryResult>('trainer.memory', { config: LOOP_CONFIG, iterations: 200, dataSeed: 5 });
    console.log(`trainer holds ${r.bytesBefore} bytes; in 200 iterations: ${r.buffersCreated} buffers, ${r.bindGroupsCreated} bind groups, ${r.stagingCreated} readback staging buffers`);
    expect(r.iteration).toBe(201);
    expect(r.bytesAfter).toBe(r.bytesBefore);
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    // Readbacks only at metrics points (iterations 50, 100, 150, 200 and the end of run): 2 small reads each.
    expect(r.stagingCreated).toBeLessThanOrEqual(2 * 5);
    expect(r.metrics.map((m) => m.iteration)).toEqual([50, 100, 150, 200, 201]);
    for (const m of r.metrics) {
      for (const v of [m.hObjective, m.eObjective, m.meanEData, m.meanESamples]) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('contrastive divergence runs the same loop without H', async () => {
    const config: TrainerConfig = {
      mode: 'cd', energy: LOOP_CONFIG.energy, optimizerE: LOOP_CONFIG.optimizerE, batch: 64, chains: 64,
      sampler: { kind: 'du-mordatch', steps: 3, box: [-3, 3] }, replay: { capacity: 128 }, l2: 0.1, metricsEvery: 20, iterationsPerSubmit: 10,
    };
    const r = await page().run<MemoryResult>('trainer.memory', { config, iterations: 40, dataSeed: 6 });
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    expect(r.metrics.map((m) => m.iteration)).toEqual([20, 40, 41]);
    for (const m of r.metrics) {
      expect(m.hObjective).toBe(m.eObjective);
      expect(m.eObjective).toBeCloseTo(m.meanEData - m.meanESamples, 5);
      expect(m.divergence).toBeNull();
    }
  });

  it('stops at a NaN with its iteration and restores the last good parameters (poisoned data)', async () => {
    const config = { ...LOOP_CONFIG, metricsEvery: 10, iterationsPerSubmit: 5 };
    const r = await page().run<NanResult>('trainer.nan', { config, first: 20, then: 20, inject: 'data' });
    console.log(r.error);
    expect(r.name).toBe('TrainingDivergedError');
    expect(r.iteration).toBe(20);
    expect(r.restoredIteration).toBe(20);
    expect(r.quantities[0]).toBe('data batch and samples');
    expect(r.afterE).toEqual(r.goodE);
    expect(r.afterH).toEqual(r.goodH);
  });

  it('stops at an overflow from a huge learning rate', async () => {
    const config: TrainerConfig = { ...LOOP_CONFIG, optimizerE: { kind: 'sgd', lr: 1e30 }, optimizerH: { kind: 'sgd', lr: 1e-3 }, warmup: 0, metricsEvery: 10, iterationsPerSubmit: 5 };
    const r = await page().run<NanResult>('trainer.nan', { config, first: 0, then: 30, inject: 'none' });
    console.log(r.error);
    expect(r.name).toBe('TrainingDivergedError');
    expect(r.iteration).toBeLessThan(10);
    expect(r.restoredIteration).toBe(0);
    expect(r.afterE).toEqual(r.goodE);
    expect(r.afterE.every(Number.isFinite)).toBe(true);
  });
});

describe('trainer: statistical smoke test on 8gaussians', () => {
  const page = useHarness();

  it('Jensen-Shannon, 200 iterations: E is lower on the data and at the modes than on the samples and at the centre', async () => {
    const config: TrainerConfig = {
      energy: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
      variational: { inputDim: 2, hidden: [32], activation: 'tanh' },
      divergence: { name: 'jensen_shannon' },
      optimizerE: { kind: 'adam', lr: 0.003, beta1: 0 },
      batch: 128,
      chains: 128,
      sampler: { kind: 'ula', steps: 10, eta: 0.005 },
      replay: { capacity: 2048, reuse: 0.95, initBox: [-3, 3] },
      l2: 0.1,
      metricsEvery: 50,
      iterationsPerSubmit: 25,
      seed: 1,
    };
    const r = await page().run<SmokeResult>('trainer.smoke', { config, iterations: 200 });
    const last = r.metrics.at(-1)!;
    const meanModes = r.eModes.reduce((s, e) => s + e, 0) / 8;
    console.log(
      `8gaussians, JS, 200 iterations in ${r.seconds.toFixed(1)} s: L ${last.eObjective.toFixed(3)}, E data ${last.meanEData.toFixed(3)}, ` +
        `E samples ${last.meanESamples.toFixed(3)}, E at modes ${meanModes.toFixed(3)}, E at centre ${r.eOrigin.toFixed(3)}`,
    );
    expect(r.metrics.map((m) => m.iteration)).toEqual([50, 100, 150, 200]);
    expect(last.meanEData).toBeLessThan(last.meanESamples - 0.5);
    // The centre lies between opposite modes, 2 away from each (20 data stds).
    expect(meanModes).toBeLessThan(r.eOrigin - 1);
    expect(Math.max(...r.eModes)).toBeLessThan(r.eOrigin);
  });
});

// The trainer (src/trainer/trainer.ts) on the real WebGPU adapter: one deterministic
// update (singleUpdate) against the float64 reference of the whole update
// (src/trainer/reference.ts: MLPs, objectives64 weights, L2 penalty, warm-up,
// Adam/SGD step); no buffer or bind group created inside the training loop;
// NaN detection with the iteration and the restore of the last good
// parameters; metrics (gradient norms against float64, MALA acceptance);
// checkpoints (a resumed run is bit-identical to the uninterrupted one) and
// their errors; runs that cannot fit refused before any buffer exists; a short
// statistical smoke test on 8gaussians; and, last (it destroys the page's
// device), a device lost in the middle of run().
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining } from '../../cli/train';
import { decodeCheckpoint } from '../../src/checkpoint/format';
import { decode as decodePng } from 'fast-png';
import { generateToy } from '../../src/data/toy';
import { initParams, paramLayout } from '../../src/mlp/params';
import { seededNormal } from '../../src/rng/random';
import { trainerUpdate64 } from '../../src/trainer/reference';
import { oneHotRows, validateTrainerConfig, type TrainerConfig } from '../../src/trainer/trainer';
import { relativeError, useGpu } from '../support/gpu';

/**
 * Tolerances, with the errors measured on SwiftShader (largest over the cases)
 * for scale: objectives 4e-8, gradients 6e-7, parameter steps 1.3e-5.
 * Objectives and mean energies: f32 forward passes and sums of < 100 terms, relative to max(1, |value|).
 */
const OBJ_TOL = 1e-6;
/** Gradients: f32 MLP backward over < 100 samples, relative to the largest entry (as test/mlp/mlp.gpu.test.ts). */
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

interface Case { name: string; config: TrainerConfig; batch: number; chains: number; mlpVariant?: 'tiled' }

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
  {
    // Rows [x (2), onehot(y) (3)] for data and samples alike: E(x, y) and H(x, y).
    name: 'class-conditional (3 classes), Jensen-Shannon, SGD, l2 = 0.2',
    config: {
      classes: 3, energy: { ...E_SPEC, inputDim: 5 }, variational: { ...H_SPEC, inputDim: 5 }, divergence: { name: 'jensen_shannon' },
      optimizerE: { kind: 'sgd', lr: 0.02 }, l2: 0.2, batch: 1, sampler: SAMPLER,
    },
    batch: 36, chains: 27,
  },
  {
    name: 'Jensen-Shannon, stable, Adam, the tiled MLP kernels (forced)',
    config: { energy: E_SPEC, variational: H_SPEC, divergence: { name: 'jensen_shannon' }, numerics: 'stable', optimizerE: { kind: 'adam', lr: 1e-3 }, batch: 1, sampler: SAMPLER },
    batch: 41, chains: 23, mlpVariant: 'tiled',
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

// One page (one device, pipelines compiled once) for the whole file; the
// device-loss test destroys its device, so it comes last.
const gpu = useGpu();

describe('trainer: one update against float64', () => {

  for (const [index, c] of CASES.entries()) {
    it(c.name, async () => {
      const z = seededNormal(700 + index);
      let data = Array.from(generateToy('8gaussians', c.batch, 20 + index));
      let samples = Array.from({ length: 2 * c.chains }, () => Math.fround(1.5 * z()));
      const k = c.config.classes ?? 0;
      if (k > 0) {
        // Labels 0, 1, 2, ... on the data, 2, 1, 0, ... on the samples: every class on both sides.
        data = Array.from(oneHotRows(data, Array.from({ length: c.batch }, (_, i) => i % k), 2, k));
        samples = Array.from(oneHotRows(samples, Array.from({ length: c.chains }, (_, i) => (k - 1) - (i % k)), 2, k));
      }
      const paramsE = Array.from(initParams(paramLayout(c.config.energy), 40 + index));
      const fdiv = (c.config.mode ?? 'fdiv') === 'fdiv';
      const paramsH = fdiv ? Array.from(initParams(paramLayout(c.config.variational ?? H_SPEC), 60 + index)) : null;
      const res = await gpu.trainer.update({ config: c.config, paramsE, paramsH, data, samples, mlpVariant: c.mlpVariant });
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

const TINY_E = { inputDim: 2, hidden: [4], activation: 'silu' as const };
const TINY_H = { inputDim: 2, hidden: [4], activation: 'tanh' as const };

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

  it('creates no buffer, bind group or readback buffer in 2000 iterations; GPU bytes constant and as planned', async () => {
    // A tiny network, so that thousands of iterations fit the suite's budget.
    const config: TrainerConfig = {
      ...LOOP_CONFIG, energy: TINY_E, variational: TINY_H, batch: 8, chains: 8, sampler: { kind: 'ula', steps: 1, eta: 0.01 },
      replay: { capacity: 64 }, metricsEvery: 500, iterationsPerSubmit: 50,
    };
    const r = await gpu.trainer.memory({ config, iterations: 2000, dataSeed: 5 });
    console.log(`trainer holds ${r.bytesBefore} bytes (planned ${r.planned}); in 2000 iterations: ${r.buffersCreated} buffers, ${r.bindGroupsCreated} bind groups, ${r.stagingCreated} readback buffers`);
    expect(r.iteration).toBe(2001);
    expect(r.planned).toBe(r.bytesBefore);
    expect(r.bytesAfter).toBe(r.bytesBefore);
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    // Metrics points read through one readback buffer made at creation.
    expect(r.stagingCreated).toBe(0);
    expect(r.metrics.map((m) => m.iteration)).toEqual([500, 1000, 1500, 2000, 2001]);
    for (const m of r.metrics) {
      for (const v of [m.hObjective, m.eObjective, m.meanEData, m.meanESamples, m.gradNormE, m.gradNormH!, m.itPerSecond]) expect(Number.isFinite(v)).toBe(true);
      expect(m.acceptance).toBeNull();
    }
  });

  it('with the tiled MLP kernels (forced; the GPUs\' default): no buffer or bind group made in the loop, GPU bytes constant and as planned', async () => {
    const config: TrainerConfig = {
      ...LOOP_CONFIG, energy: TINY_E, variational: TINY_H, batch: 8, chains: 8, sampler: { kind: 'ula', steps: 1, eta: 0.01 },
      replay: { capacity: 64 }, metricsEvery: 50, iterationsPerSubmit: 25,
    };
    const r = await gpu.trainer.memory({ config, iterations: 100, dataSeed: 5, mlpVariant: 'tiled' });
    console.log(`tiled: trainer holds ${r.bytesBefore} bytes (planned ${r.planned})`);
    expect(r.planned).toBe(r.bytesBefore);
    expect(r.bytesAfter).toBe(r.bytesBefore);
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    expect(r.metrics.map((m) => m.iteration)).toEqual([50, 100, 101]);
  });

  it('contrastive divergence runs the same loop without H', async () => {
    const config: TrainerConfig = {
      mode: 'cd', energy: LOOP_CONFIG.energy, optimizerE: LOOP_CONFIG.optimizerE, batch: 64, chains: 64,
      sampler: { kind: 'du-mordatch', steps: 3, box: [-3, 3] }, replay: { capacity: 128 }, l2: 0.1, metricsEvery: 20, iterationsPerSubmit: 10,
    };
    const r = await gpu.trainer.memory({ config, iterations: 40, dataSeed: 6 });
    expect(r.planned).toBe(r.bytesBefore);
    expect(r.buffersCreated).toBe(0);
    expect(r.bindGroupsCreated).toBe(0);
    expect(r.metrics.map((m) => m.iteration)).toEqual([20, 40, 41]);
    for (const m of r.metrics) {
      expect(m.hObjective).toBe(m.eObjective);
      expect(m.eObjective).toBeCloseTo(m.meanEData - m.meanESamples, 5);
      expect(m.divergence).toBeNull();
      expect(m.gradNormH).toBeNull();
    }
  });

  it('stops at a NaN with its iteration and restores the last good parameters (poisoned data)', async () => {
    const config = { ...LOOP_CONFIG, metricsEvery: 10, iterationsPerSubmit: 5 };
    const r = await gpu.trainer.nan({ config, first: 20, then: 20, inject: 'data' });
    console.log(r.error);
    expect(r.name).toBe('TrainingDivergedError');
    expect(r.iteration).toBe(20);
    expect(r.restoredIteration).toBe(20);
    expect(r.quantities[0]).toBe('data batch and samples');
    expect(r.afterE).toEqual(r.goodE);
    expect(r.afterH).toEqual(r.goodH);
  });

  it("stops when Adam's second moment overflows (a silent freeze otherwise: every later step is 0)", async () => {
    const config = { ...LOOP_CONFIG, metricsEvery: 10, iterationsPerSubmit: 5 };
    const r = await gpu.trainer.nan({ config, first: 20, then: 20, inject: 'moments' });
    console.log(r.error);
    expect(r.name).toBe('TrainingDivergedError');
    expect(r.iteration).toBe(20);
    expect(r.quantities).toEqual(['E optimiser moments']);
    expect(r.afterE).toEqual(r.goodE);
  });

  it('stops at an overflow from a huge learning rate', async () => {
    const config: TrainerConfig = { ...LOOP_CONFIG, optimizerE: { kind: 'sgd', lr: 1e30 }, optimizerH: { kind: 'sgd', lr: 1e-3 }, warmup: 0, metricsEvery: 10, iterationsPerSubmit: 5 };
    const r = await gpu.trainer.nan({ config, first: 0, then: 30, inject: 'none' });
    console.log(r.error);
    expect(r.name).toBe('TrainingDivergedError');
    expect(r.iteration).toBeLessThan(10);
    expect(r.restoredIteration).toBe(0);
    expect(r.afterE).toEqual(r.goodE);
    expect(r.afterE.every(Number.isFinite)).toBe(true);
  });
});

describe('trainer: statistical smoke test on 8gaussians', () => {

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
    const r = await gpu.trainer.smoke({ config, iterations: 200 });
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

describe('trainer: metrics', () => {

  it('gradient norms equal the float64 norms of the gradients; MALA acceptance counts whole proposals', async () => {
    const config: TrainerConfig = {
      energy: TINY_E, variational: TINY_H, divergence: { name: 'kl' }, optimizerE: { kind: 'adam', lr: 1e-2 }, batch: 16, chains: 12,
      sampler: { kind: 'mala', steps: 2, eta: 0.5 }, replay: { capacity: 48 }, l2: 0.1, metricsEvery: 3, iterationsPerSubmit: 2, seed: 3,
    };
    const r = await gpu.trainer.metrics({ config, iterations: 7, scaleE: 4 });
    const last = r.metrics.at(-1)!;
    const rel = (a: number, b: number) => Math.abs(a - b) / b;
    console.log(
      `norms: E ${last.gradNormE} (float64 ${r.normE}, ${rel(last.gradNormE, r.normE).toExponential(1)}), H ${last.gradNormH} (${r.normH}); ` +
        `acceptance ${r.metrics.map((m) => m.acceptance?.toFixed(4)).join(', ')}; ${last.itPerSecond.toFixed(1)} it/s`,
    );
    expect(r.metrics.map((m) => m.iteration)).toEqual([3, 6, 7]);
    // f32 sums of squares of ~100 terms.
    expect(rel(last.gradNormE, r.normE)).toBeLessThan(1e-5);
    expect(rel(last.gradNormH!, r.normH!)).toBeLessThan(1e-5);
    // Proposals since the previous metrics point: chains * steps * iterations.
    const windows = [3, 3, 1];
    // E's weights scaled by 4: a steep energy on which MALA with eta 0.5 rejects some moves.
    expect(Math.min(...r.metrics.map((m) => m.acceptance!))).toBeLessThan(1);
    r.metrics.forEach((m, i) => {
      const proposals = r.chains * r.steps * windows[i];
      expect(m.acceptance).toBeGreaterThan(0);
      expect(m.acceptance).toBeLessThanOrEqual(1);
      const accepted = m.acceptance! * proposals;
      expect(Math.abs(accepted - Math.round(accepted))).toBeLessThan(1e-3);
      expect(m.itPerSecond).toBeGreaterThan(0);
    });
  });
});

describe('trainer: checkpoints', () => {

  const CASES: { name: string; config: TrainerConfig; n: number; m: number }[] = [
    {
      name: 'f-EBM (Jensen-Shannon), Adam on both, MALA, warm-up, a wrapping replay buffer',
      config: {
        energy: TINY_E, variational: TINY_H, divergence: { name: 'jensen_shannon' }, optimizerE: { kind: 'adam', lr: 1e-2, beta1: 0 },
        optimizerH: { kind: 'adam', lr: 2e-2 }, batch: 8, chains: 8, sampler: { kind: 'mala', steps: 2, eta: 0.02 },
        replay: { capacity: 20, reuse: 0.9 }, l2: 0.1, warmup: 2, metricsEvery: 7, iterationsPerSubmit: 3, seed: 12,
      },
      n: 10, m: 9,
    },
    {
      name: 'contrastive divergence, SGD, Du & Mordatch',
      config: {
        mode: 'cd', energy: TINY_E, optimizerE: { kind: 'sgd', lr: 0.05 }, batch: 8, chains: 8,
        sampler: { kind: 'du-mordatch', steps: 3, stepSize: 0.1, box: [-3, 3] }, replay: { capacity: 16 }, l2: 0.1, metricsEvery: 5, seed: 4,
      },
      n: 6, m: 6,
    },
    {
      name: "class-conditional (3 classes), labels kept with the replay rows, KL, Adam, ULA, a wrapping replay buffer: labels in the chains, the replay buffer and the data fingerprint",
      config: {
        classes: 3, energy: { ...TINY_E, inputDim: 5 }, variational: { ...TINY_H, inputDim: 5 }, divergence: { name: 'kl' },
        optimizerE: { kind: 'adam', lr: 1e-2, beta1: 0 }, batch: 8, chains: 8, sampler: { kind: 'ula', steps: 2, eta: 0.02 },
        replay: { capacity: 20, reuse: 0.8, labels: 'keep' }, metricsEvery: 4, iterationsPerSubmit: 3, seed: 5,
      },
      n: 7, m: 8,
    },
  ];

  for (const c of CASES) {
    it(`n iterations, save, resume in a new trainer, m more = n + m in one run, bit for bit: ${c.name}`, async () => {
      const r = await gpu.trainer.resume({ config: c.config, n: c.n, m: c.m, dataSeed: 8 });
      console.log(`${c.name}: mismatching entries per array ${JSON.stringify(r.mismatches)}; same file: ${r.sameFile}`);
      expect(r.iterationAfterResume).toBe(c.n);
      for (const [name, count] of Object.entries(r.mismatches)) expect({ name, count }).toEqual({ name, count: 0 });
      expect(r.metaEqual).toBe(true);
      expect(r.sameFile).toBe(true);
      const { itPerSecond: _a, ...a } = r.uninterrupted;
      const { itPerSecond: _b, ...b } = r.resumed;
      expect(b).toEqual(a);
      expect(r.extra).toEqual({ note: 'half way' });
    });
  }

  it('resuming on other data, on data of another dimension, from a damaged file or another version fails clearly', async () => {
    const r = await gpu.trainer.resume({ config: CASES[1].config, n: 2, m: 1, dataSeed: 8 });
    for (const [k, e] of Object.entries(r.errors)) console.log(`${k}: ${e.name}: ${e.message}`);
    expect(r.errors.otherData).toMatchObject({ name: 'ConfigError', field: 'data', message: expect.stringMatching(/differs from the checkpoint's data/) });
    expect(r.errors.threeColumns).toMatchObject({ name: 'ConfigError', field: 'data', message: expect.stringMatching(/energy.inputDim = 2/) });
    expect(r.errors.damaged).toMatchObject({ name: 'CheckpointError', kind: 'checksum' });
    expect(r.errors.version).toMatchObject({ name: 'CheckpointError', kind: 'version' });
  });

  it('a conditional checkpoint refuses its data without labels, or with other labels', async () => {
    const r = await gpu.trainer.resume({ config: CASES[2].config, n: 2, m: 1, dataSeed: 8 });
    for (const [k, e] of Object.entries(r.errors)) console.log(`${k}: ${e.name}: ${e.message}`);
    expect(r.errors.unlabelled).toMatchObject({ name: 'ConfigError', field: 'labels', message: expect.stringMatching(/class-conditional \(classes = 3\).* in \[0, 2\]/) });
    expect(r.errors.otherLabels).toMatchObject({ name: 'ConfigError', field: 'data', message: expect.stringMatching(/differs from the checkpoint's data \(300 rows of 5/) });
    expect(r.errors.threeColumns).toMatchObject({ name: 'ConfigError', field: 'data', message: expect.stringMatching(/energy.inputDim - classes = 5 - 3 = 2/) });
  });
});

describe('trainer: class-conditional models', () => {
  const COND_LOOP: TrainerConfig = {
    classes: 4, energy: { inputDim: 6, hidden: [16], activation: 'silu' }, variational: { inputDim: 6, hidden: [16], activation: 'tanh' },
    divergence: { name: 'jensen_shannon' }, optimizerE: { kind: 'adam', lr: 1e-3, beta1: 0 }, batch: 64, chains: 64,
    sampler: { kind: 'du-mordatch', steps: 3, stepSize: 0.5, noiseStd: 0.05, box: 'data' }, replay: { capacity: 256, reuse: 0.95 },
    l2: 0.1, metricsEvery: 20, iterationsPerSubmit: 10,
  };

  for (const labels of ['batch', 'keep'] as const) {
    it(`replay.labels '${labels}': every row keeps a one-hot label through 60 iterations, data rows keep their own, the Du & Mordatch box is the data's range, bytes as planned`, async () => {
      const config: TrainerConfig = { ...COND_LOOP, replay: { ...COND_LOOP.replay, labels } };
      const r = await gpu.trainer.labels({ config, iterations: 60, dataSeed: 3 });
      console.log(`'${labels}': labels of the chains ${r.chainLabels.join(', ')}, of the replay rows ${r.replayLabels.join(', ')}; box ${JSON.stringify(r.box)}, chains' x in ${JSON.stringify(r.chainRange)}`);
      expect(r.iteration).toBe(60);
      expect(r.notOneHot).toEqual({ x: 0, chains: 0, replay: 0 });
      expect(r.foreignDataRows).toBe(0);
      // 'batch': each sample row of the last iteration carries its data row's label.
      if (labels === 'batch') expect(r.pairedMismatches).toBe(0);
      else expect(r.pairedMismatches).toBeGreaterThan(0);
      expect(r.replayLabels.reduce((a, b) => a + b, 0)).toBe(256);
      for (const n of [...r.chainLabels, ...r.replayLabels]) expect(n).toBeGreaterThan(0);
      expect(r.bytes).toBe(r.planned);
      // 'data': the box is the data's range of x (8gaussians: about [-2.4, 2.4]), and holds the chains.
      expect(r.box![0]).toBeLessThan(-2);
      expect(r.box![1]).toBeGreaterThan(2);
      expect(r.chainRange[0]).toBeGreaterThanOrEqual(Math.fround(r.box![0]));
      expect(r.chainRange[1]).toBeLessThanOrEqual(Math.fround(r.box![1]));
      for (const m of r.metrics) expect(Number.isFinite(m.eObjective)).toBe(true);
    });
  }

  it('refuses, before any buffer exists, unlabelled data, labels out of range or of another count, labels for an unconditional model, and classes out of range', async () => {
    const config: TrainerConfig = {
      classes: 3, energy: { inputDim: 5, hidden: [4], activation: 'silu' }, divergence: { name: 'kl' }, optimizerE: { kind: 'sgd', lr: 0.01 },
      batch: 8, sampler: { kind: 'ula', steps: 1, eta: 0.01 },
    };
    const cases: [string, Parameters<typeof gpu.trainer.refuse>[0], string, RegExp][] = [
      ['unlabelled data for a conditional model', { config, rows: 10 }, 'labels', /are required: the model is class-conditional \(classes = 3\); give the data as \{ data, labels \} with one label in \[0, 2\] per row/],
      ['a label out of range', { config, rows: 4, labels: [0, 2, 3, 1] }, 'labels[2]', /is 3: every label must be an integer in \[0, 2\] \(classes = 3\)/],
      ['a negative label', { config, rows: 4, labels: [0, -1, 1, 1] }, 'labels[1]', /is -1: every label must be an integer in \[0, 2\]/],
      ['a label that is not an integer', { config, rows: 4, labels: [0, 1.5, 1, 1] }, 'labels[1]', /is 1.5: every label must be an integer in \[0, 2\]/],
      ['labels of another count', { config, rows: 4, labels: [0, 1, 2] }, 'labels', /one label per row: 4 rows of 2 values, got 3 labels/],
      ['labels for an unconditional model', { config: { ...config, classes: 0, energy: { ...config.energy, inputDim: 2 } }, rows: 4, labels: [0, 1, 1, 0] }, 'labels', /unconditional \(classes = 0\)/],
      ['classes beyond the input', { config: { ...config, classes: 5 }, rows: 4, labels: [0, 1, 1, 0] }, 'classes', /must be an integer in \[0, 4\] \(energy.inputDim - 1/],
    ];
    for (const [what, job, field, message] of cases) {
      const r = await gpu.trainer.refuse(job);
      console.log(`${what}: ${r.message}`);
      expect(r).toMatchObject({ name: 'ConfigError', field, buffersCreated: 0 });
      expect(r.message).toMatch(message);
    }
  });
});

describe('trainer: runs that cannot fit are refused before anything is allocated', () => {

  it('a replay buffer over the device buffer limit names replay.capacity', async () => {
    const config: TrainerConfig = {
      energy: { inputDim: 32, hidden: [4], activation: 'silu' }, divergence: { name: 'kl' }, optimizerE: { kind: 'sgd', lr: 0.01 },
      batch: 8, sampler: { kind: 'ula', steps: 1, eta: 0.01 }, replay: { capacity: 2 ** 24 },
    };
    const r = await gpu.trainer.refuse({ config, rows: 10 });
    console.log(r.message);
    expect(r).toMatchObject({ name: 'ConfigError', field: 'replay.capacity', buffersCreated: 0 });
    expect(r.message).toMatch(/replay buffer needs 2147483648 bytes .* over the device's maxStorageBufferBindingSize/);
  });

  it('a run over the caller\'s memoryLimit is refused with its total', async () => {
    const r = await gpu.trainer.refuse({ config: { ...LOOP_CONFIG, energy: TINY_E, variational: TINY_H }, rows: 100, memoryLimit: 20_000 });
    console.log(r.message);
    expect(r).toMatchObject({ name: 'ConfigError', field: 'memoryLimit', buffersCreated: 0 });
    expect(r.message).toMatch(/the run needs \d+ bytes .* over the limit of 20000 bytes/);
  });
});

describe('npm run train, end to end (cli/train.ts through cli/train.jobs.ts)', () => {
  it('trains, writes metrics, checkpoints and pictures; --resume goes on in the same folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-train-'));
    const config = {
      energy: TINY_E, batch: 16, sampler: { kind: 'ula', steps: 2, eta: 0.01 }, replay: { capacity: 64 },
      metricsEvery: 4, iterationsPerSubmit: 4, data: { toy: 'two_moons', count: 500, seed: 1 }, iterations: 12, checkpointEvery: 8,
      picture: { size: 16, scale: 2 },
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(config));
    const out = join(dir, 'out');
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), progress: (l: string) => lines.push(l) };
    const code = await runTraining(gpu.host, [join(dir, 'run.json'), '--out', out], io);
    console.log(lines.join('\n'));
    expect(code).toBe(0);
    const iterations = () => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).iteration);
    expect(iterations()).toEqual([4, 8, 12]);
    expect(lines.some((l) => /^\[#+-*\]\s+\d+% iteration 8\/12 .* it\/s .*L\(H\) .*L\(E\) .* left$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('checkpoint at iteration 8'))).toBe(true);
    const written = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(written).toMatchObject({ iterations: 12, data: config.data, trainer: { batch: 16, chains: 16, divergence: { name: 'jensen_shannon' } } });
    expect(written.gpuBytes).toBeGreaterThan(0);
    expect(decodeCheckpoint(readFileSync(join(out, 'checkpoint.febm'))).iteration).toBe(12);
    for (const name of ['density.png', 'samples.png']) {
      const png = decodePng(readFileSync(join(out, name)));
      expect([png.width, png.height, png.channels]).toEqual([32, 32, 3]);
    }
    // The samples picture has the data (grey: r = g = b, darker than the axes) and the chains (red) drawn in.
    const samples = decodePng(readFileSync(join(out, 'samples.png'))).data;
    let grey = 0;
    let red = 0;
    for (let i = 0; i < samples.length; i += 3) {
      const [r, g, b] = [samples[i], samples[i + 1], samples[i + 2]];
      if (r === g && g === b && r < 220) grey++;
      if (r > g + 60 && g === b) red++;
    }
    expect(grey).toBeGreaterThan(10);
    expect(red).toBeGreaterThan(0);

    lines.length = 0;
    const again = await runTraining(gpu.host, ['--resume', join(out, 'checkpoint.febm'), '--iterations', '16', '--out', out], io);
    console.log(lines.join('\n'));
    expect(again).toBe(0);
    expect(iterations()).toEqual([4, 8, 12, 16]);
    expect(decodeCheckpoint(readFileSync(join(out, 'checkpoint.febm'))).iteration).toBe(16);

    // A config the trainer refuses is named before the page is used.
    lines.length = 0;
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...config, sampler: { kind: 'ula', steps: 0, eta: 0.01 } }));
    expect(await runTraining(gpu.host, [join(dir, 'bad.json'), '--out', out], io)).toBe(2);
    expect(lines).toEqual(['ConfigError: sampler.steps: must be an integer in [1, 10000], got 0']);
  });
});

describe('trainer: a lost device (last: it destroys the page\'s device)', () => {
  it('ends run() with a DeviceLostError; the last good parameters stay on the host, equal to an uninterrupted run\'s', async () => {
    const config: TrainerConfig = {
      energy: TINY_E, variational: TINY_H, divergence: { name: 'squared_hellinger' }, optimizerE: { kind: 'adam', lr: 1e-2 },
      batch: 8, chains: 8, sampler: { kind: 'ula', steps: 2, eta: 0.01 }, replay: { capacity: 32 }, metricsEvery: 10, iterationsPerSubmit: 5, seed: 6,
    };
    const r = await gpu.trainer.deviceLoss({ config, loseAfter: 20, points: 6 });
    console.log(`${r.name}: ${r.message} (metrics seen: ${r.seen.join(', ')})`);
    expect(r.name).toBe('DeviceLostError');
    expect(r.message).toMatch(/destroyed.*the parameters of iteration \d+ \(the last good metrics point\) are in trainer.lastGoodParams/);
    expect(r.seen).toContain(20);
    expect(r.seen.length).toBeLessThan(6);
    expect(r.kept).toBe(r.seen.at(-1));
    expect(r.lastGoodIteration).toBe(r.kept);
    expect(r.mismatchE).toBe(0);
    expect(r.mismatchH).toBe(0);
  });
});

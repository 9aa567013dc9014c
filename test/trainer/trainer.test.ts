// Trainer configuration checks (src/trainer/trainer.ts, no GPU needed): defaults, and
// a ConfigError naming the field and the allowed range for every bad value.
// Plus the float64 update reference's basic identities (src/trainer/reference.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors';
import { validateOptimizer } from '../../src/optim/optim';
import { initParams, paramLayout } from '../../src/mlp/params';
import { trainerUpdate64 } from '../../src/trainer/reference';
import {
  AUTHORS_IMAGE_SAMPLER, oneHotRows, resolveDataRange, samplerBox, splitOneHotRows, trainerRows, validateTrainerConfig, type TrainerConfig,
} from '../../src/trainer/trainer';

const BASE: TrainerConfig = {
  energy: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
  divergence: { name: 'kl' },
  optimizerE: { kind: 'adam', lr: 3e-4, beta1: 0 },
  batch: 128,
  sampler: { kind: 'du-mordatch', steps: 60 },
};

function configError(patch: Record<string, unknown>): ConfigError {
  try {
    validateTrainerConfig({ ...BASE, ...patch });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError');
}

describe('trainer configuration', () => {
  it('fills in the defaults', () => {
    const c = validateTrainerConfig(BASE);
    expect(c).toMatchObject({
      mode: 'fdiv', numerics: 'stable', chains: 128, l2: 0, warmup: 0, seed: 0, initSeed: 0, metricsEvery: 100, iterationsPerSubmit: 10,
      replay: { capacity: 10_000, reuse: 0.95, initBox: null },
      sampler: { kind: 'du-mordatch', steps: 60, stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: null },
    });
    expect(c.variational).toEqual(BASE.energy);
    expect(c.optimizerH).toEqual(c.optimizerE);
  });

  it('accepts contrastive divergence without H', () => {
    const c = validateTrainerConfig({ ...BASE, mode: 'cd', divergence: undefined });
    expect(c.variational).toBeNull();
    expect(c.divergence).toBeNull();
    expect(c.optimizerH).toBeNull();
  });

  it('accepts its own output (Trainer.create takes a validated config)', () => {
    for (const config of [BASE, { ...BASE, mode: 'cd' as const, divergence: undefined, replay: { initBox: [-2, 2] as [number, number] } }]) {
      const once = validateTrainerConfig(config);
      expect(validateTrainerConfig(once)).toEqual(once);
    }
  });

  const BAD: [string, Record<string, unknown>, string, RegExp][] = [
    ['unknown key', { lr: 1 }, 'lr', /is not an option/],
    ['mode', { mode: 'gan' }, 'mode', /one of 'fdiv', 'cd', got "gan"/],
    ['energy width', { energy: { inputDim: 2, hidden: [0], activation: 'silu' } }, 'energy.hidden[0]', /\[1, 1024\]/],
    ['energy activation', { energy: { inputDim: 2, hidden: [8], activation: 'gelu' } }, 'energy.activation', /silu/],
    ['H input', { variational: { inputDim: 3, hidden: [8], activation: 'tanh' } }, 'variational.inputDim', /must equal energy.inputDim = 2/],
    ['missing divergence', { divergence: undefined }, 'divergence', /required/],
    ['bad divergence', { divergence: { name: 'wasserstein' } }, 'divergence.name', /./],
    ['alpha 1', { divergence: { name: 'alpha', alpha: 1 } }, 'divergence.alpha', /./],
    ['numerics', { numerics: 'fast' }, 'numerics', /./],
    ['optimizerE lr', { optimizerE: { kind: 'adam', lr: 0 } }, 'optimizerE.lr', /in \(0, inf\), got 0/],
    ['optimizerH kind', { optimizerH: { kind: 'rmsprop', lr: 1 } }, 'optimizerH.kind', /'sgd', 'adam'/],
    ['batch', { batch: 0 }, 'batch', /\[1, 65536\]/],
    ['chains', { chains: 1.5 }, 'chains', /\[1, 65536\]/],
    ['sampler', { sampler: 3 }, 'sampler', /object/],
    ['sampler kind', { sampler: { kind: 'hmc', steps: 5 } }, 'sampler.kind', /one of 'ula', 'du-mordatch', 'mala', got "hmc"/],
    ['sampler steps', { sampler: { kind: 'ula', steps: 0, eta: 0.1 } }, 'sampler.steps', /\[1, 10000\]/],
    ['ULA eta', { sampler: { kind: 'ula', steps: 5 } }, 'sampler.eta', /\(0, inf\)/],
    ['sampler box', { sampler: { kind: 'du-mordatch', steps: 5, box: [1, -1] } }, 'sampler.box[1]', /above/],
    ['sampler unknown', { sampler: { kind: 'ula', steps: 5, eta: 1, momentum: 0.9 } }, 'sampler.momentum', /is not an option/],
    ['replay capacity below chains', { replay: { capacity: 100 } }, 'replay.capacity', /\[128, 2\^24/],
    ['replay reuse', { replay: { reuse: 1.5 } }, 'replay.reuse', /\[0, 1\]/],
    ['replay initBox', { replay: { initBox: [0] } }, 'replay.initBox', /\[lo, hi\]/],
    ['l2', { l2: -1 }, 'l2', /\[0, inf\)/],
    ['warmup', { warmup: -1 }, 'warmup', /\[0, 2\^31\]/],
    ['seed', { seed: 2 ** 53 }, 'seed', /2\^53 - 1/],
    ['metricsEvery', { metricsEvery: 0 }, 'metricsEvery', /\[1, 2\^31\]/],
    ['iterationsPerSubmit', { iterationsPerSubmit: 5000 }, 'iterationsPerSubmit', /\[1, 1000\]/],
    ['H in CD mode', { mode: 'cd', divergence: undefined, variational: BASE.energy }, 'variational', /left out in mode 'cd'/],
    ['classes as many as the inputs', { classes: 2 }, 'classes', /must be an integer in \[0, 1\] \(energy.inputDim - 1: the networks' input is \[x, onehot\(y\)\]/],
    ['classes negative', { classes: -1 }, 'classes', /\[0, 1\]/],
    ['replay labels', { replay: { labels: 'uniform' } }, 'replay.labels', /must be one of 'batch', 'keep', got "uniform"/],
    ['classes not an integer', { classes: 0.5 }, 'classes', /\[0, 1\]/],
    ['sampler box neither [lo, hi], data nor null', { sampler: { kind: 'du-mordatch', steps: 5, box: 'image' } }, 'sampler.box', /'data' \(the data's range\) or null/],
  ];
  it.each(BAD)('rejects %s', (_, patch, field, message) => {
    const e = configError(patch);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
  });
});

describe('class-conditional models and their data', () => {
  const COND = { ...BASE, classes: 3, energy: { inputDim: 5, hidden: [8], activation: 'silu' as const } };

  it('classes: 0 by default; the networks\' input holds the label columns; the authors\' image sampler and box \'data\' validate', () => {
    expect(validateTrainerConfig(BASE).classes).toBe(0);
    const c = validateTrainerConfig(COND);
    expect(c).toMatchObject({ classes: 3, energy: { inputDim: 5 }, replay: { labels: 'batch' } });
    expect(validateTrainerConfig({ ...COND, replay: { labels: 'keep' } }).replay.labels).toBe('keep');
    expect(c.variational!.inputDim).toBe(5);
    expect(validateTrainerConfig({ ...COND, sampler: AUTHORS_IMAGE_SAMPLER }).sampler).toEqual({
      kind: 'du-mordatch', steps: 60, stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: [0, 1], eta: 0,
    });
    const d = validateTrainerConfig({ ...COND, sampler: { kind: 'du-mordatch', steps: 3, box: 'data' } });
    expect(d.sampler.box).toBe('data');
    expect(() => samplerBox(d)).toThrow(/resolved from the data by Trainer.create/);
    resolveDataRange(d, [-1, 4]);
    expect(d.sampler.box).toEqual([-1, 4]);
    expect(d.replay.initBox).toEqual([-1, 4]);
    expect(samplerBox(d)).toEqual([-1, 4]);
    // A resolved (checkpointed) config keeps its own initBox.
    const e = validateTrainerConfig({ ...COND, replay: { initBox: [0, 1] } });
    resolveDataRange(e, [-1, 4]);
    expect(e.replay.initBox).toEqual([0, 1]);
    expect(validateTrainerConfig(validateTrainerConfig(COND))).toEqual(c);
  });

  it('rows [x, onehot(y)] from x and labels; the range is that of x; the unconditional data is used as it is', () => {
    const x = Float32Array.of(0.5, -1, 2, 3, -4, 0);
    const r = trainerRows({ data: x, labels: Int32Array.of(2, 0, 1) }, validateTrainerConfig(COND));
    expect(r.count).toBe(3);
    expect(Array.from(r.rows)).toEqual([0.5, -1, 0, 0, 1, 2, 3, 1, 0, 0, -4, 0, 0, 1, 0]);
    expect(r.range).toEqual([-4, 3]);
    expect(splitOneHotRows(r.rows, 5, 3)).toEqual({ x, labels: Int32Array.of(2, 0, 1) });
    const plain = trainerRows(x, validateTrainerConfig(BASE));
    expect(plain.rows).toBe(x);
    expect(plain.count).toBe(3);
    expect(trainerRows({ data: x }, validateTrainerConfig(BASE)).rows).toBe(x);
    // One value: the range is widened to [lo, lo + 1].
    expect(trainerRows(new Float32Array(4).fill(2), validateTrainerConfig(BASE)).range).toEqual([2, 3]);
  });

  it('refuses, naming the field and the range: unlabelled data, labels out of range or of another count, labels for an unconditional model, bad rows', () => {
    const c = validateTrainerConfig(COND);
    const x = Float32Array.of(0.5, -1, 2, 3, -4, 0);
    const err = (fn: () => unknown): ConfigError => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return e as ConfigError;
      }
      throw new Error('no ConfigError');
    };
    expect(err(() => trainerRows(x, c))).toMatchObject({ field: 'labels', message: expect.stringContaining('are required: the model is class-conditional (classes = 3); give the data as { data, labels } with one label in [0, 2] per row') });
    expect(err(() => trainerRows({ data: x, labels: null }, c)).field).toBe('labels');
    expect(err(() => trainerRows({ data: x, labels: [0, 3, 1] }, c))).toMatchObject({ field: 'labels[1]', message: 'labels[1]: is 3: every label must be an integer in [0, 2] (classes = 3)' });
    expect(err(() => trainerRows({ data: x, labels: [0, 1, -1] }, c)).field).toBe('labels[2]');
    expect(err(() => trainerRows({ data: x, labels: [0, 1, NaN] }, c)).field).toBe('labels[2]');
    expect(err(() => trainerRows({ data: x, labels: [0, 1] }, c))).toMatchObject({ field: 'labels', message: expect.stringContaining('one label per row: 3 rows of 2 values, got 2 labels') });
    expect(err(() => trainerRows({ data: x, labels: [0, 1, 1] }, validateTrainerConfig(BASE)))).toMatchObject({ field: 'labels', message: expect.stringContaining('unconditional (classes = 0)') });
    expect(err(() => trainerRows({ data: Float32Array.of(1, 2, 3), labels: [0] }, c))).toMatchObject({ field: 'data', message: expect.stringContaining('rows of dim = energy.inputDim - classes = 5 - 3 = 2 values') });
    expect(err(() => trainerRows({ data: [1, 2] as unknown as Float32Array, labels: [0] }, c)).field).toBe('data');
    expect(err(() => trainerRows({ data: Float32Array.of(1, NaN), labels: [0] }, c))).toMatchObject({ field: 'data', message: expect.stringContaining('entry 1 (row 0) is NaN') });
    expect(err(() => splitOneHotRows([1, 2, 1, 1, 0], 5, 3))).toMatchObject({ field: 'data', message: expect.stringContaining('row 0: its last 3 values (the label) must be one-hot') });
    expect(err(() => splitOneHotRows([1, 2, 0, 0, 0], 5, 3)).field).toBe('data');
    expect(err(() => oneHotRows([1, 2, 3], [0], 2, 3)).field).toBe('labels');
  });
});

describe('float64 update reference', () => {
  const spec = { inputDim: 2, hidden: [8], activation: 'tanh' as const };
  const paramsE = Array.from(initParams(paramLayout(spec), 1));
  const paramsH = Array.from(initParams(paramLayout(spec), 2));
  const data = [0.5, -1, 1, 2, -0.3, 0.1];
  const samples = [0, 0, 1.5, -2];
  const base = {
    energy: spec, variational: spec, numerics: 'stable' as const, divergence: { name: 'kl' as const },
    optimizerE: validateOptimizer({ kind: 'sgd', lr: 0.1 }), optimizerH: validateOptimizer({ kind: 'sgd', lr: 0.1 }), l2: 0, warmup: 0,
  };

  it('SGD moves the parameters by -lr times the E gradient and +lr times the H gradient', () => {
    const r = trainerUpdate64({ ...base, mode: 'fdiv' }, { paramsE, paramsH, data, samples });
    r.paramsE.forEach((p, i) => expect(p).toBeCloseTo(paramsE[i] - 0.1 * r.gradE[i], 14));
    r.paramsH!.forEach((p, i) => expect(p).toBeCloseTo(paramsH[i] + 0.1 * r.gradH![i], 14));
  });

  it('with warm-up and l2 = 0 nothing moves; CD weights give mean dE(data) - mean dE(samples)', () => {
    const w = trainerUpdate64({ ...base, mode: 'fdiv', warmup: 1 }, { paramsE, paramsH, data, samples });
    expect(w.gradE.every((g) => g === 0)).toBe(true);
    expect(w.paramsE).toEqual(paramsE);
    const cd = trainerUpdate64({ ...base, mode: 'cd', variational: null, divergence: null, optimizerH: null }, { paramsE, data, samples });
    expect(cd.hObjective).toBeCloseTo(cd.meanEData - cd.meanESamples, 14);
    expect(cd.gradH).toBeNull();
  });
});

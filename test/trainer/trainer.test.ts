// Trainer configuration checks (src/trainer/trainer.ts, no GPU needed): defaults, and
// a ConfigError naming the field and the allowed range for every bad value.
// Plus the float64 update reference's basic identities (src/trainer/reference.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors';
import { validateOptimizer } from '../../src/optim/optim';
import { initParams, paramLayout } from '../../src/mlp/params';
import { trainerUpdate64 } from '../../src/trainer/reference';
import { validateTrainerConfig, type TrainerConfig } from '../../src/trainer/trainer';

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
  ];
  it.each(BAD)('rejects %s', (_, patch, field, message) => {
    const e = configError(patch);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
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

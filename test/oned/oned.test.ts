// Host code of the divergence library, the loss, the optimiser and the 1-D
// experiment: validation (ConfigError naming field and allowed values) and
// the float64 pieces the GPU tests rely on (the host/WGSL code tables:
// test/device/constants.test.ts).
import { describe, expect, it } from 'vitest';
import { DIVERGENCE_NAMES, parseDivergence } from '../../src/divergence/divergence';
import { ConfigError } from '../../src/errors';
import { firstComponentCount, onedFlopsPerIteration, validateOnedConfig, ONED_H_SPEC } from '../../experiments/oned/oned';
import { gpuDivergence } from '../../src/divergence/loss';
import { learningRate, optimizerStep64, validateOptimizer } from '../../src/optim/optim';
import { initParams, mlpFlopsPerSample, paramLayout } from '../../src/mlp/params';
import { mlpForward64 } from '../../src/mlp/reference';
import { energy1D, energyGrad1D, energyParamGrad64, exactCriticTheta64, logRatio1D, onedGradients64 } from '../../experiments/oned/reference';
import { exactOptimum } from '../../experiments/oned/optimum';
import { composeShader, packStruct, reflectShader, SHADER_FILES } from '../../src/device/shader';
import { unpackStruct } from '../../src/device/unpack';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError thrown');
}

const KL_WGSL = 'fn custom_f(u: f32) -> f32 { return u * log(u); }\nfn custom_df(u: f32) -> f32 { return 1.0 + log(u); }\nfn custom_d2f(u: f32) -> f32 { return 1.0 / u; }';

describe('the divergence library composes', () => {
  it('kernels that use the library compose with the default user code or a custom one', () => {
    for (const extra of [SHADER_FILES['divergence_custom_default.wgsl'], KL_WGSL]) {
      const code = composeShader('fdiv_loss.wgsl', SHADER_FILES, extra);
      expect(code.lastIndexOf('fn custom_f(')).toBeGreaterThan(code.indexOf('fn div_data('));
      expect(code.lastIndexOf('fn custom_f(')).toBeLessThan(code.indexOf('fn loss_reduce('));
      expect(reflectShader(code).entryPoints.map((e) => e.name).sort()).toEqual(['loss_reduce', 'loss_weights']);
    }
  });
  it('uniform and metrics layouts are read by reflection and read back by unpackStruct', () => {
    const iface = reflectShader(composeShader('fdiv_loss.wgsl', SHADER_FILES, KL_WGSL));
    const metrics = iface.bindings.find((b) => b.name === 'loss_metrics')!.struct!;
    const bytes = packStruct(metrics, { objective: 1.5, mean_g: -2, mean_c: 0.25, clamped_data: 7, clamped_model: 4_000_000_000 });
    expect(unpackStruct(metrics, bytes)).toMatchObject({ objective: 1.5, mean_g: -2, mean_c: 0.25, clamped_data: 7, clamped_model: 4_000_000_000 });
  });
});

describe('gpuDivergence and parseDivergence', () => {
  it('gives codes, f32 alpha and the default user code', () => {
    const d = gpuDivergence({ name: 'alpha', alpha: 0.9 }, 'stable');
    expect(d).toMatchObject({ code: 6, mode: 1, alpha: Math.fround(0.9), label: 'alpha(0.9)' });
    expect(d.userCode).toBe(SHADER_FILES['divergence_custom_default.wgsl']);
    expect(gpuDivergence({ name: 'kl' }, 'authors')).toMatchObject({ code: 0, mode: 0, alpha: 0 });
  });
  it('refuses alpha that is 0 or 1 in f32, and custom without WGSL or its functions', () => {
    expect(configError(() => gpuDivergence({ name: 'alpha', alpha: 1 + 1e-12 }, 'stable')).field).toBe('divergence.alpha');
    expect(configError(() => gpuDivergence({ name: 'alpha', alpha: 1e-50 }, 'stable')).field).toBe('divergence.alpha');
    const host = { f: (u: number) => u * Math.log(u), df: (u: number) => 1 + Math.log(u), d2f: (u: number) => 1 / u };
    expect(configError(() => gpuDivergence({ name: 'custom', custom: host }, 'stable')).field).toBe('divergence.custom.wgsl');
    const e = configError(() => gpuDivergence({ name: 'custom', custom: { ...host, wgsl: 'fn custom_f(u: f32) -> f32 { return u; }' } }, 'stable'));
    expect(e.message).toContain('custom_df');
    expect(gpuDivergence({ name: 'custom', custom: { ...host, wgsl: KL_WGSL } }, 'stable').userCode).toBe(KL_WGSL);
    expect(configError(() => gpuDivergence({ name: 'kl' }, 'exact')).field).toBe('numerics');
  });
  it('parses labels', () => {
    expect(parseDivergence('kl')).toEqual({ name: 'kl' });
    expect(parseDivergence('alpha(-0.5)')).toEqual({ name: 'alpha', alpha: -0.5 });
    expect(parseDivergence('alpha:2')).toEqual({ name: 'alpha', alpha: 2 });
    expect(parseDivergence('alpha=0.9')).toEqual({ name: 'alpha', alpha: 0.9 });
    expect(configError(() => parseDivergence('alpha')).field).toBe('divergence.alpha');
    expect(configError(() => parseDivergence('alpha(1)')).field).toBe('divergence.alpha');
    expect(configError(() => parseDivergence('alpha(x)')).field).toBe('divergence.alpha');
    const e = configError(() => parseDivergence('hellinger'));
    expect(e.field).toBe('divergence.name');
    expect(e.message).toContain("'squared_hellinger'");
    expect(configError(() => parseDivergence('custom')).field).toBe('divergence.name');
  });
});

describe('validateOnedConfig', () => {
  it('fills in the defaults (authors: SGD lr 1e-3, batch 1000, 30,000 iterations, start (0, 1))', () => {
    const c = validateOnedConfig({ divergence: { name: 'kl' } });
    expect(c).toMatchObject({
      numerics: 'stable', iterations: 30_000, seed: 0, hSeed: 0, batch: 1000, init: { mu: 0, sigma: 1 }, traceEvery: 100,
      optimizerH: { kind: 'sgd', lr: 1e-3 }, optimizerE: { kind: 'sgd', lr: 1e-3 },
    });
    const d = validateOnedConfig({ divergence: { name: 'kl' }, optimizer: { kind: 'adam', lr: 0.01 }, optimizerE: { kind: 'sgd', lr: 0.1 }, seed: 5 });
    expect(d.optimizerH).toMatchObject({ kind: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, decaySteps: 0, lrFinal: 0.01, warmupSteps: 0 });
    expect(d.optimizerE).toMatchObject({ kind: 'sgd', lr: 0.1 });
    expect(d.hSeed).toBe(5);
    expect(validateOnedConfig(d)).toEqual(d);
  });
  it('names the field and the allowed values', () => {
    const name = configError(() => validateOnedConfig({ divergence: { name: 'hellinger' } }));
    expect(name.field).toBe('divergence.name');
    for (const n of DIVERGENCE_NAMES) expect(name.message).toContain(`'${n}'`);
    for (const alpha of [0, 1]) {
      const e = configError(() => validateOnedConfig({ divergence: { name: 'alpha', alpha } }));
      expect(e.field).toBe('divergence.alpha');
      expect(e.message).toContain('other than 0 and 1');
    }
    // A custom f that is not convex: f(u) = -(u - 1)^2.
    const concave = { f: (u: number) => -((u - 1) ** 2), df: (u: number) => -2 * (u - 1), d2f: () => -2, wgsl: KL_WGSL };
    const cv = configError(() => validateOnedConfig({ divergence: { name: 'custom', custom: concave } }));
    expect(cv.field).toBe('divergence.custom');
    expect(cv.message).toContain('convex');
    for (const sigma of [0, -1, NaN]) {
      const e = configError(() => validateOnedConfig({ divergence: { name: 'kl' }, init: { mu: 0, sigma } }));
      expect(e.field).toBe('init.sigma');
      expect(e.message).toContain('> 0');
    }
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, optimizer: { kind: 'rmsprop', lr: 1 } })).message).toContain("'sgd', 'adam'");
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, optimizer: { kind: 'adam', lr: 0 } })).field).toBe('optimizer.lr');
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, numerics: 'clamped' })).field).toBe('numerics');
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, iterations: 0 })).field).toBe('iterations');
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, batch: 2.5 })).field).toBe('batch');
    expect(configError(() => validateOnedConfig({ divergence: { name: 'kl' }, lr: 1 })).field).toBe('lr');
    for (const l2H of [-0.1, NaN, Infinity, '0.1']) {
      const e = configError(() => validateOnedConfig({ divergence: { name: 'kl' }, l2H }));
      expect(e.field).toBe('l2H');
      expect(e.message).toContain('>= 0');
    }
    for (const hSteps of [0, 1.5, 101]) {
      const e = configError(() => validateOnedConfig({ divergence: { name: 'kl' }, hSteps }));
      expect(e.field).toBe('hSteps');
      expect(e.message).toContain('[1, 100]');
    }
  });
  it('H penalty and H steps: off by default, kept when given', () => {
    expect(validateOnedConfig({ divergence: { name: 'kl' } })).toMatchObject({ l2H: 0, hSteps: 1 });
    expect(validateOnedConfig({ divergence: { name: 'kl' }, l2H: 0.01, hSteps: 3 })).toMatchObject({ l2H: 0.01, hSteps: 3 });
  });
  it('stratifies the data batch as the authors (int(0.33 B) from the first component) and counts FLOPs', () => {
    expect(firstComponentCount(1000)).toBe(330);
    expect(firstComponentCount(100)).toBe(33);
    expect(firstComponentCount(1)).toBe(0);
    expect(onedFlopsPerIteration(1000)).toBe(5 * mlpFlopsPerSample(ONED_H_SPEC) * 2000);
    expect(onedFlopsPerIteration(1000, 3)).toBe(11 * mlpFlopsPerSample(ONED_H_SPEC) * 2000);
  });
});

describe('optimiser host side', () => {
  it('validates with field names', () => {
    expect(configError(() => validateOptimizer({ kind: 'adam', lr: 1, beta1: 1 })).field).toBe('optimizer.beta1');
    expect(configError(() => validateOptimizer({ kind: 'adam', lr: 1, decaySteps: 1.5 })).field).toBe('optimizer.decaySteps');
    expect(configError(() => validateOptimizer(null)).field).toBe('optimizer');
    expect(configError(() => validateOptimizer({ kind: 'sgd', lr: 1, clipRms: 3 }))).toMatchObject({ field: 'optimizer.clipRms', message: expect.stringContaining("'adam' only") });
    expect(configError(() => validateOptimizer({ kind: 'adam', lr: 1, clipRms: -1 })).field).toBe('optimizer.clipRms');
    expect(configError(() => validateOptimizer({ kind: 'adam', lr: 1, clipRms: 3, clipAdd: NaN })).field).toBe('optimizer.clipAdd');
  });
  it("the authors' clip: step 1 clips to clipAdd (no second moment yet), later steps to clipRms RMS + clipAdd", () => {
    const spec = validateOptimizer({ kind: 'adam', lr: 0.1, beta1: 0, clipRms: 3, clipAdd: 0.1 });
    const s = { theta: [0], m: [0], v: [0], t: 0 };
    optimizerStep64(spec, s, [5]);
    // g clipped to 0.1: m = 0.1, v = 0.001 * 0.01; the step is lr * sign.
    expect(s.m[0]).toBeCloseTo(0.1, 12);
    expect(s.v[0]).toBeCloseTo(1e-5, 15);
    // RMS = sqrt(v / (1 - 0.999^2)) = 0.1 / sqrt(1.999): bound = 0.3 / sqrt(1.999) + 0.1.
    optimizerStep64(spec, s, [5]);
    expect(s.m[0]).toBeCloseTo(0.3 / Math.sqrt(1.999) + 0.1, 12);
  });
  it('optimizerStep64 is PyTorch Adam: the first step moves by lr sign(g); SGD by lr g; the schedule is linear', () => {
    const spec = validateOptimizer({ kind: 'adam', lr: 0.1 });
    const s = { theta: [1, 1, 1], m: [0, 0, 0], v: [0, 0, 0], t: 0 };
    optimizerStep64(spec, s, [2, -3, 0]);
    expect(s.theta[0]).toBeCloseTo(0.9, 6);
    expect(s.theta[1]).toBeCloseTo(1.1, 6);
    expect(s.theta[2]).toBe(1);
    const sgd = validateOptimizer({ kind: 'sgd', lr: 0.5 });
    const t = { theta: [1], m: [0], v: [0], t: 0 };
    optimizerStep64(sgd, t, [2], true);
    expect(t.theta[0]).toBe(2);
    const dec = validateOptimizer({ kind: 'sgd', lr: 1, lrFinal: 0.5, decaySteps: 10 });
    expect([1, 6, 11, 100].map((k) => learningRate(dec, k))).toEqual([1, 0.75, 0.5, 0.5]);
    const warm = validateOptimizer({ kind: 'adam', lr: 1, warmupSteps: 4, lrFinal: 0.5, decaySteps: 10 });
    expect([1, 2, 4, 5, 10, 15, 99].map((k) => learningRate(warm, k))).toEqual([0.25, 0.5, 1, 1, 0.75, 0.5, 0.5]);
  });
});

describe('1-D references', () => {
  it('energy gradient = finite differences; the ratio is log p - log q', () => {
    for (const [x, mu, sigma] of [[0.3, 0.1, 1.2], [-2, 1, 0.7], [4, 1.5, 2]]) {
      const h = 1e-6;
      const [gm, gs] = energyGrad1D(x, mu, sigma);
      expect(gm).toBeCloseTo((energy1D(x, mu + h, sigma) - energy1D(x, mu - h, sigma)) / (2 * h), 6);
      expect(gs).toBeCloseTo((energy1D(x, mu, sigma + h) - energy1D(x, mu, sigma - h)) / (2 * h), 6);
    }
    expect(energyParamGrad64([1, 2], [0.5, -1], 0, 1)).toEqual([-0.5 + 2, -0.5 + 4]);
    expect(logRatio1D(2, 2, Math.SQRT2)).toBeCloseTo(Math.log(0.67 + (0.33 * Math.SQRT2 * Math.exp(-0.5 * 144)) / 0.25), 10);
  });
  it("H's L2 output penalty: gradH is the gradient of L - l2 (mean_data H^2 + mean_model H^2); theta's weights are unchanged", () => {
    const layout = paramLayout(ONED_H_SPEC);
    const params = Array.from(initParams(layout, 3));
    const x = [-1.2, 0.4, 2.5, 5, 0.1, -0.3, 1.7]; // 3 data samples, 4 model samples
    const nData = 3;
    const [mu, sigma] = [0.2, 1.1];
    const l2 = 0.05;
    const spec = { name: 'pearson' } as const;
    const plain = onedGradients64(spec, 'stable', layout, params, mu, sigma, x, nData);
    const pen = onedGradients64(spec, 'stable', layout, params, mu, sigma, x, nData, l2);
    expect(pen.wE).toEqual(plain.wE);
    expect(pen.gradE).toEqual(plain.gradE);
    expect(pen.objective).toBe(plain.objective);
    const penalized = (p: number[]) => {
      const h = Array.from(mlpForward64(layout, p, x, x.length));
      const mean = (a: number[]) => a.reduce((s, y) => s + y * y, 0) / a.length;
      return onedGradients64(spec, 'stable', layout, p, mu, sigma, x, nData).objective - l2 * (mean(h.slice(0, nData)) + mean(h.slice(nData)));
    };
    const eps = 1e-6;
    const last = layout.layers[layout.layers.length - 1].biasOffset; // the output bias: dH = 1 on every sample
    for (const k of [0, 70, 200, last]) {
      const up = params.slice();
      const down = params.slice();
      up[k] += eps;
      down[k] -= eps;
      const fd = (penalized(up) - penalized(down)) / (2 * eps);
      expect(Math.abs(pen.gradH[k] - fd), `parameter ${k}`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
    }
    // The penalty's own part: -2 l2 H / n_part on each sample (output bias: its sum).
    const h = mlpForward64(layout, params, x, x.length);
    const penaltyBias = h.reduce((s, y, i) => s - (2 * l2 * y) / (i < nData ? nData : x.length - nData), 0);
    expect(pen.gradH[last] - plain.gradH[last]).toBeCloseTo(penaltyBias, 6);
  });
});

describe('the exact critic (theta alone, float64)', () => {
  // Pearson chi^2 from (0, 1): theta's gradients are heavy-tailed (D_f is
  // infinite for sigma <= 1, the estimate's variance until sigma^2 > 1.5).
  // With Adam's default second-moment memory (beta2 0.999) a rare sample's
  // square holds every later step small, and theta stalls near (0.22, 1.20)
  // (seed 0); with beta2 0.9 it reached the optimum (0.5663, 1.9268) to
  // 0.0022. Tolerances: the stall below sigma 1.3; the optimum within 0.02.
  const pearson = { name: 'pearson' } as const;
  const run = (beta2: number, clipRms = 0) =>
    exactCriticTheta64(pearson, validateOptimizer({ kind: 'adam', lr: 1e-2, lrFinal: 1e-3, decaySteps: 2000, beta2, clipRms }), {
      iterations: 2000, batch: 1000, seed: 0,
    }).path.at(-1)!;
  it('Pearson chi^2: stalls with beta2 0.999, reaches the optimum with beta2 0.9', () => {
    const opt = exactOptimum(pearson);
    const [muSlow, sigmaSlow] = run(0.999);
    expect(sigmaSlow).toBeLessThan(1.3);
    expect(Math.abs(muSlow - opt.mu)).toBeGreaterThan(0.2);
    const [mu, sigma] = run(0.9);
    expect(Math.abs(mu - opt.mu)).toBeLessThan(0.02);
    expect(Math.abs(sigma - opt.sigma)).toBeLessThan(0.02);
  }, 60_000);
  // Adam's per-element clipping at 1 RMS + 0.1 keeps the rare sample out of the
  // second moment: with beta2 0.999 theta then reached (0.5660, 1.9268) (seed 0);
  // at the authors' 3 RMS it was still on its way, (0.5988, 1.8079).
  it('Pearson chi^2: clipping at 1 RMS reaches the optimum with beta2 0.999', () => {
    const opt = exactOptimum(pearson);
    const [mu, sigma] = run(0.999, 1);
    expect(Math.abs(mu - opt.mu)).toBeLessThan(0.02);
    expect(Math.abs(sigma - opt.sigma)).toBeLessThan(0.02);
  }, 60_000);
});

// Sampler configuration checks (src/sampler/sampler.ts, no GPU needed): every bad
// value is a ConfigError naming its field and the allowed range, before
// anything is allocated or dispatched. Plus the float64 reference's random
// stream and the ULA variance formula (src/sampler/reference.ts).
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors';
import { MLP_SAMPLES_PER_GROUP, scratchLayout } from '../../src/mlp/program';
import { initParams, paramLayout, type MlpSpec } from '../../src/mlp/params';
import { normals4, uniforms4 } from '../../src/rng/philox';
import { acceptUniform, gaussianEnergy64, mixtureEnergy64, normalsAt, referenceChain, stepNoise, ulaGaussianVariance } from '../../src/sampler/reference';
import {
  ENERGY_CODE, MAX_CHAINS, MAX_INDEXED_BYTES, MAX_SAMPLER_DIM, energyCode, energyParams, validateInitialState, validateSamplerConfig, type SamplerConfig,
} from '../../src/sampler/sampler';

const LIMITS = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30, maxComputeWorkgroupsPerDimension: 65535 };
const GAUSS = { kind: 'gaussian' as const, mean: [0, 0], precision: [[1, 0], [0, 1]] };
const BASE: SamplerConfig = { sampler: 'ula', chains: 1024, dim: 2, steps: 60, seed: 1, eta: 0.01, energy: GAUSS };

function configError(config: Partial<SamplerConfig>, limits = LIMITS): ConfigError {
  try {
    validateSamplerConfig({ ...BASE, ...config } as SamplerConfig, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('no ConfigError');
}

describe('sampler configuration', () => {
  it('accepts a good configuration and fills in the Du & Mordatch defaults', () => {
    const c = validateSamplerConfig({ ...BASE, sampler: 'du-mordatch', eta: undefined }, LIMITS);
    // 1024 chains = 128 lanes of 8: workgroups of 16 lanes, so 8 of them.
    expect(c).toMatchObject({ stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: null, group: 16, grid: [8, 1] });
    expect(validateSamplerConfig({ ...BASE, chains: MAX_CHAINS }, LIMITS)).toMatchObject({ group: 64, grid: [Math.ceil(MAX_CHAINS / MLP_SAMPLES_PER_GROUP), 1] });
    expect(validateSamplerConfig({ ...BASE, group: 64 }, LIMITS)).toMatchObject({ group: 64, grid: [2, 1] });
    expect(configError({ group: 0 })).toMatchObject({ field: 'group', message: expect.stringContaining('[1, 256]') });
  });

  it('K <= 0 (or not an integer) is refused', () => {
    for (const steps of [0, -5, 1.5, NaN]) {
      const e = configError({ steps });
      expect(e.field).toBe('steps');
      expect(e.message).toContain('must be an integer in [1, 4294967295]');
    }
  });

  it('negative (or zero, non-finite) step sizes are refused', () => {
    expect(configError({ eta: -0.01 })).toMatchObject({ field: 'eta', message: expect.stringContaining('in (0, inf)') });
    expect(configError({ eta: 0 }).field).toBe('eta');
    expect(configError({ sampler: 'mala', eta: Infinity }).field).toBe('eta');
    expect(configError({ sampler: 'mala', eta: undefined }).field).toBe('eta');
    expect(configError({ sampler: 'du-mordatch', stepSize: -1 })).toMatchObject({ field: 'stepSize', message: expect.stringContaining('in [0, inf)') });
    expect(configError({ sampler: 'du-mordatch', noiseStd: -0.1 }).field).toBe('noiseStd');
    expect(configError({ sampler: 'du-mordatch', gradClip: 0 }).field).toBe('gradClip');
    expect(configError({ sampler: 'du-mordatch', box: [1, 1] })).toMatchObject({ field: 'box[1]', message: expect.stringContaining('in (1, inf) (above box[0])') });
  });

  it('non-finite initial states are refused, naming the entry, chain and coordinate', () => {
    const x = new Float32Array(2048);
    x[5] = NaN;
    const e = configError({ initialState: x });
    expect(e.field).toBe('initialState');
    expect(e.message).toContain('entry 5 (chain 2, coordinate 1) is NaN');
    // Finite in float64 but not in float32.
    expect(() => validateInitialState([0, 1e39], 1, 2)).toThrow(/entry 1 \(chain 0, coordinate 1\) is 1e\+39: every entry must be finite/);
    expect(() => validateInitialState([0, Infinity], 1, 2)).toThrow(ConfigError);
    expect(() => validateInitialState([0, 0, 0], 1, 2)).toThrow(/must hold chains \* dim = 1 \* 2 = 2 numbers, got 3/);
  });

  it('sizes beyond the device limits are refused with the range that fits', () => {
    expect(configError({ chains: MAX_CHAINS + 1 })).toMatchObject({ field: 'chains', message: expect.stringContaining('[1, 1048576]') });
    expect(configError({ chains: 0 }).field).toBe('chains');
    // The energy is checked before the sizes.
    expect(configError({ chains: MAX_CHAINS, dim: 1000, energy: { kind: 'gaussian', mean: new Array(1000).fill(0), precision: [] } }).field).toBe('energy.precision');
    // The state of 1M chains in 300-D is 1.2 GB: over a 1 GiB binding.
    const id = (d: number) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
    const state = configError({ chains: MAX_CHAINS, dim: 300, energy: { kind: 'gaussian', mean: new Array(300).fill(0), precision: id(300) } });
    expect(state.field).toBe('chains');
    expect(state.message).toMatch(/chain state .* needs 1258291200 bytes, over the device's storage buffer limit of 1073741824 bytes: chains must be in \[1, 894784\]/);
    // The MLP's scratch grows with the chain count.
    const spec: MlpSpec = { inputDim: 2, hidden: [128, 128], activation: 'silu' };
    const mlp = { kind: 'mlp' as const, spec, theta: initParams(paramLayout(spec), 1) };
    const e = configError({ chains: MAX_CHAINS, energy: mlp });
    expect(e.field).toBe('chains');
    const perChain = (scratchLayout(paramLayout(spec), MLP_SAMPLES_PER_GROUP).vec4s * 16) / MLP_SAMPLES_PER_GROUP;
    const most = Math.floor(LIMITS.maxStorageBufferBindingSize / perChain / MLP_SAMPLES_PER_GROUP) * MLP_SAMPLES_PER_GROUP;
    expect(e.message).toContain(`MLP [2,128,128,1] needs ${perChain} bytes of scratch per chain`);
    expect(e.message).toContain(`chains must be in [1, ${most}] for this network`);
    expect(() => validateSamplerConfig({ ...BASE, chains: most, energy: mlp }, LIMITS)).not.toThrow();
    expect(configError({ chains: most + 1, energy: mlp }).field).toBe('chains');
    expect(() => validateSamplerConfig({ ...BASE, chains: 65536, energy: mlp }, LIMITS)).not.toThrow();
    // A small device: 128 MiB bindings.
    expect(configError({ chains: 65536, energy: mlp }, { ...LIMITS, maxStorageBufferBindingSize: 128 << 20 }).field).toBe('chains');
    // Workgroup grid: with 1 workgroup per dimension only one workgroup of chains fits.
    expect(configError({ chains: 2 * MLP_SAMPLES_PER_GROUP, maxWorkgroupsPerDimension: 1 })).toMatchObject({ field: 'chains', message: expect.stringContaining('more than 1 x 1') });
  });

  it('checks the energy against dim', () => {
    expect(configError({ dim: 3 }).field).toBe('energy.mean');
    expect(configError({ energy: { ...GAUSS, precision: [[1, 2], [2, 1]] } })).toMatchObject({ field: 'energy.precision', message: 'energy.precision: must be positive definite' });
    expect(configError({ energy: { ...GAUSS, precision: [[1, 0.5], [0, 1]] } }).field).toBe('energy.precision[1][0]');
    expect(configError({ energy: { kind: 'mixture', weights: [1, -1], means: [[0, 0], [1, 1]], stds: [1, 1] } }).field).toBe('energy.weights[1]');
    expect(configError({ energy: { kind: 'mixture', weights: [1], means: [[0, 0]], stds: [0] } }).field).toBe('energy.stds[0]');
    const spec: MlpSpec = { inputDim: 3, hidden: [8], activation: 'tanh' };
    expect(configError({ energy: { kind: 'mlp', spec, theta: initParams(paramLayout(spec), 1) } }).field).toBe('energy.spec.inputDim');
    const spec2: MlpSpec = { inputDim: 2, hidden: [8], activation: 'tanh' };
    expect(configError({ energy: { kind: 'mlp', spec: spec2, theta: new Float32Array(3) } }).field).toBe('energy.theta');
    expect(configError({ sampler: 'hmc' as never }).field).toBe('sampler');
    expect(configError({ seed: -1 }).field).toBe('seed');
  });

  it('packs the mixture as normalised log weights, inverse variances and means', () => {
    const p = energyParams({ kind: 'mixture', weights: [1, 3], means: [[0, 1], [2, 3]], stds: [0.5, 2] }, 2);
    expect(p[0]).toBeCloseTo(Math.log(0.25) - Math.log(2 * Math.PI * 0.25), 6);
    expect(Array.from(p.slice(1, 4))).toEqual([4, 0, 1]);
    expect(p[5]).toBeCloseTo(0.25, 7);
  });
});

describe('labels and image-sized chains', () => {
  const diag = (d: number) => ({ kind: 'gaussian' as const, mean: new Array(d).fill(0), precision: new Array(d).fill(1) });

  it('classes: the label columns are counted in dim, 0 to dim - 1 of them', () => {
    expect(validateSamplerConfig({ ...BASE, dim: 5, classes: 3, energy: diag(5) }, LIMITS)).toMatchObject({ dim: 5, classes: 3 });
    expect(validateSamplerConfig(BASE, LIMITS).classes).toBe(0);
    expect(configError({ dim: 5, classes: 5, energy: diag(5) })).toMatchObject({ field: 'classes', message: expect.stringContaining('must be an integer in [0, 4]') });
    expect(configError({ classes: -1 }).field).toBe('classes');
    expect(configError({ classes: 0.5 }).field).toBe('classes');
    // An MLP energy's input holds the label: inputDim = dim, classes included.
    const spec: MlpSpec = { inputDim: 5, hidden: [8], activation: 'silu' };
    const mlp = { kind: 'mlp' as const, spec, theta: initParams(paramLayout(spec), 1) };
    expect(validateSamplerConfig({ ...BASE, dim: 5, classes: 3, energy: mlp }, LIMITS).classes).toBe(3);
  });

  it(`dim is 1 to MAX_SAMPLER_DIM = ${MAX_SAMPLER_DIM}`, () => {
    expect(validateSamplerConfig({ ...BASE, chains: 256, dim: 4096, energy: diag(4096) }, LIMITS).dim).toBe(4096);
    expect(configError({ dim: 4097, energy: diag(4097) })).toMatchObject({ field: 'dim', message: expect.stringContaining('[1, 4096]') });
    expect(configError({ dim: 0 }).field).toBe('dim');
  });

  it('a diagonal precision is a vector of positive numbers, packed after the mean', () => {
    const e = { kind: 'gaussian' as const, mean: [1, 2, 3], precision: [0.5, 2, 4] };
    expect(energyCode(e)).toBe(ENERGY_CODE.diagonal);
    expect(energyCode(GAUSS)).toBe(ENERGY_CODE.gaussian);
    expect(Array.from(energyParams(e, 3))).toEqual([1, 2, 3, 0.5, 2, 4]);
    expect(Array.from(energyParams(GAUSS, 2))).toEqual([0, 0, 1, 0, 0, 1]);
    expect(configError({ dim: 3, energy: { ...e, precision: [0.5, 0, 4] } })).toMatchObject({ field: 'energy.precision[1]', message: expect.stringContaining('in (0, inf)') });
    expect(configError({ dim: 3, energy: { ...e, precision: [0.5, 2] } })).toMatchObject({ field: 'energy.precision', message: expect.stringContaining('3 x 3 matrix, or 3 numbers') });
  });

  it('4,096-dim chains: buffers against the device limits, and the kernels\' u32 indices', () => {
    // 1M chains of 4,096 f32 are 16 GiB: on a 1 GiB device, 65,536 chains fit.
    const e = configError({ chains: MAX_CHAINS, dim: 4096, energy: diag(4096) });
    expect(e.field).toBe('chains');
    expect(e.message).toContain("over the device's storage buffer limit of 1073741824 bytes: chains must be in [1, 65536] for dim 4096");
    expect(() => validateSamplerConfig({ ...BASE, chains: 65536, dim: 4096, energy: diag(4096) }, LIMITS)).not.toThrow();
    // MALA's work buffer holds two gradients and an energy per chain: half as many chains.
    const mala = configError({ sampler: 'mala', chains: 65536, dim: 4096, energy: diag(4096) });
    expect(mala.message).toMatch(/work buffer .* chains must be in \[1, 32764\]/);
    // A device that allows more than 2^32 bytes per binding: the kernels still index in u32 words.
    const huge = { maxStorageBufferBindingSize: 2 ** 40, maxBufferSize: 2 ** 40, maxComputeWorkgroupsPerDimension: 65535 };
    const u32 = configError({ chains: MAX_CHAINS, dim: 4096, energy: diag(4096) }, huge);
    expect(u32.message).toContain(`over the kernels' limit of ${MAX_INDEXED_BYTES} bytes per buffer (u32 indices): chains must be in [1, 262144]`);
    // The most MALA chains that fit there: the largest index the kernel forms
    // (lgv_work[2 n d + i], the last energy) is below 2^30 words.
    const most = Number(/chains must be in \[1, (\d+)\]/.exec(configError({ sampler: 'mala', chains: 200000, dim: 4096, energy: diag(4096) }, huge).message)![1]);
    expect(most).toBe(Math.floor(MAX_INDEXED_BYTES / (4 * (2 * 4096 + 1))));
    const c = validateSamplerConfig({ ...BASE, sampler: 'mala', chains: most, dim: 4096, energy: diag(4096) }, huge);
    expect(2 * c.chains * c.dim + c.chains - 1).toBeLessThan(2 ** 30);
  });
});

describe('float64 reference sampler', () => {
  it('draws the GPU stream: block 0 is normals4 / uniforms4, later blocks use counter word 3', () => {
    expect(normalsAt(5, 3, 7, 0, 0)).toEqual(normals4(5, 3, 7, 0));
    expect(acceptUniform(5, 3, 7)).toBe(uniforms4(5, 3, 7, 1)[0]);
    const xi = stepNoise(5, 3, 7, 6);
    expect(Array.from(xi.slice(0, 4))).toEqual(normals4(5, 3, 7, 0));
    expect(Array.from(xi.slice(4))).toEqual(normalsAt(5, 3, 7, 0, 1).slice(0, 2));
    expect(xi[4]).not.toBe(xi[0]);
  });

  it('gradients of the analytic energies match finite differences', () => {
    const x = Float64Array.of(0.3, -0.7);
    for (const e of [gaussianEnergy64([0.1, 0.2], [[2, 0.5], [0.5, 1]]), mixtureEnergy64([0.3, 0.7], [[-1, 0], [1, 0.5]], [0.5, 0.8])]) {
      const { grad } = e.at(x);
      for (let k = 0; k < 2; k++) {
        const h = 1e-6;
        const xp = Float64Array.from(x);
        const xm = Float64Array.from(x);
        xp[k] += h;
        xm[k] -= h;
        expect(grad[k]).toBeCloseTo((e.at(xp).e - e.at(xm).e) / (2 * h), 6);
      }
    }
    // The mixture is normalised: exp(-E) of one component is its density.
    expect(mixtureEnergy64([1], [[0, 0]], [1]).at(Float64Array.of(0, 0)).e).toBeCloseTo(Math.log(2 * Math.PI), 12);
  });

  it('a 4,096-dim chain draws 1,024 distinct Philox blocks per step: coordinate k is normal k % 4 of block k / 4', () => {
    const d = 4096;
    const xi = stepNoise(21, 7, 3, d);
    for (const k of [0, 3, 4, 783, 784, 2047, 4095]) expect(xi[k]).toBe(normalsAt(21, 7, 3, 0, Math.floor(k / 4))[k % 4]);
    // No block repeats another: all 4,096 normals differ.
    expect(new Set(xi).size).toBe(d);
    // Another step or chain gives another stream: no coordinate repeats.
    const other = [stepNoise(21, 7, 4, d), stepNoise(21, 8, 3, d)];
    for (const o of other) expect(xi.filter((v, k) => v === o[k]).length).toBe(0);
    // Moments of the 4,096 normals of one step: mean 0, variance 1 (5 standard errors).
    expect(Math.abs(xi.reduce((a, b) => a + b, 0) / d)).toBeLessThan(5 / Math.sqrt(d));
    expect(Math.abs(xi.reduce((a, b) => a + b * b, 0) / d - 1)).toBeLessThan(5 * Math.sqrt(2 / d));
  });

  it('never moves the label coordinates, whatever the sampler; the others move as without a label', () => {
    // E over [x (2), onehot (3)]: a dense Gaussian coupling x and the label.
    const P = [
      [2, 0, 0.5, -0.5, 0.2],
      [0, 1, 0.3, 0, -0.4],
      [0.5, 0.3, 1, 0, 0],
      [-0.5, 0, 0, 1, 0],
      [0.2, -0.4, 0, 0, 1],
    ];
    const e = gaussianEnergy64([0.1, -0.2, 0, 0, 0], P);
    const x0 = [0.3, -0.4, 0, 1, 0];
    for (const sampler of ['ula', 'mala', 'du-mordatch'] as const) {
      const config = { sampler, seed: 5, steps: 30, eta: 0.1, stepSize: 0.1, noiseStd: 0.1, classes: 3 };
      const r = referenceChain(config, e, 2, x0);
      expect(Array.from(r.x.slice(2))).toEqual([0, 1, 0]);
      expect(r.x[0]).not.toBe(x0[0]);
      if (sampler === 'mala') expect(r.accepted).toBeGreaterThan(10);
      // The moved coordinates draw the same noise as an unconditional chain: the first step of ULA
      // from x0 is the textbook step on them.
      const one = referenceChain({ ...config, steps: 1 }, e, 2, x0);
      if (sampler === 'ula') {
        const { grad } = e.at(Float64Array.from(x0));
        const xi = stepNoise(5, 2, 0, 2);
        for (const k of [0, 1]) expect(one.x[k]).toBeCloseTo(x0[k] - 0.05 * grad[k] + Math.sqrt(0.1) * xi[k], 12);
      }
    }
    expect(() => referenceChain({ sampler: 'ula', seed: 1, steps: 1, eta: 0.1, classes: 5 }, e, 0, x0)).toThrow(/classes: must be an integer in \[0, 4\]/);
  });

  it('ULA on a 1-D Gaussian: the variance recursion matches s^2 / (1 - eta / (4 s^2))', () => {
    const s = 0.7;
    const eta = 0.4;
    // v = a^2 v + eta with a = 1 - eta / (2 s^2) is solved by the closed form.
    const v = ulaGaussianVariance(s, eta);
    const a = 1 - eta / (2 * s * s);
    expect(a * a * v + eta).toBeCloseTo(v, 12);
    expect(ulaGaussianVariance(s, eta, 3, 2)).toBeCloseTo(a ** 6 * 2 + v * (1 - a ** 6), 12);
    // One reference ULA step is the textbook update with the stream's noise.
    const e = gaussianEnergy64([0], [[1 / (s * s)]]);
    const r = referenceChain({ sampler: 'ula', seed: 9, steps: 1, eta }, e, 4, [1.2]);
    expect(r.x[0]).toBeCloseTo(1.2 - (eta / 2) * (1.2 / (s * s)) + Math.sqrt(eta) * stepNoise(9, 4, 0, 1)[0], 12);
  });
});

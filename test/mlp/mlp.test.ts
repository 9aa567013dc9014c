// The packed parameter layout (src/mlp/params.ts) and the float64 CPU reference
// of the MLP kernels (src/mlp/reference.ts): hand-computed values, then
// central finite differences of the forward pass for both gradients.

import { describe, it, expect } from 'vitest';
import { ConfigError } from '../../src/errors';
import {
  ACTIVATIONS,
  initParams,
  mlpFlopsPerSample,
  packParams,
  paramLayout,
  unpackParams,
  validateMlpSpec,
  type Activation,
  type DenseLayer,
  type MlpSpec,
  type ParamLayout,
} from '../../src/mlp/params';
import { seededNormal, seededUniform } from '../../src/rng/random';
import { checkScratchFits, MLP_TILED_S, mlpProgramBuffers, scratchLayout } from '../../src/mlp/program';
import { chooseMlpVariant } from '../../src/mlp/variant';
import {
  activation64,
  activationGrad64,
  mlpBackwardInput64,
  mlpBackwardParams64,
  mlpForward64,
} from '../../src/mlp/reference';

/** true at every packed index that holds a real weight or bias. */
function realMask(layout: ParamLayout): boolean[] {
  const mask = new Array<boolean>(layout.size).fill(false);
  for (const L of layout.layers) {
    for (let j = 0; j < L.fanOut; j++) {
      for (let k = 0; k < L.fanIn; k++) mask[L.weightOffset + j * L.inStride + k] = true;
      mask[L.biasOffset + j] = true;
    }
  }
  return mask;
}

/** Random dense layers with standard normal weights and biases. */
function randomDense(layout: ParamLayout, seed: number, scale = 1): DenseLayer[] {
  const n = seededNormal(seed);
  return layout.layers.map((L) => ({
    W: Array.from({ length: L.fanOut }, () => Array.from({ length: L.fanIn }, () => scale * n())),
    b: Array.from({ length: L.fanOut }, () => scale * n()),
  }));
}

/** Every hidden pre-activation of every sample, computed from the dense layers (independent of the reference). */
function hiddenPreActivations(spec: MlpSpec, dense: DenseLayer[], x: number[], batch: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < batch; i++) {
    let h = x.slice(i * spec.inputDim, (i + 1) * spec.inputDim);
    for (let l = 0; l + 1 < dense.length; l++) {
      const z = dense[l].W.map((row, j) => row.reduce((s, w, k) => s + w * h[k], dense[l].b[j]));
      out.push(...z);
      h = z.map((v) => activation64(spec.activation, v));
    }
  }
  return out;
}

describe('param layout', () => {
  it('has hand-computed offsets for inputDim 3, hidden [5, 2]', () => {
    const layout = paramLayout({ inputDim: 3, hidden: [5, 2], activation: 'silu' });
    expect(layout.layers).toEqual([
      { fanIn: 3, fanOut: 5, inStride: 4, outPadded: 8, weightOffset: 0, biasOffset: 32 },
      { fanIn: 5, fanOut: 2, inStride: 8, outPadded: 4, weightOffset: 40, biasOffset: 72 },
      { fanIn: 2, fanOut: 1, inStride: 4, outPadded: 4, weightOffset: 76, biasOffset: 92 },
    ]);
    expect(layout.size).toBe(96);
    expect(layout.count).toBe(3 * 5 + 5 + 5 * 2 + 2 + 2 * 1 + 1);
    expect(layout.maxPadded).toBe(8);
    expect(realMask(layout).filter(Boolean).length).toBe(layout.count);
  });

  it('round-trips pack / unpack', () => {
    const layout = paramLayout({ inputDim: 3, hidden: [5, 2], activation: 'tanh' });
    // Values exact in f32, so the round trip is exact.
    const u = seededUniform(7);
    const dense = layout.layers.map((L) => ({
      W: Array.from({ length: L.fanOut }, () => Array.from({ length: L.fanIn }, () => Math.fround(u() - 0.5))),
      b: Array.from({ length: L.fanOut }, () => Math.fround(u() - 0.5)),
    }));
    const packed = packParams(layout, dense);
    expect(packed.length).toBe(layout.size);
    expect(unpackParams(layout, packed)).toEqual(dense);
    const mask = realMask(layout);
    packed.forEach((v, idx) => {
      if (!mask[idx]) expect(v).toBe(0);
    });
    expect(() => unpackParams(layout, packed.subarray(1))).toThrow(ConfigError);
  });

  it('initParams is deterministic, zero in padding and within 1/sqrt(fanIn)', () => {
    const layout = paramLayout({ inputDim: 3, hidden: [5, 2], activation: 'relu' });
    const a = initParams(layout, 42);
    expect(initParams(layout, 42)).toEqual(a);
    expect(initParams(layout, 43)).not.toEqual(a);
    const mask = realMask(layout);
    a.forEach((v, idx) => {
      if (!mask[idx]) expect(v).toBe(0);
    });
    for (const L of layout.layers) {
      const bound = Math.fround(1 / Math.sqrt(L.fanIn)); // values are stored as f32
      const idx = [
        ...Array.from({ length: L.fanOut * L.fanIn }, (_, n) => L.weightOffset + Math.floor(n / L.fanIn) * L.inStride + (n % L.fanIn)),
        ...Array.from({ length: L.fanOut }, (_, j) => L.biasOffset + j),
      ];
      for (const n of idx) expect(Math.abs(a[n])).toBeLessThanOrEqual(bound);
      // Not all zero / tiny: the draws span a good part of the range.
      expect(Math.max(...idx.map((n) => Math.abs(a[n])))).toBeGreaterThan(bound / 4);
    }
  });

  it('validateMlpSpec rejects bad specs, naming the field', () => {
    const ok: MlpSpec = { inputDim: 2, hidden: [8, 8], activation: 'silu' };
    expect(validateMlpSpec(ok)).toBe(ok);
    const cases: [Partial<MlpSpec>, string][] = [
      [{ hidden: [] }, 'mlp.hidden'],
      [{ hidden: [4, 4, 4, 4, 4] }, 'mlp.hidden'],
      [{ hidden: [4, 0] }, 'mlp.hidden[1]'],
      [{ hidden: [4, 1025] }, 'mlp.hidden[1]'],
      [{ hidden: [4, 2.5] }, 'mlp.hidden[1]'],
      [{ inputDim: 0 }, 'mlp.inputDim'],
      [{ activation: 'gelu' as unknown as Activation }, 'mlp.activation'],
      // eslint-disable-next-line no-sparse-arrays
      [{ hidden: [4, , 4] as number[] }, 'mlp.hidden[1]'],
      [{ inputDim: 4097 }, 'mlp.inputDim'],
    ];
    for (const [change, field] of cases) {
      const spec = { ...ok, ...change };
      let err: unknown;
      try {
        validateMlpSpec(spec);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(change)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).field).toBe(field);
      expect((err as ConfigError).message.startsWith(`${field}:`)).toBe(true);
    }
    expect(validateMlpSpec({ ...ok, hidden: [1, 1024, 1024, 1] }).hidden.length).toBe(4);
    expect(validateMlpSpec({ ...ok, inputDim: 4096 }).inputDim).toBe(4096);
  });

  it('a batch whose scratch exceeds the storage buffer limit is refused, naming the batch that fits', () => {
    const layout = paramLayout({ inputDim: 3072, hidden: [1024, 1024, 1024, 1024], activation: 'silu' });
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    const fits = (batch: number) => checkScratchFits(layout, batch, 64, scratchLayout(layout, batch, 64), limits);
    let err: unknown;
    try {
      fits(8192);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('batch');
    const most = Number(/batch must be in \[1, (\d+)\]/.exec((err as Error).message)?.[1]);
    expect(most).toBeGreaterThan(0);
    expect(() => fits(most)).not.toThrow();
    expect(() => fits(most + 1)).toThrow(ConfigError);
  });

  it('the MLP kernels\' variant: lanes on CPU implementations of WebGPU, tiled on GPUs', () => {
    const adapter = (vendor: string, architecture: string, description = '', isFallbackAdapter = false) => ({ vendor, architecture, description, isFallbackAdapter });
    expect(chooseMlpVariant(adapter('google', 'swiftshader'))).toBe('lanes');
    expect(chooseMlpVariant(adapter('', '', 'llvmpipe (LLVM 15.0.6, 256 bits)'))).toBe('lanes');
    expect(chooseMlpVariant(adapter('microsoft', '', 'Microsoft Basic Render Driver'))).toBe('lanes');
    expect(chooseMlpVariant(adapter('unknown', 'unknown', '', true))).toBe('lanes');
    expect(chooseMlpVariant(adapter('nvidia', 'hopper'))).toBe('tiled');
    expect(chooseMlpVariant(adapter('apple', 'metal-3'))).toBe('tiled');
    expect(chooseMlpVariant(adapter('intel', 'gen-12lp'))).toBe('tiled');
  });

  it('the tiled variant pads the batch to whole 32-sample tiles and keeps no copy of the input', () => {
    const layout = paramLayout({ inputDim: 784, hidden: [130, 3], activation: 'silu' });
    const lanes = scratchLayout(layout, 37, 4, 'lanes');
    const tiled = scratchLayout(layout, 37, 4, 'tiled');
    expect(lanes.batchPadded).toBe(64);
    expect(tiled.batchPadded).toBe(Math.ceil(37 / MLP_TILED_S) * MLP_TILED_S);
    // The input's region (196 blocks of 4 features) is the lanes variant's only.
    expect(lanes.vec4s / lanes.batchPadded - tiled.vec4s / tiled.batchPadded).toBe(196);
    const bytes = (v: 'lanes' | 'tiled') => mlpProgramBuffers(layout, 37, { group: 4, variant: v, uniformBytes: 176 }).map((b) => b.name);
    expect(bytes('lanes')).toEqual(['uniform', 'scratch']);
    expect(bytes('tiled')).toEqual(['uniform', 'scratch', 'step uniforms', 'values', 'unused grad_x', 'unused weights', 'unused grad']);
  });

  it('paramLayout keeps its own copy of the spec', () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [8, 8], activation: 'silu' };
    const layout = paramLayout(spec);
    spec.hidden.push(8);
    expect(layout.spec.hidden).toEqual([8, 8]);
  });

  it('mlpFlopsPerSample matches the benchmark spec', () => {
    const spec: MlpSpec = { inputDim: 2, hidden: [128, 128], activation: 'silu' };
    expect(mlpFlopsPerSample(spec)).toBe(33536);
    expect(2 * mlpFlopsPerSample(spec)).toBe(67072);
  });
});

describe('activations', () => {
  it('have the stated values', () => {
    for (const x of [-2, -0.5, 0, 0.3, 1.7]) {
      expect(activation64('silu', x)).toBeCloseTo(x / (1 + Math.exp(-x)), 15);
      expect(activation64('tanh', x)).toBe(Math.tanh(x));
      expect(activation64('relu', x)).toBe(x > 0 ? x : 0);
      expect(activation64('leaky_relu', x)).toBe(x > 0 ? x : 0.2 * x);
    }
    for (const kind of ACTIVATIONS) expect(activation64(kind, 0)).toBe(0); // padding stays 0
    expect(activation64('silu', -1000)).toBe(-0);
    expect(activation64('silu', 1000)).toBe(1000);
  });

  it('gradients match finite differences away from 0, negative slope at 0', () => {
    const h = 1e-6;
    for (const kind of ACTIVATIONS) {
      for (const x of [-3, -0.7, -0.01, 0.02, 0.4, 2.5]) {
        const fd = (activation64(kind, x + h) - activation64(kind, x - h)) / (2 * h);
        expect(Math.abs(activationGrad64(kind, x) - fd), `${kind} at ${x}`).toBeLessThan(1e-8);
      }
    }
    expect(activationGrad64('relu', 0)).toBe(0);
    expect(activationGrad64('leaky_relu', 0)).toBe(0.2);
    expect(activationGrad64('silu', 0)).toBe(0.5);
    expect(activationGrad64('tanh', 0)).toBe(1);
  });
});

describe('MLP reference: hand computation', () => {
  // 1-2-1 net: z1 = [0.5x + 0.125, -x + 0.25], f = 2 a(z1[0]) - 3 a(z1[1]) + 0.5
  // (weights exact in f32, since packParams stores f32).
  const spec = (activation: Activation): MlpSpec => ({ inputDim: 1, hidden: [2], activation });
  const dense: DenseLayer[] = [
    { W: [[0.5], [-1]], b: [0.125, 0.25] },
    { W: [[2, -3]], b: [0.5] },
  ];
  const hand: Record<Activation, (z: number) => number> = {
    silu: (z) => z / (1 + Math.exp(-z)),
    tanh: Math.tanh,
    relu: (z) => (z > 0 ? z : 0),
    leaky_relu: (z) => (z > 0 ? z : 0.2 * z),
  };

  for (const act of ACTIVATIONS) {
    it(`forward (${act})`, () => {
      const layout = paramLayout(spec(act));
      const params = packParams(layout, dense);
      const xs = [0.7, -0.4, 2];
      const f = mlpForward64(layout, params, xs, 3);
      xs.forEach((x, i) => {
        const expected = 2 * hand[act](0.5 * x + 0.125) - 3 * hand[act](-x + 0.25) + 0.5;
        expect(f[i]).toBeCloseTo(expected, 12);
      });
    });
  }

  it('tanh gradients by hand', () => {
    const layout = paramLayout(spec('tanh'));
    const params = packParams(layout, dense);
    const x = 0.7;
    const [z0, z1] = [0.5 * x + 0.125, -x + 0.25];
    const [t0, t1] = [Math.tanh(z0), Math.tanh(z1)];
    const [d0, d1] = [2 * (1 - t0 * t0), -3 * (1 - t1 * t1)]; // df/dz1
    expect(mlpBackwardInput64(layout, params, [x], 1)[0]).toBeCloseTo(d0 * 0.5 + d1 * -1, 12);
    const g = unpackParams(layout, mlpBackwardParams64(layout, params, [x], 1, [1]));
    expect(g[0].W[0][0]).toBeCloseTo(d0 * x, 12);
    expect(g[0].W[1][0]).toBeCloseTo(d1 * x, 12);
    expect(g[0].b[0]).toBeCloseTo(d0, 12);
    expect(g[0].b[1]).toBeCloseTo(d1, 12);
    expect(g[1].W[0][0]).toBeCloseTo(t0, 12);
    expect(g[1].W[0][1]).toBeCloseTo(t1, 12);
    expect(g[1].b[0]).toBe(1);
  });

  it('rejects arguments of the wrong length, naming the field', () => {
    const layout = paramLayout(spec('silu'));
    const params = packParams(layout, dense);
    const field = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        if (e instanceof ConfigError) return e.field;
        throw e;
      }
      return undefined;
    };
    expect(field(() => mlpForward64(layout, params, [1, 2], 1))).toBe('x');
    expect(field(() => mlpForward64(layout, params.subarray(1), [1], 1))).toBe('params');
    expect(field(() => mlpForward64(layout, params, [1], 1.5))).toBe('batch');
    expect(field(() => mlpBackwardInput64(layout, params, [1, 2, 3], 2))).toBe('x');
    expect(field(() => mlpBackwardParams64(layout, params, [1, 2], 2, [1]))).toBe('weights');
    expect(field(() => mlpBackwardParams64(layout, [...params, 0], [1, 2], 2, [1, 1]))).toBe('params');
  });
});

describe('MLP reference: gradients against central finite differences', () => {
  const STEP = 1e-6;
  const REL_TOL = 1e-6; // |analytic - fd| <= REL_TOL * max(1, |analytic|)
  const KINK_MARGIN = 1e-3; // relu / leaky_relu: no hidden pre-activation this close to 0

  const hiddens: number[][] = [];
  for (const depth of [1, 4]) for (const width of [1, 3, 5]) hiddens.push(Array<number>(depth).fill(width));
  hiddens.push([5, 1, 3, 2]); // mixed widths, including a width-1 bottleneck

  const cases: { spec: MlpSpec; batch: number }[] = [];
  for (const activation of ACTIVATIONS)
    for (const hidden of hiddens) for (const inputDim of [1, 2]) for (const batch of [1, 3]) cases.push({ spec: { inputDim, hidden, activation }, batch });

  const close = (analytic: number, fd: number): boolean => Math.abs(analytic - fd) <= REL_TOL * Math.max(1, Math.abs(analytic));

  it(`matches for ${cases.length} networks (every activation, depth 1 and 4, widths 1/3/5, d 1/2, batch 1/3)`, () => {
    let caseSeed = 1000;
    let checked = 0;
    for (const { spec, batch } of cases) {
      const name = `${spec.activation} d=${spec.inputDim} hidden=[${spec.hidden}] batch=${batch}`;
      const layout = paramLayout(spec);
      const kinked = spec.activation === 'relu' || spec.activation === 'leaky_relu';

      // Draw parameters and inputs; for the kinked activations, redraw until no
      // pre-activation is near 0 (the step moves them by ~1e-6 only).
      let dense: DenseLayer[];
      let x: number[];
      let tries = 0;
      for (;;) {
        const seed = caseSeed++;
        dense = randomDense(layout, seed, 0.8);
        const n = seededNormal(seed + 1_000_000);
        x = Array.from({ length: batch * spec.inputDim }, () => n());
        const z = hiddenPreActivations(spec, dense, x, batch);
        if (!kinked || z.every((v) => Math.abs(v) > KINK_MARGIN)) break;
        if (++tries > 100) throw new Error(`${name}: could not draw pre-activations away from 0`);
      }
      const params = Float64Array.from(packParams(layout, dense));
      const wn = seededNormal(caseSeed++);
      const w = Array.from({ length: batch }, () => wn());

      const objective = (p: ArrayLike<number>): number =>
        mlpForward64(layout, p, x, batch).reduce((s, f, i) => s + w[i] * f, 0);

      // Parameters: d/dtheta of sum_i w_i f(x_i), every real entry; padding must be exactly 0.
      const gParams = mlpBackwardParams64(layout, params, x, batch, w);
      expect(gParams.length).toBe(layout.size);
      const mask = realMask(layout);
      for (let idx = 0; idx < layout.size; idx++) {
        if (!mask[idx]) {
          expect(gParams[idx], `${name}: padding ${idx}`).toBe(0);
          continue;
        }
        const p = params.slice();
        p[idx] = params[idx] + STEP;
        const up = objective(p);
        p[idx] = params[idx] - STEP;
        const down = objective(p);
        const fd = (up - down) / (2 * STEP);
        if (!close(gParams[idx], fd)) expect.fail(`${name}: param ${idx}: analytic ${gParams[idx]}, fd ${fd}`);
        checked++;
      }

      // Inputs: d f(x_i) / d x_i, every sample and coordinate.
      const gInput = mlpBackwardInput64(layout, params, x, batch);
      expect(gInput.length).toBe(batch * spec.inputDim);
      for (let idx = 0; idx < x.length; idx++) {
        const i = Math.floor(idx / spec.inputDim);
        const xp = x.slice();
        xp[idx] = x[idx] + STEP;
        const up = mlpForward64(layout, params, xp, batch)[i];
        xp[idx] = x[idx] - STEP;
        const down = mlpForward64(layout, params, xp, batch)[i];
        const fd = (up - down) / (2 * STEP);
        if (!close(gInput[idx], fd)) expect.fail(`${name}: input ${idx}: analytic ${gInput[idx]}, fd ${fd}`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('accepts Float32Array parameters and inputs and agrees with float64 copies', () => {
    const layout = paramLayout({ inputDim: 2, hidden: [5, 3], activation: 'silu' });
    const params32 = initParams(layout, 3);
    const n = seededNormal(4);
    const x32 = Float32Array.from({ length: 6 }, () => n());
    const params64 = Array.from(params32);
    const x64 = Array.from(x32);
    expect(mlpForward64(layout, params32, x32, 3)).toEqual(mlpForward64(layout, params64, x64, 3));
    expect(mlpBackwardInput64(layout, params32, x32, 3)).toEqual(mlpBackwardInput64(layout, params64, x64, 3));
    expect(mlpBackwardParams64(layout, params32, x32, 3, [1, -2, 0.5])).toEqual(
      mlpBackwardParams64(layout, params64, x64, 3, [1, -2, 0.5]),
    );
    // Linearity in the sample weights: sum of single-sample gradients.
    const parts = [0, 1, 2].map((i) =>
      mlpBackwardParams64(layout, params64, x64.slice(2 * i, 2 * i + 2), 1, [[1, -2, 0.5][i]]),
    );
    const total = mlpBackwardParams64(layout, params64, x64, 3, [1, -2, 0.5]);
    total.forEach((v, idx) => expect(v).toBeCloseTo(parts[0][idx] + parts[1][idx] + parts[2][idx], 14));
  });
});

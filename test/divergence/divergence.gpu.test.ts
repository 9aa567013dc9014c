// The divergence library (shaders/divergence.wgsl, through the test kernel
// test/divergence/divergence_test.wgsl) and the loss reduction (shaders/fdiv_loss.wgsl)
// on the real WebGPU adapter against the float64 references
// (src/divergence/reference.ts).
//
// Tolerances: |gpu - ref| <= TOL * (1 + |ref|) for g, c, g', c' at every v of
// the grid inside f32SafeRange (the stable mode saturates outside it, see
// divergence.wgsl). The GPU computes in f32 with its own exp/expm1/log1p
// (~2-3 ulp); the largest errors come from rounding k*v for exponent rates k
// (up to ~88 * 6e-8 = 5e-6 relative at the ends of the range). Measured on
// SwiftShader: at most 3.5e-6 (alpha 0.9, c at v = 80), 5e-7 elsewhere;
// TOL = 2e-5 leaves a margin for other GPUs.
// The reference is evaluated with alpha rounded to f32, as the GPU uses it.
import { describe, expect, it } from 'vitest';
import { describeDivergence, type DivergenceSpec, type Numerics, EXAMPLE_DIVERGENCES } from '../../src/divergence/divergence';
import { AUTHORS_CLAMP, c64, dc64, dg64, f32SafeRange, g64, objectives64 } from '../../src/divergence/reference';
import { seededNormal, seededUniform } from '../../src/rng/random';
import type { JobDivergence, LossResult } from './divergence.jobs';
import { useGpu } from '../support/gpu';

const TOL = 2e-5;
/** Loss objectives and weights: f32 sums over up to 1000 terms. */
const LOSS_TOL = 2e-5;

const ALL = EXAMPLE_DIVERGENCES;
const MODES: Numerics[] = ['authors', 'stable'];

/** The reference spec: alpha rounded to f32, as on the GPU. */
const f32Spec = (s: DivergenceSpec): DivergenceSpec => (s.name === 'alpha' ? { name: 'alpha', alpha: Math.fround(s.alpha as number) } : s);
const jobDiv = (s: DivergenceSpec): JobDivergence => (s.alpha === undefined ? { name: s.name } : { name: s.name, alpha: s.alpha });

/** Exponent rates of g (and g') and of c (and c'): where the authors' clamps have their kinks. */
function rates(s: DivergenceSpec): number[] {
  const a = Math.fround(s.alpha ?? 0);
  switch (s.name) {
    case 'kl': return [1];
    case 'reverse_kl': return [-1];
    case 'jensen_shannon': return [1];
    case 'squared_hellinger': return [0.5, -0.5];
    case 'pearson': return [1, 2];
    case 'neyman': return [-1, -2];
    case 'alpha': return [a - 1, a];
    default: return [];
  }
}

/** The dense grid: v = i/32 on [-80, 80] (exact in f32), plus points next to the clamps' kinks. */
function grid(spec: DivergenceSpec): number[] {
  const v: number[] = [];
  for (let i = -2560; i <= 2560; i++) v.push(i / 32);
  for (const k of rates(spec)) {
    for (const side of [-1, 1]) for (const d of [-1e-3, 1e-3]) v.push(Math.fround((side * AUTHORS_CLAMP) / k + d));
  }
  return v;
}

const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);
/** The f32 whose bits are b (NaN and infinities included). */
function fromBits(b: number): number {
  u32View[0] = b;
  return f32View[0];
}

const FNS = [
  ['g', g64],
  ['c', c64],
  ["g'", dg64],
  ["c'", dc64],
] as const;

describe('divergence.wgsl: g, c, g\', c\' against the float64 references', () => {
  const gpu = useGpu();

  for (const numerics of MODES) {
    for (const spec of ALL) {
      const name = `${describeDivergence(spec)}, ${numerics}`;
      it(name, async () => {
        const v = grid(spec);
        const { bits, hit } = await gpu.divergence.evaluate({
          divergence: jobDiv(spec),
          numerics,
          v,
        });
        const ref = f32Spec(spec);
        const [lo, hi] = f32SafeRange(ref) as [number, number];
        const ks = rates(spec);
        const worst = [0, 0, 0, 0];
        for (let i = 0; i < v.length; i++) {
          for (let f = 0; f < 4; f++) {
            const gpu = fromBits(bits[4 * i + f]);
            // No NaN or infinity anywhere, in either mode (bit-level check: fromBits keeps them).
            expect(Number.isFinite(gpu), `${FNS[f][0]}(${v[i]}) = ${gpu}`).toBe(true);
            const inRange = numerics === 'authors' || (v[i] >= lo && v[i] <= hi);
            if (!inRange) continue;
            const r = FNS[f][1](ref, v[i], numerics);
            // Derivatives jump at the authors' kinks |k v| = 5; the f32 product k v may fall on either side.
            const nearKink = numerics === 'authors' && ks.some((k) => Math.abs(Math.abs(k * v[i]) - AUTHORS_CLAMP) < 1e-5);
            if (f >= 2 && nearKink) continue;
            const err = Math.abs(gpu - r) / (1 + Math.abs(r));
            worst[f] = Math.max(worst[f], err);
            if (!(err <= TOL)) expect.fail(`${FNS[f][0]}(${v[i]}): gpu ${gpu}, reference ${r}, error ${err} > ${TOL}`);
            // Clamps give exactly zero gradient.
            if (f >= 2 && r === 0 && numerics === 'authors') expect(gpu, `${FNS[f][0]}(${v[i]})`).toBe(0);
          }
          // Inside the safe range the stable mode never saturates; outside, a saturated sample is flagged.
          if (numerics === 'stable') {
            const inRange = v[i] >= lo && v[i] <= hi;
            if (inRange) expect(hit[i], `saturation flag at v = ${v[i]}`).toBe(0);
          }
        }
        console.log(`${name}: max error / (1 + |ref|) g ${worst[0].toExponential(2)} c ${worst[1].toExponential(2)} g' ${worst[2].toExponential(2)} c' ${worst[3].toExponential(2)}`);
      });
    }
  }

  it('authors mode: the clamp flags and zero slopes sit exactly where |k v| > 5', async () => {
    const spec: DivergenceSpec = { name: 'pearson' };
    const v = [-10, -5.5, -2.6, -2.4, 0, 2.4, 2.6, 4.9, 5.1, 10];
    const { bits, hit } = await gpu.divergence.evaluate({ divergence: jobDiv(spec), numerics: 'authors', v });
    // g = 2 expm1(v) clamps at |v| > 5; c = expm1(2v) at |v| > 2.5.
    expect(hit.map((h) => h & 1)).toEqual(v.map((x) => (Math.abs(x) > 5 ? 1 : 0)));
    expect(hit.map((h) => (h >> 1) & 1)).toEqual(v.map((x) => (Math.abs(2 * x) > 5 ? 1 : 0)));
    const dg = v.map((_, i) => fromBits(bits[4 * i + 2]));
    const dc = v.map((_, i) => fromBits(bits[4 * i + 3]));
    v.forEach((x, i) => {
      if (Math.abs(x) > 5) expect(dg[i]).toBe(0);
      else expect(dg[i]).toBeGreaterThan(0);
      if (Math.abs(2 * x) > 5) expect(dc[i]).toBe(0);
      else expect(dc[i]).toBeGreaterThan(0);
    });
  });

  it('stable mode: saturates (finite, flagged) beyond f32SafeRange', async () => {
    for (const spec of [{ name: 'pearson' }, { name: 'neyman' }, { name: 'alpha', alpha: 0.5 }, { name: 'kl' }] as DivergenceSpec[]) {
      const v = [-1e30, -1000, -200, -90, 90, 200, 1000, 1e30];
      const { bits, hit } = await gpu.divergence.evaluate({ divergence: jobDiv(spec), numerics: 'stable', v });
      for (const b of bits) expect(Number.isFinite(fromBits(b))).toBe(true);
      const [lo, hi] = f32SafeRange(spec) as [number, number];
      v.forEach((x, i) => {
        if (x > hi || x < lo) expect(hit[i], `${describeDivergence(spec)} at ${x}`).not.toBe(0);
      });
    }
  });

  it('a custom divergence written in WGSL (KL by hand) matches the reference and the built-in KL', async () => {
    const wgsl = [
      'fn custom_f(u: f32) -> f32 { return u * log(u); }',
      'fn custom_df(u: f32) -> f32 { return 1.0 + log(u); }',
      'fn custom_d2f(u: f32) -> f32 { return 1.0 / u; }',
    ].join('\n');
    const v: number[] = [];
    for (let i = -640; i <= 640; i++) v.push(i / 32); // [-20, 20]
    const custom = await gpu.divergence.evaluate({
      divergence: { name: 'custom', wgsl, host: 'kl' },
      numerics: 'stable',
      v,
    });
    const builtin = await gpu.divergence.evaluate({ divergence: { name: 'kl' }, numerics: 'stable', v });
    // The built-in log has an absolute error up to 2^-21 near 1, and c = u f'(u) - f(u) cancels: 1e-4.
    const CUSTOM_TOL = 1e-4;
    const kl: DivergenceSpec = { name: 'kl' };
    for (let i = 0; i < v.length; i++) {
      for (let f = 0; f < 4; f++) {
        const a = fromBits(custom.bits[4 * i + f]);
        const b = fromBits(builtin.bits[4 * i + f]);
        const r = FNS[f][1](kl, v[i], 'stable');
        expect(Math.abs(a - r) / (1 + Math.abs(r)), `custom ${FNS[f][0]}(${v[i]})`).toBeLessThanOrEqual(CUSTOM_TOL);
        expect(Math.abs(a - b) / (1 + Math.abs(b)), `custom vs built-in ${FNS[f][0]}(${v[i]})`).toBeLessThanOrEqual(CUSTOM_TOL);
      }
    }
  });
});

describe('fdiv_loss.wgsl: objectives and weights against objectives64', () => {
  const gpu = useGpu();

  /** Random v: normal with sd 2 (some beyond the authors' clamps), f32. */
  function randomV(n: number, seed: number, shift: number): number[] {
    const z = seededNormal(seed);
    return Array.from({ length: n }, () => Math.fround(shift + 2 * z()));
  }

  function check(res: LossResult, spec: DivergenceSpec, numerics: Numerics, vData: number[], vModel: number[]) {
    const ref = objectives64(f32Spec(spec), numerics, vData, vModel);
    const nd = vData.length;
    const nm = vModel.length;
    const cs = vModel.map((v) => c64(f32Spec(spec), v, numerics));
    const dcs = vModel.map((v) => dc64(f32Spec(spec), v, numerics));
    const gs = vData.map((v) => g64(f32Spec(spec), v, numerics));
    const meanC = cs.reduce((s, x) => s + x, 0) / nm;
    const absG = gs.reduce((s, x) => s + Math.abs(x), 0) / nd;
    const absC = cs.reduce((s, x) => s + Math.abs(x), 0) / nm;
    const scale = 1 + absG + absC;
    expect(Number.isFinite(res.objective)).toBe(true);
    expect(Math.abs(res.objective - ref.hObjective) / scale).toBeLessThanOrEqual(LOSS_TOL);
    expect(Math.abs(res.meanC - meanC) / (1 + absC)).toBeLessThanOrEqual(LOSS_TOL);
    const wH = res.wH.map(fromBits);
    const wE = res.wE.map(fromBits);
    for (const w of [...wH, ...wE]) expect(Number.isFinite(w)).toBe(true);
    for (let i = 0; i < nd; i++) {
      const s = (1 + Math.abs(ref.wHData[i] * nd)) / nd;
      expect(Math.abs(wH[i] - ref.wHData[i]) / s, `wH data ${i}`).toBeLessThanOrEqual(LOSS_TOL);
      expect(Math.abs(wE[i] - ref.wEData[i]) / s, `wE data ${i}`).toBeLessThanOrEqual(LOSS_TOL);
    }
    for (let j = 0; j < nm; j++) {
      const sH = (1 + Math.abs(dcs[j])) / nm;
      const sE = (1 + Math.abs(dcs[j]) + Math.abs(cs[j]) + absC) / nm;
      expect(Math.abs(wH[nd + j] - ref.wHModel[j]) / sH, `wH model ${j}`).toBeLessThanOrEqual(LOSS_TOL);
      expect(Math.abs(wE[nd + j] - ref.wEModel[j]) / sE, `wE model ${j}`).toBeLessThanOrEqual(LOSS_TOL);
    }
  }

  const SIZES: [number, number][] = [
    [1, 1],
    [67, 1000],
    [1000, 67],
  ];
  for (const numerics of MODES) {
    for (const [index, spec] of ALL.entries()) {
      it(`${describeDivergence(spec)}, ${numerics}: batches ${SIZES.map(([a, b]) => `${a}+${b}`).join(', ')}`, async () => {
        for (const [k, [nd, nm]] of SIZES.entries()) {
          const seed = 1000 * index + 10 * k + (numerics === 'stable' ? 5 : 0);
          // Model samples sit lower than data samples, as in training (v ~ log p/q).
          const vData = randomV(nd, seed, 0.5);
          const vModel = randomV(nm, seed + 1, -0.5);
          const res = await gpu.divergence.loss({ divergence: jobDiv(spec), numerics, vData, vModel });
          check(res, spec, numerics, vData, vModel);
        }
      });
    }
  }

  it('counts clamped samples (authors) and a custom divergence gives the built-in weights', async () => {
    const u = seededUniform(7);
    const vData = Array.from({ length: 67 }, () => Math.fround(-12 + 24 * u()));
    const vModel = Array.from({ length: 33 }, () => Math.fround(-12 + 24 * u()));
    const res = await gpu.divergence.loss({ divergence: { name: 'kl' }, numerics: 'authors', vData, vModel });
    // KL: g = 1 + v has no clamp; c = exp(clamp(v)) clamps where |v| > 5.
    expect(res.clampedData).toBe(0);
    expect(res.clampedModel).toBe(vModel.filter((v) => Math.abs(v) > 5).length);
    check(res, { name: 'kl' }, 'authors', vData, vModel);
    const wgsl = [
      'fn custom_f(u: f32) -> f32 { return u * log(u); }',
      'fn custom_df(u: f32) -> f32 { return 1.0 + log(u); }',
      'fn custom_d2f(u: f32) -> f32 { return 1.0 / u; }',
    ].join('\n');
    const small = vModel.map((v) => Math.fround(v / 3));
    const custom = await gpu.divergence.loss({ divergence: { name: 'custom', wgsl, host: 'kl' }, numerics: 'stable', vData, vModel: small });
    const builtin = await gpu.divergence.loss({ divergence: { name: 'kl' }, numerics: 'stable', vData, vModel: small });
    expect(Math.abs(custom.objective - builtin.objective)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(builtin.objective)));
    const a = custom.wE.map(fromBits);
    const b = builtin.wE.map(fromBits);
    a.forEach((w, i) => expect(Math.abs(w - b[i])).toBeLessThanOrEqual(1e-4 * (Math.abs(b[i]) + 1 / 33)));
  });
});

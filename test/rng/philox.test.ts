// Philox4x32-10 on the host (src/rng/philox.ts): known answers, exact arithmetic,
// the uniform mapping, the f32 error budget of the normals, and statistical
// tests with fixed seeds; plus the statistics helpers (src/stats.ts).
//
// Statistical tolerances are 5 standard errors of each estimator at the sample
// size used (momentTolerance): a correct generator fails such a check with
// probability ~6e-7, and the seeds are fixed, so the tests are deterministic.

import { describe, expect, it } from 'vitest';
import {
  NORMAL_ABS_TOLERANCE,
  logF32,
  mulhilo32,
  normalPair,
  normalPairF32,
  normals4,
  philox4x32,
  randomBits,
  seedKey,
  sinCosTurnsF32,
  u32ToUniform,
  uniforms4,
  type U32x2,
  type U32x4,
} from '../../src/rng/philox';
import {
  erfc,
  excessKurtosis,
  kolmogorovSurvival,
  ksPValue,
  ksStatistic,
  mean,
  momentTolerance,
  normalCdf,
  pearsonCorrelation,
  skewness,
  uniformCdf,
  uniformMomentTolerance,
  variance,
} from '../../src/stats';
import { seededUniform } from '../../src/rng/random';

const SEED = 20240601;

/** Random123 tests/kat_vectors (counter[4], key[2] -> output[4], all hex u32). */
const KAT: { rounds: number; ctr: U32x4; key: U32x2; out: U32x4 }[] = [
  { rounds: 10, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
  {
    rounds: 10,
    ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    out: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    rounds: 10,
    ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    out: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
  // The 7-round lines of the same file: they check the round / key-bump schedule.
  { rounds: 7, ctr: [0, 0, 0, 0], key: [0, 0], out: [0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48] },
  {
    rounds: 7,
    ctr: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    out: [0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662],
  },
  {
    rounds: 7,
    ctr: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    out: [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a],
  },
];

describe('philox4x32', () => {
  it('matches the Random123 known-answer vectors', () => {
    for (const v of KAT) {
      expect(philox4x32(v.ctr, v.key, v.rounds), `R=${v.rounds} ctr=${v.ctr}`).toEqual(v.out);
    }
  });

  it('defaults to 10 rounds', () => {
    expect(philox4x32([0, 0, 0, 0], [0, 0])).toEqual(KAT[0].out);
  });

  it('mulhilo32 equals the 64-bit product (BigInt)', () => {
    const rnd = seededUniform(SEED);
    const edges = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0xd2511f53, 0xcd9e8d57];
    const pairs: [number, number][] = [];
    for (const a of edges) for (const b of edges) pairs.push([a, b]);
    for (let i = 0; i < 20000; i++) pairs.push([Math.floor(rnd() * 2 ** 32), Math.floor(rnd() * 2 ** 32)]);
    for (const [a, b] of pairs) {
      const p = BigInt(a) * BigInt(b);
      expect(mulhilo32(a, b), `${a} * ${b}`).toEqual([Number(p >> 32n), Number(p & 0xffffffffn)]);
    }
  });
});

describe('keying convention', () => {
  it('key = (seed_lo, seed_hi), counter = (chain, step, stream, 0)', () => {
    expect(seedKey(0)).toEqual([0, 0]);
    expect(seedKey(0xffffffff)).toEqual([0xffffffff, 0]);
    expect(seedKey(2 ** 40 + 5)).toEqual([5, 256]);
    expect(seedKey(Number.MAX_SAFE_INTEGER)).toEqual([0xffffffff, 0x1fffff]);
    expect(randomBits(2 ** 40 + 5, 9, 8, 2)).toEqual(philox4x32([9, 8, 2, 0], [5, 256]));
    expect(randomBits(7, 0xffffffff, 0xffffffff, 1)).toEqual(philox4x32([0xffffffff, 0xffffffff, 1, 0], [7, 0]));
  });

  it('frozen values (regression lock of the convention; checked against an independent Python Philox)', () => {
    expect(randomBits(42, 3, 7, 1)).toEqual([0x707942ca, 0x9941b398, 0x23f9f219, 0x4d7648b9]);
    expect(randomBits(2 ** 40 + 5, 0, 0, 2)).toEqual([0xb1ecaffd, 0x57b08c0a, 0x5876e0c9, 0xb34bf5ad]);
  });

  it('every counter and key word matters', () => {
    const base = randomBits(SEED, 10, 20, 0);
    for (const other of [
      randomBits(SEED + 1, 10, 20, 0),
      randomBits(SEED + 2 ** 32, 10, 20, 0),
      randomBits(SEED, 11, 20, 0),
      randomBits(SEED, 10, 21, 0),
      randomBits(SEED, 10, 20, 1),
    ]) {
      expect(other).not.toEqual(base);
    }
  });

  it('rejects out-of-range seeds and counters', () => {
    expect(() => seedKey(-1)).toThrow(/seed/);
    expect(() => seedKey(1.5)).toThrow(/seed/);
    expect(() => seedKey(2 ** 53)).toThrow(/seed/);
    expect(() => randomBits(0, 2 ** 32, 0, 0)).toThrow(/chain/);
    expect(() => randomBits(0, 0, -1, 0)).toThrow(/step/);
    expect(() => randomBits(0, 0, 0, 0.5)).toThrow(/stream/);
  });
});

describe('u32ToUniform', () => {
  it('maps the extremes inside (0, 1)', () => {
    expect(u32ToUniform(0)).toBe(2 ** -24);
    expect(u32ToUniform(0x1ff)).toBe(2 ** -24);
    expect(u32ToUniform(0xffffffff)).toBe(1 - 2 ** -24);
    expect(u32ToUniform(0xfffffe00)).toBe(1 - 2 ** -24);
    expect(u32ToUniform(0xfffffdff)).toBe(1 - 3 * 2 ** -24);
  });

  it('is in (0, 1), on the grid (k + 0.5) 2^-23, exactly representable in f32', () => {
    const rnd = seededUniform(SEED + 1);
    let prev = -1;
    let bad = 0;
    let notMonotone = 0;
    for (let i = 0; i < 100000; i++) {
      // Half random words, half an increasing sweep (monotonicity).
      const x = i % 2 === 0 ? Math.floor(rnd() * 2 ** 32) : Math.floor((i / 100000) * 2 ** 32);
      const u = u32ToUniform(x);
      if (!(u > 0 && u < 1) || Math.fround(u) !== u || u * 2 ** 23 - 0.5 !== x >>> 9) bad++;
      if (i % 2 === 1) {
        if (u < prev) notMonotone++;
        prev = u;
      }
    }
    expect(bad).toBe(0);
    expect(notMonotone).toBe(0);
  });

  it('uniforms4 applies it to randomBits', () => {
    const b = randomBits(SEED, 5, 6, 1);
    expect(uniforms4(SEED, 5, 6, 1)).toEqual(b.map(u32ToUniform));
  });
});

describe('normals: f32 error budget', () => {
  it('logF32 and sinCosTurnsF32 are accurate', () => {
    // Every uniform the generator can produce lies on the grid; test a sweep of it.
    let maxRelLog = 0;
    let maxAbsTrig = 0;
    for (let k = 0; k < 2 ** 23; k += 97) {
      const u = (k + 0.5) * 2 ** -23;
      maxRelLog = Math.max(maxRelLog, Math.abs(logF32(u) / Math.log(u) - 1));
      const t = u - 0.5;
      const [s, c] = sinCosTurnsF32(t);
      maxAbsTrig = Math.max(maxAbsTrig, Math.abs(s - Math.sin(2 * Math.PI * t)), Math.abs(c - Math.cos(2 * Math.PI * t)));
    }
    // A few f32 ulp (ulp(1) = 1.2e-7).
    expect(maxRelLog).toBeLessThan(3e-7);
    expect(maxAbsTrig).toBeLessThan(3e-7);
    // Quadrant boundaries and the ends.
    for (const t of [-0.5, -0.375, -0.25, -0.125, 0, 0.125, 0.25, 0.375, 0.5 - 2 ** -24]) {
      const [s, c] = sinCosTurnsF32(t);
      expect(Math.abs(s - Math.sin(2 * Math.PI * t))).toBeLessThan(3e-7);
      expect(Math.abs(c - Math.cos(2 * Math.PI * t))).toBeLessThan(3e-7);
    }
  });

  it('the WGSL f32 evaluation stays well inside NORMAL_ABS_TOLERANCE', () => {
    // 400k normals: f32 replay vs float64 reference. Measured max ~6e-7 over 4M.
    let maxDiff = 0;
    for (let c = 0; c < 100000; c++) {
      const u = uniforms4(SEED, c, 0, 0);
      for (const [a, b] of [
        [u[0], u[1]],
        [u[2], u[3]],
      ]) {
        const z = normalPair(a, b);
        const zf = normalPairF32(a, b);
        maxDiff = Math.max(maxDiff, Math.abs(z[0] - zf[0]), Math.abs(z[1] - zf[1]));
      }
    }
    expect(maxDiff).toBeLessThan(2e-6);
    expect(maxDiff).toBeLessThan(NORMAL_ABS_TOLERANCE / 5);
  });

  it('is finite at the extreme uniforms', () => {
    const lo = 2 ** -24;
    const hi = 1 - 2 ** -24;
    for (const [a, b] of [
      [lo, lo],
      [lo, hi],
      [hi, lo],
      [hi, hi],
      [lo, 0.5 - 2 ** -24],
    ]) {
      const z = normalPair(a, b);
      const zf = normalPairF32(a, b);
      for (let j = 0; j < 2; j++) {
        expect(Number.isFinite(zf[j])).toBe(true);
        expect(Math.abs(zf[j] - z[j])).toBeLessThan(NORMAL_ABS_TOLERANCE / 5);
        expect(Math.abs(z[j])).toBeLessThan(5.8); // sqrt(-2 ln 2^-24) = 5.77
      }
    }
  });

  it('normals4 is Box-Muller on uniform pairs (0, 1) and (2, 3)', () => {
    const u = uniforms4(SEED, 1, 2, 0);
    expect(normals4(SEED, 1, 2, 0)).toEqual([...normalPair(u[0], u[1]), ...normalPair(u[2], u[3])]);
  });
});

/** 4 * chains normals (or uniforms) for chains 0..chains-1 at (step, stream). */
function draw(kind: 'normal' | 'uniform', chains: number, step: number, stream: number, seed = SEED): Float64Array {
  const out = new Float64Array(4 * chains);
  const f = kind === 'normal' ? normals4 : uniforms4;
  for (let c = 0; c < chains; c++) out.set(f(seed, c, step, stream), 4 * c);
  return out;
}

describe('statistics of the generator (fixed seeds)', () => {
  const N_CHAINS = 50000; // 200k values
  const normals = draw('normal', N_CHAINS, 0, 0);

  it('200k normals have the moments of N(0, 1)', () => {
    const n = normals.length;
    // 5 standard errors at n = 200k: mean 0.0112, variance 0.0158, skewness 0.0274, kurtosis 0.0548.
    const tol = momentTolerance(n);
    expect(Math.abs(mean(normals))).toBeLessThan(tol.mean);
    expect(Math.abs(variance(normals) - 1)).toBeLessThan(tol.variance);
    expect(Math.abs(skewness(normals))).toBeLessThan(tol.skewness);
    expect(Math.abs(excessKurtosis(normals))).toBeLessThan(tol.excessKurtosis);
    // Each of the 4 output positions separately (50k each).
    const tol4 = momentTolerance(N_CHAINS);
    for (let j = 0; j < 4; j++) {
      const col = normals.filter((_, i) => i % 4 === j);
      expect(Math.abs(mean(col)), `position ${j}`).toBeLessThan(tol4.mean);
      expect(Math.abs(variance(col) - 1), `position ${j}`).toBeLessThan(tol4.variance);
    }
  });

  it('200k normals pass a KS test against normalCdf (p > 1e-3)', () => {
    const d = ksStatistic(normals, normalCdf);
    const p = ksPValue(d, normals.length);
    expect(p).toBeGreaterThan(1e-3);
    // Power check: p < 1e-3 needs D > 1.95/sqrt(n) = 0.0044; a scale error s
    // moves the CDF by up to ~0.24 s and a shift m by ~0.4 m, so a 3% scale
    // error or a 0.03 shift must fail.
    const scaled = normals.map((z) => z * 1.03);
    expect(ksPValue(ksStatistic(scaled, normalCdf), scaled.length)).toBeLessThan(1e-3);
    const shifted = normals.map((z) => z + 0.03);
    expect(ksPValue(ksStatistic(shifted, normalCdf), shifted.length)).toBeLessThan(1e-3);
  });

  it('200k uniforms pass a KS test and have the mean and variance of U(0, 1)', () => {
    const u = draw('uniform', N_CHAINS, 3, 1);
    const n = u.length;
    expect(ksPValue(ksStatistic(u, uniformCdf), n)).toBeGreaterThan(1e-3);
    // 5 SE at n = 200k: mean 0.0032, variance 0.00083.
    const tol = uniformMomentTolerance(n);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(tol.mean);
    expect(Math.abs(variance(u) - 1 / 12)).toBeLessThan(tol.variance);
  });

  it('each of the 32 bits of the words is balanced', () => {
    const n = 4 * 25000;
    const ones = new Array<number>(32).fill(0);
    for (let c = 0; c < n / 4; c++) {
      for (const w of randomBits(SEED, c, 0, 2)) for (let b = 0; b < 32; b++) ones[b] += (w >>> b) & 1;
    }
    // Binomial(n, 1/2): sd = sqrt(n)/2; 5 sd = 791 at n = 100k.
    for (let b = 0; b < 32; b++) expect(Math.abs(ones[b] - n / 2), `bit ${b}`).toBeLessThan((5 * Math.sqrt(n)) / 2);
  });

  it('no correlation between neighbouring chains, steps, streams or words', () => {
    // |r| < 5 / sqrt(n) for independent samples of n pairs.
    const chains = 25000;
    const a = normals.subarray(0, 4 * chains);
    const nextChain = normals.subarray(4, 4 * chains + 4); // chain c vs c + 1, same position
    const nextStep = draw('normal', chains, 1, 0);
    const otherStream = draw('normal', chains, 0, 1);
    const n = a.length;
    const tol = momentTolerance(n).correlation; // 0.0158 at n = 100k
    expect(Math.abs(pearsonCorrelation(a, nextChain))).toBeLessThan(tol);
    expect(Math.abs(pearsonCorrelation(a, nextStep))).toBeLessThan(tol);
    expect(Math.abs(pearsonCorrelation(a, otherStream))).toBeLessThan(tol);
    // Within one block: position j vs j + 1 (the words of one Philox output).
    const tol1 = momentTolerance(chains).correlation;
    for (let j = 0; j < 3; j++) {
      const x = a.filter((_, i) => i % 4 === j);
      const y = a.filter((_, i) => i % 4 === j + 1);
      expect(Math.abs(pearsonCorrelation(x, y)), `positions ${j}, ${j + 1}`).toBeLessThan(tol1);
    }
    // Squares too (Box-Muller pairs share r: their squares would correlate if
    // the pairing were wrong, e.g. if r were reused across pairs).
    const sq = (v: Float64Array) => v.map((z) => z * z);
    expect(Math.abs(pearsonCorrelation(sq(a), sq(nextChain)))).toBeLessThan(tol);
    expect(Math.abs(pearsonCorrelation(sq(a), sq(nextStep)))).toBeLessThan(tol);
  });
});

describe('stats helpers', () => {
  it('normalCdf and erfc match known values', () => {
    // Reference values: scipy.stats.norm.cdf / math.erfc / mpmath (30 digits).
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 14);
    expect(normalCdf(-1)).toBeCloseTo(0.15865525393145707, 14);
    expect(normalCdf(3)).toBeCloseTo(0.9986501019683699, 14);
    const rel = (a: number, b: number) => Math.abs(a / b - 1);
    expect(rel(normalCdf(-3), 0.0013498980316300933)).toBeLessThan(1e-12);
    expect(rel(normalCdf(-6), 9.865876450376946e-10)).toBeLessThan(1e-12);
    expect(rel(normalCdf(-10), 7.61985302416047e-24)).toBeLessThan(1e-12);
    expect(rel(erfc(1), 0.15729920705028513)).toBeLessThan(1e-13);
    expect(rel(erfc(0.5), 0.4795001221869535)).toBeLessThan(1e-13);
    expect(rel(erfc(2), 0.004677734981047265)).toBeLessThan(1e-13);
    expect(rel(erfc(1.999), 0.004698443348629487)).toBeLessThan(1e-12);
    expect(rel(erfc(3), 2.209049699858544e-5)).toBeLessThan(1e-13);
    expect(rel(erfc(5), 1.537459794428035e-12)).toBeLessThan(1e-13);
    expect(rel(erfc(-1), 1.842700792949715)).toBeLessThan(1e-14);
    // Symmetry.
    for (const x of [0.1, 0.7, 1.5, 2.5, 4]) expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 15);
  });

  it('Kolmogorov survival function and KS p-values', () => {
    // scipy.stats.kstwobign.sf
    const ref: [number, number][] = [
      [0.3, 0.9999906941986655],
      [0.5, 0.9639452436648751],
      [0.8, 0.5441424115741981],
      [1.0, 0.26999967167735456],
      [1.18, 0.1234538094297657],
      [1.2, 0.11224966667072497],
      [1.36, 0.049485876755377876],
      [2.0, 0.0006709252557796953],
      [3.0, 3.045995948942526e-8],
    ];
    for (const [lam, q] of ref) expect(Math.abs(kolmogorovSurvival(lam) / q - 1), `lambda ${lam}`).toBeLessThan(1e-10);
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(ksPValue(0, 100)).toBe(1);
    // Against the exact finite-n distribution (scipy.stats.kstwo.sf): a few %.
    expect(Math.abs(ksPValue(0.05, 1000) / 0.013012074781090332 - 1)).toBeLessThan(0.01);
    expect(Math.abs(ksPValue(0.2, 50) / 0.03143877776953241 - 1)).toBeLessThan(0.01);
    // Monotone in d.
    let prev = 1;
    for (let d = 0; d < 0.05; d += 0.001) {
      const p = ksPValue(d, 2000);
      expect(p).toBeLessThanOrEqual(prev);
      prev = p;
    }
    // ksStatistic (scipy.stats.kstest([0.1, 0.5, 0.9], 'uniform') gives 0.2333...).
    expect(ksStatistic([0.9, 0.1, 0.5], uniformCdf)).toBeCloseTo(0.7 / 3, 14);
  });

  it('moments and correlation of small known samples', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(variance([1, 2, 3, 4])).toBeCloseTo(5 / 3, 14);
    expect(skewness([1, 2, 3, 4])).toBeCloseTo(0, 14);
    expect(excessKurtosis([1, 2, 3, 4])).toBeCloseTo(-1.36, 14);
    expect(skewness([0, 0, 1])).toBeCloseTo(Math.SQRT1_2, 14);
    const a = [1, 3, 2, 5, 4, 7, 6, 9];
    const b = [2, 1, 4, 3, 7, 5, 9, 8];
    expect(pearsonCorrelation(a, b)).toBeCloseTo(0.675881748540059, 13); // numpy.corrcoef
    expect(pearsonCorrelation(a, a.map((x) => 3 * x + 1))).toBeCloseTo(1, 14);
    expect(pearsonCorrelation(a, a.map((x) => -x))).toBeCloseTo(-1, 14);
    expect(() => pearsonCorrelation([1, 2], [1])).toThrow(RangeError);
  });

  it('momentTolerance follows the standard errors', () => {
    const t = momentTolerance(10000);
    expect(t.mean).toBeCloseTo(0.05, 14);
    expect(t.variance).toBeCloseTo(5 * Math.sqrt(2e-4), 14);
    expect(t.skewness).toBeCloseTo(5 * Math.sqrt(6e-4), 14);
    expect(t.excessKurtosis).toBeCloseTo(5 * Math.sqrt(24e-4), 14);
    expect(t.correlation).toBeCloseTo(0.05, 14);
    expect(momentTolerance(10000, 3).mean).toBeCloseTo(0.03, 14);
    const u = uniformMomentTolerance(10000);
    expect(u.mean).toBeCloseTo(5 * Math.sqrt(1 / 120000), 14);
    expect(u.variance).toBeCloseTo(5 * Math.sqrt(1 / 1800000), 14);
  });
});

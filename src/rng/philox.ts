// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy
// as 1, 2, 3", SC 2011; as in Random123), the counter-based generator used on
// the GPU (shaders/philox.wgsl), written here with 32-bit integer arithmetic so
// the host can reproduce any GPU draw.
//
// Keying convention of this project:
//   key     = (seed_lo, seed_hi)              the 2 x 32-bit halves of the seed
//   counter = (chain, step, stream, 0)        chain / sample index, Langevin step
//                                             (or iteration), stream
// Streams pick independent sequences for the same (chain, step); each kernel
// declares its own (LGV_STREAM_* of langevin.wgsl, TRN_STREAM_* of
// trainer_common.wgsl), read by the host from there (src/device/constants.ts).
//
// Contract between this file and shaders/philox.wgsl:
//   - the four u32 words (philox4x32, randomBits) are bit-exact;
//   - the uniforms (u32ToUniform) are bit-exact: the mapping is exact in f32, no
//     rounding happens anywhere, so every conforming GPU gives the same value;
//   - the normals are NOT bit-exact (f32 rounding on the GPU, FMA contraction,
//     sqrt and division): GPU normals must match normals4() (float64) to within
//     NORMAL_ABS_TOLERANCE (see there for the error budget); normalPairF32
//     replays the WGSL's f32 arithmetic step by step.

import { integer } from '../validate';
import { shaderConstant } from '../device/constants';

export type U32x4 = [number, number, number, number];
export type U32x2 = [number, number];
export type F64x4 = [number, number, number, number];

/** Philox4x32's multipliers and Weyl key increments, read from shaders/philox.wgsl (the known-answer tests pin them). */
export const PHILOX_M0 = shaderConstant('philox.wgsl', 'PHILOX_M0');
export const PHILOX_M1 = shaderConstant('philox.wgsl', 'PHILOX_M1');
export const PHILOX_W0 = shaderConstant('philox.wgsl', 'PHILOX_W0');
export const PHILOX_W1 = shaderConstant('philox.wgsl', 'PHILOX_W1');

/** 2^-23: the spacing of the uniform grid. */
const TWO_POW_M23 = 1.1920928955078125e-7;

/**
 * Bound on |GPU normal - normals4()| (absolute), for every normal the generator
 * can produce (|z| < 5.78, since u1 >= 2^-24).
 *
 * The WGSL computes ln and sin/cos itself with + - * / (rng_log,
 * rng_sincos_turns) rather than with the built-ins, whose WGSL accuracy bounds
 * are loose (2^-11 absolute for sin/cos, and SwiftShader's cos is off by ~2e-4
 * near pi) and differ between GPUs. Its remaining error is f32 rounding:
 * normalPairF32 replays the WGSL's f32 operations and deviates from normals4 by
 * at most 6.0e-7 (measured over 4M normals; the unit test checks < 2e-6 on
 * 400k). On SwiftShader (headless Chromium 156) the GPU's rng_normal4 equalled
 * normalPairF32 bit for bit on 320k normals and normals4 within 4e-7. Other
 * GPUs may move results by an ulp or so (FMA contraction, division and sqrt
 * rounding); 1e-5 leaves a margin of ~15.
 */
export const NORMAL_ABS_TOLERANCE = 1e-5;

function checkU32(field: string, v: number): number {
  return integer(field, v, 0, 0xffffffff, { hiText: '2^32 - 1' });
}

/**
 * The full 64-bit product of two u32s as [hi, lo], computed from 16-bit halves
 * exactly as the WGSL does it (every partial product is < 2^32, so exact in
 * float64 and in u32).
 */
export function mulhilo32(a: number, b: number): U32x2 {
  a >>>= 0;
  b >>>= 0;
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const ll = aLo * bLo;
  const lh = aLo * bHi;
  const hl = aHi * bLo;
  const hh = aHi * bHi;
  // Carries into the high word: bits 16..31 of ll plus the low halves of the
  // cross products (< 3 * 2^16, no overflow).
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  const lo = Math.imul(a, b) >>> 0;
  return [hi, lo];
}

/**
 * Philox4x32 with `rounds` rounds (10 is the standard, and the only one the GPU
 * uses; other counts exist for the Random123 known-answer tests).
 */
export function philox4x32(counter: U32x4, key: U32x2, rounds = 10): U32x4 {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let r = 0; r < rounds; r++) {
    if (r > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo32(PHILOX_M0, c0);
    const [hi1, lo1] = mulhilo32(PHILOX_M1, c2);
    const n0 = (hi1 ^ c1 ^ k0) >>> 0;
    const n2 = (hi0 ^ c3 ^ k1) >>> 0;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
  }
  return [c0, c1, c2, c3];
}

/** The Philox key of a seed: [seed_lo, seed_hi] (seed is an integer in [0, 2^53)). */
export function seedKey(seed: number): U32x2 {
  integer('seed', seed, 0, Number.MAX_SAFE_INTEGER, { hiText: '2^53 - 1' });
  return [seed % 0x100000000, Math.floor(seed / 0x100000000)];
}

/** The four random words for (chain, step, stream) under `seed`: counter (chain, step, stream, 0). */
export function randomBits(seed: number, chain: number, step: number, stream: number): U32x4 {
  return philox4x32(
    [checkU32('chain', chain), checkU32('step', step), checkU32('stream', stream), 0],
    seedKey(seed),
  );
}

/**
 * A uniform number in (0, 1) from a u32: (floor(x / 2^9) + 0.5) * 2^-23, i.e.
 * the midpoints of 2^23 equal cells. Range [2^-24, 1 - 2^-24]: never 0 or 1.
 *
 * Every step is exact in f32 (x >> 9 < 2^23, so k + 0.5 fits in 24 bits, and
 * the scale is a power of two), so the WGSL gives the same value bit for bit
 * whatever its rounding. (A 24-bit variant, (x >> 8) + 0.5, would need 25 bits
 * and round: to exactly 1.0 for x >= 0xffffff80 under round-to-nearest-even.)
 */
export function u32ToUniform(x: number): number {
  return Math.fround(((x >>> 9) + 0.5) * TWO_POW_M23);
}

/** The four uniforms in (0, 1) for (chain, step, stream): the GPU's rng_uniform4, bit for bit. */
export function uniforms4(seed: number, chain: number, step: number, stream: number): F64x4 {
  const b = randomBits(seed, chain, step, stream);
  return [u32ToUniform(b[0]), u32ToUniform(b[1]), u32ToUniform(b[2]), u32ToUniform(b[3])];
}

/**
 * Box-Muller as the WGSL does it (rng_normal_pair), evaluated in float64 from
 * the (f32) uniforms: r = sqrt(-2 ln u1), theta = 2 pi (u2 - 0.5), returns
 * [r cos theta, r sin theta]. The angle is centred on 0 (|theta| < pi);
 * cos(a - pi) = -cos a, so this is still Box-Muller. This is the reference the
 * GPU's f32 result is compared with, within NORMAL_ABS_TOLERANCE.
 */
export function normalPair(u1: number, u2: number): [number, number] {
  const r = Math.sqrt(-2 * Math.log(u1));
  const theta = 2 * Math.PI * (u2 - 0.5);
  return [r * Math.cos(theta), r * Math.sin(theta)];
}

const f = Math.fround;
const F32_LN2 = f(Math.LN2);
const F32_SQRT2 = f(Math.SQRT2);
const LOG_C = [f(1 / 9), f(1 / 7), f(1 / 5), f(1 / 3)];
const SIN_C = [
  42.058693944897653145, -76.705859753061385842, 81.605249276075054203, -41.341702240399760234,
  6.2831853071795864769,
].map(f);
const COS_C = [
  -26.426256783374397453, 60.244641371876660363, -85.456817206693727736, 64.939394022668291491,
  -19.739208802178717238,
].map(f);
const f32View = new Float32Array(1);
const u32View = new Uint32Array(f32View.buffer);

/** rng_log of the WGSL in float32 semantics: ln(u) for a positive normal f32 u. */
export function logF32(u: number): number {
  f32View[0] = u;
  const bits = u32View[0];
  const e0 = (bits >>> 23) - 127;
  u32View[0] = (bits & 0x007fffff) | 0x3f800000;
  const m0 = f32View[0];
  const big = m0 > F32_SQRT2;
  const m = big ? f(0.5 * m0) : m0;
  const e = big ? e0 + 1 : e0;
  const y = f(f(m - 1) / f(m + 1));
  const y2 = f(y * y);
  let p = LOG_C[0];
  for (let i = 1; i < LOG_C.length; i++) p = f(LOG_C[i] + f(y2 * p));
  p = f(1 + f(y2 * p));
  return f(f(e * F32_LN2) + f(f(2 * y) * p));
}

/** rng_sincos_turns of the WGSL in float32 semantics: [sin(2 pi t), cos(2 pi t)], |t| <= 0.5. */
export function sinCosTurnsF32(t: number): [number, number] {
  const q = Math.round(4 * t);
  const s = f(t - 0.25 * q);
  const s2 = f(s * s);
  let sn = SIN_C[0];
  for (let i = 1; i < SIN_C.length; i++) sn = f(SIN_C[i] + f(s2 * sn));
  sn = f(s * sn);
  let cs = COS_C[0];
  for (let i = 1; i < COS_C.length; i++) cs = f(COS_C[i] + f(s2 * cs));
  cs = f(1 + f(s2 * cs));
  const k = (q + 4) & 3;
  const odd = (k & 1) === 1;
  const sinV = odd ? cs : sn;
  const cosV = odd ? sn : cs;
  return [k >= 2 ? -sinV : sinV, k === 1 || k === 2 ? -cosV : cosV];
}

/**
 * The WGSL's rng_normal_pair replayed in float32 semantics: every operation
 * rounded to f32 (Math.fround), no FMA contraction. A GPU may differ by an ulp
 * here and there (FMA, sqrt and division rounding), so this is not the GPU's
 * value bit for bit; it measures how much of NORMAL_ABS_TOLERANCE f32
 * arithmetic uses.
 */
export function normalPairF32(u1: number, u2: number): [number, number] {
  const r = f(Math.sqrt(f(-2 * logF32(u1))));
  const [sn, cs] = sinCosTurnsF32(f(u2 - 0.5));
  return [f(r * cs), f(r * sn)];
}

/**
 * Four standard normals for (chain, step, stream): Box-Muller on uniforms
 * (0, 1) and (2, 3), float64 from the f32 uniforms. The GPU's rng_normal4 gives
 * the same values within NORMAL_ABS_TOLERANCE.
 */
export function normals4(seed: number, chain: number, step: number, stream: number): F64x4 {
  const u = uniforms4(seed, chain, step, stream);
  const [z0, z1] = normalPair(u[0], u[1]);
  const [z2, z3] = normalPair(u[2], u[3]);
  return [z0, z1, z2, z3];
}

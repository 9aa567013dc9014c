// philox.wgsl: counter-based random numbers, Philox4x32-10 (Salmon et al.,
// SC 2011; as in Random123), bit-exact with src/rng/philox.ts.
//
// Computes: philox4x32_10(counter, key) -> 4 random u32 words; from them 4
// uniforms in (0, 1) (rng_uniform4) or 4 standard normals (rng_normal4,
// Box-Muller on uniform pairs (x, y) and (z, w)).
// Functions: philox4x32_10(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32>;
//   rng_bits4 / rng_uniform4 / rng_normal4(seed: vec2<u32>, chain: u32,
//   step_id: u32, stream: u32) -> vec4<u32> / vec4<f32> / vec4<f32>;
//   helpers rng_u32_to_uniform, rng_log, rng_sincos_turns, rng_normal_pair.
//
// Keying convention: key = (seed_lo, seed_hi), the two 32-bit halves of the
// seed; counter = (chain, step, stream, 0u), with chain the chain / sample
// index, step the Langevin step (or iteration) and stream one of
// 0 = proposal noise, 1 = accept/reject uniforms, 2 = data batch draws.
// Never reuse a (seed, chain, step, stream) for two different purposes.
//
// Reproducibility: the u32 words and the uniforms equal the host's
// (src/rng/philox.ts: randomBits, u32ToUniform) bit for bit. The normals are not
// bit-exact (f32 rounding, FMA contraction, the GPU's sqrt and division) but
// use no built-in log/sin/cos (their WGSL accuracy bounds are loose and vary
// between GPUs): they equal normals4() within NORMAL_ABS_TOLERANCE (1e-5
// absolute).
//
// Library only: no entry point, no bindings, no overrides. Compose it by
// prepending its text to the shader that uses it (WGSL has no #include):
//   const code = philoxWgsl + '\n' + myShaderWgsl;
// Its global names all start with philox_, rng_, PHILOX_ or RNG_; keep those
// prefixes out of other shaders.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// 2^-23, the spacing of the uniform grid (exact in f32).
const RNG_TWO_POW_M23: f32 = 1.1920928955078125e-7;
const RNG_LN2: f32 = 0.69314718055994530942;
const RNG_SQRT2: f32 = 1.4142135623730950488;

// Full 64-bit product of two u32s as (hi, lo). WGSL has no 64-bit integers;
// u32 multiplication wraps modulo 2^32, which gives lo directly, and hi comes
// from 16-bit halves: each partial product is < 2^32, so nothing overflows.
fn philox_mulhilo(a: u32, b: u32) -> vec2<u32> {
  let a_lo = a & 0xFFFFu;
  let a_hi = a >> 16u;
  let b_lo = b & 0xFFFFu;
  let b_hi = b >> 16u;
  let ll = a_lo * b_lo;
  let lh = a_lo * b_hi;
  let hl = a_hi * b_lo;
  let hh = a_hi * b_hi;
  // Carry into the high word: < 3 * 2^16, no overflow.
  let mid = (ll >> 16u) + (lh & 0xFFFFu) + (hl & 0xFFFFu);
  let hi = hh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u);
  return vec2<u32>(hi, a * b);
}

// One Philox4x32 round (Random123's philox4x32round).
fn philox_round(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  let p0 = philox_mulhilo(PHILOX_M0, ctr.x);
  let p1 = philox_mulhilo(PHILOX_M1, ctr.z);
  return vec4<u32>(p1.x ^ ctr.y ^ key.x, p1.y, p0.x ^ ctr.w ^ key.y, p0.y);
}

// Philox4x32 with 10 rounds; the key is bumped by (W0, W1) (mod 2^32) between
// rounds.
fn philox4x32_10(ctr: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  let bump = vec2<u32>(PHILOX_W0, PHILOX_W1);
  var c = philox_round(ctr, key);
  var k = key;
  for (var i = 1u; i < 10u; i = i + 1u) {
    k = k + bump;
    c = philox_round(c, k);
  }
  return c;
}

// The four words for (chain, step, stream) under seed = (seed_lo, seed_hi).
// (Parameters are named step_id: `step` is a WGSL built-in function.)
fn rng_bits4(seed: vec2<u32>, chain: u32, step_id: u32, stream: u32) -> vec4<u32> {
  return philox4x32_10(vec4<u32>(chain, step_id, stream, 0u), seed);
}

// u32 -> uniform in (0, 1): (f32(x >> 9) + 0.5) * 2^-23, range
// [2^-24, 1 - 2^-24], never 0 or 1. Every step is exact in f32 (x >> 9 < 2^23,
// so k + 0.5 fits in 24 bits; the scale is a power of two), hence bit-exact
// with the host's u32ToUniform whatever the GPU's rounding.
fn rng_u32_to_uniform(x: vec4<u32>) -> vec4<f32> {
  return (vec4<f32>(x >> vec4<u32>(9u)) + vec4<f32>(0.5)) * RNG_TWO_POW_M23;
}

fn rng_uniform4(seed: vec2<u32>, chain: u32, step_id: u32, stream: u32) -> vec4<f32> {
  return rng_u32_to_uniform(rng_bits4(seed, chain, step_id, stream));
}

// ln(u) for a positive, normal, finite f32 (every uniform of
// rng_u32_to_uniform is one: u >= 2^-24, so log(0) never happens). Written
// with + - * / only, not the built-in log, whose WGSL accuracy bound is loose
// (absolute 2^-21 near 1) and differs between GPUs: u = m * 2^e with m in
// [sqrt(1/2), sqrt(2)] (m - 1 exact), ln(m) = 2 atanh(y), y = (m - 1)/(m + 1),
// |y| <= 0.1716, series to y^9 (truncation < 3e-9 relative).
fn rng_log(u: f32) -> f32 {
  let bits = bitcast<u32>(u);
  let e0 = i32(bits >> 23u) - 127;
  let m0 = bitcast<f32>((bits & 0x007FFFFFu) | 0x3F800000u);
  let big = m0 > RNG_SQRT2;
  let m = select(m0, 0.5 * m0, big);
  let e = select(e0, e0 + 1, big);
  let y = (m - 1.0) / (m + 1.0);
  let y2 = y * y;
  var p = 1.0 / 9.0;
  p = 1.0 / 7.0 + y2 * p;
  p = 1.0 / 5.0 + y2 * p;
  p = 1.0 / 3.0 + y2 * p;
  p = 1.0 + y2 * p;
  return f32(e) * RNG_LN2 + 2.0 * y * p;
}

// (sin(2 pi t), cos(2 pi t)) for |t| <= 0.5, with + - * only (WGSL only
// promises 2^-11 absolute for the built-in sin/cos, and SwiftShader is that
// coarse). Reduction in turns is exact: q = round(4 t), s = t - q / 4,
// |s| <= 1/8; Taylor polynomials in s (sin to s^9, cos to s^10, truncation
// < 2e-9), then the quadrant q.
fn rng_sincos_turns(t: f32) -> vec2<f32> {
  let q = round(4.0 * t);
  let s = t - 0.25 * q;
  let s2 = s * s;
  var sn = 42.058693944897653145;
  sn = -76.705859753061385842 + s2 * sn;
  sn = 81.605249276075054203 + s2 * sn;
  sn = -41.341702240399760234 + s2 * sn;
  sn = 6.2831853071795864769 + s2 * sn;
  sn = s * sn;
  var cs = -26.426256783374397453;
  cs = 60.244641371876660363 + s2 * cs;
  cs = -85.456817206693727736 + s2 * cs;
  cs = 64.939394022668291491 + s2 * cs;
  cs = -19.739208802178717238 + s2 * cs;
  cs = 1.0 + s2 * cs;
  // sin(x + k pi/2), k = q mod 4: (S, C), (C, -S), (-S, -C), (-C, S).
  let k = u32(i32(q) + 4) & 3u;
  let odd = (k & 1u) == 1u;
  let sin_v = select(sn, cs, odd);
  let cos_v = select(cs, sn, odd);
  return vec2<f32>(select(sin_v, -sin_v, k >= 2u), select(cos_v, -cos_v, k == 1u || k == 2u));
}

// Box-Muller: r = sqrt(-2 ln u1), theta = 2 pi (u2 - 0.5) in (-pi, pi)
// (cos(a - pi) = -cos a: still Box-Muller); returns (r cos theta,
// r sin theta). u2 - 0.5 is exact for every uniform of rng_u32_to_uniform.
fn rng_normal_pair(u1: f32, u2: f32) -> vec2<f32> {
  let r = sqrt(-2.0 * rng_log(u1));
  let sc = rng_sincos_turns(u2 - 0.5);
  return vec2<f32>(r * sc.y, r * sc.x);
}

// Four standard normals for (chain, step, stream): pairs from uniforms (x, y)
// and (z, w).
fn rng_normal4(seed: vec2<u32>, chain: u32, step_id: u32, stream: u32) -> vec4<f32> {
  let u = rng_uniform4(seed, chain, step_id, stream);
  let a = rng_normal_pair(u.x, u.y);
  let b = rng_normal_pair(u.z, u.w);
  return vec4<f32>(a.x, a.y, b.x, b.y);
}

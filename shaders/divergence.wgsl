// divergence.wgsl: the functions every f-divergence needs (docs/method.md), on
// v = H(x) + E(x):
//   g(v) = f'(e^v)   (data samples),   g'(v) = e^v f''(e^v),
//   c(v) = e^v g(v) - f(e^v)   (model samples),   c'(v) = e^v g'(v).
// Float64 reference: src/divergence/reference.ts (g64, c64, dg64, dc64).
//
// Library file: no bindings, no entry point; composes no other file (it
// calls the user's custom_ functions, see "Custom divergence" below).
//
// Functions (code: DIV_* below, the host's DIVERGENCE_CODE; mode: DIV_AUTHORS
// or DIV_STABLE, the host's NUMERICS_CODE; alpha: only read by DIV_ALPHA):
//   div_data(code, mode, alpha, v) -> vec2<f32>(g(v), g'(v))
//   div_model(code, mode, alpha, v) -> vec2<f32>(c(v), c'(v))
// Each resets and then sets the private flag div_bound_hit: true when an
// exponent argument was clamped (authors) or saturated (stable) while
// evaluating that pair.
//
// Numerics modes:
// - DIV_AUTHORS: as the authors' image code and the float64 reference: every
//   exponential is exp(clamp(x, -5, 5)), with derivative 0 where the clamp is
//   active (|x| > 5); expm1(x) = expm1(clamp(x)); softplus(x) =
//   log(1 + exp(clamp(x))). Derivatives are those of the clamped functions.
// - DIV_STABLE: the exact functions, overflow-safe: softplus(x) = max(x, 0) +
//   log1p(e^-|x|), sigmoid without overflow, expm1 without cancellation.
//   Where the exact value overflows f32 (outside f32SafeRange of the
//   reference, e.g. Pearson's c = e^(2v) - 1 for v > 44) the value saturates
//   instead: every exponential is e^min(x, 88) (<= 1.65e38; 2 e^88 still
//   fits f32), an alpha-family quotient expm1(x)/k is capped at 3e38 in
//   magnitude, and div_bound_hit is set. So every g, c, g', c' is finite for
//   every finite v (in particular on [-80, 80]); inside f32SafeRange nothing
//   saturates and the values match the reference. Arguments below -87.3
//   give e^x = 0 (an absolute error below 1.2e-38).
//   Exponentials use div_exp below (Cody-Waite reduction and a polynomial,
//   about 2 ulp), not the built-in exp, whose WGSL accuracy bound is
//   3 + 2|x| ulp (up to 1e-5 relative at |x| = 88) and differs between GPUs.
//
// Alpha: evaluated with alpha rounded to f32 (the host refuses an alpha that
// rounds to 0 or 1), k = alpha - 1 computed in f32 (exact for |alpha - 1| < 1
// by Sterbenz' lemma).
//
// Custom divergence (code DIV_CUSTOM): calls three functions the composing
// shader must provide (the host composes them in as user code):
//   fn custom_f(u: f32) -> f32, fn custom_df(u: f32) -> f32,
//   fn custom_d2f(u: f32) -> f32   (f, f', f'' on u > 0)
// and evaluates, with u = e^v (e^min(v, 88) in both modes, no other clamp,
// like the reference): g = custom_df(u), c = u custom_df(u) - custom_f(u),
// g' = u custom_d2f(u), c' = u g'. Nothing guards the user's functions:
// whether they stay finite for large |v| is up to them. When a shader is
// built without user code, the host composes divergence_custom_default.wgsl,
// whose stubs return 0, so this library always compiles; the host refuses
// DIV_CUSTOM without user code.
//
// Global names start with div_ / DIV_ (and the three custom_ functions).

const DIV_KL: u32 = 0u;
const DIV_REVERSE_KL: u32 = 1u;
const DIV_JENSEN_SHANNON: u32 = 2u;
const DIV_SQUARED_HELLINGER: u32 = 3u;
const DIV_PEARSON: u32 = 4u;
const DIV_NEYMAN: u32 = 5u;
const DIV_ALPHA: u32 = 6u;
const DIV_CUSTOM: u32 = 7u;

const DIV_AUTHORS: u32 = 0u;
const DIV_STABLE: u32 = 1u;

// The authors' clamp of exponent arguments.
const DIV_CLAMP: f32 = 5.0;
// Stable mode: exponent arguments saturate here (e^88 = 1.65e38, the
// reference's F32_SAFE_EXPONENT); below DIV_EXP_MIN, e^x is 0.
const DIV_EXP_MAX: f32 = 88.0;
const DIV_EXP_MIN: f32 = -87.3;
// Cap on |expm1(x) / k| in the alpha family (below FLT_MAX = 3.4028e38).
const DIV_QUOTIENT_MAX: f32 = 3.0e38;

const DIV_LN2: f32 = 0.69314718055994530942;
const DIV_LOG2E: f32 = 1.4426950408889634074;
// ln 2 split for Cody-Waite: DIV_LN2_HI has 15 significant bits, so n *
// DIV_LN2_HI is exact for |n| <= 256.
const DIV_LN2_HI: f32 = 0.693145751953125;
const DIV_LN2_LO: f32 = 1.428606765330187045e-6;

var<private> div_bound_hit: bool;

// e^x for x in [DIV_EXP_MIN, DIV_EXP_MAX]: x = n ln2 + r, |r| <= ln2/2 (a
// little more when round() is off by one), e^r by its Taylor polynomial to
// r^7 (truncation < 6e-9 relative), scaled by 2^n exactly.
fn div_exp_core(x: f32) -> f32 {
  let n = round(x * DIV_LOG2E);
  let r = (x - n * DIV_LN2_HI) - n * DIV_LN2_LO;
  var p = 1.0 / 5040.0;
  p = 1.0 / 720.0 + r * p;
  p = 1.0 / 120.0 + r * p;
  p = 1.0 / 24.0 + r * p;
  p = 1.0 / 6.0 + r * p;
  p = 0.5 + r * p;
  p = 1.0 + r * p;
  p = 1.0 + r * p;
  return ldexp(p, i32(n));
}

// e^x, saturating at e^DIV_EXP_MAX (sets div_bound_hit), 0 below DIV_EXP_MIN.
fn div_exp(x: f32) -> f32 {
  if (x > DIV_EXP_MAX) { div_bound_hit = true; }
  let e = div_exp_core(clamp(x, DIV_EXP_MIN, DIV_EXP_MAX));
  return select(e, 0.0, x < DIV_EXP_MIN);
}

// e^x - 1 without cancellation near 0: Taylor to x^8 for |x| < 0.35
// (truncation < 1e-9 relative), div_exp(x) - 1 elsewhere.
fn div_expm1(x: f32) -> f32 {
  if (abs(x) < 0.35) {
    var p = 1.0 / 40320.0;
    p = 1.0 / 5040.0 + x * p;
    p = 1.0 / 720.0 + x * p;
    p = 1.0 / 120.0 + x * p;
    p = 1.0 / 24.0 + x * p;
    p = 1.0 / 6.0 + x * p;
    p = 0.5 + x * p;
    p = 1.0 + x * p;
    return x * p;
  }
  return div_exp(x) - 1.0;
}

// log(1 + t) for t in [0, 1]: 2 atanh(y), y = t / (2 + t) in [0, 1/3], odd
// series to y^17 (truncation < 2e-10 relative); no cancellation for small t.
fn div_log1p_unit(t: f32) -> f32 {
  let y = t / (2.0 + t);
  let y2 = y * y;
  var p = 1.0 / 17.0;
  p = 1.0 / 15.0 + y2 * p;
  p = 1.0 / 13.0 + y2 * p;
  p = 1.0 / 11.0 + y2 * p;
  p = 1.0 / 9.0 + y2 * p;
  p = 1.0 / 7.0 + y2 * p;
  p = 1.0 / 5.0 + y2 * p;
  p = 1.0 / 3.0 + y2 * p;
  p = 1.0 + y2 * p;
  return 2.0 * y * p;
}

// log(1 + e^x) = max(x, 0) + log1p(e^-|x|): finite and accurate for every x.
fn div_softplus_exact(x: f32) -> f32 {
  return max(x, 0.0) + div_log1p_unit(div_exp(-abs(x)));
}

// 1 / (1 + e^-x) without overflow.
fn div_sigmoid(x: f32) -> f32 {
  let e = div_exp(-abs(x));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, x >= 0.0);
}

// ---- the kit of primitives, by numerics mode (as the reference's AUTHORS_KIT / STABLE_KIT)

fn div_authors_active(x: f32) -> bool {
  let outside = abs(x) > DIV_CLAMP;
  if (outside) { div_bound_hit = true; }
  return outside;
}

fn div_k_exp(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) {
    _ = div_authors_active(x);
    return div_exp(clamp(x, -DIV_CLAMP, DIV_CLAMP));
  }
  return div_exp(x);
}

fn div_k_dexp(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) {
    if (div_authors_active(x)) { return 0.0; }
    return div_exp(x);
  }
  return div_exp(x);
}

fn div_k_expm1(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) {
    _ = div_authors_active(x);
    return div_expm1(clamp(x, -DIV_CLAMP, DIV_CLAMP));
  }
  return div_expm1(x);
}

// expm1(x) / k, capped at DIV_QUOTIENT_MAX in magnitude (only reachable in the
// stable mode, or with |k| tiny).
fn div_k_expm1_over(mode: u32, x: f32, k: f32) -> f32 {
  let e = div_k_expm1(mode, x);
  let cap = DIV_QUOTIENT_MAX * min(abs(k), 1.0);
  if (e > cap) { div_bound_hit = true; }
  return min(e, cap) / k;
}

fn div_k_softplus(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) {
    _ = div_authors_active(x);
    return div_softplus_exact(clamp(x, -DIV_CLAMP, DIV_CLAMP));
  }
  return div_softplus_exact(x);
}

fn div_k_dsoftplus(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) {
    if (div_authors_active(x)) { return 0.0; }
  }
  return div_sigmoid(x);
}

fn div_k_logsigmoid(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) { return x - div_k_softplus(mode, x); }
  return -div_softplus_exact(-x);
}

fn div_k_dlogsigmoid(mode: u32, x: f32) -> f32 {
  if (mode == DIV_AUTHORS) { return 1.0 - div_k_dsoftplus(mode, x); }
  return div_sigmoid(-x);
}

// ---- the divergences

// (g(v), g'(v)).
fn div_data(code: u32, mode: u32, alpha: f32, v: f32) -> vec2<f32> {
  div_bound_hit = false;
  switch code {
    case DIV_KL: { return vec2<f32>(1.0 + v, 1.0); }
    case DIV_REVERSE_KL: { return vec2<f32>(-div_k_exp(mode, -v), div_k_dexp(mode, -v)); }
    case DIV_JENSEN_SHANNON: { return vec2<f32>(DIV_LN2 + div_k_logsigmoid(mode, v), div_k_dlogsigmoid(mode, v)); }
    case DIV_SQUARED_HELLINGER: { return vec2<f32>(-div_k_expm1(mode, -0.5 * v), 0.5 * div_k_dexp(mode, -0.5 * v)); }
    case DIV_PEARSON: { return vec2<f32>(2.0 * div_k_expm1(mode, v), 2.0 * div_k_dexp(mode, v)); }
    case DIV_NEYMAN: { return vec2<f32>(-div_k_expm1(mode, -2.0 * v), 2.0 * div_k_dexp(mode, -2.0 * v)); }
    case DIV_ALPHA: {
      let k = alpha - 1.0;
      return vec2<f32>(div_k_expm1_over(mode, k * v, k), div_k_dexp(mode, k * v));
    }
    default: {
      let u = div_exp(v);
      return vec2<f32>(custom_df(u), u * custom_d2f(u));
    }
  }
}

// (c(v), c'(v)).
fn div_model(code: u32, mode: u32, alpha: f32, v: f32) -> vec2<f32> {
  div_bound_hit = false;
  switch code {
    case DIV_KL: { return vec2<f32>(div_k_exp(mode, v), div_k_dexp(mode, v)); }
    case DIV_REVERSE_KL: { return vec2<f32>(v - 1.0, 1.0); }
    case DIV_JENSEN_SHANNON: { return vec2<f32>(div_k_softplus(mode, v) - DIV_LN2, div_k_dsoftplus(mode, v)); }
    case DIV_SQUARED_HELLINGER: { return vec2<f32>(div_k_expm1(mode, 0.5 * v), 0.5 * div_k_dexp(mode, 0.5 * v)); }
    case DIV_PEARSON: { return vec2<f32>(div_k_expm1(mode, 2.0 * v), 2.0 * div_k_dexp(mode, 2.0 * v)); }
    case DIV_NEYMAN: { return vec2<f32>(-2.0 * div_k_expm1(mode, -v), 2.0 * div_k_dexp(mode, -v)); }
    case DIV_ALPHA: { return vec2<f32>(div_k_expm1_over(mode, alpha * v, alpha), div_k_dexp(mode, alpha * v)); }
    default: {
      let u = div_exp(v);
      return vec2<f32>(u * custom_df(u) - custom_f(u), u * (u * custom_d2f(u)));
    }
  }
}

// trainer_metrics.wgsl: the statistics the trainer (src/trainer/trainer.ts) computes
// only at metrics points, never inside the training loop: the Euclidean norms
// of the last iteration's E and H gradients, and the MALA acceptance rate
// since the last metrics point. Dispatched in the metrics point's own encoder,
// just before the readback copies.
//
// Bindings (group 0):
//   0 uniform            tm: TrnMetricsParams          sizes and the sampler kind (below)
//   1 storage read       tm_grad_e: array<f32>         the E gradient the optimiser used, packed, [count_e]
//   2 storage read       tm_grad_h: array<f32>         the H gradient, packed, [count_h] (count_h = 0: none)
//   3 storage read       tm_lgv_counters: array<u32>   the sampler's lgv_counters (langevin_counters.wgsl):
//                        proposals per chain since the last reset, accepted by chain j
//   4 storage read_write tm_out: array<f32>            [TM_OUT_WORDS]: TM_GRAD_NORM_E |grad E|,
//                        TM_GRAD_NORM_H |grad H| (0 when count_h = 0), TM_ACCEPTANCE
//                        sum_j accepted_j / (chains * proposals), -1 when mala = 0 or
//                        nothing was proposed yet; the last word 0
//
// Entry point trn_metrics: one workgroup of 64 invocations. A norm is taken in
// two passes: the largest |entry| m, then m sqrt(sum (g / m)^2), so it
// overflows only when the norm itself is beyond the f32 range (scaling applies
// for m > 1e-30; below that the plain sum is used).
// requires: langevin_counters.wgsl
// dispatch trn_metrics: 1 workgroup

// Slots of tm_out (the host reads these constants: src/trainer/layout.ts).
const TM_GRAD_NORM_E: u32 = 0u;
const TM_GRAD_NORM_H: u32 = 1u;
const TM_ACCEPTANCE: u32 = 2u;
const TM_OUT_WORDS: u32 = 4u;

struct TrnMetricsParams {
  count_e: u32,
  count_h: u32,
  chains: u32,
  mala: u32,      // 1: the sampler is MALA (acceptance applies)
}

@group(0) @binding(0) var<uniform> tm: TrnMetricsParams;
@group(0) @binding(1) var<storage, read> tm_grad_e: array<f32>;
@group(0) @binding(2) var<storage, read> tm_grad_h: array<f32>;
@group(0) @binding(3) var<storage, read> tm_lgv_counters: array<u32>;
@group(0) @binding(4) var<storage, read_write> tm_out: array<f32>;

var<workgroup> tm_red: array<f32, 64>;

fn tm_grad(which: u32, i: u32) -> f32 {
  if (which == 0u) { return tm_grad_e[i]; }
  return tm_grad_h[i];
}

// Workgroup reductions: every invocation calls them (uniform control flow).
fn tm_max(t: u32, v: f32) -> f32 {
  workgroupBarrier();
  tm_red[t] = v;
  for (var s = 32u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (t < s) { tm_red[t] = max(tm_red[t], tm_red[t + s]); }
  }
  workgroupBarrier();
  return tm_red[0];
}

fn tm_sum(t: u32, v: f32) -> f32 {
  workgroupBarrier();
  tm_red[t] = v;
  for (var s = 32u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (t < s) { tm_red[t] = tm_red[t] + tm_red[t + s]; }
  }
  workgroupBarrier();
  return tm_red[0];
}

fn tm_norm(t: u32, which: u32, count: u32) -> f32 {
  var m = 0.0;
  for (var i = t; i < count; i += 64u) { m = max(m, abs(tm_grad(which, i))); }
  let big = tm_max(t, m);
  let scale = select(1.0, big, big > 1e-30);
  let inv = 1.0 / scale;
  var s = 0.0;
  for (var i = t; i < count; i += 64u) {
    let y = tm_grad(which, i) * inv;
    s += y * y;
  }
  return scale * sqrt(tm_sum(t, s));
}

@compute @workgroup_size(64)
fn trn_metrics(@builtin(local_invocation_index) t: u32) {
  let ne = tm_norm(t, 0u, tm.count_e);
  let nh = tm_norm(t, 1u, tm.count_h);
  var a = 0.0;
  for (var j = t; j < tm.chains; j += 64u) { a += f32(tm_lgv_counters[LGV_COUNT_ACCEPTED + j]); }
  let accepted = tm_sum(t, a);
  if (t == 0u) {
    tm_out[TM_GRAD_NORM_E] = ne;
    tm_out[TM_GRAD_NORM_H] = nh;
    let proposed = tm_lgv_counters[LGV_COUNT_PROPOSED];
    var rate = -1.0;
    if (tm.mala != 0u && proposed > 0u) { rate = accepted / (f32(tm.chains) * f32(proposed)); }
    tm_out[TM_ACCEPTANCE] = rate;
    tm_out[TM_OUT_WORDS - 1u] = 0.0;
  }
}

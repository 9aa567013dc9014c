// fdiv_loss.wgsl: the f-EBM objective and the per-sample output weights of
// one step (docs/method.md, section 4), from v = H(x) + E(x) on a data
// batch and on a model batch. Float64 reference: objectives64 in
// src/divergence/reference.ts.
// requires: common.wgsl, divergence.wgsl
// dispatch loss_reduce: 1 workgroup
// dispatch loss_weights: loss.n_data + loss.n_model invocations
//
// Bindings (group 0):
//   0 uniform            loss: LossParams       divergence code, numerics mode, alpha, batch sizes
//   1 storage read       loss_v: array<f32>     [n_data + n_model]: v on the data batch at
//                        0..n_data-1, then v on the model batch at n_data..n_data+n_model-1
//   2 storage read_write loss_w_h: array<f32>   [n_data + n_model], same layout: weights for H,
//                        g'(v_i)/n_data on data, -c'(v'_j)/n_model on model samples; with them
//                        sum_i w_i dH(x_i) is the gradient of L in omega (which omega ascends)
//   3 storage read_write loss_w_e: array<f32>   [n_data + n_model]: weights for E,
//                        g'(v_i)/n_data on data, (c(v'_j) - c'(v'_j) - mean c)/n_model on model
//                        samples (pathwise part plus the covariance term); sum_i w_i dE(x_i)
//                        estimates the gradient of L in theta (which theta descends)
//   4 storage read_write loss_metrics: LossMetrics  the objectives (written by loss_reduce)
// Both weight buffers feed MlpProgram.paramGrad (its per-sample weights) directly.
//
// Two entry points, dispatched in this order in one encoder (no host work between):
//   loss_reduce:  exactly 1 workgroup of 64: sums g over the data and c over the
//                 model batch (each term pre-divided by its batch size, so
//                 nothing overflows that a single term does not) in a fixed
//                 order (strided per invocation, then a tree), and writes
//                 loss_metrics.
//   loss_weights: n_data + n_model invocations, 64 per workgroup, folded into
//                 2-D past 65,535 workgroups: writes both weight buffers, reading
//                 mean c from loss_metrics.
// Where |c| or |c'| of a sample is near FLT_MAX (only outside f32SafeRange,
// where the stable mode saturates) a model weight may overflow; the
// metrics' clamped counts report such samples.

struct LossParams {
  code: u32,       // divergence.wgsl DIV_* code
  mode: u32,       // DIV_AUTHORS or DIV_STABLE
  alpha: f32,      // for DIV_ALPHA
  n_data: u32,
  n_model: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

struct LossMetrics {
  objective: f32,     // L = mean g(v_data) - mean c(v_model): the divergence estimate
  mean_g: f32,
  mean_c: f32,
  clamped_data: u32,  // data samples whose (g, g') hit a clamp (authors) or saturated (stable)
  clamped_model: u32, // the same for model samples and (c, c')
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> loss: LossParams;
@group(0) @binding(1) var<storage, read> loss_v: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss_w_h: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss_w_e: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_metrics: LossMetrics;

const LOSS_WG: u32 = 64u;

var<workgroup> loss_sum_g: array<f32, LOSS_WG>;
var<workgroup> loss_sum_c: array<f32, LOSS_WG>;
var<workgroup> loss_hits_data: array<u32, LOSS_WG>;
var<workgroup> loss_hits_model: array<u32, LOSS_WG>;

@compute @workgroup_size(LOSS_WG)
fn loss_reduce(@builtin(local_invocation_index) t: u32) {
  let inv_d = 1.0 / f32(loss.n_data);
  let inv_m = 1.0 / f32(loss.n_model);
  var sg = 0.0;
  var sc = 0.0;
  var hd = 0u;
  var hm = 0u;
  for (var i = t; i < loss.n_data; i += LOSS_WG) {
    sg += div_data(loss.code, loss.mode, loss.alpha, loss_v[i]).x * inv_d;
    hd += select(0u, 1u, div_bound_hit);
  }
  for (var j = t; j < loss.n_model; j += LOSS_WG) {
    sc += div_model(loss.code, loss.mode, loss.alpha, loss_v[loss.n_data + j]).x * inv_m;
    hm += select(0u, 1u, div_bound_hit);
  }
  loss_sum_g[t] = sg;
  loss_sum_c[t] = sc;
  loss_hits_data[t] = hd;
  loss_hits_model[t] = hm;
  for (var s = LOSS_WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (t < s) {
      loss_sum_g[t] += loss_sum_g[t + s];
      loss_sum_c[t] += loss_sum_c[t + s];
      loss_hits_data[t] += loss_hits_data[t + s];
      loss_hits_model[t] += loss_hits_model[t + s];
    }
  }
  if (t == 0u) {
    let mg = loss_sum_g[0];
    let mc = loss_sum_c[0];
    loss_metrics.objective = mg - mc;
    loss_metrics.mean_g = mg;
    loss_metrics.mean_c = mc;
    loss_metrics.clamped_data = loss_hits_data[0];
    loss_metrics.clamped_model = loss_hits_model[0];
  }
}

@compute @workgroup_size(LOSS_WG)
fn loss_weights(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, LOSS_WG);
  let n = loss.n_data + loss.n_model;
  if (i >= n) { return; }
  let v = loss_v[i];
  if (i < loss.n_data) {
    let w = div_data(loss.code, loss.mode, loss.alpha, v).y / f32(loss.n_data);
    loss_w_h[i] = w;
    loss_w_e[i] = w;
  } else {
    let inv_m = 1.0 / f32(loss.n_model);
    let cm = div_model(loss.code, loss.mode, loss.alpha, v);
    let dc = cm.y * inv_m;
    loss_w_h[i] = -dc;
    loss_w_e[i] = (cm.x * inv_m - loss_metrics.mean_c * inv_m) - dc;
  }
}

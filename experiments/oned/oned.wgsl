// oned.wgsl: the 1-D experiment of docs/method.md on the GPU, apart from the
// network H (MlpProgram), v = H + E and the L2 penalty on H
// (trainer_loss.wgsl's trn_combine, trn_penalty_h) and the loss
// (fdiv_loss.wgsl): data and model sampling with Philox, the Gaussian energy
// E(x) = 0.5 ((x - mu) / sigma)^2 and its parameter gradient, and the
// iteration counter.
// requires: philox.wgsl
//
// Bindings (group 0):
//   0 uniform            oned: OnedParams            batch sizes, seed, data mixture, trace settings
//   1 storage read_write oned_counter: array<u32>    [1]: the iteration, the Philox step of its
//                        draws; advanced by the GPU (oned_advance), never rewritten by the host
//                        between iterations of one submit
//   2 storage read       oned_theta: array<f32>      [2]: (mu, sigma) (an optimiser updates it)
//   3 storage read_write oned_x: array<f32>          [n_data + n_model]: data samples, then model samples
//   4 storage read_write oned_ev: array<f32>         [n_data + n_model], same layout: E(x)
//   5 storage read       oned_w: array<f32>          [n_data + n_model]: per-sample weights of the
//                        E gradient (fdiv_loss.wgsl's loss_w_e)
//   6 storage read_write oned_grad: array<f32>       [2]: sum_i w_i dE(x_i)/d(mu, sigma)
//   7 storage read_write oned_trace: array<vec4<f32>>  [trace_capacity]: (iteration, mu, sigma,
//                        objective) every trace_every iterations
//   8 storage read       oned_metrics: array<f32>    fdiv_loss.wgsl's LossMetrics, read as f32
//                        words; the objective is word objective_index (from reflection)
//
// Entry points, in the order of one iteration (Algorithm 1):
//   oned_sample:  n_data + n_model invocations (64 per workgroup, 1-D): data
//                 samples stratified as in the authors' script (samples
//                 0..n_first-1 from component 0, the rest from component 1),
//                 x = mean + std z with z from Philox stream ONED_STREAM_DATA;
//                 model samples x' = mu + sigma z (exact sampling, no gradient
//                 through it) with z from stream ONED_STREAM_MODEL. Philox
//                 counter (sample index, iteration, stream, 0), normal = the
//                 first of rng_normal4.
//   oned_energy:  n_data + n_model invocations: oned_ev[i] = E(x_i).
//   oned_egrad:   exactly 1 workgroup of 64: oned_grad = sum_i w_i (dE/dmu, dE/dsigma),
//                 dE/dmu = -(x - mu) / sigma^2, dE/dsigma = -(x - mu)^2 / sigma^3.
//   oned_advance: 1 invocation: writes the trace entry of this iteration when
//                 iteration % trace_every == 0 (and it fits), then iteration += 1.

// Philox streams (the host reads them by name: experiments/oned/reference.ts).
const ONED_STREAM_MODEL: u32 = 0u;  // the model's noise
const ONED_STREAM_DATA: u32 = 2u;   // data batch draws
const ONED_WG: u32 = 64u;

struct OnedParams {
  n_data: u32,
  n_model: u32,
  n_first: u32,          // data samples drawn from component 0
  seed_lo: u32,
  seed_hi: u32,
  trace_every: u32,      // 0: no trace
  trace_capacity: u32,
  objective_index: u32,  // f32 word of LossMetrics.objective in oned_metrics
  mean0: f32,
  std0: f32,
  mean1: f32,
  std1: f32,
}

@group(0) @binding(0) var<uniform> oned: OnedParams;
@group(0) @binding(1) var<storage, read_write> oned_counter: array<u32>;
@group(0) @binding(2) var<storage, read> oned_theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> oned_x: array<f32>;
@group(0) @binding(4) var<storage, read_write> oned_ev: array<f32>;
@group(0) @binding(5) var<storage, read> oned_w: array<f32>;
@group(0) @binding(6) var<storage, read_write> oned_grad: array<f32>;
@group(0) @binding(7) var<storage, read_write> oned_trace: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read> oned_metrics: array<f32>;

var<workgroup> oned_sum_mu: array<f32, ONED_WG>;
var<workgroup> oned_sum_sigma: array<f32, ONED_WG>;

@compute @workgroup_size(64)
fn oned_sample(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= oned.n_data + oned.n_model) { return; }
  let seed = vec2<u32>(oned.seed_lo, oned.seed_hi);
  let it = oned_counter[0];
  if (i < oned.n_data) {
    let z = rng_normal4(seed, i, it, ONED_STREAM_DATA).x;
    let first = i < oned.n_first;
    oned_x[i] = select(oned.mean1, oned.mean0, first) + select(oned.std1, oned.std0, first) * z;
  } else {
    let z = rng_normal4(seed, i - oned.n_data, it, ONED_STREAM_MODEL).x;
    oned_x[i] = oned_theta[0] + oned_theta[1] * z;
  }
}

@compute @workgroup_size(64)
fn oned_energy(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= oned.n_data + oned.n_model) { return; }
  let z = (oned_x[i] - oned_theta[0]) / oned_theta[1];
  oned_ev[i] = 0.5 * z * z;
}

@compute @workgroup_size(64)
fn oned_egrad(@builtin(local_invocation_index) t: u32) {
  let mu = oned_theta[0];
  let inv_s = 1.0 / oned_theta[1];
  var gm = 0.0;
  var gs = 0.0;
  for (var i = t; i < oned.n_data + oned.n_model; i += ONED_WG) {
    let z = (oned_x[i] - mu) * inv_s;
    let w = oned_w[i];
    gm -= w * z * inv_s;
    gs -= w * z * z * inv_s;
  }
  oned_sum_mu[t] = gm;
  oned_sum_sigma[t] = gs;
  for (var s = ONED_WG / 2u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (t < s) {
      oned_sum_mu[t] += oned_sum_mu[t + s];
      oned_sum_sigma[t] += oned_sum_sigma[t + s];
    }
  }
  if (t == 0u) {
    oned_grad[0] = oned_sum_mu[0];
    oned_grad[1] = oned_sum_sigma[0];
  }
}

@compute @workgroup_size(1)
fn oned_advance() {
  let it = oned_counter[0];
  if (oned.trace_every > 0u && it % oned.trace_every == 0u) {
    let slot = it / oned.trace_every;
    if (slot < oned.trace_capacity) {
      oned_trace[slot] = vec4<f32>(f32(it), oned_theta[0], oned_theta[1], oned_metrics[oned.objective_index]);
    }
  }
  oned_counter[0] = it + 1u;
}

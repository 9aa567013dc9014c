// langevin.wgsl: fused Langevin samplers. One dispatch of lgv_sample runs
// lgv.steps steps of every chain, the energy and its input gradient computed
// inline (the MLP library, or an analytic test energy); lgv_advance then
// moves the step counter on. Host side: src/sampler/sampler.ts; float64 reference:
// src/sampler/reference.ts.
// requires: common.wgsl, mlp.wgsl, philox.wgsl, langevin_counters.wgsl
// dispatch lgv_sample: mlp.batch_padded / MLP_CHAINS invocations
// dispatch lgv_advance: 1 workgroup
// dispatch lgv_propose_blocks: lgv.chains * ((lgv.dim + 3) / 4) invocations
// dispatch lgv_update_blocks: lgv.chains * ((lgv.dim + 3) / 4) invocations
// dispatch lgv_update_chains: lgv.chains invocations
// dispatch lgv_advance_one: 1 workgroup
// dispatch lgv_copy_state: lgv.chains * lgv.dim invocations
// dispatch lgv_mala_carry: lgv.chains invocations
//
// Bindings (group 0):
//   0 uniform            mlp: MlpLayout            MLP layout, batch = chains (mlp.wgsl);
//                                                  unused (any bytes) for analytic energies
//   1 storage read       mlp_theta: array<vec4<f32>>  packed MLP parameters (src/mlp/params.ts)
//   2 storage read_write mlp_x: array<f32>         evaluation points y, [chains][dim]
//                                                  (the MLP library reads its inputs here)
//
// A row of dim coordinates is [x, label]: the first dim - classes are the
// chain's position x, which the sampler moves; the last `classes` (0 for an
// unconditional energy) hold the chain's label (one-hot for a
// class-conditional energy E(x, y) whose input is [x, onehot(y)]), which every
// sampler leaves as it is: no noise, no step, no MALA proposal touches them,
// and they enter the energy (and the points y) unchanged.
//   3 storage read_write mlp_scratch: array<vec4<f32>>  MLP activations (mlp.wgsl)
//   4 uniform            lgv: LgvParams            sampler, energy and sizes (below)
//   5 storage read_write lgv_state: array<f32>     the chains x, [chains][dim]; persists
//   6 storage read_write lgv_work: array<f32>      per-dispatch work: grad E(y) [chains][dim],
//                                                  then (MALA) grad E(x) [chains][dim], E(x) [chains]
//   7 storage read       lgv_energy: array<f32>    analytic energy parameters:
//        Gaussian  E = (x - mu)' P (x - mu) / 2: mu [dim], then P [dim][dim] row-major;
//        diagonal  E = sum_k p_k (x_k - mu_k)^2 / 2: mu [dim], then p [dim];
//        mixture   E = -log sum_m exp(c_m - |x - mu_m|^2 v_m / 2): per component m,
//                  stride dim + 2: c_m (log weight - dim/2 log(2 pi s_m^2)), v_m = 1/s_m^2, mu_m [dim]
//   8 storage read_write lgv_counters: array<u32>  steps taken (the Philox step of the next
//        step), MALA proposals per chain and accepted by each chain since the last
//        reset: words LGV_COUNT_* of langevin_counters.wgsl
//   9 storage read_write lgv_energy_y: array<f32>  E(y) per chain, written by the tiled MLP
//        passes between the step kernels below (read by MALA); unused by lgv_sample
//
// Steps, on the moved coordinates k < dim - classes (xi: standard normals,
// Philox counter (chain, step, 0, b) gives xi[4b..4b+3], so a 4,096-dim chain
// uses blocks b = 0..1023 of its step; u: uniform of counter (chain, step, 1,
// 0), lane x; norms in MALA's ratio over the moved coordinates):
//   ULA   x <- x - (eta/2) grad E(x) + sqrt(eta) xi
//   Du & Mordatch  y = x + noise_std xi;  g = clamp(grad E(y), -grad_clip, grad_clip)
//         (if use_clip);  x <- y - step_size g, then clamp to [box_lo, box_hi] (if use_box)
//   MALA  y = x - (eta/2) grad E(x) + sqrt(eta) xi; accept (x <- y) iff
//         log u < E(x) - E(y) - (|x - y + (eta/2) grad E(y)|^2 - |y - x + (eta/2) grad E(x)|^2) / (2 eta)
//         (a non-finite log acceptance ratio rejects); E and grad at x are
//         computed once at the start of the dispatch, then carried.
//
// Dispatch, one of two ways (src/sampler/sampler.ts chooses with the MLP
// kernels' variant, src/mlp/variant.ts):
// - fused (any energy; the MLP's lanes variant): lgv_sample over
//   ceil(chains / (MLP_CHAINS * MLP_GROUP)) workgroups of MLP_GROUP
//   invocations ("lanes", as the MLP library's kernels), folded into 2-D past
//   the per-dimension limit, runs all lgv.steps steps; lane l carries chains
//   mlp_sample(l, 0..MLP_CHAINS-1), whatever the energy. Then lgv_advance, one
//   workgroup. Few invocations, no synchronisation: what a CPU-emulated
//   adapter wants.
// - stepwise (MLP energy, the tiled variant, for GPUs): per step,
//   lgv_propose_blocks, then the MLP's tiled passes (shaders/mlp_tiled.wgsl:
//   input gradient of mlp_x into lgv_work, E(y) into lgv_energy_y), then
//   lgv_update_blocks (ULA, Du & Mordatch) or lgv_update_chains (MALA), then
//   lgv_advance_one. The element-wise kernels run one invocation per 4
//   coordinates of a chain (per chain for MALA's test), LGV_GROUP per
//   workgroup, folded into 2-D; the MLP between them runs on the whole GPU,
//   layer by layer. MALA first evaluates the chains: lgv_copy_state, the
//   MLP passes, lgv_mala_carry.
// Either way a chain's numbers depend on its index only, not on the lane,
// the grid or the way.
//
// Indices are u32 counts of f32 words (the MLP scratch: of vec4s); the host
// keeps every buffer under 2^32 bytes (src/sampler/sampler.ts), so no index
// or product of indices here exceeds 2^30 and none wraps.

const LGV_ULA: u32 = 0u;
const LGV_DU_MORDATCH: u32 = 1u;
const LGV_MALA: u32 = 2u;

const LGV_ENERGY_MLP: u32 = 0u;
const LGV_ENERGY_GAUSSIAN: u32 = 1u;
const LGV_ENERGY_MIXTURE: u32 = 2u;
const LGV_ENERGY_DIAGONAL: u32 = 3u;

// Whether the MLP energy's value is computed (MALA needs it; ULA and Du &
// Mordatch need only its gradient: they skip the output layer, whose weights
// the last hidden layer folds into its deltas, see mlp_forward). A pipeline
// constant, so the skipped work is compiled out.
override LGV_ENERGY_VALUE: bool = true;

const LGV_STREAM_NOISE: u32 = 0u;
const LGV_STREAM_ACCEPT: u32 = 1u;

struct LgvParams {
  chains: u32,
  dim: u32,
  steps: u32,
  sampler: u32,
  energy: u32,
  components: u32,   // mixture components
  seed_lo: u32,
  seed_hi: u32,
  half_eta: f32,     // ULA, MALA: eta / 2
  sqrt_eta: f32,     // ULA, MALA: sqrt(eta)
  inv_two_eta: f32,  // MALA: 1 / (2 eta)
  step_size: f32,    // Du & Mordatch
  noise_std: f32,    // Du & Mordatch
  grad_clip: f32,    // Du & Mordatch, if use_clip
  box_lo: f32,       // Du & Mordatch, if use_box
  box_hi: f32,
  use_clip: u32,
  use_box: u32,
  classes: u32,      // the last `classes` coordinates of a row: its label, never moved
  pad1: u32,
}

@group(0) @binding(0) var<uniform> mlp: MlpLayout;
@group(0) @binding(1) var<storage, read> mlp_theta: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> mlp_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> mlp_scratch: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> lgv: LgvParams;
@group(0) @binding(5) var<storage, read_write> lgv_state: array<f32>;
@group(0) @binding(6) var<storage, read_write> lgv_work: array<f32>;
@group(0) @binding(7) var<storage, read> lgv_energy: array<f32>;
@group(0) @binding(8) var<storage, read_write> lgv_counters: array<u32>;
@group(0) @binding(9) var<storage, read_write> lgv_energy_y: array<f32>;

// Invocations per workgroup of the stepwise kernels.
const LGV_GROUP: u32 = 64u;

// Four standard normals xi[4b..4b+3] of chain i at Philox step s. For b = 0
// this is rng_normal4(seed, i, s, 0).
fn lgv_normal4(i: u32, s: u32, b: u32) -> vec4<f32> {
  let bits = philox4x32_10(vec4<u32>(i, s, LGV_STREAM_NOISE, b), vec2<u32>(lgv.seed_lo, lgv.seed_hi));
  let u = rng_u32_to_uniform(bits);
  let p = rng_normal_pair(u.x, u.y);
  let q = rng_normal_pair(u.z, u.w);
  return vec4<f32>(p.x, p.y, q.x, q.y);
}

// Gaussian energy at y_i = mlp_x[i]; writes its gradient P (y - mu) to lgv_work[i].
fn lgv_gaussian(i: u32) -> f32 {
  let d = lgv.dim;
  let base = i * d;
  var e = 0.0;
  for (var k = 0u; k < d; k++) {
    var g = 0.0;
    for (var j = 0u; j < d; j++) {
      g += lgv_energy[d + k * d + j] * (mlp_x[base + j] - lgv_energy[j]);
    }
    lgv_work[base + k] = g;
    e += (mlp_x[base + k] - lgv_energy[k]) * g;
  }
  return 0.5 * e;
}

// Diagonal Gaussian energy at y_i; writes its gradient p (y - mu) to lgv_work[i].
fn lgv_diagonal(i: u32) -> f32 {
  let d = lgv.dim;
  let base = i * d;
  var e = 0.0;
  for (var k = 0u; k < d; k++) {
    let t = mlp_x[base + k] - lgv_energy[k];
    let g = lgv_energy[d + k] * t;
    lgv_work[base + k] = g;
    e += t * g;
  }
  return 0.5 * e;
}

// log of component m's weighted density at y_i (up to the shared normaliser).
fn lgv_mixture_term(i: u32, m: u32) -> f32 {
  let d = lgv.dim;
  let c = m * (d + 2u);
  var r2 = 0.0;
  for (var k = 0u; k < d; k++) {
    let t = mlp_x[i * d + k] - lgv_energy[c + 2u + k];
    r2 += t * t;
  }
  return lgv_energy[c] - 0.5 * lgv_energy[c + 1u] * r2;
}

// Mixture energy -log sum_m exp(term_m) at y_i (log-sum-exp about the largest
// term); writes its gradient sum_m r_m v_m (y - mu_m) to lgv_work[i].
fn lgv_mixture(i: u32) -> f32 {
  let d = lgv.dim;
  let base = i * d;
  var top = -3.0e38;
  for (var m = 0u; m < lgv.components; m++) { top = max(top, lgv_mixture_term(i, m)); }
  for (var k = 0u; k < d; k++) { lgv_work[base + k] = 0.0; }
  var total = 0.0;
  for (var m = 0u; m < lgv.components; m++) {
    let w = exp(lgv_mixture_term(i, m) - top);
    total += w;
    let c = m * (d + 2u);
    let wv = w * lgv_energy[c + 1u];
    for (var k = 0u; k < d; k++) {
      lgv_work[base + k] += wv * (mlp_x[base + k] - lgv_energy[c + 2u + k]);
    }
  }
  let inv = 1.0 / total;
  for (var k = 0u; k < d; k++) { lgv_work[base + k] *= inv; }
  // total is in [1, components]: rng_log (accurate, + - * / only) applies.
  return -(top + rng_log(total));
}

// E(y) of the lane's chains at their evaluation points mlp_x; leaves grad E(y)
// in lgv_work[0 .. chains*dim). Entries past the chain count are 0.
fn lgv_evaluate(lane: u32) -> array<f32, MLP_CHAINS> {
  let n = lgv.chains;
  let d = lgv.dim;
  var e: array<f32, MLP_CHAINS>;
  if (lgv.energy == LGV_ENERGY_MLP) {
    mlp_load_input(lane);
    e = mlp_forward(lane, LGV_ENERGY_VALUE);
    if (LGV_ENERGY_VALUE) {
      var ones: array<f32, MLP_CHAINS>;
      for (var c = 0u; c < MLP_CHAINS; c++) { ones[c] = 1.0; }
      mlp_backward(lane, ones, true);
    } else {
      // The forward pass left d of the last hidden layer (output layer folded in).
      mlp_backward_from(lane, mlp.layer_count - 1u, true);
    }
    // Either backward pass leaves d f / d x in the h region of layer 0.
    let np = mlp.batch_padded;
    let h0 = mlp.layers[0].h_base;
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { e[c] = 0.0; continue; }
      for (var k = 0u; k < d; k++) {
        lgv_work[i * d + k] = mlp_scratch[h0 + (k / 4u) * np + i][k % 4u];
      }
    }
  } else {
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { e[c] = 0.0; continue; }
      if (lgv.energy == LGV_ENERGY_GAUSSIAN) {
        e[c] = lgv_gaussian(i);
      } else if (lgv.energy == LGV_ENERGY_DIAGONAL) {
        e[c] = lgv_diagonal(i);
      } else {
        e[c] = lgv_mixture(i);
      }
    }
  }
  return e;
}

// Writes chain i's evaluation point for step s to mlp_x (ULA: x itself, and
// x + sqrt(eta) xi to the state, the drift is subtracted after the gradient),
// for coordinates 4b..4b+3 (those below dim); label coordinates are copied as
// they are.
fn lgv_propose_block(i: u32, s: u32, b: u32) {
  let n = lgv.chains;
  let d = lgv.dim;
  let moved = d - lgv.classes;
  let base = i * d;
  let xi = lgv_normal4(i, s, b);
  for (var r = 0u; r < 4u; r++) {
    let k = 4u * b + r;
    if (k >= d) { break; }
    let x = lgv_state[base + k];
    if (k >= moved) {
      mlp_x[base + k] = x;
    } else if (lgv.sampler == LGV_ULA) {
      mlp_x[base + k] = x;
      lgv_state[base + k] = x + lgv.sqrt_eta * xi[r];
    } else if (lgv.sampler == LGV_DU_MORDATCH) {
      mlp_x[base + k] = x + lgv.noise_std * xi[r];
    } else {
      mlp_x[base + k] = x - lgv.half_eta * lgv_work[n * d + base + k] + lgv.sqrt_eta * xi[r];
    }
  }
}

// Chain i's evaluation point for step s, every coordinate.
fn lgv_propose(i: u32, s: u32) {
  for (var b = 0u; 4u * b < lgv.dim; b++) { lgv_propose_block(i, s, b); }
}

// Completes an unadjusted step (ULA, Du & Mordatch) of chain i for
// coordinates 4b..4b+3, given grad E(y) in lgv_work; label coordinates are
// not written.
fn lgv_update_block(i: u32, b: u32) {
  let d = lgv.dim;
  let moved = d - lgv.classes;
  let base = i * d;
  for (var r = 0u; r < 4u; r++) {
    let k = 4u * b + r;
    if (k >= moved) { break; }
    if (lgv.sampler == LGV_ULA) {
      lgv_state[base + k] = lgv_state[base + k] - lgv.half_eta * lgv_work[base + k];
    } else {
      var g = lgv_work[base + k];
      if (lgv.use_clip != 0u) { g = clamp(g, -lgv.grad_clip, lgv.grad_clip); }
      var x = mlp_x[base + k] - lgv.step_size * g;
      if (lgv.use_box != 0u) { x = clamp(x, lgv.box_lo, lgv.box_hi); }
      lgv_state[base + k] = x;
    }
  }
}

// MALA's accept test of chain i's step s, given E(y) = ey and grad E(y) in lgv_work.
fn lgv_update_mala(i: u32, s: u32, ey: f32) {
  let n = lgv.chains;
  let d = lgv.dim;
  let moved = d - lgv.classes;
  let base = i * d;
  let gx_base = n * d + base;
  var fwd = 0.0;   // |y - x + (eta/2) grad E(x)|^2
  var rev = 0.0;   // |x - y + (eta/2) grad E(y)|^2
  for (var k = 0u; k < moved; k++) {
    let x = lgv_state[base + k];
    let y = mlp_x[base + k];
    let a = y - x + lgv.half_eta * lgv_work[gx_base + k];
    let b = x - y + lgv.half_eta * lgv_work[base + k];
    fwd += a * a;
    rev += b * b;
  }
  let ex = lgv_work[2u * n * d + i];
  let log_alpha = ex - ey - (rev - fwd) * lgv.inv_two_eta;
  let u = rng_uniform4(vec2<u32>(lgv.seed_lo, lgv.seed_hi), i, s, LGV_STREAM_ACCEPT).x;
  if (finite_f32(log_alpha) && rng_log(u) < log_alpha) {
    for (var k = 0u; k < moved; k++) {
      lgv_state[base + k] = mlp_x[base + k];
      lgv_work[gx_base + k] = lgv_work[base + k];
    }
    lgv_work[2u * n * d + i] = ey;
    lgv_counters[LGV_COUNT_ACCEPTED + i] = lgv_counters[LGV_COUNT_ACCEPTED + i] + 1u;
  }
}

// Completes chain i's step s, given E(y) = ey and grad E(y) in lgv_work.
fn lgv_update(i: u32, s: u32, ey: f32) {
  if (lgv.sampler == LGV_MALA) {
    lgv_update_mala(i, s, ey);
    return;
  }
  for (var b = 0u; 4u * b < lgv.dim; b++) { lgv_update_block(i, b); }
}

@compute @workgroup_size(MLP_GROUP)
fn lgv_sample(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) group_id: vec3<u32>,
              @builtin(num_workgroups) groups: vec3<u32>) {
  let n = lgv.chains;
  // Whole workgroups only (mlp_workgroup_sample): lanes of padding chains run on zeros.
  if (mlp_workgroup_sample(group_id, groups) >= n) { return; }
  let lane = mlp_lane(gid, groups);
  let d = lgv.dim;
  let step0 = lgv_counters[LGV_COUNT_STEPS];
  if (lgv.sampler == LGV_MALA) {
    // E and grad E at the current states, carried from step to step.
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { break; }
      for (var k = 0u; k < d; k++) { mlp_x[i * d + k] = lgv_state[i * d + k]; }
    }
    let e = lgv_evaluate(lane);
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { break; }
      lgv_work[2u * n * d + i] = e[c];
      for (var k = 0u; k < d; k++) { lgv_work[n * d + i * d + k] = lgv_work[i * d + k]; }
    }
  }
  for (var t = 0u; t < lgv.steps; t++) {
    let s = step0 + t;
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { break; }
      lgv_propose(i, s);
    }
    let e = lgv_evaluate(lane);
    for (var c = 0u; c < MLP_CHAINS; c++) {
      let i = mlp_sample(lane, c);
      if (i >= n) { break; }
      lgv_update(i, s, e[c]);
    }
  }
}

// Moves the step counter (and the MALA proposal count) on by lgv.steps; run
// after lgv_sample, in the same pass.
@compute @workgroup_size(1)
fn lgv_advance() {
  lgv_counters[LGV_COUNT_STEPS] = lgv_counters[LGV_COUNT_STEPS] + lgv.steps;
  lgv_counters[LGV_COUNT_PROPOSED] = lgv_counters[LGV_COUNT_PROPOSED] + lgv.steps;
}

// ---- The stepwise way (MLP energy, tiled MLP variant): one step at a time,
// the MLP's tiled passes between these kernels.

// Blocks of 4 coordinates per chain.
fn lgv_blocks() -> u32 {
  return (lgv.dim + 3u) / 4u;
}

// chains * lgv_blocks() invocations: chain index / blocks, block index % blocks.
@compute @workgroup_size(LGV_GROUP)
fn lgv_propose_blocks(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = fold_index(gid, groups, LGV_GROUP);
  let blocks = lgv_blocks();
  if (index >= lgv.chains * blocks) { return; }
  lgv_propose_block(index / blocks, lgv_counters[LGV_COUNT_STEPS], index % blocks);
}

// chains * lgv_blocks() invocations (ULA, Du & Mordatch).
@compute @workgroup_size(LGV_GROUP)
fn lgv_update_blocks(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = fold_index(gid, groups, LGV_GROUP);
  let blocks = lgv_blocks();
  if (index >= lgv.chains * blocks) { return; }
  lgv_update_block(index / blocks, index % blocks);
}

// chains invocations (MALA: the accept test needs the whole chain).
@compute @workgroup_size(LGV_GROUP)
fn lgv_update_chains(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, LGV_GROUP);
  if (i >= lgv.chains) { return; }
  lgv_update_mala(i, lgv_counters[LGV_COUNT_STEPS], lgv_energy_y[i]);
}

// One step taken: the counter moves on by one.
@compute @workgroup_size(1)
fn lgv_advance_one() {
  lgv_counters[LGV_COUNT_STEPS] = lgv_counters[LGV_COUNT_STEPS] + 1u;
  lgv_counters[LGV_COUNT_PROPOSED] = lgv_counters[LGV_COUNT_PROPOSED] + 1u;
}

// MALA, before the first step of a run: the chains themselves as evaluation points.
@compute @workgroup_size(LGV_GROUP)
fn lgv_copy_state(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = fold_index(gid, groups, LGV_GROUP);
  if (index >= lgv.chains * lgv.dim) { return; }
  mlp_x[index] = lgv_state[index];
}

// MALA, after the MLP passes on the chains: E(x) and grad E(x) carried into the
// steps (the same places lgv_sample keeps them).
@compute @workgroup_size(LGV_GROUP)
fn lgv_mala_carry(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, LGV_GROUP);
  if (i >= lgv.chains) { return; }
  let n = lgv.chains;
  let d = lgv.dim;
  lgv_work[2u * n * d + i] = lgv_energy_y[i];
  for (var k = 0u; k < d; k++) { lgv_work[n * d + i * d + k] = lgv_work[i * d + k]; }
}

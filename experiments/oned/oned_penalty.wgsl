// oned_penalty.wgsl: the L2 output penalty on H of the 1-D experiment
// (docs/method.md: the authors' l2 * (mean H(x)^2 + mean H(x')^2), here on H
// alone, the Gaussian energy needs none). Omega then ascends
// L - l2 (mean_data H^2 + mean_model H^2), which keeps H bounded where one
// batch has samples and the other none (Pearson chi^2's data tail).
// Float64 reference: onedGradients64 in experiments/oned/reference.ts (its l2H).
//
// Bindings (group 0):
//   0 uniform            pen: OnedPenaltyParams  batch sizes and l2
//   1 storage read       pen_theta: array<f32>   [2]: (mu, sigma)
//   2 storage read       pen_x: array<f32>       [n_data + n_model]: data samples, then model samples
//   3 storage read       pen_v: array<f32>       [n_data + n_model]: v = H(x) + E(x) (oned_energy's output)
//   4 storage read_write pen_w_h: array<f32>     [n_data + n_model]: fdiv_loss.wgsl's loss_w_h on input;
//                        on output w_h - 2 l2 H(x_i) / n_part, n_part = n_data or n_model
//
// Entry point:
//   oned_penalty_h: n_data + n_model invocations (64 per workgroup, 1-D), after
//                   loss_weights and before the H gradient. H = v - E(x) is
//                   recovered from v (E >= 0, so |H| <= |v| + E: the f32
//                   rounding of v costs at most an ulp of v in H).

struct OnedPenaltyParams {
  n_data: u32,
  n_model: u32,
  l2: f32,
  pad0: u32,
}

@group(0) @binding(0) var<uniform> pen: OnedPenaltyParams;
@group(0) @binding(1) var<storage, read> pen_theta: array<f32>;
@group(0) @binding(2) var<storage, read> pen_x: array<f32>;
@group(0) @binding(3) var<storage, read> pen_v: array<f32>;
@group(0) @binding(4) var<storage, read_write> pen_w_h: array<f32>;

@compute @workgroup_size(64)
fn oned_penalty_h(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= pen.n_data + pen.n_model) { return; }
  let z = (pen_x[i] - pen_theta[0]) / pen_theta[1];
  let h = pen_v[i] - 0.5 * z * z;
  let part = f32(select(pen.n_model, pen.n_data, i < pen.n_data));
  pen_w_h[i] -= 2.0 * pen.l2 * h / part;
}

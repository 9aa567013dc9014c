// mlp_input_grad.wgsl: f(x_i) and d f(x_i) / d x_i for a batch (what a
// Langevin step needs).
// requires: mlp.wgsl
// dispatch input_grad: mlp.batch_padded / MLP_CHAINS invocations
//
// Bindings (group 0):
//   0 uniform            mlp: MlpLayout        network and batch layout (mlp.wgsl)
//   1 storage read       mlp_theta: array<vec4<f32>>  packed parameters
//   2 storage read       mlp_x: array<f32>     inputs [batch][input_dim]
//   3 storage read_write mlp_scratch: array<vec4<f32>>  activations (mlp.wgsl)
//   4 storage read_write out: array<f32>       f(x_i), [batch]
//   5 storage read_write grad_x: array<f32>    d f(x_i)/d x_i, [batch][input_dim]
// Dispatch: ceil(batch / (MLP_CHAINS * MLP_GROUP)) workgroups, folded into
// 2-D past 65,535.

@group(0) @binding(0) var<uniform> mlp: MlpLayout;
@group(0) @binding(1) var<storage, read> mlp_theta: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mlp_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> mlp_scratch: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad_x: array<f32>;

@compute @workgroup_size(MLP_GROUP)
fn input_grad(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) group_id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  if (mlp_workgroup_sample(group_id, groups) >= mlp.batch) { return; }
  let lane = mlp_lane(gid, groups);
  mlp_load_input(lane);
  let f = mlp_forward(lane, true);
  var ones: array<f32, MLP_CHAINS>;
  for (var c = 0u; c < MLP_CHAINS; c++) { ones[c] = 1.0; }
  mlp_backward(lane, ones, true);
  let n = mlp.batch_padded;
  let L = mlp.layers[0];
  let d = mlp.input_dim;
  for (var c = 0u; c < MLP_CHAINS; c++) {
    let i = mlp_sample(lane, c);
    if (i >= mlp.batch) { break; }
    out[i] = f[c];
    for (var k = 0u; k < d; k++) {
      grad_x[i * d + k] = mlp_scratch[L.h_base + (k / 4u) * n + i][k % 4u];
    }
  }
}

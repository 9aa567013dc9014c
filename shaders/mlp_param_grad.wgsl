// mlp_param_grad.wgsl: sum_i w_i * d f(x_i) / d theta, the form every f-EBM
// gradient takes (the per-sample weights w_i come from the loss).
// requires: mlp.wgsl
//
// Bindings (group 0):
//   0 uniform            mlp: MlpLayout        network and batch layout (mlp.wgsl)
//   1 storage read       mlp_theta: array<vec4<f32>>  packed parameters
//   2 storage read       mlp_x: array<f32>     inputs [batch][input_dim]
//   3 storage read_write mlp_scratch: array<vec4<f32>>  activations and deltas (mlp.wgsl)
//   4 storage read       sample_weight: array<f32>  w_i, [batch]
//   5 storage read_write grad: array<vec4<f32>>  the gradient, packed like mlp_theta
// Two passes, in order, in one encoder:
//   samples: ceil(batch / (MLP_CHAINS * MLP_GROUP)) workgroups (folded into
//            2-D): forward and backward of each sample, keeping h and d.
//            Or, in its place, deltas (same dispatch): the backward only,
//            where the scratch still holds h and act'(z) of a forward pass
//            (mlp_forward.wgsl's forward) of the same parameters and inputs.
//   reduce:  mlp.block_count invocations (MLP_GROUP per workgroup, folded): one per
//            4x4 block of a weight matrix, or per 4 biases, each summing
//            d (x) h over the batch and writing (not adding) its block.
//            Layer l owns blocks block_base .. block_base + out4*(in4+1) - 1,
//            ordered j4-major; k4 == in4 is the bias block.

@group(0) @binding(0) var<uniform> mlp: MlpLayout;
@group(0) @binding(1) var<storage, read> mlp_theta: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mlp_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> mlp_scratch: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(5) var<storage, read_write> grad: array<vec4<f32>>;

@compute @workgroup_size(MLP_GROUP)
fn samples(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) group_id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  if (mlp_workgroup_sample(group_id, groups) >= mlp.batch) { return; }
  let lane = mlp_lane(gid, groups);
  mlp_load_input(lane);
  _ = mlp_forward(lane, true);
  mlp_param_grad_backward(lane);
}

// The weighted backward pass of a lane's samples into the d regions.
fn mlp_param_grad_backward(lane: u32) {
  var w: array<f32, MLP_CHAINS>;
  for (var c = 0u; c < MLP_CHAINS; c++) {
    // Padded samples get weight 0, so their deltas are exactly 0.
    let i = mlp_sample(lane, c);
    if (i < mlp.batch) { w[c] = sample_weight[i]; } else { w[c] = 0.0; }
  }
  mlp_backward(lane, w, false);
}

@compute @workgroup_size(MLP_GROUP)
fn deltas(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) group_id: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  if (mlp_workgroup_sample(group_id, groups) >= mlp.batch) { return; }
  mlp_param_grad_backward(mlp_lane(gid, groups));
}

@compute @workgroup_size(MLP_GROUP)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = mlp_lane(gid, groups);
  if (index >= mlp.block_count) { return; }
  var l = 0u;
  for (var m = 1u; m < mlp.layer_count; m++) {
    if (index >= mlp.layers[m].block_base) { l = m; }
  }
  let L = mlp.layers[l];
  let local = index - L.block_base;
  let j4 = local / (L.in4 + 1u);
  let k4 = local % (L.in4 + 1u);
  let n = mlp.batch_padded;
  let db = L.d_base + j4 * n;
  if (k4 == L.in4) {
    var acc = vec4<f32>(0.0);
    for (var i = 0u; i < mlp.batch; i++) { acc += mlp_scratch[db + i]; }
    grad[L.b_offset + j4] = acc;
    return;
  }
  let hb = L.h_base + k4 * n;
  var r0 = vec4<f32>(0.0);
  var r1 = vec4<f32>(0.0);
  var r2 = vec4<f32>(0.0);
  var r3 = vec4<f32>(0.0);
  for (var i = 0u; i < mlp.batch; i++) {
    let d = mlp_scratch[db + i];
    let h = mlp_scratch[hb + i];
    r0 += d.x * h;
    r1 += d.y * h;
    r2 += d.z * h;
    r3 += d.w * h;
  }
  let row = L.w_offset + 4u * j4 * L.in4 + k4;
  grad[row] = r0;
  grad[row + L.in4] = r1;
  grad[row + 2u * L.in4] = r2;
  grad[row + 3u * L.in4] = r3;
}

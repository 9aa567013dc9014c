// mlp_param_grad.wgsl: sum_i w_i * d f(x_i) / d theta, the form every f-EBM
// gradient takes (the per-sample weights w_i come from the loss).
// requires: mlp.wgsl
// dispatch samples: mlp.batch_padded / MLP_CHAINS invocations
// dispatch deltas: mlp.batch_padded / MLP_CHAINS invocations
// dispatch reduce: mlp.block_count invocations
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
//   reduce:  mlp.block_count invocations (MLP_REDUCE_GROUP per workgroup,
//            folded into 2-D): one per tile of 8 weight rows x 16 inputs
//            (MLP_TILE_J4 x MLP_TILE_K4 blocks of 4x4), or per 8 biases, each
//            summing d (x) h over the batch and writing (not adding) its
//            blocks. Layer l owns tiles block_base .. block_base +
//            ceil(out4/2) * (ceil(in4/4) + 1) - 1, ordered by row pair first;
//            the last of each row pair is its bias tile. A tile loads 6 vec4s
//            per sample for 32 vec4 multiply-adds (a 4x4 block loaded 2 for 4).

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

// Units (in 4-unit blocks) and inputs (in 4-input blocks) of one reduce tile.
const MLP_TILE_J4: u32 = 2u;
const MLP_TILE_K4: u32 = 4u;
// Invocations per workgroup of reduce: few tiles, so small workgroups keep
// every core (or multiprocessor) busy.
const MLP_REDUCE_GROUP: u32 = 16u;

@compute @workgroup_size(MLP_REDUCE_GROUP)
fn reduce(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = fold_index(gid, groups, MLP_REDUCE_GROUP);
  if (index >= mlp.block_count) { return; }
  var l = 0u;
  for (var m = 1u; m < mlp.layer_count; m++) {
    if (index >= mlp.layers[m].block_base) { l = m; }
  }
  let L = mlp.layers[l];
  let local = index - L.block_base;
  let k_tiles = (L.in4 + MLP_TILE_K4 - 1u) / MLP_TILE_K4;
  let j4 = (local / (k_tiles + 1u)) * MLP_TILE_J4;
  let k4 = (local % (k_tiles + 1u)) * MLP_TILE_K4;
  let n = mlp.batch_padded;
  // Blocks past the layer's edge load a valid block again and are not written.
  let j_last = L.out4 - 1u;
  let db0 = L.d_base + j4 * n;
  let db1 = L.d_base + min(j4 + 1u, j_last) * n;
  if (k4 == k_tiles * MLP_TILE_K4) {
    var b0 = vec4<f32>(0.0);
    var b1 = vec4<f32>(0.0);
    for (var i = 0u; i < mlp.batch; i++) {
      b0 += mlp_scratch[db0 + i];
      b1 += mlp_scratch[db1 + i];
    }
    grad[L.b_offset + j4] = b0;
    if (j4 + 1u <= j_last) { grad[L.b_offset + j4 + 1u] = b1; }
    return;
  }
  let k_last = L.in4 - 1u;
  let hb0 = L.h_base + k4 * n;
  let hb1 = L.h_base + min(k4 + 1u, k_last) * n;
  let hb2 = L.h_base + min(k4 + 2u, k_last) * n;
  let hb3 = L.h_base + min(k4 + 3u, k_last) * n;
  // r_u: unit 4*j4 + u's gradient at the tile's 16 inputs, one column per 4-input block.
  var r0 = mat4x4<f32>();
  var r1 = mat4x4<f32>();
  var r2 = mat4x4<f32>();
  var r3 = mat4x4<f32>();
  var r4 = mat4x4<f32>();
  var r5 = mat4x4<f32>();
  var r6 = mat4x4<f32>();
  var r7 = mat4x4<f32>();
  for (var i = 0u; i < mlp.batch; i++) {
    let d0 = mlp_scratch[db0 + i];
    let d1 = mlp_scratch[db1 + i];
    let h = mat4x4<f32>(mlp_scratch[hb0 + i], mlp_scratch[hb1 + i], mlp_scratch[hb2 + i], mlp_scratch[hb3 + i]);
    r0 += h * d0.x;
    r1 += h * d0.y;
    r2 += h * d0.z;
    r3 += h * d0.w;
    r4 += h * d1.x;
    r5 += h * d1.y;
    r6 += h * d1.z;
    r7 += h * d1.w;
  }
  mlp_param_grad_store(L, j4, k4, r0, r1, r2, r3);
  if (j4 + 1u <= j_last) { mlp_param_grad_store(L, j4 + 1u, k4, r4, r5, r6, r7); }
}

// Writes the gradient of the weight rows 4*j4..4*j4+3 (r0..r3) at the input
// blocks k4..k4+3 that exist.
fn mlp_param_grad_store(L: MlpLayer, j4: u32, k4: u32, r0: mat4x4<f32>, r1: mat4x4<f32>, r2: mat4x4<f32>, r3: mat4x4<f32>) {
  let row = L.w_offset + 4u * j4 * L.in4;
  for (var q = 0u; q < MLP_TILE_K4; q++) {
    if (k4 + q >= L.in4) { break; }
    let o = row + k4 + q;
    grad[o] = r0[q];
    grad[o + L.in4] = r1[q];
    grad[o + 2u * L.in4] = r2[q];
    grad[o + 3u * L.in4] = r3[q];
  }
}

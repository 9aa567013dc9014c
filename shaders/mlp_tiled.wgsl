// mlp_tiled.wgsl: the MLP passes as tiled matrix products, one dispatch per
// layer: the "tiled" variant of the MLP kernels, for GPUs.
// requires: mlp_layout.wgsl, activations.wgsl
// dispatch tiled_forward: (mlp.batch_padded / MLP_TILED_S) x ((4 * layer.out4 + MLP_TILED_U - 1) / MLP_TILED_U) workgroups
// dispatch tiled_seed: mlp.batch_padded invocations
// dispatch tiled_backward: (mlp.batch_padded / MLP_TILED_S) x ((layer.in4 + MLP_TILED_K4 - 1) / MLP_TILED_K4) workgroups
// dispatch tiled_param: ((layer.out4 + MLP_TILED_K4 - 1) / MLP_TILED_K4) x ((layer.in4 + MLP_TILED_K4 - 1) / MLP_TILED_K4) workgroups
// (layer: the MlpLayer of the dispatch's layer, mlp.layers[step.layer]; integer division.)
//
// Why this variant: a GPU needs thousands of invocations in flight and keeps
// hot data on chip; the lanes variant (mlp.wgsl: a few hundred invocations,
// each carrying 8 samples and a 128-float register tile) leaves most of it
// idle and spills. Here every layer is a product over a 2-D grid of
// workgroups, each owning a tile of 32 x 32 outputs, and the 64 invocations
// of a workgroup cooperate: they stage the tile's operands, 32 values of the
// reduction at a time, in workgroup memory (8 KiB: within the spec's default
// 16 KiB), and each computes a 4 x 4 register tile from there, so each
// staged vec4 feeds 4 vec4 multiply-adds and global memory is read once per
// tile instead of once per output. The register tile of 16 accumulators fits
// any GPU without spilling. This is the tiled GEMM with register blocking and
// workgroup staging of the GPU literature, applied to the three products of
// an MLP layer; tiny-cuda-nn's fully fused MLP keeps whole narrow networks on
// chip instead, which widths up to 1,024 do not allow (a 32-sample tile of
// one 1,024-wide layer is 128 KiB). On CPU-emulated adapters (SwiftShader),
// where workgroup memory is emulated and a load costs tens of FMAs, this
// variant is slower than the lanes variant, which src/mlp/program.ts chooses
// there.
//
// Bindings (group 0):
//   0 uniform            mlp: MlpLayout          network and scratch layout (mlp_layout.wgsl)
//   1 storage read       mlp_theta: array<vec4<f32>>  packed parameters (src/mlp/params.ts)
//   2 storage read       mlp_x: array<f32>       inputs, row-major [batch][input_dim]
//   3 storage read_write mlp_scratch: array<vec4<f32>>  h (layers >= 1), g and d regions (mlp_layout.wgsl)
//   4 uniform            step: MlpTiledStep      which layer this dispatch works on (one uniform slot per dispatch)
//   5 storage read_write out: array<f32>         f(x_i), [batch] (tiled_forward of the output layer)
//   6 storage read_write grad_x: array<f32>      d f(x_i)/d x_i, [batch][input_dim] (tiled_backward of layer 0)
//   7 storage read       sample_weight: array<f32>  w_i, [batch] (tiled_seed with step.seed = 1)
//   8 storage read_write grad: array<vec4<f32>>  sum_i w_i d f(x_i)/d theta, packed like mlp_theta (tiled_param)
//
// Entry points, each one dispatch per layer l (step.layer), in one encoder:
//   tiled_forward  (batch_padded / 32, ceil(out4 / 8)) workgroups: z = W h + b
//                  of layer l for a tile of 32 samples x 32 units; hidden
//                  layers write act'(z) (g) and act(z) (h of layer l + 1),
//                  the output layer writes out. Layer 0 reads x itself.
//   tiled_seed     ceil(batch_padded / 64) workgroups: d of the output layer =
//                  1 (input gradient) or w_i (parameter gradient), 0 for the
//                  padding samples.
//   tiled_backward (batch_padded / 32, ceil(in4 / 8)) workgroups: W' d of
//                  layer l for 32 samples x 32 inputs; times act'(z) of layer
//                  l - 1 into its d region, or for l = 0 into grad_x.
//   tiled_param    (ceil(out4 / 8), ceil(in4 / 8)) workgroups: the gradient
//                  of a tile of 32 weight rows x 32 inputs of layer l, summed
//                  over the batch 32 samples at a time; the tiles of the
//                  first input tile also write the bias gradient. Writes
//                  (not adds) every entry, padding included (exact zeros).
// Passes: forward = tiled_forward l = 0..L; input gradient = forward, seed,
// tiled_backward l = L..0; parameter gradient = forward, seed,
// tiled_backward l = L..1, tiled_param l = 0..L (or without the forward
// where the scratch still holds it).

// Samples, and units (or inputs), per workgroup tile; the reduction is staged
// MLP_TILED_K4 vec4 blocks (32 values) at a time. Each of the 8 x 8 invocations
// of a workgroup owns 4 x 4 outputs of the 32 x 32 tile: the code below
// assumes MLP_TILED_S = MLP_TILED_U = 4 * MLP_TILED_K4 = 32 and 64 invocations.
const MLP_TILED_S: u32 = 32u;
const MLP_TILED_U: u32 = 32u;
const MLP_TILED_K4: u32 = 8u;
const MLP_TILED_GROUP: u32 = 64u;
const MLP_TILED_STAGED: u32 = 256u;   // vec4s staged per operand: MLP_TILED_K4 * MLP_TILED_S
// tiled_seed's step.seed: the output weight of every sample.
const MLP_SEED_ONES: u32 = 0u;
const MLP_SEED_WEIGHTS: u32 = 1u;

struct MlpTiledStep {
  layer: u32,
  seed: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> mlp: MlpLayout;
@group(0) @binding(1) var<storage, read> mlp_theta: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> mlp_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> mlp_scratch: array<vec4<f32>>;
@group(0) @binding(4) var<uniform> step: MlpTiledStep;
@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> grad_x: array<f32>;
@group(0) @binding(7) var<storage, read> sample_weight: array<f32>;
@group(0) @binding(8) var<storage, read_write> grad: array<vec4<f32>>;

var<workgroup> tile_a: array<vec4<f32>, MLP_TILED_STAGED>;
var<workgroup> tile_b: array<vec4<f32>, MLP_TILED_STAGED>;

// Input block k4 of layer l for sample s: the scratch's h, or for layer 0 the
// input x itself, zero past the batch and past input_dim.
fn tiled_h(l: u32, k4: u32, s: u32) -> vec4<f32> {
  if (l != 0u) {
    return mlp_scratch[mlp.layers[l].h_base + k4 * mlp.batch_padded + s];
  }
  var v = vec4<f32>(0.0);
  let d = mlp.input_dim;
  if (s < mlp.batch) {
    for (var t = 0u; t < 4u; t++) {
      let k = 4u * k4 + t;
      if (k < d) { v[t] = mlp_x[s * d + k]; }
    }
  }
  return v;
}

// Writes z (4 units of block j4, one sample s) of layer l: the output, or
// act'(z) and act(z) of a hidden layer.
fn tiled_forward_store(l: u32, j4: u32, s: u32, z: vec4<f32>) {
  if (l + 1u == mlp.layer_count) {
    if (s < mlp.batch) { out[s] = z.x; }
    return;
  }
  let n = mlp.batch_padded;
  let a = act_value_grad(MLP_ACTIVATION, z);
  mlp_scratch[mlp.layers[l].g_base + j4 * n + s] = a.grad;
  mlp_scratch[mlp.layers[l + 1u].h_base + j4 * n + s] = a.value;
}

@compute @workgroup_size(MLP_TILED_GROUP)
fn tiled_forward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let l = step.layer;
  let L = mlp.layers[l];
  let s0 = wg.x * MLP_TILED_S;
  let j0 = wg.y * MLP_TILED_U;   // first unit of the tile
  let ts = 4u * (t / 8u);       // this invocation's samples s0 + ts + q, q = 0..3
  let tu = 4u * (t % 8u);       // and units j0 + tu + r, r = 0..3
  var acc0 = vec4<f32>(0.0);    // acc_q: sample q's 4 units
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var k0 = 0u; k0 < L.in4; k0 += MLP_TILED_K4) {
    // tile_a[kk * 32 + ss] = h block k0 + kk of sample s0 + ss;
    // tile_b[kk * 32 + jj] = W[j0 + jj][k0 + kk] (a vec4 of 4 inputs).
    for (var e = t; e < MLP_TILED_STAGED; e += MLP_TILED_GROUP) {
      let kk = e / MLP_TILED_S;
      var h = vec4<f32>(0.0);
      if (k0 + kk < L.in4) { h = tiled_h(l, k0 + kk, s0 + e % MLP_TILED_S); }
      tile_a[e] = h;
      // Neighbouring invocations read neighbouring vec4s of one weight row.
      let jj = e / MLP_TILED_K4;
      let kb = e % MLP_TILED_K4;
      var w = vec4<f32>(0.0);
      if (j0 + jj < 4u * L.out4 && k0 + kb < L.in4) { w = mlp_theta[L.w_offset + (j0 + jj) * L.in4 + k0 + kb]; }
      tile_b[kb * MLP_TILED_U + jj] = w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < MLP_TILED_K4; kk++) {
      let a = kk * MLP_TILED_S + ts;
      let b = kk * MLP_TILED_U + tu;
      // Columns: the weight rows of units tu..tu+3, so h * w = their 4 dot products.
      let w = mat4x4<f32>(tile_b[b], tile_b[b + 1u], tile_b[b + 2u], tile_b[b + 3u]);
      acc0 += tile_a[a] * w;
      acc1 += tile_a[a + 1u] * w;
      acc2 += tile_a[a + 2u] * w;
      acc3 += tile_a[a + 3u] * w;
    }
    workgroupBarrier();
  }
  let j4 = (j0 + tu) / 4u;
  if (j4 >= L.out4) { return; }
  let bias = mlp_theta[L.b_offset + j4];
  tiled_forward_store(l, j4, s0 + ts, acc0 + bias);
  tiled_forward_store(l, j4, s0 + ts + 1u, acc1 + bias);
  tiled_forward_store(l, j4, s0 + ts + 2u, acc2 + bias);
  tiled_forward_store(l, j4, s0 + ts + 3u, acc3 + bias);
}

@compute @workgroup_size(MLP_TILED_GROUP)
fn tiled_seed(@builtin(global_invocation_id) gid: vec3<u32>) {
  let s = gid.x;
  if (s >= mlp.batch_padded) { return; }
  var w = 0.0;
  if (s < mlp.batch) {
    if (step.seed == MLP_SEED_WEIGHTS) { w = sample_weight[s]; } else { w = 1.0; }
  }
  mlp_scratch[mlp.layers[mlp.layer_count - 1u].d_base + s] = vec4<f32>(w, 0.0, 0.0, 0.0);
}

// Writes the backward product (4 inputs of block k4, one sample s) of layer l:
// times act'(z) of layer l - 1 into its d region, or for l = 0 into grad_x.
fn tiled_backward_store(l: u32, k4: u32, s: u32, v: vec4<f32>) {
  let n = mlp.batch_padded;
  if (l != 0u) {
    let below = mlp.layers[l - 1u];
    mlp_scratch[below.d_base + k4 * n + s] = v * mlp_scratch[below.g_base + k4 * n + s];
    return;
  }
  if (s >= mlp.batch) { return; }
  let d = mlp.input_dim;
  for (var c = 0u; c < 4u; c++) {
    let k = 4u * k4 + c;
    if (k < d) { grad_x[s * d + k] = v[c]; }
  }
}

@compute @workgroup_size(MLP_TILED_GROUP)
fn tiled_backward(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let l = step.layer;
  let L = mlp.layers[l];
  let n = mlp.batch_padded;
  let s0 = wg.x * MLP_TILED_S;
  let k04 = wg.y * MLP_TILED_K4;  // first input block of the tile (32 inputs)
  let ts = 4u * (t / 8u);        // samples s0 + ts + q
  let tk = t % 8u;               // input block k04 + tk
  var acc0 = vec4<f32>(0.0);     // acc_q: sample q's 4 inputs
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  for (var j04 = 0u; j04 < L.out4; j04 += MLP_TILED_K4) {
    // tile_a[jj * 32 + ss] = d block j04 + jj of sample s0 + ss (4 units);
    // tile_b[jr * 8 + kb] = W[4 j04 + jr][k04 + kb] (a vec4 of 4 inputs).
    for (var e = t; e < MLP_TILED_STAGED; e += MLP_TILED_GROUP) {
      let jj = e / MLP_TILED_S;
      var d = vec4<f32>(0.0);
      if (j04 + jj < L.out4) { d = mlp_scratch[L.d_base + (j04 + jj) * n + s0 + e % MLP_TILED_S]; }
      tile_a[e] = d;
      let jr = e / MLP_TILED_K4;
      let kb = e % MLP_TILED_K4;
      var w = vec4<f32>(0.0);
      if (4u * j04 + jr < 4u * L.out4 && k04 + kb < L.in4) { w = mlp_theta[L.w_offset + (4u * j04 + jr) * L.in4 + k04 + kb]; }
      tile_b[e] = w;
    }
    workgroupBarrier();
    for (var jj = 0u; jj < MLP_TILED_K4; jj++) {
      let b = 4u * jj * MLP_TILED_K4 + tk;
      // Columns: the weight rows of units 4 jj..4 jj + 3 at this input block, so w * d = sum_r d_r W[r][inputs].
      let w = mat4x4<f32>(tile_b[b], tile_b[b + MLP_TILED_K4], tile_b[b + 2u * MLP_TILED_K4], tile_b[b + 3u * MLP_TILED_K4]);
      let a = jj * MLP_TILED_S + ts;
      acc0 += w * tile_a[a];
      acc1 += w * tile_a[a + 1u];
      acc2 += w * tile_a[a + 2u];
      acc3 += w * tile_a[a + 3u];
    }
    workgroupBarrier();
  }
  let k4 = k04 + tk;
  if (k4 >= L.in4) { return; }
  tiled_backward_store(l, k4, s0 + ts, acc0);
  tiled_backward_store(l, k4, s0 + ts + 1u, acc1);
  tiled_backward_store(l, k4, s0 + ts + 2u, acc2);
  tiled_backward_store(l, k4, s0 + ts + 3u, acc3);
}

@compute @workgroup_size(MLP_TILED_GROUP)
fn tiled_param(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let l = step.layer;
  let L = mlp.layers[l];
  let n = mlp.batch_padded;
  let j04 = wg.x * MLP_TILED_K4;  // first unit block of the tile (32 weight rows)
  let k04 = wg.y * MLP_TILED_K4;  // first input block (32 inputs)
  let tj = t / 8u;               // unit block j04 + tj
  let tk = t % 8u;               // input block k04 + tk
  var acc = mat4x4<f32>();       // column r: unit 4 (j04 + tj) + r's gradient at the 4 inputs
  var bias = vec4<f32>(0.0);
  for (var s0 = 0u; s0 < mlp.batch; s0 += MLP_TILED_S) {
    // tile_a[ss * 8 + b] = d block j04 + b of sample s0 + ss; tile_b: h block k04 + b.
    // Samples past the batch are staged as zeros.
    for (var e = t; e < MLP_TILED_STAGED; e += MLP_TILED_GROUP) {
      let s = s0 + e / MLP_TILED_K4;
      let b = e % MLP_TILED_K4;
      var d = vec4<f32>(0.0);
      var h = vec4<f32>(0.0);
      if (s < mlp.batch) {
        if (j04 + b < L.out4) { d = mlp_scratch[L.d_base + (j04 + b) * n + s]; }
        if (k04 + b < L.in4) { h = tiled_h(l, k04 + b, s); }
      }
      tile_a[e] = d;
      tile_b[e] = h;
    }
    workgroupBarrier();
    for (var ss = 0u; ss < MLP_TILED_S; ss++) {
      let d = tile_a[ss * MLP_TILED_K4 + tj];
      let h = tile_b[ss * MLP_TILED_K4 + tk];
      acc += mat4x4<f32>(h * d.x, h * d.y, h * d.z, h * d.w);
      bias += d;
    }
    workgroupBarrier();
  }
  let j4 = j04 + tj;
  let k4 = k04 + tk;
  if (j4 >= L.out4) { return; }
  if (k4 < L.in4) {
    let row = L.w_offset + 4u * j4 * L.in4 + k4;
    grad[row] = acc[0];
    grad[row + L.in4] = acc[1];
    grad[row + 2u * L.in4] = acc[2];
    grad[row + 3u * L.in4] = acc[3];
  }
  if (wg.y == 0u && tk == 0u) { grad[L.b_offset + j4] = bias; }
}

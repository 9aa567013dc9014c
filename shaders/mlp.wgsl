// mlp.wgsl: batched MLP passes (forward, backward) for a scalar-output network
// whose parameters are packed in one buffer (src/mlp/params.ts): the "lanes"
// variant of the MLP kernels.
// requires: common.wgsl, mlp_layout.wgsl, activations.wgsl, mlp_weights.wgsl
//
// Library file: no entry point. The shader that composes it declares
//   var<uniform> mlp: MlpLayout;                      the network and batch layout (mlp_layout.wgsl)
//   var<storage, read> mlp_theta: array<vec4<f32>>;     packed parameters
//   var<storage, read> mlp_x: array<f32>;               inputs, row-major [batch][input_dim]
//   var<storage, read_write> mlp_scratch: array<vec4<f32>>;  per-sample activations
// at bindings of its choice.
//
// Parameters and scratch regions: see mlp_layout.wgsl. This variant fills h of
// layer 0 with the padded input x; the forward pass writes the g region with
// act(z) from one sigmoid or tanh, so the backward pass only multiplies; the
// d region of the last hidden layer may also be written by a forward pass
// without the output value (see mlp_forward).
// A backward pass to the inputs of a network whose input fits one vec4 never
// writes layer 0's d: it goes straight into the input gradient (see
// mlp_backward_store).
//
// Why this variant: on a CPU-emulated adapter (SwiftShader: a few SIMD cores,
// a storage load costing tens of FMAs, workgroup memory and subgroups
// emulated) the cost is loads per FMA, and few invocations carrying many
// samples each keep every loaded value in registers for many FMAs. On a GPU
// the same shape leaves the machine idle (a few hundred invocations) and
// spills its 128-float register tile: mlp_tiled.wgsl is the GPU variant.
//
// Each invocation (a "lane") carries MLP_CHAINS (8) samples: every 4x4 weight
// block is loaded once and feeds 16 * MLP_CHAINS multiply-adds, because on
// memory-bound adapters a load costs tens of FMAs. The samples of a lane are
// interleaved with those of its workgroup (see mlp_sample), so neighbouring
// lanes touch neighbouring scratch memory on every access.
// Kernels composing this library run MLP_GROUP lanes per workgroup; lanes
// whose samples are padding run on zeros (see mlp_workgroup_sample). MLP_GROUP is a
// pipeline-overridable constant: the host picks it per batch size
// (src/mlp/program.ts mlpGroupFor) so that a small batch is not padded to 1024
// samples and still spreads over several workgroups (cores), and passes the
// same value for every kernel that shares a scratch layout.

// The inner loops of mlp_forward and mlp_backward name one accumulator per
// sample (m0..m7, a0..a7): changing MLP_CHAINS means changing those lines too.
// Why 8 and not 16: the number of samples sets how many multiply-adds each
// loaded weight feeds, not each loaded activation. With the weights loaded
// once per subgroup and broadcast (mlp_weights_subgroup.wgsl) those loads
// are cheap, and on SwiftShader the stack traffic of a 256-float tile (every
// accumulator spilled, copied and masked once per loop iteration) cost more
// than the weight loads 16 samples save; without subgroups, 16 was faster.
const MLP_CHAINS: u32 = 8u;
// Invocations ("lanes") per workgroup, MLP_CHAINS samples each; kernels that
// share one scratch buffer must be given the same value (see above).
override MLP_GROUP: u32 = 64u;

// The sample index of the c-th sample of a lane (the lane's global index).
fn mlp_sample(lane: u32, c: u32) -> u32 {
  return (lane / MLP_GROUP) * (MLP_GROUP * MLP_CHAINS) + c * MLP_GROUP + lane % MLP_GROUP;
}

// Copies the inputs of a lane's samples into the h region of layer 0,
// zero-padded to 4*in4 features; samples past the batch get zeros.
fn mlp_load_input(lane: u32) {
  let L = mlp.layers[0];
  let n = mlp.batch_padded;
  let d = mlp.input_dim;
  for (var c = 0u; c < MLP_CHAINS; c++) {
    let i = mlp_sample(lane, c);
    for (var k4 = 0u; k4 < L.in4; k4++) {
      var v = vec4<f32>(0.0);
      if (i < mlp.batch) {
        for (var t = 0u; t < 4u; t++) {
          let k = 4u * k4 + t;
          if (k < d) { v[t] = mlp_x[i * d + k]; }
        }
      }
      mlp_scratch[L.h_base + k4 * n + i] = v;
    }
  }
}

// Columns of mlp_block(i, stride) are mlp_theta[i + r*stride], r = 0..3:
// four consecutive rows of W at one 4-column block.
fn mlp_block(i: u32, stride: u32) -> mat4x4<f32> {
  return mat4x4<f32>(mlp_theta[i], mlp_theta[i + stride], mlp_theta[i + 2u * stride], mlp_theta[i + 3u * stride]);
}

// Four weight blocks, as mlp_blocks4 (mlp_weights.wgsl) loads them for one
// step of a 16-unit register tile.
struct MlpBlocks4 {
  w0: mat4x4<f32>,
  w1: mat4x4<f32>,
  w2: mat4x4<f32>,
  w3: mat4x4<f32>,
}

// The first sample of a workgroup (@builtin(workgroup_id), num_workgroups).
// Kernels return early only when this is past the batch, so only whole
// workgroups return (past the end of a 2-D folded grid): lanes whose samples
// are padding still run the passes, on zeros, because the shared weight loads
// of mlp_weights_subgroup.wgsl need every invocation of a subgroup.
fn mlp_workgroup_sample(group_id: vec3<u32>, groups: vec3<u32>) -> u32 {
  return fold_index(group_id, groups, 1u) * MLP_GROUP * MLP_CHAINS;
}

// Writes one 4-unit output block of layer l for a lane's samples: act'(z) of
// the pre-activation z and the next layer's input h = act(z), or, for the
// output layer, the scalar outputs. With fold_output (the last hidden layer
// of a pass without the output value), it writes instead what the backward
// pass would find there for unit output weights, d = act'(z) * w_out, where
// w_out is the output layer's weight row: the output layer's forward and
// backward products, and a store and a load of act'(z) per unit, drop out.
fn mlp_forward_store(l: u32, j4: u32, s0: u32, acc: array<vec4<f32>, MLP_CHAINS>, out: ptr<function, array<f32, MLP_CHAINS>>, fold_output: bool) {
  let n = mlp.batch_padded;
  if (l + 1u == mlp.layer_count) {
    for (var c = 0u; c < MLP_CHAINS; c++) { (*out)[c] = acc[c].x; }
    return;
  }
  if (fold_output) {
    let w_out = mlp_theta[mlp.layers[l + 1u].w_offset + j4];
    let d_base = mlp.layers[l].d_base + j4 * n + s0;
    for (var c = 0u; c < MLP_CHAINS; c++) {
      mlp_scratch[d_base + c * MLP_GROUP] = act_grad(MLP_ACTIVATION, acc[c]) * w_out;
    }
    return;
  }
  let g_base = mlp.layers[l].g_base + j4 * n + s0;
  let h_base = mlp.layers[l + 1u].h_base + j4 * n + s0;
  for (var c = 0u; c < MLP_CHAINS; c++) {
    let a = act_value_grad(MLP_ACTIVATION, acc[c]);
    mlp_scratch[g_base + c * MLP_GROUP] = a.grad;
    mlp_scratch[h_base + c * MLP_GROUP] = a.value;
  }
}

// Forward pass of a lane's samples from the h region of layer 0: fills h and
// act'(z) of every layer and returns the scalar outputs, in the lane's sample
// order. With value false it stops short of the output layer and folds its
// weights into the last hidden layer's d region (mlp_forward_store's
// fold_output): the outputs are then 0, and mlp_backward_from(lane,
// mlp.layer_count - 1u, true) gives the input gradient of the output.
// Register tile: 8 samples x 16 output units (one named mat4x4 per sample,
// its columns four 4-unit blocks), so each loaded h vec4 feeds 64 FMAs and
// each loaded weight vec4 feeds 32; a dynamically indexed array would cost a
// memory access per use on CPU-emulated adapters. Layers whose width is not a
// multiple of 16 finish with 4-unit blocks (8 samples x 4 units).
fn mlp_forward(lane: u32, value: bool) -> array<f32, MLP_CHAINS> {
  let n = mlp.batch_padded;
  let s0 = mlp_sample(lane, 0u);
  let share = mlp_weight_share();
  var out: array<f32, MLP_CHAINS>;
  let layers = select(mlp.layer_count - 1u, mlp.layer_count, value);
  for (var l = 0u; l < layers; l++) {
    let L = mlp.layers[l];
    let fold_output = !value && l + 2u == mlp.layer_count;
    let rows4 = 4u * L.in4;   // vec4 stride between consecutive 4-row groups of W
    var j4 = 0u;
    for (; j4 + 4u <= L.out4; j4 += 4u) {
      let bias = mat4x4<f32>(mlp_theta[L.b_offset + j4], mlp_theta[L.b_offset + j4 + 1u],
                             mlp_theta[L.b_offset + j4 + 2u], mlp_theta[L.b_offset + j4 + 3u]);
      var m0 = bias;
      var m1 = bias;
      var m2 = bias;
      var m3 = bias;
      var m4 = bias;
      var m5 = bias;
      var m6 = bias;
      var m7 = bias;
      let row = L.w_offset + j4 * rows4;
      for (var k4 = 0u; k4 < L.in4; k4++) {
        // Columns of w_q are the rows 4*(j4+q)..+3 of W, so h * w_q = (W h)[4*(j4+q)..].
        let w = mlp_blocks4(row + k4, rows4, L.in4, share);
        let w0 = w.w0;
        let w1 = w.w1;
        let w2 = w.w2;
        let w3 = w.w3;
        let hb = L.h_base + k4 * n + s0;
        var h: vec4<f32>;
        h = mlp_scratch[hb + 0u * MLP_GROUP]; m0 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 1u * MLP_GROUP]; m1 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 2u * MLP_GROUP]; m2 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 3u * MLP_GROUP]; m3 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 4u * MLP_GROUP]; m4 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 5u * MLP_GROUP]; m5 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 6u * MLP_GROUP]; m6 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
        h = mlp_scratch[hb + 7u * MLP_GROUP]; m7 += mat4x4<f32>(h * w0, h * w1, h * w2, h * w3);
      }
      mlp_forward_store(l, j4 + 0u, s0, array<vec4<f32>, MLP_CHAINS>(m0[0], m1[0], m2[0], m3[0], m4[0], m5[0], m6[0], m7[0]), &out, fold_output);
      mlp_forward_store(l, j4 + 1u, s0, array<vec4<f32>, MLP_CHAINS>(m0[1], m1[1], m2[1], m3[1], m4[1], m5[1], m6[1], m7[1]), &out, fold_output);
      mlp_forward_store(l, j4 + 2u, s0, array<vec4<f32>, MLP_CHAINS>(m0[2], m1[2], m2[2], m3[2], m4[2], m5[2], m6[2], m7[2]), &out, fold_output);
      mlp_forward_store(l, j4 + 3u, s0, array<vec4<f32>, MLP_CHAINS>(m0[3], m1[3], m2[3], m3[3], m4[3], m5[3], m6[3], m7[3]), &out, fold_output);
    }
    for (; j4 < L.out4; j4++) {
      let bias = mlp_theta[L.b_offset + j4];
      var a0 = bias;
      var a1 = bias;
      var a2 = bias;
      var a3 = bias;
      var a4 = bias;
      var a5 = bias;
      var a6 = bias;
      var a7 = bias;
      let row = L.w_offset + j4 * rows4;
      for (var k4 = 0u; k4 < L.in4; k4++) {
        let w = mlp_block(row + k4, L.in4);
        let hb = L.h_base + k4 * n + s0;
        a0 += mlp_scratch[hb + 0u * MLP_GROUP] * w;
        a1 += mlp_scratch[hb + 1u * MLP_GROUP] * w;
        a2 += mlp_scratch[hb + 2u * MLP_GROUP] * w;
        a3 += mlp_scratch[hb + 3u * MLP_GROUP] * w;
        a4 += mlp_scratch[hb + 4u * MLP_GROUP] * w;
        a5 += mlp_scratch[hb + 5u * MLP_GROUP] * w;
        a6 += mlp_scratch[hb + 6u * MLP_GROUP] * w;
        a7 += mlp_scratch[hb + 7u * MLP_GROUP] * w;
      }
      mlp_forward_store(l, j4, s0, array<vec4<f32>, MLP_CHAINS>(a0, a1, a2, a3, a4, a5, a6, a7), &out, fold_output);
    }
  }
  return out;
}

// Writes one 4-unit block (k4) of d(output)/d(input) of linear layer l - 1 for
// a lane's samples: times act'(z) (the g region) into the d region of the
// layer below, or,
// for the first layer, into the h region of layer 0 (the input gradient).
// With fold_input (l == 2, and the network's input fits one vec4), the d of
// layer 0's outputs goes straight into the input gradient ig instead: the
// d store, and the d loads of layer 0's backward product, drop out.
fn mlp_backward_store(l: u32, k4: u32, s0: u32, acc: array<vec4<f32>, MLP_CHAINS>, fold_input: bool,
                      ig: ptr<function, array<vec4<f32>, MLP_CHAINS>>) {
  let n = mlp.batch_padded;
  if (fold_input && l == 2u) {
    let L0 = mlp.layers[0];
    let g_base = L0.g_base + k4 * n + s0;
    // Columns: the rows 4*k4..4*k4+3 of layer 0's weights (one vec4 each).
    let w = mlp_block(L0.w_offset + 4u * k4, 1u);
    for (var c = 0u; c < MLP_CHAINS; c++) {
      (*ig)[c] += w * (acc[c] * mlp_scratch[g_base + c * MLP_GROUP]);
    }
    return;
  }
  if (l == 1u) {
    let h_base = mlp.layers[0].h_base + k4 * n + s0;
    for (var c = 0u; c < MLP_CHAINS; c++) { mlp_scratch[h_base + c * MLP_GROUP] = acc[c]; }
    return;
  }
  let below = mlp.layers[l - 2u];
  let g_base = below.g_base + k4 * n + s0;
  let d_base = below.d_base + k4 * n + s0;
  for (var c = 0u; c < MLP_CHAINS; c++) {
    mlp_scratch[d_base + c * MLP_GROUP] = acc[c] * mlp_scratch[g_base + c * MLP_GROUP];
  }
}

// Backward pass of a lane's samples after mlp_forward: seeds d(output) with
// the per-sample weights w and fills the d region of every layer. With
// input_grad, it also leaves w_i * d f(x_i) / d x_i in the h region of layer 0
// (overwriting the padded input); without, it stops there, keeping the inputs
// for the parameter gradient.
fn mlp_backward(lane: u32, w: array<f32, MLP_CHAINS>, input_grad: bool) {
  let s0 = mlp_sample(lane, 0u);
  let top = mlp.layers[mlp.layer_count - 1u];
  for (var c = 0u; c < MLP_CHAINS; c++) {
    mlp_scratch[top.d_base + s0 + c * MLP_GROUP] = vec4<f32>(w[c], 0.0, 0.0, 0.0);
  }
  mlp_backward_from(lane, mlp.layer_count, input_grad);
}

// The backward pass through layers top - 1 down to 0 (or 1, without
// input_grad), from the d region of layer top - 1: mlp_backward's loop, also
// run after mlp_forward(lane, false) with top = mlp.layer_count - 1.
// Register tile: 8 samples x 16 input units, as in mlp_forward, with 4-unit
// blocks for the rest.
fn mlp_backward_from(lane: u32, top: u32, input_grad: bool) {
  let n = mlp.batch_padded;
  let s0 = mlp_sample(lane, 0u);
  let share = mlp_weight_share();
  // Layer 0's backward product folds into layer 1's (mlp_backward_store).
  let fold_input = input_grad && top >= 2u && mlp.layers[0].in4 == 1u;
  var ig: array<vec4<f32>, MLP_CHAINS>;
  let stop = select(1u, 0u, input_grad && !fold_input);
  for (var l = top; l > stop; l--) {
    let L = mlp.layers[l - 1u];
    var k4 = 0u;
    for (; k4 + 4u <= L.in4; k4 += 4u) {
      var m0 = mat4x4<f32>();
      var m1 = mat4x4<f32>();
      var m2 = mat4x4<f32>();
      var m3 = mat4x4<f32>();
      var m4 = mat4x4<f32>();
      var m5 = mat4x4<f32>();
      var m6 = mat4x4<f32>();
      var m7 = mat4x4<f32>();
      for (var j4 = 0u; j4 < L.out4; j4++) {
        // Columns of w_q are W[4*j4+r][4*(k4+q)..+3]; w_q * d = sum_r d_r W[4*j4+r][4*(k4+q)..].
        let row = L.w_offset + 4u * j4 * L.in4 + k4;
        let w = mlp_blocks4(row, 1u, L.in4, share);
        let w0 = w.w0;
        let w1 = w.w1;
        let w2 = w.w2;
        let w3 = w.w3;
        let db = L.d_base + j4 * n + s0;
        var d: vec4<f32>;
        d = mlp_scratch[db + 0u * MLP_GROUP]; m0 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 1u * MLP_GROUP]; m1 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 2u * MLP_GROUP]; m2 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 3u * MLP_GROUP]; m3 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 4u * MLP_GROUP]; m4 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 5u * MLP_GROUP]; m5 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 6u * MLP_GROUP]; m6 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
        d = mlp_scratch[db + 7u * MLP_GROUP]; m7 += mat4x4<f32>(w0 * d, w1 * d, w2 * d, w3 * d);
      }
      mlp_backward_store(l, k4 + 0u, s0, array<vec4<f32>, MLP_CHAINS>(m0[0], m1[0], m2[0], m3[0], m4[0], m5[0], m6[0], m7[0]), fold_input, &ig);
      mlp_backward_store(l, k4 + 1u, s0, array<vec4<f32>, MLP_CHAINS>(m0[1], m1[1], m2[1], m3[1], m4[1], m5[1], m6[1], m7[1]), fold_input, &ig);
      mlp_backward_store(l, k4 + 2u, s0, array<vec4<f32>, MLP_CHAINS>(m0[2], m1[2], m2[2], m3[2], m4[2], m5[2], m6[2], m7[2]), fold_input, &ig);
      mlp_backward_store(l, k4 + 3u, s0, array<vec4<f32>, MLP_CHAINS>(m0[3], m1[3], m2[3], m3[3], m4[3], m5[3], m6[3], m7[3]), fold_input, &ig);
    }
    for (; k4 < L.in4; k4++) {
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      var a4 = vec4<f32>(0.0);
      var a5 = vec4<f32>(0.0);
      var a6 = vec4<f32>(0.0);
      var a7 = vec4<f32>(0.0);
      for (var j4 = 0u; j4 < L.out4; j4++) {
        let w = mlp_block(L.w_offset + 4u * j4 * L.in4 + k4, L.in4);
        let db = L.d_base + j4 * n + s0;
        a0 += w * mlp_scratch[db + 0u * MLP_GROUP];
        a1 += w * mlp_scratch[db + 1u * MLP_GROUP];
        a2 += w * mlp_scratch[db + 2u * MLP_GROUP];
        a3 += w * mlp_scratch[db + 3u * MLP_GROUP];
        a4 += w * mlp_scratch[db + 4u * MLP_GROUP];
        a5 += w * mlp_scratch[db + 5u * MLP_GROUP];
        a6 += w * mlp_scratch[db + 6u * MLP_GROUP];
        a7 += w * mlp_scratch[db + 7u * MLP_GROUP];
      }
      mlp_backward_store(l, k4, s0, array<vec4<f32>, MLP_CHAINS>(a0, a1, a2, a3, a4, a5, a6, a7), fold_input, &ig);
    }
  }
  if (fold_input) {
    let h_base = mlp.layers[0].h_base + s0;
    for (var c = 0u; c < MLP_CHAINS; c++) { mlp_scratch[h_base + c * MLP_GROUP] = ig[c]; }
  }
}

// The lane index of a 1-D dispatch of MLP_GROUP-wide workgroups, folded into
// 2-D (x fastest) when it needs more than 65,535 workgroups per dimension.
fn mlp_lane(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return fold_index(gid, groups, MLP_GROUP);
}

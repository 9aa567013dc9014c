// mlp.wgsl: batched MLP passes (forward, backward) for a scalar-output network
// whose parameters are packed in one buffer (src/params.ts).
// requires: activations.wgsl
//
// Library file: no entry point. The shader that composes it declares
//   var<uniform> mlp: MlpLayout;                      the network and batch layout
//   var<storage, read> mlp_theta: array<vec4<f32>>;     packed parameters
//   var<storage, read> mlp_x: array<f32>;               inputs, row-major [batch][input_dim]
//   var<storage, read_write> mlp_scratch: array<vec4<f32>>;  per-sample activations
// at bindings of its choice.
//
// Parameters (all offsets in vec4 units): layer l maps 4*in4 -> 4*out4 padded
// units; W[j][4k4..4k4+3] is mlp_theta[w_offset + j*in4 + k4], b[4j4..4j4+3]
// is mlp_theta[b_offset + j4]. Padding is zero.
//
// Scratch: per layer three regions of [units4][batch_padded] vec4s (sample
// index fastest, so neighbouring invocations touch neighbouring memory):
//   h: the layer's input activations (h of layer 0 is the padded input x),
//   z: the layer's pre-activations (hidden layers only),
//   d: d(output)/d(pre-activation) of the layer's outputs, times the sample's
//      output weight (backward passes only).
//
// Each invocation (a "lane") carries MLP_CHAINS (16) samples: every 4x4 weight
// block is loaded once and feeds 16 * MLP_CHAINS multiply-adds, because on
// memory-bound adapters a load costs about ten FMAs. The samples of a lane are
// interleaved with those of its workgroup (see mlp_sample), so neighbouring
// lanes touch neighbouring scratch memory on every access.
// Kernels composing this library run MLP_GROUP lanes per workgroup; a lane
// whose first sample is past the batch returns at once.

// The inner loops of mlp_forward and mlp_backward name one accumulator per
// sample (a0..a15): changing MLP_CHAINS means changing those lines too.
const MLP_CHAINS: u32 = 16u;
const MLP_GROUP: u32 = 64u;
const MLP_MAX_LAYERS: u32 = 5u;

struct MlpLayer {
  w_offset: u32,
  b_offset: u32,
  in4: u32,
  out4: u32,
  h_base: u32,
  z_base: u32,
  d_base: u32,
  block_base: u32,   // first parameter-gradient block of this layer (see mlp_param_grad.wgsl)
}

struct MlpLayout {
  batch: u32,         // real samples
  batch_padded: u32,  // batch rounded up to a multiple of MLP_CHAINS * MLP_GROUP: the stride of scratch regions
  input_dim: u32,
  layer_count: u32,   // hidden layers + 1
  activation: u32,    // activations.wgsl code
  block_count: u32,   // parameter-gradient blocks over all layers
  pad0: u32,
  pad1: u32,
  layers: array<MlpLayer, MLP_MAX_LAYERS>,
}

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

// Forward pass of a lane's samples from the h region of layer 0: fills h and
// z of every layer and returns the scalar outputs, in the lane's sample order.
fn mlp_forward(lane: u32) -> array<f32, MLP_CHAINS> {
  let n = mlp.batch_padded;
  let s0 = mlp_sample(lane, 0u);
  var out: array<f32, MLP_CHAINS>;
  for (var l = 0u; l < mlp.layer_count; l++) {
    let L = mlp.layers[l];
    let last = l + 1u == mlp.layer_count;
    for (var j4 = 0u; j4 < L.out4; j4++) {
      let bias = mlp_theta[L.b_offset + j4];
      // One named accumulator per sample (not a dynamically indexed array,
      // which costs a memory access per use on CPU-emulated adapters).
      var a0 = bias;
      var a1 = bias;
      var a2 = bias;
      var a3 = bias;
      var a4 = bias;
      var a5 = bias;
      var a6 = bias;
      var a7 = bias;
      var a8 = bias;
      var a9 = bias;
      var a10 = bias;
      var a11 = bias;
      var a12 = bias;
      var a13 = bias;
      var a14 = bias;
      var a15 = bias;
      let row = L.w_offset + 4u * j4 * L.in4;
      for (var k4 = 0u; k4 < L.in4; k4++) {
        // Columns are the rows 4*j4..4*j4+3 of W, so h * w = (W h)[4*j4..].
        let w = mat4x4<f32>(mlp_theta[row + k4], mlp_theta[row + L.in4 + k4],
                            mlp_theta[row + 2u * L.in4 + k4], mlp_theta[row + 3u * L.in4 + k4]);
        let hb = L.h_base + k4 * n + s0;
        a0 += mlp_scratch[hb + 0u * MLP_GROUP] * w;
        a1 += mlp_scratch[hb + 1u * MLP_GROUP] * w;
        a2 += mlp_scratch[hb + 2u * MLP_GROUP] * w;
        a3 += mlp_scratch[hb + 3u * MLP_GROUP] * w;
        a4 += mlp_scratch[hb + 4u * MLP_GROUP] * w;
        a5 += mlp_scratch[hb + 5u * MLP_GROUP] * w;
        a6 += mlp_scratch[hb + 6u * MLP_GROUP] * w;
        a7 += mlp_scratch[hb + 7u * MLP_GROUP] * w;
        a8 += mlp_scratch[hb + 8u * MLP_GROUP] * w;
        a9 += mlp_scratch[hb + 9u * MLP_GROUP] * w;
        a10 += mlp_scratch[hb + 10u * MLP_GROUP] * w;
        a11 += mlp_scratch[hb + 11u * MLP_GROUP] * w;
        a12 += mlp_scratch[hb + 12u * MLP_GROUP] * w;
        a13 += mlp_scratch[hb + 13u * MLP_GROUP] * w;
        a14 += mlp_scratch[hb + 14u * MLP_GROUP] * w;
        a15 += mlp_scratch[hb + 15u * MLP_GROUP] * w;
      }
      let acc = array<vec4<f32>, MLP_CHAINS>(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
      if (last) {
        for (var c = 0u; c < MLP_CHAINS; c++) { out[c] = acc[c].x; }
      } else {
        let next = mlp.layers[l + 1u];
        for (var c = 0u; c < MLP_CHAINS; c++) {
          mlp_scratch[L.z_base + j4 * n + s0 + c * MLP_GROUP] = acc[c];
          mlp_scratch[next.h_base + j4 * n + s0 + c * MLP_GROUP] = act_apply(mlp.activation, acc[c]);
        }
      }
    }
  }
  return out;
}

// Backward pass of a lane's samples after mlp_forward: seeds d(output) with the per-sample weights
// w and fills the d region of every layer. With input_grad, it also leaves
// w_i * d f(x_i) / d x_i in the h region of layer 0 (overwriting the padded
// input); without, it stops there, keeping the inputs for the parameter
// gradient.
fn mlp_backward(lane: u32, w: array<f32, MLP_CHAINS>, input_grad: bool) {
  let n = mlp.batch_padded;
  let s0 = mlp_sample(lane, 0u);
  let top = mlp.layers[mlp.layer_count - 1u];
  for (var c = 0u; c < MLP_CHAINS; c++) {
    mlp_scratch[top.d_base + s0 + c * MLP_GROUP] = vec4<f32>(w[c], 0.0, 0.0, 0.0);
  }
  let stop = select(1u, 0u, input_grad);
  for (var l = mlp.layer_count; l > stop; l--) {
    let L = mlp.layers[l - 1u];
    let below = mlp.layers[max(l, 2u) - 2u];   // the layer whose outputs are this layer's inputs
    for (var k4 = 0u; k4 < L.in4; k4++) {
      var a0 = vec4<f32>(0.0);
      var a1 = vec4<f32>(0.0);
      var a2 = vec4<f32>(0.0);
      var a3 = vec4<f32>(0.0);
      var a4 = vec4<f32>(0.0);
      var a5 = vec4<f32>(0.0);
      var a6 = vec4<f32>(0.0);
      var a7 = vec4<f32>(0.0);
      var a8 = vec4<f32>(0.0);
      var a9 = vec4<f32>(0.0);
      var a10 = vec4<f32>(0.0);
      var a11 = vec4<f32>(0.0);
      var a12 = vec4<f32>(0.0);
      var a13 = vec4<f32>(0.0);
      var a14 = vec4<f32>(0.0);
      var a15 = vec4<f32>(0.0);
      for (var j4 = 0u; j4 < L.out4; j4++) {
        let row = L.w_offset + 4u * j4 * L.in4 + k4;
        // Columns are W[4*j4+r][4*k4..4*k4+3]; w * d = sum_r d_r W[4*j4+r][4*k4..].
        let w = mat4x4<f32>(mlp_theta[row], mlp_theta[row + L.in4],
                            mlp_theta[row + 2u * L.in4], mlp_theta[row + 3u * L.in4]);
        let db = L.d_base + j4 * n + s0;
        a0 += w * mlp_scratch[db + 0u * MLP_GROUP];
        a1 += w * mlp_scratch[db + 1u * MLP_GROUP];
        a2 += w * mlp_scratch[db + 2u * MLP_GROUP];
        a3 += w * mlp_scratch[db + 3u * MLP_GROUP];
        a4 += w * mlp_scratch[db + 4u * MLP_GROUP];
        a5 += w * mlp_scratch[db + 5u * MLP_GROUP];
        a6 += w * mlp_scratch[db + 6u * MLP_GROUP];
        a7 += w * mlp_scratch[db + 7u * MLP_GROUP];
        a8 += w * mlp_scratch[db + 8u * MLP_GROUP];
        a9 += w * mlp_scratch[db + 9u * MLP_GROUP];
        a10 += w * mlp_scratch[db + 10u * MLP_GROUP];
        a11 += w * mlp_scratch[db + 11u * MLP_GROUP];
        a12 += w * mlp_scratch[db + 12u * MLP_GROUP];
        a13 += w * mlp_scratch[db + 13u * MLP_GROUP];
        a14 += w * mlp_scratch[db + 14u * MLP_GROUP];
        a15 += w * mlp_scratch[db + 15u * MLP_GROUP];
      }
      let acc = array<vec4<f32>, MLP_CHAINS>(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
      if (l > 1u) {
        for (var c = 0u; c < MLP_CHAINS; c++) {
          let z = mlp_scratch[below.z_base + k4 * n + s0 + c * MLP_GROUP];
          mlp_scratch[below.d_base + k4 * n + s0 + c * MLP_GROUP] = acc[c] * act_grad(mlp.activation, z);
        }
      } else {
        for (var c = 0u; c < MLP_CHAINS; c++) { mlp_scratch[L.h_base + k4 * n + s0 + c * MLP_GROUP] = acc[c]; }
      }
    }
  }
}

// The lane index of a 1-D dispatch of MLP_GROUP-wide workgroups, folded into
// 2-D (x fastest) when it needs more than 65,535 workgroups per dimension.
fn mlp_lane(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.x + gid.y * groups.x * MLP_GROUP;
}

// mlp_layout.wgsl: what every MLP kernel variant shares: the layout uniform
// (network and scratch), the hidden layers' activation as a pipeline
// constant, and the depth limit. The variants: mlp.wgsl (lanes: each
// invocation carries MLP_CHAINS (8) samples through whole passes; for CPU-emulated
// adapters) and mlp_tiled.wgsl (tiled: one dispatch per layer, workgroups
// cooperating on tiles of samples x units; for GPUs). src/mlp/program.ts
// chooses between them.
//
// Library file: no bindings, no entry point.
//
// Parameters (all offsets in vec4 units): layer l maps 4*in4 -> 4*out4 padded
// units; W[j][4k4..4k4+3] is theta[w_offset + j*in4 + k4], b[4j4..4j4+3] is
// theta[b_offset + j4]. Padding is zero.
//
// Scratch: per layer three regions of [units4][batch_padded] vec4s (sample
// index fastest, so neighbouring invocations touch neighbouring memory):
//   h: the layer's input activations (h of layer 0 is the padded input x,
//      kept by the lanes variant only; the tiled one reads x itself),
//   g: act'(z) of the layer's pre-activations z (hidden layers only),
//   d: d(output)/d(pre-activation) of the layer's outputs, times the sample's
//      output weight (backward passes).

// The hidden layers' activation (activations.wgsl code; the host's
// ACTIVATION_CODE). A pipeline constant, not a uniform: the adapter then drops
// the other activations' code, which a CPU-emulated adapter otherwise runs for
// every unit under a lane mask (12% of the Langevin kernel's time at width 128).
override MLP_ACTIVATION: u32 = 0u;
const MLP_MAX_LAYERS: u32 = 5u;

struct MlpLayer {
  w_offset: u32,
  b_offset: u32,
  in4: u32,
  out4: u32,
  h_base: u32,
  g_base: u32,
  d_base: u32,
  block_base: u32,   // lanes: first parameter-gradient block of this layer (see mlp_param_grad.wgsl)
}

struct MlpLayout {
  batch: u32,         // real samples
  batch_padded: u32,  // the stride of scratch regions: batch rounded up to whole workgroups (lanes) or sample tiles (tiled)
  input_dim: u32,
  layer_count: u32,   // hidden layers + 1
  block_count: u32,   // lanes: parameter-gradient blocks over all layers
  pad0: u32,
  pad1: u32,
  pad2: u32,
  layers: array<MlpLayer, MLP_MAX_LAYERS>,
}

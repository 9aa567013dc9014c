// activations.wgsl: hidden-layer activations and their derivatives, on vec4s.
//
// Library file: no bindings, no entry point. Compose it into a shader by
// prepending its text (the host loader does this for files whose header says
// `requires: activations.wgsl`).
//
// Codes (the host's ACTIVATION_CODE): 0 SiLU x*sigmoid(x), 1 tanh, 2 ReLU,
// 3 LeakyReLU(0.2). Every activation maps 0 to 0, so zero-padded units stay 0.
// Derivatives are taken with respect to the pre-activation z; ReLU and
// LeakyReLU use the negative-side slope at z = 0.
// Arguments of exp and tanh are clamped where the result is already exact in
// f32, because exp of a large argument is not guaranteed to give infinity.
// Pass the code as a constant (mlp.wgsl's MLP_ACTIVATION override) where
// speed matters: an if-chain on a constant folds to one activation, while a
// switch, or a code read from a uniform, runs every branch under a mask on
// SwiftShader (commit 67c98d0 has the measurement).

const ACT_SILU: u32 = 0u;
const ACT_TANH: u32 = 1u;
const ACT_RELU: u32 = 2u;
const ACT_LEAKY_RELU: u32 = 3u;

fn act_sigmoid(z: vec4<f32>) -> vec4<f32> {
  return 1.0 / (1.0 + exp(clamp(-z, vec4<f32>(-88.0), vec4<f32>(88.0))));
}

fn act_tanh(z: vec4<f32>) -> vec4<f32> {
  // tanh(+-10) is +-1 to f32 precision.
  return tanh(clamp(z, vec4<f32>(-10.0), vec4<f32>(10.0)));
}

fn act_apply(kind: u32, z: vec4<f32>) -> vec4<f32> {
  if (kind == ACT_SILU) { return z * act_sigmoid(z); }
  if (kind == ACT_TANH) { return act_tanh(z); }
  if (kind == ACT_RELU) { return max(z, vec4<f32>(0.0)); }
  return select(0.2 * z, z, z > vec4<f32>(0.0));
}

// act(z) and act'(z) together, sharing the sigmoid or tanh between them.
struct ActValueGrad {
  value: vec4<f32>,
  grad: vec4<f32>,
}

fn act_value_grad(kind: u32, z: vec4<f32>) -> ActValueGrad {
  if (kind == ACT_SILU) {
    let s = act_sigmoid(z);
    return ActValueGrad(z * s, s * (1.0 + z * (1.0 - s)));
  }
  if (kind == ACT_TANH) {
    let t = act_tanh(z);
    return ActValueGrad(t, 1.0 - t * t);
  }
  let on = z > vec4<f32>(0.0);
  if (kind == ACT_RELU) {
    return ActValueGrad(select(vec4<f32>(0.0), z, on), select(vec4<f32>(0.0), vec4<f32>(1.0), on));
  }
  return ActValueGrad(select(0.2 * z, z, on), select(vec4<f32>(0.2), vec4<f32>(1.0), on));
}

fn act_grad(kind: u32, z: vec4<f32>) -> vec4<f32> {
  if (kind == ACT_SILU) {
    let s = act_sigmoid(z);
    return s * (1.0 + z * (1.0 - s));
  }
  if (kind == ACT_TANH) {
    let t = act_tanh(z);
    return 1.0 - t * t;
  }
  return select(vec4<f32>(select(0.2, 0.0, kind == ACT_RELU)), vec4<f32>(1.0), z > vec4<f32>(0.0));
}

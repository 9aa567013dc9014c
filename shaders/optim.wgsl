// optim.wgsl: one optimiser step on a packed parameter buffer, SGD or Adam
// (PyTorch's torch.optim.SGD without momentum, and torch.optim.Adam without
// weight decay or amsgrad), with the step counter kept on the GPU so that
// many steps can be recorded into one submit.
// requires: common.wgsl
// dispatch optim_advance: 1 workgroup
// dispatch optim_step: optim.count invocations
//
// Bindings (group 0):
//   0 uniform            optim: OptimParams        count, kind, direction, hyper-parameters
//   1 storage read_write optim_theta: array<f32>   parameters, [count] (any packed layout,
//                        e.g. src/mlp/params.ts; zero gradients leave padding at 0)
//   2 storage read       optim_grad: array<f32>    gradient of the objective, [count]
//   3 storage read_write optim_moments: array<f32> Adam's moments, [2 * count]: m at
//                        0..count-1, v at count..2*count-1 (zeros to start; unused by SGD)
//   4 storage read_write optim_counter: OptimCounter  step t, the step's learning rate and
//                        Adam's bias corrections (zeros to start)
//
// Two entry points, dispatched in this order for every step, in one encoder:
//   optim_advance: 1 invocation (1 workgroup of 1): t += 1, bias1 = 1 - beta1^t,
//                  bias2 = 1 - beta2^t (as -expm1(t ln beta); 1 for beta = 0),
//                  and the learning rate of step t: a linear warm-up lr t / warmup_steps
//                  for t <= warmup_steps, then, with s = t - warmup_steps: lr while
//                  decay_steps = 0, otherwise linear from lr (s = 1) to lr_final
//                  (s = decay_steps + 1 and after): lr + (lr_final - lr) min(s - 1, decay_steps) / decay_steps.
//   optim_step:    count invocations, 64 per workgroup, folded into 2-D past
//                  65,535 workgroups: with g = optim_grad[i], negated when
//                  maximize = 1 (gradient ascent),
//                    SGD:  theta -= lr_t g
//                    Adam: with clip_rms > 0 (the authors' EBM training), first
//                          g = clamp(g, -b, b), b = clip_rms sqrt(v / bias2) + clip_add
//                          with v the second moment BEFORE this step (so b = clip_add
//                          at step 1: v = 0); then
//                          m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2
//                          (1 - beta from the host, exact in float64 then rounded);
//                          theta -= lr_t (m / bias1) / (sqrt(v / bias2) + eps).

const OPTIM_WG: u32 = 64u;   // invocations per workgroup of optim_step

const OPTIM_SGD: u32 = 0u;
const OPTIM_ADAM: u32 = 1u;

struct OptimParams {
  count: u32,
  kind: u32,       // OPTIM_SGD or OPTIM_ADAM
  maximize: u32,   // 1: ascend the objective whose gradient optim_grad holds
  clip_rms: f32,   // Adam: clip each gradient to clip_rms RMS + clip_add (0: no clipping)
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  lr_final: f32,
  decay_steps: u32,  // 0: constant learning rate
  one_minus_beta1: f32,  // 1 - beta1 and 1 - beta2, from the host in float64
  one_minus_beta2: f32,  // (1 - f32(0.999) is off by 1.3e-5 relative)
  log_beta1: f32,        // ln beta1, ln beta2 from the host (0 where beta = 0)
  log_beta2: f32,
  warmup_steps: u32,     // 0: no warm-up
  clip_add: f32,
}

struct OptimCounter {
  step: u32,
  lr_t: f32,   // the learning rate of step `step`
  bias1: f32,
  bias2: f32,
}

@group(0) @binding(0) var<uniform> optim: OptimParams;
@group(0) @binding(1) var<storage, read_write> optim_theta: array<f32>;
@group(0) @binding(2) var<storage, read> optim_grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> optim_moments: array<f32>;
@group(0) @binding(4) var<storage, read_write> optim_counter: OptimCounter;

// 1 - beta^t = -expm1(t ln beta) for beta in [0, 1), without the
// cancellation of 1 - exp(x) for small |x| (Taylor to x^8 for |x| < 0.35,
// truncation < 1e-9 relative).
fn optim_bias(beta: f32, log_beta: f32, t: f32) -> f32 {
  if (beta <= 0.0) { return 1.0; }
  let x = max(t * log_beta, -87.0);
  if (x > -0.35) {
    var p = 1.0 / 40320.0;
    p = 1.0 / 5040.0 + x * p;
    p = 1.0 / 720.0 + x * p;
    p = 1.0 / 120.0 + x * p;
    p = 1.0 / 24.0 + x * p;
    p = 1.0 / 6.0 + x * p;
    p = 0.5 + x * p;
    p = 1.0 + x * p;
    return -x * p;
  }
  return 1.0 - exp(x);
}

@compute @workgroup_size(1)
fn optim_advance() {
  let t = optim_counter.step + 1u;
  optim_counter.step = t;
  optim_counter.bias1 = optim_bias(optim.beta1, optim.log_beta1, f32(t));
  optim_counter.bias2 = optim_bias(optim.beta2, optim.log_beta2, f32(t));
  var lr = optim.lr;
  if (t <= optim.warmup_steps) {
    lr = optim.lr * f32(t) / f32(optim.warmup_steps);
  } else if (optim.decay_steps > 0u) {
    let s = t - optim.warmup_steps;
    let frac = f32(min(s - 1u, optim.decay_steps)) / f32(optim.decay_steps);
    lr = optim.lr + (optim.lr_final - optim.lr) * frac;
  }
  optim_counter.lr_t = lr;
}

@compute @workgroup_size(OPTIM_WG)
fn optim_step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, OPTIM_WG);
  if (i >= optim.count) { return; }
  var g = select(optim_grad[i], -optim_grad[i], optim.maximize == 1u);
  if (optim.kind == OPTIM_SGD) {
    optim_theta[i] -= optim_counter.lr_t * g;
    return;
  }
  let v_prev = optim_moments[optim.count + i];
  if (optim.clip_rms > 0.0) {
    let bound = optim.clip_rms * sqrt(v_prev / optim_counter.bias2) + optim.clip_add;
    g = clamp(g, -bound, bound);
  }
  let m = optim.beta1 * optim_moments[i] + optim.one_minus_beta1 * g;
  let v = optim.beta2 * v_prev + optim.one_minus_beta2 * g * g;
  optim_moments[i] = m;
  optim_moments[optim.count + i] = v;
  let m_hat = m / optim_counter.bias1;
  let v_hat = v / optim_counter.bias2;
  optim_theta[i] -= optim_counter.lr_t * m_hat / (sqrt(v_hat) + optim.eps);
}

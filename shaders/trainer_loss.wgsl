// trainer_loss.wgsl: the trainer's glue around fdiv_loss.wgsl (src/trainer/trainer.ts):
// v = H(x) + E(x), the L2 output penalty and the warm-up added to the
// per-sample weights of both gradients, the contrastive-divergence weights,
// and the per-iteration statistics.
// requires: trainer_common.wgsl
// dispatch trn_combine: trn.batch + trn.chains invocations
// dispatch trn_penalty_h: trn.batch + trn.chains invocations
// dispatch trn_penalty_e: trn.batch + trn.chains invocations
// dispatch trn_note_h: 1 workgroup
// dispatch trn_stats_e: 1 workgroup
//
// Bindings (group 0):
//   0 uniform            trn: TrnParams              sizes, mode, l2, warm-up (trainer_common.wgsl)
//   1 storage read       trn_counters: array<u32>    trainer counters (TRN_ITER for the warm-up)
//   2 storage read       trn_hv: array<f32>          H(x), [batch + chains] (data, then samples)
//   3 storage read       trn_ev: array<f32>          E(x), [batch + chains]
//   4 storage read_write trn_v: array<f32>           v = H + E, [batch + chains] (fdiv_loss's loss_v)
//   5 storage read_write trn_w_h: array<f32>         weights of the H gradient (fdiv_loss's loss_w_h)
//   6 storage read_write trn_w_e: array<f32>         weights of the E gradient (fdiv_loss's loss_w_e)
//   7 storage read       trn_loss_metrics: array<f32>  fdiv_loss.wgsl's LossMetrics as f32 words
//                        (member indices in TrnParams, from reflection)
//   8 storage read_write trn_stats: array<f32>       statistics (TRN_S_* of trainer_common.wgsl)
//
// Entry points (n = batch + chains; n_part(i) = batch for data rows, chains for samples):
//   trn_combine:   n invocations: v = H + E.
//   trn_penalty_h: n invocations, after fdiv_loss: w_h = base - 2 l2 H / n_part,
//                  base = w_h (0 while iteration < warmup). H ascends
//                  L - l2 (mean H(x)^2 + mean H(x')^2).
//   trn_penalty_e: n invocations: w_e = base + 2 l2 E / n_part, base = w_e of
//                  fdiv_loss (f-EBM) or +1/batch on data, -1/chains on samples
//                  (contrastive divergence); 0 while iteration < warmup. E descends
//                  L + l2 (mean E(x)^2 + mean E(x')^2).
//   trn_note_h:    1 invocation, after the H step's loss: stats[TRN_S_OBJ_H] = L.
//   trn_stats_e:   1 workgroup of 64, after the E step's loss: mean E on data and
//                  samples; L, mean g, mean c of the E step (CD: both objectives
//                  = mean E(data) - mean E(samples)).
// All n-wide kernels use 64 invocations per workgroup, folded into 2-D past 65,535.

@group(0) @binding(0) var<uniform> trn: TrnParams;
@group(0) @binding(1) var<storage, read> trn_counters: array<u32>;
@group(0) @binding(2) var<storage, read> trn_hv: array<f32>;
@group(0) @binding(3) var<storage, read> trn_ev: array<f32>;
@group(0) @binding(4) var<storage, read_write> trn_v: array<f32>;
@group(0) @binding(5) var<storage, read_write> trn_w_h: array<f32>;
@group(0) @binding(6) var<storage, read_write> trn_w_e: array<f32>;
@group(0) @binding(7) var<storage, read> trn_loss_metrics: array<f32>;
@group(0) @binding(8) var<storage, read_write> trn_stats: array<f32>;

var<workgroup> trn_sum_data: array<f32, 64>;
var<workgroup> trn_sum_model: array<f32, 64>;

fn trn_part(i: u32) -> f32 {
  return f32(select(trn.chains, trn.batch, i < trn.batch));
}

fn trn_warming() -> bool {
  return trn_counters[TRN_ITER] < trn.warmup;
}

@compute @workgroup_size(TRN_WG)
fn trn_combine(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, TRN_WG);
  if (i >= trn.batch + trn.chains) { return; }
  trn_v[i] = trn_hv[i] + trn_ev[i];
}

@compute @workgroup_size(TRN_WG)
fn trn_penalty_h(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, TRN_WG);
  if (i >= trn.batch + trn.chains) { return; }
  let base = select(trn_w_h[i], 0.0, trn_warming());
  trn_w_h[i] = base - 2.0 * trn.l2 * trn_hv[i] / trn_part(i);
}

@compute @workgroup_size(TRN_WG)
fn trn_penalty_e(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, TRN_WG);
  if (i >= trn.batch + trn.chains) { return; }
  var base = trn_w_e[i];
  if (trn.mode == TRN_MODE_CD) {
    base = select(-1.0 / f32(trn.chains), 1.0 / f32(trn.batch), i < trn.batch);
  }
  if (trn_warming()) { base = 0.0; }
  trn_w_e[i] = base + 2.0 * trn.l2 * trn_ev[i] / trn_part(i);
}

@compute @workgroup_size(1)
fn trn_note_h() {
  trn_stats[TRN_S_OBJ_H] = trn_loss_metrics[trn.objective_index];
}

@compute @workgroup_size(TRN_WG)
fn trn_stats_e(@builtin(local_invocation_index) t: u32) {
  var sd = 0.0;
  var sm = 0.0;
  let inv_d = 1.0 / f32(trn.batch);
  let inv_m = 1.0 / f32(trn.chains);
  for (var i = t; i < trn.batch; i += 64u) { sd += trn_ev[i] * inv_d; }
  for (var j = t; j < trn.chains; j += 64u) { sm += trn_ev[trn.batch + j] * inv_m; }
  trn_sum_data[t] = sd;
  trn_sum_model[t] = sm;
  for (var s = 32u; s > 0u; s = s / 2u) {
    workgroupBarrier();
    if (t < s) {
      trn_sum_data[t] += trn_sum_data[t + s];
      trn_sum_model[t] += trn_sum_model[t + s];
    }
  }
  if (t == 0u) {
    let ed = trn_sum_data[0];
    let em = trn_sum_model[0];
    trn_stats[TRN_S_E_DATA] = ed;
    trn_stats[TRN_S_E_MODEL] = em;
    if (trn.mode == TRN_MODE_CD) {
      trn_stats[TRN_S_OBJ_H] = ed - em;
      trn_stats[TRN_S_OBJ_E] = ed - em;
      trn_stats[TRN_S_MEAN_G] = 0.0;
      trn_stats[TRN_S_MEAN_C] = 0.0;
    } else {
      trn_stats[TRN_S_OBJ_E] = trn_loss_metrics[trn.objective_index];
      trn_stats[TRN_S_MEAN_G] = trn_loss_metrics[trn.mean_g_index];
      trn_stats[TRN_S_MEAN_C] = trn_loss_metrics[trn.mean_c_index];
    }
  }
}

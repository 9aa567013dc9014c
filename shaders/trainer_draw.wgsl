// trainer_draw.wgsl: the trainer's sample handling around the Langevin
// sampler (src/trainer/trainer.ts): the data batch, restarts of the chains from the
// replay buffer or from fresh noise, and moving the sampled chains into the
// model half of x and into the replay buffer.
//
// Rows are whole: with trn.classes > 0 (a class-conditional model) the last
// `classes` of a row's dim values are its one-hot label, in the data set, x,
// the chains and the replay buffer alike, so copies carry the label with the
// row, and the sampler never moves those coordinates. Where a restarted
// chain's label comes from is trn.labels:
//   TRN_LABELS_BATCH  (the authors' code) chain j takes the label of data row
//                     j % batch of this iteration, whether it restarts from the
//                     replay buffer or fresh: the chains' labels follow the
//                     data's label distribution exactly;
//   TRN_LABELS_KEEP   a chain restarted from a replay row keeps that row's
//                     label (the one its x was sampled with); a fresh chain
//                     draws its label uniformly. The label mix of the replay
//                     buffer then drifts (resampling), held near uniform only
//                     by the fresh draws.
// requires: trainer_common.wgsl, philox.wgsl
// dispatch trn_data: trn.batch invocations
// dispatch trn_restart: trn.chains invocations
// dispatch trn_gather: trn.chains invocations
//
// Bindings (group 0):
//   0 uniform            trn: TrnParams            sizes, seed, replay settings (trainer_common.wgsl)
//   1 storage read       trn_dataset: array<f32>   the data set, [n_set][dim]
//   2 storage read_write trn_x: array<f32>         inputs of both networks, [batch + chains][dim]:
//                        the data batch in rows 0..batch-1, the samples in rows batch..
//   3 storage read_write trn_state: array<f32>     the sampler's chains, [chains][dim]
//                        (LangevinSampler.state)
//   4 storage read_write trn_replay: array<f32>    the replay buffer, [capacity][dim]
//   5 storage read       trn_counters: array<u32>  trainer counters (trainer_common.wgsl TRN_*)
//
// Entry points, in the order of one iteration (it = trn_counters[TRN_ITER]),
// all with 64 invocations per workgroup, folded into 2-D past 65,535 groups:
//   trn_data:    batch invocations: row i of x = dataset row
//                floor(bits * n_set / 2^32), bits = word 0 of Philox
//                (i, it, TRN_STREAM_DATA, 0) (uniform with replacement).
//   trn_restart: chains invocations: with (u, bits) of Philox (j, it,
//                TRN_STREAM_REPLAY, 0): if filled > 0 and u.x < reuse, chain j
//                restarts at replay row floor(bits.y * filled / 2^32); otherwise
//                at a fresh point, coordinate k = box_lo + (box_hi - box_lo) *
//                uniform k % 4 of Philox (j, it, TRN_STREAM_FRESH, k / 4) for
//                k < dim - classes. A conditional model's label, one-hot in
//                the last `classes` values: TRN_LABELS_BATCH: that of row
//                j % batch of x; TRN_LABELS_KEEP: the replay row's, or for a
//                fresh start y = floor(bits.z * classes / 2^32) (uniform).
//   trn_gather:  chains invocations (after the sampler): row batch + j of x =
//                chain j; replay row (pos + j) % capacity = chain j (capacity >= chains,
//                so no two chains write one row). trn_advance (trainer_check.wgsl)
//                then moves pos and filled on.

@group(0) @binding(0) var<uniform> trn: TrnParams;
@group(0) @binding(1) var<storage, read> trn_dataset: array<f32>;
@group(0) @binding(2) var<storage, read_write> trn_x: array<f32>;
@group(0) @binding(3) var<storage, read_write> trn_state: array<f32>;
@group(0) @binding(4) var<storage, read_write> trn_replay: array<f32>;
@group(0) @binding(5) var<storage, read> trn_counters: array<u32>;

fn trn_seed() -> vec2<u32> {
  return vec2<u32>(trn.seed_lo, trn.seed_hi);
}

@compute @workgroup_size(TRN_WG)
fn trn_data(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, TRN_WG);
  if (i >= trn.batch) { return; }
  let bits = rng_bits4(trn_seed(), i, trn_counters[TRN_ITER], TRN_STREAM_DATA);
  let row = philox_mulhilo(bits.x, trn.n_set).x;
  for (var k = 0u; k < trn.dim; k++) {
    trn_x[i * trn.dim + k] = trn_dataset[row * trn.dim + k];
  }
}

@compute @workgroup_size(TRN_WG)
fn trn_restart(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let j = fold_index(gid, groups, TRN_WG);
  if (j >= trn.chains) { return; }
  let it = trn_counters[TRN_ITER];
  let filled = trn_counters[TRN_FILLED];
  let bits = rng_bits4(trn_seed(), j, it, TRN_STREAM_REPLAY);
  let u = rng_u32_to_uniform(bits);
  let moved = trn.dim - trn.classes;
  if (filled > 0u && u.x < trn.reuse) {
    let row = philox_mulhilo(bits.y, filled).x;
    for (var k = 0u; k < trn.dim; k++) {
      trn_state[j * trn.dim + k] = trn_replay[row * trn.dim + k];
    }
  } else {
    let width = trn.box_hi - trn.box_lo;
    for (var b = 0u; b * 4u < moved; b++) {
      let f = rng_u32_to_uniform(philox4x32_10(vec4<u32>(j, it, TRN_STREAM_FRESH, b), trn_seed()));
      for (var c = 0u; c < 4u && b * 4u + c < moved; c++) {
        trn_state[j * trn.dim + b * 4u + c] = trn.box_lo + width * f[c];
      }
    }
    if (trn.classes > 0u && trn.labels == TRN_LABELS_KEEP) {
      let label = philox_mulhilo(bits.z, trn.classes).x;
      for (var l = 0u; l < trn.classes; l++) {
        trn_state[j * trn.dim + moved + l] = select(0.0, 1.0, l == label);
      }
    }
  }
  if (trn.classes > 0u && trn.labels == TRN_LABELS_BATCH) {
    // The chain takes the label of its data row, j % batch (trn_data ran before, in the same pass).
    let src = (j % trn.batch) * trn.dim + moved;
    for (var l = 0u; l < trn.classes; l++) {
      trn_state[j * trn.dim + moved + l] = trn_x[src + l];
    }
  }
}

@compute @workgroup_size(TRN_WG)
fn trn_gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let j = fold_index(gid, groups, TRN_WG);
  if (j >= trn.chains) { return; }
  let slot = (trn_counters[TRN_POS] + j) % trn.capacity;
  for (var k = 0u; k < trn.dim; k++) {
    let s = trn_state[j * trn.dim + k];
    trn_x[(trn.batch + j) * trn.dim + k] = s;
    trn_replay[slot * trn.dim + k] = s;
  }
}

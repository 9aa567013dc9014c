// trainer_check.wgsl: the trainer's NaN/inf watch and iteration counter
// (src/trainer/trainer.ts). Non-finite values are found by bit tests on values loaded
// from memory (WGSL may assume there are no NaNs: v != v is unreliable).
// requires: trainer_common.wgsl
// dispatch trn_check: (trn_q.count + TRN_CHECK_SPAN - 1) / TRN_CHECK_SPAN invocations
// dispatch trn_advance: 1 workgroup
//
// Bindings (group 0):
//   0 uniform            trn: TrnParams              chains, capacity (trainer_common.wgsl)
//   1 uniform            trn_q: TrnCheck             the checked quantity: its length and bit
//   2 storage read       trn_check_data: array<f32>  the checked quantity (parameters,
//                        gradients, samples, stats), [trn_q.count]
//   3 storage read_write trn_flags: array<atomic<u32>>  trainer counters (TRN_* of
//                        trainer_common.wgsl)
//
// Entry points, at the end of every iteration:
//   trn_check:   (count + TRN_CHECK_SPAN - 1) / TRN_CHECK_SPAN invocations, 64 per
//                workgroup, folded into 2-D past 65,535 groups; workgroup w
//                watches entries w*64*TRN_CHECK_SPAN .. +64*TRN_CHECK_SPAN-1,
//                its invocation l those l, l+64, l+128, ... of that range (so
//                neighbouring invocations read neighbouring entries). A
//                non-finite trn_check_data[i], i < trn_q.count, sets bit
//                trn_q.bit of counter TRN_BITS (atomicOr). Dispatched once per
//                quantity, each with its own bind group (own trn_q uniform).
//   trn_advance: 1 invocation: if TRN_BITS != 0 and no iteration was recorded,
//                TRN_BAD_ITER = iteration + 1 and TRN_BAD_BITS = the bits;
//                TRN_BITS = 0; replay: filled = min(filled + chains, capacity),
//                pos = (pos + chains) % capacity; iteration += 1.

struct TrnCheck {
  count: u32,
  bit: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> trn: TrnParams;
@group(0) @binding(1) var<uniform> trn_q: TrnCheck;
@group(0) @binding(2) var<storage, read> trn_check_data: array<f32>;
@group(0) @binding(3) var<storage, read_write> trn_flags: array<atomic<u32>>;

// Entries each trn_check invocation watches. Why more than one: the check
// runs over every parameter, gradient and moment each iteration (5.7 million
// entries for MLP [784, 512, 512, 1] energies with Adam), and with one entry
// per invocation it was a visible part of an image-sized iteration on
// SwiftShader, which pays per workgroup (commit 98caf88 has the figures); 16
// per invocation still leaves a GPU hundreds of thousands of invocations.
const TRN_CHECK_SPAN: u32 = 16u;

@compute @workgroup_size(TRN_WG)
fn trn_check(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, TRN_WG);
  let first = (i / TRN_WG) * (TRN_WG * TRN_CHECK_SPAN) + i % TRN_WG;
  var finite = true;
  for (var t = 0u; t < TRN_CHECK_SPAN; t++) {
    let j = first + t * TRN_WG;
    if (j < trn_q.count) { finite = finite & finite_f32(trn_check_data[j]); }
  }
  if (!finite) {
    atomicOr(&trn_flags[TRN_BITS], trn_q.bit);
  }
}

@compute @workgroup_size(1)
fn trn_advance() {
  let it = atomicLoad(&trn_flags[TRN_ITER]);
  let bits = atomicLoad(&trn_flags[TRN_BITS]);
  if (bits != 0u && atomicLoad(&trn_flags[TRN_BAD_ITER]) == 0u) {
    atomicStore(&trn_flags[TRN_BAD_ITER], it + 1u);
    atomicStore(&trn_flags[TRN_BAD_BITS], bits);
  }
  atomicStore(&trn_flags[TRN_BITS], 0u);
  let filled = atomicLoad(&trn_flags[TRN_FILLED]);
  atomicStore(&trn_flags[TRN_FILLED], min(filled + trn.chains, trn.capacity));
  let pos = atomicLoad(&trn_flags[TRN_POS]);
  atomicStore(&trn_flags[TRN_POS], (pos + trn.chains) % trn.capacity);
  atomicStore(&trn_flags[TRN_ITER], it + 1u);
}

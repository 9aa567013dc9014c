// trainer_common.wgsl: the uniform and counter layout shared by the trainer's
// kernels (trainer_draw.wgsl, trainer_loss.wgsl, trainer_check.wgsl); host
// side src/trainer/resources.ts, which writes TrnParams by reflected member
// names, and src/trainer/layout.ts, which reads the constants below by name.
//
// requires: common.wgsl
//
// Library file: no entry point, no bindings. The trainer's kernels that spread
// over samples run TRN_WG invocations per workgroup, invocation i =
// fold_index(gid, groups, TRN_WG) (common.wgsl).
//
// Counters (u32 words of the trainer's counter buffer, advanced by the GPU
// only, in trn_advance; the host rewrites them only between submits):
//   TRN_ITER        the iteration: Philox step of its data batch and restarts,
//                   compared with `warmup`
//   TRN_FILLED      rows of the replay buffer holding samples
//   TRN_POS         next replay row to write (ring buffer)
//   TRN_BITS        non-finite quantities found in the current iteration
//                   (TRN_Q_* bits, atomicOr by trn_check)
//   TRN_BAD_ITER    1 + the first iteration with a non-finite quantity (0: none)
//   TRN_BAD_BITS    the TRN_Q_* bits of that iteration

const TRN_WG: u32 = 64u;

const TRN_ITER: u32 = 0u;
const TRN_FILLED: u32 = 1u;
const TRN_POS: u32 = 2u;
const TRN_BITS: u32 = 3u;
const TRN_BAD_ITER: u32 = 4u;
const TRN_BAD_BITS: u32 = 5u;
const TRN_COUNTER_WORDS: u32 = 8u;   // words of the counter buffer (the last two unused)

// Label sources of restarted chains (trainer_draw.wgsl trn_restart).
const TRN_LABELS_BATCH: u32 = 0u;
const TRN_LABELS_KEEP: u32 = 1u;

// Training modes.
const TRN_MODE_FDIV: u32 = 0u;
const TRN_MODE_CD: u32 = 1u;

// Philox streams (counter (index, iteration, stream, block)); 0 and 1 are the
// Langevin sampler's (keyed by its own step counter), 2 is the data batch.
const TRN_STREAM_DATA: u32 = 2u;
const TRN_STREAM_REPLAY: u32 = 3u;
const TRN_STREAM_FRESH: u32 = 4u;

// Words of the stats buffer (f32), rewritten every iteration.
const TRN_S_OBJ_H: u32 = 0u;     // L before the H step (CD: mean E(data) - mean E(samples))
const TRN_S_OBJ_E: u32 = 1u;     // L of the E step, with the updated H (CD: as TRN_S_OBJ_H)
const TRN_S_E_DATA: u32 = 2u;    // mean E on the data batch
const TRN_S_E_MODEL: u32 = 3u;   // mean E on the samples
const TRN_S_MEAN_G: u32 = 4u;    // mean g(v) on data, E step (CD: 0)
const TRN_S_MEAN_C: u32 = 5u;    // mean c(v) on samples, E step (CD: 0)
const TRN_STATS_WORDS: u32 = 8u; // words of the stats buffer (the last two unused)

struct TrnParams {
  dim: u32,            // values per row of x, the data set and the replay buffer (the networks' input)
  n_set: u32,          // rows of the dataset
  batch: u32,          // data samples per iteration: rows 0..batch-1 of x
  chains: u32,         // model samples per iteration: rows batch..batch+chains-1 of x
  capacity: u32,       // rows of the replay buffer (>= chains)
  seed_lo: u32,
  seed_hi: u32,
  mode: u32,           // TRN_MODE_*
  reuse: f32,          // probability that a chain restarts from the replay buffer
  box_lo: f32,         // fresh starts: uniform in [box_lo, box_hi]^dim
  box_hi: f32,
  l2: f32,             // output penalty l2 * (mean f(x)^2 + mean f(x')^2)
  warmup: u32,         // iterations < warmup take only the L2 steps
  objective_index: u32,  // f32 words of fdiv_loss.wgsl's LossMetrics members
  mean_g_index: u32,
  mean_c_index: u32,
  classes: u32,        // the last `classes` of a row's dim values are its one-hot label (0: unconditional)
  labels: u32,         // where a restarted chain's label comes from: TRN_LABELS_* (trainer_draw.wgsl)
}

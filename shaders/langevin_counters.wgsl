// langevin_counters.wgsl: the layout of the Langevin sampler's counter buffer
// (lgv_counters of langevin.wgsl), shared by the sampler and the kernels that
// read its counters (trainer_metrics.wgsl); the host reads the same constants
// (src/sampler/sampler.ts SAMPLER_COUNTER).
//
// Library file: no entry point, no bindings.
//
// u32 words of the counter buffer, [LGV_COUNT_ACCEPTED + chains]:
//   LGV_COUNT_STEPS      steps taken: the Philox step of the next step
//   LGV_COUNT_PROPOSED   MALA proposals per chain since the last reset
//   (the words between are unused)
//   LGV_COUNT_ACCEPTED   word LGV_COUNT_ACCEPTED + i: MALA proposals accepted
//                        by chain i since the last reset

const LGV_COUNT_STEPS: u32 = 0u;
const LGV_COUNT_PROPOSED: u32 = 1u;
const LGV_COUNT_ACCEPTED: u32 = 4u;

// Page side of test/trainer/kernels.gpu.test.ts: the trainer's own kernels
// (trainer_draw.wgsl, trainer_check.wgsl; both compose trainer_common.wgsl)
// run alone on set inputs, for comparison with their references in Node.
import type { JobContext } from '../../harness/job';
import { generateToy } from '../../src/data/toy';
import { dispatchSize } from '../../src/device/device';
import { packStruct } from '../../src/device/shader';
import { Trainer, trainerRows, type TrainerConfig } from '../../src/trainer/trainer';
import { checkInvocations, TRAINER_COUNTER_WORDS } from '../../src/trainer/layout';

export interface DrawResult {
  dataset: number[];
  replayBefore: number[];
  box: [number, number];
  /** After the draw stage (trn_data, trn_restart). */
  x: number[];
  state: number[];
  /** After the sample stage (Langevin steps, then trn_gather). */
  sampled: number[];
  xAfter: number[];
  replayAfter: number[];
}

/**
 * A trainer whose counters say iteration `iteration`, `filled` replay rows
 * and ring position `pos`, with replay row r holding (r + 0.25, -r - 0.5, ...)
 * (a conditional model's: label r % classes, one-hot, in its last values):
 * runs the draw stage, reads x and the chains, then the sample stage, and
 * reads x, the chains and the replay buffer. A conditional model's data row i
 * has label (7 i + 3) % classes; `dataset` is the rows as the GPU holds them.
 */
export async function draw(
  ctx: JobContext,
  c: { config: TrainerConfig; rows: number; iteration: number; filled: number; pos: number },
): Promise<DrawResult> {
  const gpu = await ctx.gpu();
  const x = generateToy('8gaussians', c.rows, 5);
  const classes = c.config.classes ?? 0;
  const input = classes > 0 ? { data: x, labels: Array.from({ length: c.rows }, (_, i) => (7 * i + 3) % classes) } : x;
  const trainer = await Trainer.create(gpu, c.config, input);
  try {
    const v = trainer.config;
    const data = trainerRows(input, v).rows;
    const dim = v.energy.inputDim;
    const capacity = v.replay.capacity;
    const replay = new Float32Array(capacity * dim).map((_, i) => {
      const r = Math.floor(i / dim);
      const k = i % dim;
      if (k >= dim - classes) return k - (dim - classes) === r % classes ? 1 : 0;
      return (k === 0 ? 1 : -1) * (r + 0.25 + 0.25 * k);
    });
    gpu.write(trainer.b.replay, replay);
    const counters = new Uint32Array(TRAINER_COUNTER_WORDS);
    counters.set([c.iteration, c.filled, c.pos]);
    gpu.write(trainer.b.counters, counters);
    const stages = trainer.stagePasses();
    const run = (stage: (pass: GPUComputePassEncoder) => void) => {
      const encoder = gpu.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      stage(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
    };
    const rowsX = (v.batch + v.chains) * dim;
    run(stages.draw);
    const x = Array.from(await gpu.readF32(trainer.b.x, v.batch * dim));
    const state = Array.from(await trainer.sampler.readSamples());
    run(stages.sample);
    return {
      dataset: Array.from(data), replayBefore: Array.from(replay), box: v.replay.initBox as [number, number], x, state,
      sampled: Array.from(await trainer.sampler.readSamples()),
      xAfter: Array.from(await gpu.readF32(trainer.b.x, rowsX)),
      replayAfter: Array.from(await gpu.readF32(trainer.b.replay, capacity * dim)),
    };
  } finally {
    trainer.destroy();
  }
}

/**
 * trn_check on `values` (as f32 bit patterns) with bit `bit`, then
 * trn_advance: returns the counters after each.
 */
export async function check(
  ctx: JobContext,
  c: { bits: number[]; bit: number; counters: number[]; chains: number; capacity: number; count?: number },
): Promise<{ afterCheck: number[]; afterAdvance: number[] }> {
  // The quantity's length; entries of the buffer past it are not watched.
  const count = c.count ?? c.bits.length;
  const gpu = await ctx.gpu();
  const kCheck = await gpu.kernel('trainer_check.wgsl', 'trn_check');
  const kAdvance = await gpu.kernel('trainer_check.wgsl', 'trn_advance');
  const trnLayout = kCheck.iface.bindings.find((b) => b.name === 'trn')!.struct!;
  const qLayout = kCheck.iface.bindings.find((b) => b.name === 'trn_q')!.struct!;
  const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  const trn = gpu.bufferFrom('trn', packStruct(trnLayout, { chains: c.chains, capacity: c.capacity }), uniform);
  const q = gpu.bufferFrom('trn_q', packStruct(qLayout, { count, bit: c.bit }), uniform);
  const values = gpu.bufferFrom('values', new Uint32Array(c.bits));
  const counters = gpu.bufferFrom('counters', new Uint32Array(c.counters));
  try {
    const group = kCheck.bind({ trn, trn_q: q, trn_check_data: values, trn_flags: counters });
    const advance = kAdvance.bind({ trn, trn_q: q, trn_check_data: values, trn_flags: counters });
    const submit = (k: typeof kCheck, g: GPUBindGroup, n: number) => {
      const encoder = gpu.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(k.pipeline);
      pass.setBindGroup(0, g);
      pass.dispatchWorkgroups(...dispatchSize(n, 64));
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
    };
    submit(kCheck, group, checkInvocations(count));
    const afterCheck = Array.from(new Uint32Array(await gpu.read(counters)));
    submit(kAdvance, advance, 1);
    const afterAdvance = Array.from(new Uint32Array(await gpu.read(counters)));
    return { afterCheck, afterAdvance };
  } finally {
    for (const b of [trn, q, values, counters]) b.destroy();
  }
}

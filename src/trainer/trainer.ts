// The f-EBM trainer (Algorithm 1 of docs/method.md) for MLP energies on the
// GPU, and its contrastive-divergence variant: the training loop. Its pieces:
//
//   config.ts     the one configuration object, validated up front
//   memory.ts     every buffer of the run with its size, planned and checked
//                 against the device before anything exists
//   resources.ts  the trainer's own buffers (allocated from the plan) and its
//                 GPU parts (MLP programs, loss, optimisers, sampler), each a
//                 GpuPart: trainer.bytes is their sum
//   graph.ts      the passes of one iteration and of a metrics point, built once
//   metrics.ts    the metrics point's readback, decoded
//   resume.ts     the state to and from a checkpoint (checkpoint.ts: the file)
//
// run() records several iterations per command encoder and reads nothing
// back except, every `metricsEvery` iterations, one buffer with the
// statistics, the NaN/inf flags and both networks' parameters. Those
// parameters become trainer.lastGoodParams (host memory) when the flags are
// clear: 4 * (E's + H's packed parameter count) bytes more per metrics point,
// in the same round trip.
//
// NaN/inf: the GPU records the first iteration with a non-finite quantity. The
// host sees it at the next metrics point, writes back lastGoodParams (the
// previous metrics point's), resets the optimisers' moments, the replay buffer
// and the flags, and throws TrainingDivergedError naming the iteration and the
// quantities. A lost device ends run() with a DeviceLostError; lastGoodParams
// stays readable on the host.

import type { Gpu } from '../device/device';
import type { DivergenceSpec } from '../divergence/divergence';
import { ConfigError, DeviceLostError, FebmError } from '../errors';
import { integer } from '../validate';
import type { FdivLoss } from '../divergence/loss';
import { MlpProgram, type Pass } from '../mlp/program';
import type { Optimizer } from '../optim/optim';
import type { LangevinSampler } from '../sampler/sampler';
import { initParams, paramLayout, validateMlpSpec } from '../mlp/params';
import { resolveDataRange, validateTrainerConfig, type TrainerConfig, type ValidTrainerConfig } from './config';
import { splitOneHotRows, trainerRows, type TrainerData } from './data';
import { dataFingerprint, decodeTrainerCheckpoint, encodeTrainerCheckpoint, type DataFingerprint } from './checkpoint';
import { checkedQuantities, compileTrainerKernels, sequence, TrainerGraph, trainerUniformLayouts, TRAINER_STAGES, type TrainerStage } from './graph';
import { readbackLayout, TRAINER_COUNTER, TRAINER_COUNTER_WORDS } from './layout';
import { checkTrainerMemory, planTrainerMemory, type TrainerMemoryPlan } from './memory';
import { decodeMetricsPoint, TrainingDivergedError, type LastGoodParams, type TrainerMetrics } from './metrics';
import { checkResumeData, readSnapshot, restoreSnapshot } from './resume';
import { allocateInScope, checkPlannedParts, TrainerParts, TrainerResources, writeInitialContents, type TrainerBuffers } from './resources';

export * from './config';
export { oneHotRows, splitOneHotRows, trainerRows, type TrainerData, type TrainerRows } from './data';
export { CHECKED_QUANTITIES, TRAINER_STAGES, type TrainerStage } from './graph';
export { TrainingDivergedError, type LastGoodParams, type TrainerMetrics } from './metrics';
export type { TrainerBuffers } from './resources';

export interface TrainerInit {
  /** Packed parameters of E and H (src/mlp/params.ts); default initParams(layout, initSeed) (H with initSeed + 1). */
  paramsE?: Float32Array;
  paramsH?: Float32Array;
  /**
   * Refuse the run up front when its GPU memory (planTrainerMemory) is above
   * this many bytes. WebGPU reports no device memory size, so there is no
   * default; each buffer is always checked against the device's buffer limits.
   */
  memoryLimit?: number;
}

export interface TrainerResumeOptions {
  /** Required when the checkpoint's divergence is custom: the same spec with its functions. */
  divergence?: DivergenceSpec;
  /** Resume on data other than the checkpoint's (rows or values differ); default false: a ConfigError. */
  allowOtherData?: boolean;
  /** Override the checkpoint's metricsEvery / iterationsPerSubmit (neither changes the results). */
  metricsEvery?: number;
  iterationsPerSubmit?: number;
  memoryLimit?: number;
}

/** Given parameters must be packed Float32Arrays of the layout's size. */
function checkParams(field: string, p: Float32Array | undefined, size: number): void {
  if (p === undefined) return;
  if (!(p instanceof Float32Array) || p.length !== size) throw new ConfigError(field, `must be a Float32Array of ${size} packed values`);
}

/** An f-EBM (or CD) training run on the GPU: buffers, kernels and passes, built once. */
export class Trainer {
  /** Metrics records taken so far. */
  readonly history: TrainerMetrics[] = [];
  /**
   * The parameters at the last metrics point whose flags were clear (at
   * creation: the initial ones), on the host: they survive a lost device.
   */
  lastGoodParams: LastGoodParams;
  /** The trainer's own buffers (parameters, data set, x, replay buffer, counters, ...). */
  readonly b: TrainerBuffers;
  private done = 0;
  private running = false;
  private readonly sizes: { sizeE: number; sizeH: number };

  private constructor(
    readonly gpu: Gpu,
    /** The validated configuration, replay.initBox resolved (the data's range when not given). */
    readonly config: ValidTrainerConfig,
    readonly dataRows: number,
    private readonly resources: TrainerResources,
    private readonly parts: TrainerParts,
    private readonly graph: TrainerGraph,
    /** Every buffer of the run with its size, as planned before anything was allocated. */
    readonly memory: TrainerMemoryPlan,
    readonly data: DataFingerprint,
    initial: LastGoodParams,
  ) {
    this.b = resources.b;
    this.lastGoodParams = initial;
    this.sizes = { sizeE: paramLayout(config.energy).size, sizeH: config.variational ? paramLayout(config.variational).size : 0 };
  }

  /**
   * Validates, plans, compiles and allocates a run. `data`: rows of x
   * (Float32Array, [rows][energy.inputDim]), or for a class-conditional model
   * (config.classes > 0) { data: rows of x ([rows][energy.inputDim - classes]),
   * labels: one per row in [0, classes - 1] } (src/trainer/data.ts).
   */
  static async create(gpu: Gpu, config: TrainerConfig | ValidTrainerConfig, input: TrainerData, init: TrainerInit = {}): Promise<Trainer> {
    const c = validateTrainerConfig(config);
    const { rows: data, count: rows, range } = trainerRows(input, c);
    resolveDataRange(c, range);
    const layoutE = paramLayout(c.energy);
    const layoutH = c.variational ? paramLayout(c.variational) : null;
    checkParams('paramsE', init.paramsE, layoutE.size);
    if (layoutH) checkParams('paramsH', init.paramsH, layoutH.size);
    // Everything the run will hold, checked against the device before anything is compiled or allocated.
    const plan = planTrainerMemory(c, rows, gpu.mlpVariant);
    checkTrainerMemory(plan, c, gpu.limits, init.memoryLimit, gpu.mlpVariant);
    const paramsE = init.paramsE ? init.paramsE.slice() : initParams(layoutE, c.initSeed);
    const paramsH = layoutH ? (init.paramsH ? init.paramsH.slice() : initParams(layoutH, c.initSeed + 1)) : null;
    const fingerprint = dataFingerprint(data, c.energy.inputDim);

    return allocateInScope(gpu, plan.total, async (made) => {
      const resources = TrainerResources.allocate(gpu, plan);
      made.push(resources);
      const [parts, kernels] = await Promise.all([
        TrainerParts.create(gpu, c, resources.b.thetaE).then((p) => (made.push(p), p)),
        compileTrainerKernels(gpu),
      ]);
      checkPlannedParts(plan, { trainer: resources, ...parts.named() });
      const checked = checkedQuantities(c, resources.b, parts);
      writeInitialContents(gpu, c, resources.b, trainerUniformLayouts(kernels), {
        paramsE, paramsH, data, rows, loss: parts.loss, checked: checked.map((q) => q.count),
      });
      const graph = new TrainerGraph(gpu, c, resources.b, parts, kernels, checked);
      return new Trainer(gpu, c, rows, resources, parts, graph, plan, fingerprint, { iteration: 0, paramsE, paramsH });
    });
  }

  /**
   * A trainer that goes on exactly where the one that wrote `bytes`
   * (saveCheckpoint) stopped: same configuration, parameters, optimiser
   * moments and steps, chains, replay buffer and counters, so that running
   * it M more iterations gives the same numbers as the uninterrupted run.
   * `data` must be the same data (checked by rows and CRC-32 unless
   * options.allowOtherData). Errors: CheckpointError (damaged file, another
   * version, not a trainer checkpoint), ConfigError (data that does not fit
   * the checkpoint's configuration, a custom divergence not supplied).
   */
  static async resume(gpu: Gpu, bytes: Uint8Array, data: TrainerData, options: TrainerResumeOptions = {}): Promise<Trainer> {
    const s = decodeTrainerCheckpoint(bytes, { divergence: options.divergence });
    checkResumeData(s, data, options.allowOtherData ?? false);
    const config: ValidTrainerConfig = {
      ...s.config,
      metricsEvery: options.metricsEvery ?? s.config.metricsEvery,
      iterationsPerSubmit: options.iterationsPerSubmit ?? s.config.iterationsPerSubmit,
    };
    const trainer = await Trainer.create(gpu, config, data, { paramsE: s.paramsE, paramsH: s.paramsH ?? undefined, memoryLimit: options.memoryLimit });
    try {
      restoreSnapshot(gpu, s, trainer.b, trainer.parts);
      trainer.done = s.iteration;
      trainer.lastGoodParams = { iteration: s.iteration, paramsE: s.paramsE, paramsH: s.paramsH };
      await gpu.sync();
      return trainer;
    } catch (e) {
      trainer.destroy();
      throw e;
    }
  }

  /**
   * The full state as a checkpoint file (src/checkpoint/format.ts; the trainer's
   * arrays are listed there): resume it with Trainer.resume. `extra` is the
   * caller's own JSON, stored with it (meta.trainer.extra). Not while run()
   * is going; a few round trips.
   */
  async saveCheckpoint(extra?: Record<string, unknown>): Promise<Uint8Array> {
    this.idle('saveCheckpoint');
    return encodeTrainerCheckpoint(await readSnapshot(this.gpu, this.config, this.b, this.parts, this.data, extra));
  }

  private idle(what: string): void {
    if (this.running) throw new FebmError(`${what}: the trainer is running (wait for run() to return)`);
  }

  get mlpE(): MlpProgram {
    return this.parts.mlpE;
  }

  get mlpH(): MlpProgram | null {
    return this.parts.mlpH;
  }

  get loss(): FdivLoss | null {
    return this.parts.loss;
  }

  get optE(): Optimizer {
    return this.parts.optE;
  }

  get optH(): Optimizer | null {
    return this.parts.optH;
  }

  /** The Langevin sampler; its state buffer holds the chains. */
  get sampler(): LangevinSampler {
    return this.parts.sampler;
  }

  /** Bytes of GPU memory the trainer holds: its own buffers plus its parts'. */
  get bytes(): number {
    return this.resources.bytes + this.parts.bytes;
  }

  /** Iterations done. */
  get iteration(): number {
    return this.done;
  }

  /**
   * Each stage of an iteration as one pass (for profiling: recording a stage
   * alone repeats that part of the work on the current state). The stages,
   * in iteration order, are TRAINER_STAGES.
   */
  stagePasses(): Record<TrainerStage, Pass> {
    const stages = this.graph.stages();
    return Object.fromEntries(TRAINER_STAGES.map((s) => [s, sequence(stages[s])])) as Record<TrainerStage, Pass>;
  }

  private submit(count: number, one: Pass): void {
    this.gpu.check();
    const encoder = this.gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < count; i++) one(pass);
    pass.end();
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  /**
   * One round trip: flags, statistics, gradient norms, acceptance and the
   * parameters. Throws TrainingDivergedError after writing back the last good
   * parameters, or records the metrics and keeps the parameters as the last
   * good ones.
   */
  private async metricsPoint(since: { done: number; time: number }): Promise<TrainerMetrics> {
    const encoder = this.gpu.device.createCommandEncoder();
    this.graph.metricsPoint()(encoder);
    this.gpu.device.queue.submit([encoder.finish()]);
    const bytes = await this.gpu.mapRead(this.b.readback, readbackLayout(this.sizes.sizeE, this.sizes.sizeH).size);
    const r = decodeMetricsPoint(this.config, this.sizes, bytes, since, performance.now());
    if (!r.ok) {
      await this.recover(r.counted);
      throw new TrainingDivergedError(r.iteration, r.quantities, this.lastGoodParams.iteration);
    }
    this.lastGoodParams = r.params;
    // The acceptance of the next metrics point counts from here.
    if (this.config.sampler.kind === 'mala') this.sampler.resetAcceptance();
    return r.metrics;
  }

  /**
   * After a non-finite value: the last good parameters back, fresh optimiser
   * moments, an empty replay buffer (all chains start fresh) and clear flags;
   * the iteration count stays `counted`.
   */
  private async recover(counted: number): Promise<void> {
    const good = this.lastGoodParams;
    this.gpu.write(this.b.thetaE, good.paramsE);
    if (good.paramsH) this.gpu.write(this.b.thetaH, good.paramsH);
    this.optE.reset();
    this.optH?.reset();
    if (this.config.sampler.kind === 'mala') this.sampler.resetAcceptance();
    // Every counter but the iteration to zero.
    const counters = new Uint32Array(TRAINER_COUNTER_WORDS);
    counters[TRAINER_COUNTER.iter] = counted;
    this.gpu.write(this.b.counters, counters);
    this.done = counted;
    await this.gpu.sync();
  }

  /**
   * Runs `iterations` iterations (several per submit, one encoder each); reads
   * metrics every metricsEvery iterations and at the end. Returns the metrics
   * records taken in this call. Throws TrainingDivergedError on a non-finite
   * value, and DeviceLostError when the device is lost (lastGoodParams keeps
   * the parameters of the last metrics point). `metricsAtEnd: false` skips the
   * read at the end unless it is a metrics point: for callers that run a few
   * iterations at a time (a page's animation frames) and must not wait for
   * the GPU after each call (a record's itPerSecond then counts from the start
   * of the call that reached the metrics point).
   */
  async run(iterations: number, options: { onMetrics?: (m: TrainerMetrics) => void; metricsAtEnd?: boolean } = {}): Promise<TrainerMetrics[]> {
    integer('iterations', iterations, 0, 2 ** 31, { hiText: '2^31' });
    this.idle('run');
    this.running = true;
    try {
      const one = this.graph.iteration();
      const M = this.config.metricsEvery;
      const out: TrainerMetrics[] = [];
      let since = { done: this.done, time: performance.now() };
      let left = iterations;
      while (left > 0) {
        const toMetric = M - (this.done % M);
        const count = Math.min(this.config.iterationsPerSubmit, toMetric, left);
        this.submit(count, one);
        this.done += count;
        left -= count;
        if (this.done % M === 0 || (left === 0 && (options.metricsAtEnd ?? true))) {
          const m = await this.metricsPoint(since);
          since = { done: this.done, time: performance.now() };
          out.push(m);
          this.history.push(m);
          options.onMetrics?.(m);
        }
      }
      return out;
    } catch (e) {
      throw this.explainLoss(e);
    } finally {
      this.running = false;
    }
  }

  /** A DeviceLostError that says where training stopped and where the last good parameters are. */
  private explainLoss(e: unknown): unknown {
    if (!(e instanceof DeviceLostError) || e.lastGoodIteration !== null) return e;
    const good = this.lastGoodParams.iteration;
    return new DeviceLostError(
      e.reason,
      `${e.detail ? `${e.detail.replace(/\.$/, '')}; ` : ''}training stopped with ${this.done} iterations submitted; ` +
        `the parameters of iteration ${good} (the last good metrics point) are in trainer.lastGoodParams`,
      good,
    );
  }

  /** Records one H step and one E step on x as it stands (no data draw, no sampling), then checks. */
  async updateOnce(): Promise<TrainerMetrics> {
    this.idle('updateOnce');
    const since = { done: this.done, time: performance.now() };
    this.submit(1, this.graph.update());
    this.done += 1;
    return this.metricsPoint(since);
  }

  /** Writes x directly: data rows, then sample rows ([batch][dim] and [chains][dim], dim = energy.inputDim: a conditional model's rows end in their one-hot label). */
  setBatch(data: ArrayLike<number>, samples: ArrayLike<number>): void {
    const dim = this.config.energy.inputDim;
    if (data.length !== this.config.batch * dim) throw new ConfigError('data', `must hold batch * dim = ${this.config.batch * dim} values, got ${data.length}`);
    if (samples.length !== this.config.chains * dim) throw new ConfigError('samples', `must hold chains * dim = ${this.config.chains * dim} values, got ${samples.length}`);
    const x = new Float32Array((this.config.batch + this.config.chains) * dim);
    x.set(Float32Array.from(data), 0);
    x.set(Float32Array.from(samples), data.length);
    this.gpu.write(this.b.x, x);
  }

  async readParams(): Promise<{ paramsE: Float32Array; paramsH: Float32Array | null }> {
    const paramsE = await this.gpu.readF32(this.b.thetaE, this.sizes.sizeE);
    const paramsH = this.config.variational ? await this.gpu.readF32(this.b.thetaH, this.sizes.sizeH) : null;
    return { paramsE, paramsH };
  }

  async readGradients(): Promise<{ gradE: Float32Array; gradH: Float32Array | null }> {
    const gradE = await this.gpu.readF32(this.b.gradE, this.sizes.sizeE);
    const gradH = this.config.variational ? await this.gpu.readF32(this.b.gradH, this.sizes.sizeH) : null;
    return { gradE, gradH };
  }

  /** The current chains of the sampler, [chains][dim]. */
  readSamples(): Promise<Float32Array> {
    return this.sampler.readSamples();
  }

  /** E at the given points, [n][dim] (allocates a temporary program: not for the training loop). */
  async evaluateE(points: Float32Array): Promise<Float32Array> {
    const dim = this.config.energy.inputDim;
    const count = points.length / dim;
    const program = await MlpProgram.create(this.gpu, this.config.energy, count);
    const x = this.gpu.bufferFrom('E points', points);
    const out = this.gpu.buffer('E values', count * 4);
    try {
      program.run(program.forward({ theta: this.b.thetaE, x, out }));
      return await this.gpu.readF32(out, count);
    } finally {
      for (const buf of [x, out]) buf.destroy();
      program.destroy();
    }
  }

  destroy(): void {
    this.parts.destroy();
    this.resources.destroy();
  }
}

export interface SingleUpdateInput {
  paramsE: Float32Array;
  /** Required in f-EBM mode. */
  paramsH?: Float32Array;
  /** The data batch, [batch][dim] (dim = energy.inputDim: for a conditional model, rows [x, onehot(y)], see oneHotRows). */
  data: ArrayLike<number>;
  /** The negative samples, [chains][dim], rows as data's. */
  samples: ArrayLike<number>;
}

export interface SingleUpdateResult {
  /** L before the H step (CD: mean E(data) - mean E(samples)). */
  hObjective: number;
  /** L of the E step, with the updated H. */
  eObjective: number;
  meanEData: number;
  meanESamples: number;
  /** Gradient of the H objective (L minus the L2 penalty) in omega, packed (null in CD). */
  gradH: Float32Array | null;
  /** Gradient of the E objective (L plus the L2 penalty) in theta, packed. */
  gradE: Float32Array;
  paramsE: Float32Array;
  paramsH: Float32Array | null;
}

/**
 * Exactly one H step and one E step (fresh optimisers: their step 1) from the
 * given parameters, data batch and negative samples; no sampling. The batch
 * size and chain count are those of data and samples (config.batch and
 * config.chains are replaced by them); iteration 0, so warm-up applies when
 * config.warmup > 0.
 */
export async function singleUpdate(gpu: Gpu, config: TrainerConfig, input: SingleUpdateInput): Promise<SingleUpdateResult> {
  const dim = config.energy?.inputDim;
  if (!Number.isInteger(dim) || dim < 1) validateMlpSpec(config.energy, 'energy');
  const batch = input.data.length / dim;
  const chains = input.samples.length / dim;
  if (!Number.isInteger(batch) || batch < 1) throw new ConfigError('data', `must hold a positive multiple of dim = ${dim} values, got ${input.data.length}`);
  if (!Number.isInteger(chains) || chains < 1) throw new ConfigError('samples', `must hold a positive multiple of dim = ${dim} values, got ${input.samples.length}`);
  const c: TrainerConfig = { ...config, batch, chains, replay: { ...config.replay, capacity: Math.max(chains, config.replay?.capacity ?? chains) } };
  if ((config.mode ?? 'fdiv') === 'fdiv' && !input.paramsH) throw new ConfigError('paramsH', "is required in mode 'fdiv'");
  // The data set only has to be valid (updateOnce draws nothing): the batch's rows, split back into x and labels when conditional.
  const k = config.classes ?? 0;
  let dataset: TrainerData = Float32Array.from(input.data);
  if (k > 0) {
    const split = splitOneHotRows(input.data, dim, k);
    dataset = { data: split.x, labels: split.labels };
  }
  const trainer = await Trainer.create(gpu, c, dataset, { paramsE: input.paramsE, paramsH: input.paramsH });
  try {
    trainer.setBatch(input.data, input.samples);
    const m = await trainer.updateOnce();
    const { gradE, gradH } = await trainer.readGradients();
    const { paramsE, paramsH } = await trainer.readParams();
    return { hObjective: m.hObjective, eObjective: m.eObjective, meanEData: m.meanEData, meanESamples: m.meanESamples, gradE, gradH, paramsE, paramsH };
  } finally {
    trainer.destroy();
  }
}

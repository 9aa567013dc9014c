// The f-EBM trainer (Algorithm 1 of docs/method.md) for MLP energies on the
// GPU, and its contrastive-divergence variant. Everything is allocated once in
// Trainer.create; run() records every iteration into one command encoder
// (several iterations per submit) and reads nothing back except, every
// `metricsEvery` iterations, the statistics and the NaN/inf flags.
//
// One iteration (all in one compute pass):
//   data batch (trainer_draw.wgsl trn_data, Philox keyed by the GPU's iteration
//   counter) -> chain restarts from the replay buffer or fresh noise
//   (trn_restart) -> K Langevin steps with E (LangevinSampler.pass) -> samples
//   into x and the replay buffer (trn_gather) -> H(x), E(x), v = H + E
//   (trn_combine) -> loss and weights (FdivLoss) -> L2 penalty / warm-up on the H
//   weights (trn_penalty_h) -> H gradient and ascent step -> H(x) with the new H,
//   v, loss and weights again (covariance term included) -> L2 penalty / warm-up
//   (trn_penalty_e) -> statistics (trn_stats_e) -> E gradient and descent step ->
//   NaN/inf checks of samples, statistics, gradients and parameters (trn_check)
//   -> counters (trn_advance).
// Contrastive divergence: no H; the E weights are +1/batch on data and
// -1/chains on samples (plus the L2 penalty).
//
// Metrics points (every metricsEvery iterations and at the end of run()): one
// encoder dispatches trainer_metrics.wgsl (gradient norms, MALA acceptance) and
// copies the counters, statistics, those metrics and both networks' parameters
// into one readback buffer made once; one map reads them all. The parameters
// become trainer.lastGoodParams (host memory) when the flags are clear: the
// cost is 4 * (E's + H's packed parameter count) bytes more per metrics point
// in the same round trip.
//
// NaN/inf: the GPU records the first iteration with a non-finite quantity. The
// host sees it at the next metrics point, writes back lastGoodParams (the
// previous metrics point's), resets the optimisers' moments, the replay buffer
// and the flags, and throws TrainingDivergedError naming the iteration and the
// quantities. A lost device ends run() with a DeviceLostError; lastGoodParams
// stays readable on the host.
//
// Checkpoints (saveCheckpoint / Trainer.resume, src/trainer/checkpoint.ts):
// parameters, optimiser moments and steps, chains, sampler and trainer
// counters and the replay buffer, so that a resumed run goes on bit for bit as
// the uninterrupted one.

import { dispatchSize, type Gpu, type Kernel } from '../device/device';
import type { DivergenceSpec } from '../divergence/divergence';
import { ConfigError, DeviceLostError, FebmError, GpuError } from '../errors';
import { FdivLoss } from '../divergence/loss';
import { MlpProgram, type Pass } from '../mlp/program';
import { Optimizer } from '../optim/optim';
import { initParams, paramLayout, validateMlpSpec } from '../mlp/params';
import { seedKey } from '../rng/philox';
import { LangevinSampler } from '../sampler/sampler';
import { packStruct } from '../device/shader';
import { int, validateTrainerConfig, type TrainerConfig, type ValidTrainerConfig } from './config';
import {
  checkTrainerMemory, planTrainerMemory, readbackLayout, trainerMlpGroup, TRAINER_COUNTER_WORDS, TRAINER_METRICS_WORDS, TRAINER_STATS_WORDS,
  type TrainerMemoryPlan,
} from './memory';
import { dataFingerprint, decodeTrainerCheckpoint, encodeTrainerCheckpoint, type DataFingerprint } from './checkpoint';

export * from './config';

/** The quantities the NaN/inf check watches, by bit (trn_check's trn_q.bit). */
export const CHECKED_QUANTITIES = [
  'data batch and samples', 'statistics (objectives, mean energies)', 'H gradient', 'H optimiser moments', 'H parameters',
  'E gradient', 'E optimiser moments', 'E parameters',
] as const;

/**
 * Training stopped at a non-finite value; the parameters are back at the last
 * metrics point. `quantities` lists every quantity that was non-finite at the
 * end of `iteration`, in pipeline order (the first is the likely origin).
 */
export class TrainingDivergedError extends FebmError {
  constructor(
    readonly iteration: number,
    readonly quantities: string[],
    /** The iteration whose parameters were restored. */
    readonly restoredIteration: number,
  ) {
    super(
      `training diverged: non-finite ${quantities[0] ?? 'values'} at iteration ${iteration}` +
        `${quantities.length > 1 ? ` (then also ${quantities.slice(1).join(', ')})` : ''}; ` +
        `parameters restored to those of iteration ${restoredIteration} (optimiser moments and replay buffer reset)`,
    );
  }
}

export interface TrainerMetrics {
  /** Iterations done when these were taken. */
  iteration: number;
  /** L before the H step (CD: mean E(data) - mean E(samples)). */
  hObjective: number;
  /** L of the E step, with the updated H (CD: as hObjective). */
  eObjective: number;
  /** The divergence estimate: eObjective (f-EBM); null for CD. */
  divergence: number | null;
  meanEData: number;
  meanESamples: number;
  meanG: number;
  meanC: number;
  /** Euclidean norm of the last iteration's E gradient (the one the optimiser used: objective plus L2 penalty). */
  gradNormE: number;
  /** The same for H (null for CD). */
  gradNormH: number | null;
  /** MALA: accepted / proposed moves of all chains since the previous metrics point; null for ULA and Du & Mordatch. */
  acceptance: number | null;
  /** Iterations per second since the previous metrics point of this run() call (wall clock, readback included). */
  itPerSecond: number;
  /** Always false in a returned record (a non-finite value throws). */
  nonFinite: boolean;
}

/** Parameters on the host, as of a metrics point whose NaN/inf flags were clear. */
export interface LastGoodParams {
  iteration: number;
  paramsE: Float32Array;
  paramsH: Float32Array | null;
}

/** The stages of one iteration, in order (Trainer.stagePasses). */
export const TRAINER_STAGES = ['draw', 'sample', 'hStep', 'eStep', 'checks'] as const;
export type TrainerStage = (typeof TRAINER_STAGES)[number];

const WG = 64;

interface Buffers {
  uniform: GPUBuffer;
  dataset: GPUBuffer;
  x: GPUBuffer;
  replay: GPUBuffer;
  counters: GPUBuffer;
  stats: GPUBuffer;
  hv: GPUBuffer;
  ev: GPUBuffer;
  v: GPUBuffer;
  wH: GPUBuffer;
  wE: GPUBuffer;
  thetaE: GPUBuffer;
  thetaH: GPUBuffer;
  gradE: GPUBuffer;
  gradH: GPUBuffer;
  checkUniforms: GPUBuffer[];
  metricsUniform: GPUBuffer;
  metricsOut: GPUBuffer;
  /** MAP_READ: the metrics point's one readback (readbackLayout). */
  readback: GPUBuffer;
}

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

/** An f-EBM (or CD) training run on the GPU: buffers, kernels and passes, built once. */
export class Trainer {
  /** Metrics records taken so far. */
  readonly history: TrainerMetrics[] = [];
  /**
   * The parameters at the last metrics point whose flags were clear (at
   * creation: the initial ones), on the host: they survive a lost device.
   */
  lastGoodParams: LastGoodParams;
  private done = 0;
  private running = false;
  private iterationPass: Pass | null = null;
  private stageCache: Record<TrainerStage, Pass[]> | null = null;
  private updateOnlyPass: Pass | null = null;
  private metricsPass: Pass | null = null;

  private constructor(
    readonly gpu: Gpu,
    /** The validated configuration, replay.initBox resolved (the data's range when not given). */
    readonly config: ValidTrainerConfig,
    readonly dataRows: number,
    readonly b: Buffers,
    readonly mlpE: MlpProgram,
    readonly mlpH: MlpProgram | null,
    readonly loss: FdivLoss | null,
    readonly optE: Optimizer,
    readonly optH: Optimizer | null,
    readonly sampler: LangevinSampler,
    private readonly kernels: Record<string, Kernel>,
    /** Every buffer of the run with its size, as planned before anything was allocated. */
    readonly memory: TrainerMemoryPlan,
    readonly data: DataFingerprint,
    initial: LastGoodParams,
  ) {
    this.lastGoodParams = initial;
  }

  static async create(gpu: Gpu, config: TrainerConfig | ValidTrainerConfig, data: Float32Array, init: TrainerInit = {}): Promise<Trainer> {
    const c = validateTrainerConfig(config);
    const dim = c.energy.inputDim;
    if (!(data instanceof Float32Array) || data.length === 0 || data.length % dim !== 0) {
      throw new ConfigError('data', `must be a non-empty Float32Array of rows of dim = ${dim} values, got length ${data?.length}`);
    }
    const rows = data.length / dim;
    if (rows >= 2 ** 32) throw new ConfigError('data', 'must hold fewer than 2^32 rows');
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (!Number.isFinite(x)) throw new ConfigError('data', `entry ${i} (row ${Math.floor(i / dim)}) is ${x}: every value must be finite`);
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
    }
    if (!(hi > lo)) hi = lo + 1;
    const initBox: [number, number] = c.replay.initBox ?? [lo, hi];
    c.replay.initBox = initBox;
    const layoutE = paramLayout(c.energy);
    const layoutH = c.variational ? paramLayout(c.variational) : null;
    const checkParams = (field: string, p: Float32Array | undefined, size: number) => {
      if (p === undefined) return;
      if (!(p instanceof Float32Array) || p.length !== size) throw new ConfigError(field, `must be a Float32Array of ${size} packed values`);
    };
    checkParams('paramsE', init.paramsE, layoutE.size);
    if (layoutH) checkParams('paramsH', init.paramsH, layoutH.size);
    const n = c.batch + c.chains;
    // One workgroup size for the sampler's and the update's MLP kernels: one set of pipelines to compile.
    const group = trainerMlpGroup(c);
    // Everything the run will hold, checked against the device before anything is compiled or allocated.
    const plan = planTrainerMemory(c, rows);
    checkTrainerMemory(plan, c, gpu.limits, init.memoryLimit);
    const paramsE = init.paramsE ? init.paramsE.slice() : initParams(layoutE, c.initSeed);
    const paramsH = layoutH ? (init.paramsH ? init.paramsH.slice() : initParams(layoutH, c.initSeed + 1)) : null;
    const fingerprint = dataFingerprint(data, dim);

    const created: GPUBuffer[] = [];
    const own = (buf: GPUBuffer) => (created.push(buf), buf);
    const cleanup: { destroy(): void }[] = [];
    const tracked = <T extends { destroy(): void } | null>(p: Promise<T>): Promise<T> =>
      p.then((x) => {
        if (x) cleanup.push(x);
        return x;
      });
    gpu.device.pushErrorScope('out-of-memory');
    let scoped = true;
    const popScope = async () => {
      if (!scoped) return null;
      scoped = false;
      return gpu.device.popErrorScope();
    };
    try {
      const thetaE = own(gpu.bufferFrom('trainer E params', paramsE));
      const thetaH = paramsH ? own(gpu.bufferFrom('trainer H params', paramsH)) : own(gpu.buffer('trainer H placeholder', 16));
      const parts = [
        tracked(MlpProgram.create(gpu, c.energy, n, group)),
        tracked(layoutH ? MlpProgram.create(gpu, c.variational!, n, group) : Promise.resolve(null)),
        tracked(
          c.mode === 'fdiv'
            ? FdivLoss.create(gpu, { divergence: c.divergence!, numerics: c.numerics, nData: c.batch, nModel: c.chains })
            : Promise.resolve(null),
        ),
        tracked(Optimizer.create(gpu, c.optimizerE, layoutE.size, { label: 'E optimizer' })),
        tracked(layoutH ? Optimizer.create(gpu, c.optimizerH!, layoutH.size, { maximize: true, label: 'H optimizer' }) : Promise.resolve(null)),
        tracked(
          LangevinSampler.create(gpu, {
            sampler: c.sampler.kind, chains: c.chains, dim, steps: c.sampler.steps, seed: c.seed,
            energy: { kind: 'mlp', spec: c.energy, theta: thetaE },
            eta: c.sampler.kind === 'du-mordatch' ? undefined : c.sampler.eta,
            stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: c.sampler.box, group,
          }),
        ),
      ] as const;
      const kernelNames = [
        ['trainer_draw.wgsl', 'trn_data'], ['trainer_draw.wgsl', 'trn_restart'], ['trainer_draw.wgsl', 'trn_gather'],
        ['trainer_loss.wgsl', 'trn_combine'], ['trainer_loss.wgsl', 'trn_penalty_h'], ['trainer_loss.wgsl', 'trn_penalty_e'],
        ['trainer_loss.wgsl', 'trn_note_h'], ['trainer_loss.wgsl', 'trn_stats_e'], ['trainer_check.wgsl', 'trn_check'],
        ['trainer_check.wgsl', 'trn_advance'], ['trainer_metrics.wgsl', 'trn_metrics'],
      ] as const;
      // Wait for every part, so that a failure releases all that were made.
      const settled = await Promise.allSettled([Promise.all(parts), Promise.all(kernelNames.map(([f, e]) => gpu.kernel(f, e)))]);
      for (const r of settled) if (r.status === 'rejected') throw r.reason;
      const [mlpE, mlpH, loss, optE, optH, sampler] = await Promise.all(parts);
      const [kDraw, kRestart, kGather, kCombine, kPenH, kPenE, kNoteH, kStats, kCheck, kAdvance, kMetrics] = await Promise.all(
        kernelNames.map(([f, e]) => gpu.kernel(f, e)),
      );

      const struct = kDraw.iface.bindings.find((b) => b.name === 'trn')?.struct;
      const checkStruct = kCheck.iface.bindings.find((b) => b.name === 'trn_q')?.struct;
      const metricsStruct = kMetrics.iface.bindings.find((b) => b.name === 'tm')?.struct;
      if (!struct || !checkStruct || !metricsStruct) throw new FebmError('trainer shaders: no uniform trn, trn_q or tm');
      // The loss metrics' word indices, from reflection (a placeholder buffer in CD mode).
      let metricsIndex = { objective: 0, mean_g: 0, mean_c: 0 };
      let metricsBuffer: GPUBuffer;
      if (loss) {
        const m = loss.metricsLayout.members;
        metricsIndex = { objective: m.objective.offset / 4, mean_g: m.mean_g.offset / 4, mean_c: m.mean_c.offset / 4 };
        metricsBuffer = loss.metrics;
      } else {
        metricsBuffer = own(gpu.buffer('trainer loss metrics placeholder', 16));
      }
      const [seedLo, seedHi] = seedKey(c.seed);
      const params = packStruct(struct, {
        dim, n_set: rows, batch: c.batch, chains: c.chains, capacity: c.replay.capacity, seed_lo: seedLo, seed_hi: seedHi,
        mode: c.mode === 'cd' ? 1 : 0, reuse: c.replay.reuse, box_lo: initBox[0], box_hi: initBox[1], l2: c.l2, warmup: c.warmup,
        objective_index: metricsIndex.objective, mean_g_index: metricsIndex.mean_g, mean_c_index: metricsIndex.mean_c,
      });
      const sizeH = layoutH ? layoutH.size : 4;
      const uniformUsage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
      const b: Buffers = {
        uniform: own(gpu.bufferFrom('trainer params', params, uniformUsage)),
        dataset: own(gpu.bufferFrom('trainer dataset', data)),
        x: own(gpu.buffer('trainer x', n * dim * 4)),
        replay: own(gpu.buffer('trainer replay', c.replay.capacity * dim * 4)),
        counters: own(gpu.buffer('trainer counters', TRAINER_COUNTER_WORDS * 4)),
        stats: own(gpu.buffer('trainer stats', TRAINER_STATS_WORDS * 4)),
        hv: own(gpu.buffer('trainer H(x)', n * 4)),
        ev: own(gpu.buffer('trainer E(x)', n * 4)),
        v: own(gpu.buffer('trainer v', n * 4)),
        wH: own(gpu.buffer('trainer wH', n * 4)),
        wE: own(gpu.buffer('trainer wE', n * 4)),
        thetaE,
        thetaH,
        gradE: own(gpu.buffer('trainer E grad', layoutE.size * 4)),
        gradH: own(gpu.buffer('trainer H grad', sizeH * 4)),
        checkUniforms: [],
        metricsUniform: own(gpu.bufferFrom('trainer metrics params', packStruct(metricsStruct, {
          count_e: layoutE.size, count_h: layoutH ? layoutH.size : 0, chains: c.chains, mala: c.sampler.kind === 'mala' ? 1 : 0,
        }), uniformUsage)),
        metricsOut: own(gpu.buffer('trainer metrics', TRAINER_METRICS_WORDS * 4)),
        readback: own(gpu.buffer('trainer metrics readback', readbackLayout(layoutE.size, layoutH ? layoutH.size : 0).size,
          GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST)),
      };
      // In the order of the iteration's pipeline (CHECKED_QUANTITIES): the first one flagged is the likely origin.
      // Adam's moments too (see Optimizer.nonFiniteMoment: an overflowed
      // second moment freezes the parameters without making them non-finite).
      const moments = (o: Optimizer | null) => (o && o.spec.kind === 'adam' ? 2 * o.count : 0);
      const checked: [GPUBuffer, number][] = [
        [b.x, n * dim],
        [b.stats, TRAINER_STATS_WORDS],
        [b.gradH, layoutH ? sizeH : 0],
        [optH ? optH.moments : b.gradH, moments(optH)],
        [b.thetaH, layoutH ? sizeH : 0],
        [b.gradE, layoutE.size],
        [optE.moments, moments(optE)],
        [b.thetaE, layoutE.size],
      ];
      checked.forEach(([, count], q) => {
        b.checkUniforms.push(own(gpu.bufferFrom(`trainer check ${q}`, packStruct(checkStruct, { count, bit: 1 << q }), uniformUsage)));
      });
      const oom = await popScope();
      if (oom) {
        throw new GpuError('out-of-memory', `the device could not allocate the run's ${plan.total} bytes of GPU memory (${oom.message}); make the run smaller`);
      }
      const trainer = new Trainer(gpu, c, rows, b, mlpE, mlpH, loss, optE, optH, sampler, {
        kDraw, kRestart, kGather, kCombine, kPenH, kPenE, kNoteH, kStats, kCheck, kAdvance, kMetrics,
      }, plan, fingerprint, { iteration: 0, paramsE, paramsH });
      trainer.created = created;
      trainer.cleanup = cleanup;
      trainer.checked = checked;
      trainer.metricsBuffer = metricsBuffer;
      return trainer;
    } catch (e) {
      await popScope().catch(() => null);
      for (const x of cleanup) x.destroy();
      for (const buf of created) buf.destroy();
      throw e;
    }
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
  static async resume(gpu: Gpu, bytes: Uint8Array, data: Float32Array, options: TrainerResumeOptions = {}): Promise<Trainer> {
    const s = decodeTrainerCheckpoint(bytes, { divergence: options.divergence });
    const dim = s.config.energy.inputDim;
    if (!(data instanceof Float32Array) || data.length === 0 || data.length % dim !== 0) {
      throw new ConfigError(
        'data',
        `must be a non-empty Float32Array of rows of the checkpoint's energy.inputDim = ${dim} values, got length ${data?.length}` +
          (s.data.dim !== dim ? '' : ` (the checkpoint was trained on ${s.data.rows} rows)`),
      );
    }
    if (!options.allowOtherData) {
      const f = dataFingerprint(data, dim);
      if (f.rows !== s.data.rows || f.crc32 !== s.data.crc32) {
        throw new ConfigError(
          'data',
          `differs from the checkpoint's data (${s.data.rows} rows of ${s.data.dim}, crc32 ${s.data.crc32.toString(16).padStart(8, '0')}; ` +
            `given ${f.rows} rows, crc32 ${f.crc32.toString(16).padStart(8, '0')}): resuming goes on with the same data (options.allowOtherData to change it)`,
        );
      }
    }
    const config: ValidTrainerConfig = {
      ...s.config,
      metricsEvery: options.metricsEvery ?? s.config.metricsEvery,
      iterationsPerSubmit: options.iterationsPerSubmit ?? s.config.iterationsPerSubmit,
    };
    const trainer = await Trainer.create(gpu, config, data, { paramsE: s.paramsE, paramsH: s.paramsH ?? undefined, memoryLimit: options.memoryLimit });
    try {
      trainer.optE.restore(s.optimizerE);
      if (trainer.optH && s.optimizerH) trainer.optH.restore(s.optimizerH);
      const words = new Uint32Array(s.config.chains + 4);
      words[0] = s.samplerSteps;
      words[1] = s.proposed;
      words.set(s.accepted, 4);
      trainer.sampler.restore(s.chains, words);
      gpu.write(trainer.b.replay, s.replay);
      const counters = new Uint32Array(TRAINER_COUNTER_WORDS);
      counters[0] = s.iteration;
      counters[1] = s.replayFilled;
      counters[2] = s.replayPos;
      gpu.write(trainer.b.counters, counters);
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
    const c = this.config;
    const words = new Uint32Array(await this.gpu.read(this.b.counters, TRAINER_COUNTER_WORDS * 4));
    if (words[4] !== 0) throw new FebmError('saveCheckpoint: a non-finite value is pending; run() reports and clears it first');
    const { paramsE, paramsH } = await this.readParams();
    const optimizerE = await this.optE.readState();
    const optimizerH = this.optH ? await this.optH.readState() : null;
    const chains = await this.sampler.readSamples();
    const sampler = await this.sampler.readCounters();
    const replay = await this.gpu.readF32(this.b.replay, c.replay.capacity * c.energy.inputDim);
    return encodeTrainerCheckpoint({
      config: c, iteration: words[0], paramsE, paramsH, optimizerE, optimizerH, chains,
      samplerSteps: sampler[0], proposed: sampler[1], accepted: sampler.slice(4),
      replay, replayFilled: words[1], replayPos: words[2], data: this.data, ...(extra !== undefined ? { extra } : {}),
    });
  }

  private idle(what: string): void {
    if (this.running) throw new FebmError(`${what}: the trainer is running (wait for run() to return)`);
  }

  private created: GPUBuffer[] = [];
  private cleanup: { destroy(): void }[] = [];
  private checked: [GPUBuffer, number][] = [];
  private metricsBuffer!: GPUBuffer;

  /** Bytes of GPU memory the trainer holds (all its buffers and those of its parts). */
  get bytes(): number {
    let total = this.created.reduce((s, buf) => s + buf.size, 0);
    // sampler.bytes includes its own MLP program's uniform and scratch.
    total += this.mlpE.bytes + (this.mlpH?.bytes ?? 0) + this.sampler.bytes;
    if (this.loss) total += this.loss.uniform.size + this.loss.metrics.size;
    for (const o of [this.optE, this.optH]) if (o) total += o.uniform.size + o.moments.size + o.counter.size;
    return total;
  }

  /** Iterations done. */
  get iteration(): number {
    return this.done;
  }

  private n(): number {
    return this.config.batch + this.config.chains;
  }

  private dispatch1(kernel: Kernel, group: GPUBindGroup, invocations: number): Pass {
    const [x, y] = dispatchSize(invocations, WG, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(x, y);
    };
  }

  private single(kernel: Kernel, group: GPUBindGroup): Pass {
    return (pass) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
    };
  }

  /**
   * The stages of one iteration, each a list of dispatches (built once):
   * drawing the data batch and restarting the chains, the K sampler steps,
   * the H step (E(x) and H(x), loss and weights, H gradient, ascent step), the
   * E step (H(x) with the updated H, loss and weights with the covariance
   * term, statistics, E gradient, descent step), and the NaN/inf checks with
   * the counter advance. Recorded in this order they are one iteration.
   */
  private stageLists(): Record<TrainerStage, Pass[]> {
    if (this.stageCache) return this.stageCache;
    const { b, kernels: k, config: c, mlpE, mlpH } = this;
    const n = this.n();
    const drawGroup = k.kDraw.bind({
      trn: b.uniform, trn_dataset: b.dataset, trn_x: b.x, trn_state: this.sampler.state, trn_replay: b.replay, trn_counters: b.counters,
    });
    const lossGroup = k.kCombine.bind({
      trn: b.uniform, trn_counters: b.counters, trn_hv: b.hv, trn_ev: b.ev, trn_v: b.v, trn_w_h: b.wH, trn_w_e: b.wE,
      trn_loss_metrics: this.metricsBuffer, trn_stats: b.stats,
    });
    const hStep: Pass[] = [mlpE.forward({ theta: b.thetaE, x: b.x, out: b.ev })];
    const eStep: Pass[] = [];
    if (c.mode === 'fdiv') {
      const hForward = mlpH!.forward({ theta: b.thetaH, x: b.x, out: b.hv });
      const combine = this.dispatch1(k.kCombine, lossGroup, n);
      const lossPass = this.loss!.pass({ v: b.v, wH: b.wH, wE: b.wE });
      hStep.push(
        hForward, combine, lossPass,
        this.single(k.kNoteH, lossGroup),
        this.dispatch1(k.kPenH, lossGroup, n),
        // H's scratch still holds hForward's activations (same theta and x).
        mlpH!.paramGrad({ theta: b.thetaH, x: b.x, weights: b.wH, grad: b.gradH }, { afterForward: true }),
        this.optH!.step({ theta: b.thetaH, grad: b.gradH }),
      );
      // E step with the updated H.
      eStep.push(hForward, combine, lossPass);
    }
    eStep.push(
      this.dispatch1(k.kPenE, lossGroup, n),
      this.single(k.kStats, lossGroup),
      // E's scratch still holds the activations of the H step's first pass:
      // E and x have not changed since, and nothing else uses mlpE's scratch.
      mlpE.paramGrad({ theta: b.thetaE, x: b.x, weights: b.wE, grad: b.gradE }, { afterForward: true }),
      this.optE.step({ theta: b.thetaE, grad: b.gradE }),
    );
    const checks: Pass[] = [];
    let advanceGroup: GPUBindGroup | null = null;
    this.checked.forEach(([buf, count], q) => {
      const group = k.kCheck.bind({ trn: b.uniform, trn_q: b.checkUniforms[q], trn_check_data: buf, trn_flags: b.counters });
      advanceGroup ??= group;
      if (count > 0) checks.push(this.dispatch1(k.kCheck, group, count));
    });
    checks.push(this.single(k.kAdvance, advanceGroup!));
    this.stageCache = {
      draw: [this.dispatch1(k.kDraw, drawGroup, c.batch), this.dispatch1(k.kRestart, drawGroup, c.chains)],
      // The samples go into x and the replay buffer right after the steps.
      sample: [this.sampler.pass(), this.dispatch1(k.kGather, drawGroup, c.chains)],
      hStep,
      eStep,
      checks,
    };
    return this.stageCache;
  }

  /**
   * Each stage of an iteration as one pass (for profiling: recording a stage
   * alone repeats that part of the work on the current state). The stages,
   * in iteration order, are TRAINER_STAGES.
   */
  stagePasses(): Record<TrainerStage, Pass> {
    const lists = this.stageLists();
    const one = (passes: Pass[]): Pass => (pass) => {
      for (const p of passes) p(pass);
    };
    return { draw: one(lists.draw), sample: one(lists.sample), hStep: one(lists.hStep), eStep: one(lists.eStep), checks: one(lists.checks) };
  }

  /** The H step, the E step, the checks and the counter advance, on x as it stands. */
  private updatePasses(): Pass[] {
    const s = this.stageLists();
    return [...s.hStep, ...s.eStep, ...s.checks];
  }

  /** The dispatches of one full iteration (built once). */
  private iterationPasses(): Pass {
    if (this.iterationPass) return this.iterationPass;
    const s = this.stageLists();
    const passes = TRAINER_STAGES.flatMap((stage) => s[stage]);
    this.iterationPass = (pass) => {
      for (const p of passes) p(pass);
    };
    return this.iterationPass;
  }

  private submit(count: number, one: Pass): void {
    this.gpu.check();
    const encoder = this.gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < count; i++) one(pass);
    pass.end();
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  /** The metrics kernel (gradient norms, acceptance) and the copies into the readback buffer (built once). */
  private metricsPasses(): (encoder: GPUCommandEncoder) => void {
    const { b, config: c } = this;
    if (!this.metricsPass) {
      const k = this.kernels.kMetrics;
      const group = k.bind({
        tm: b.metricsUniform, tm_grad_e: b.gradE, tm_grad_h: b.gradH, tm_lgv_counters: this.sampler.counters, tm_out: b.metricsOut,
      });
      this.metricsPass = this.single(k, group);
    }
    const sizeE = paramLayout(c.energy).size;
    const sizeH = c.variational ? paramLayout(c.variational).size : 0;
    const at = readbackLayout(sizeE, sizeH);
    const pass = this.metricsPass;
    return (encoder) => {
      const p = encoder.beginComputePass();
      pass(p);
      p.end();
      encoder.copyBufferToBuffer(b.counters, 0, b.readback, at.counters, TRAINER_COUNTER_WORDS * 4);
      encoder.copyBufferToBuffer(b.stats, 0, b.readback, at.stats, TRAINER_STATS_WORDS * 4);
      encoder.copyBufferToBuffer(b.metricsOut, 0, b.readback, at.metrics, TRAINER_METRICS_WORDS * 4);
      encoder.copyBufferToBuffer(b.thetaE, 0, b.readback, at.paramsE, sizeE * 4);
      if (sizeH > 0) encoder.copyBufferToBuffer(b.thetaH, 0, b.readback, at.paramsH, sizeH * 4);
    };
  }

  /**
   * One round trip: flags, statistics, gradient norms, acceptance and the
   * parameters. Throws TrainingDivergedError after writing back the last good
   * parameters, or records the metrics and keeps the parameters as the last
   * good ones.
   */
  private async metricsPoint(since: { done: number; time: number }): Promise<TrainerMetrics> {
    const c = this.config;
    const encoder = this.gpu.device.createCommandEncoder();
    this.metricsPasses()(encoder);
    this.gpu.device.queue.submit([encoder.finish()]);
    const sizeE = paramLayout(c.energy).size;
    const sizeH = c.variational ? paramLayout(c.variational).size : 0;
    const at = readbackLayout(sizeE, sizeH);
    const bytes = await this.gpu.mapRead(this.b.readback, at.size);
    const now = performance.now();
    const words = new Uint32Array(bytes, at.counters, TRAINER_COUNTER_WORDS);
    if (words[4] !== 0) {
      const iteration = words[4] - 1;
      const bits = words[5];
      const quantities = CHECKED_QUANTITIES.filter((_, i) => bits & (1 << i));
      const good = this.lastGoodParams;
      this.gpu.write(this.b.thetaE, good.paramsE);
      if (good.paramsH) this.gpu.write(this.b.thetaH, good.paramsH);
      this.optE.reset();
      this.optH?.reset();
      if (c.sampler.kind === 'mala') this.sampler.resetAcceptance();
      // Counters: keep the iteration, empty the replay buffer (all chains start fresh), clear the flags.
      this.gpu.write(this.b.counters, new Uint32Array(TRAINER_COUNTER_WORDS - 1), 4);
      this.done = words[0];
      await this.gpu.sync();
      throw new TrainingDivergedError(iteration, [...quantities], good.iteration);
    }
    const s = new Float32Array(bytes, at.stats, TRAINER_STATS_WORDS);
    const t = new Float32Array(bytes, at.metrics, TRAINER_METRICS_WORDS);
    const seconds = (now - since.time) / 1000;
    const m: TrainerMetrics = {
      iteration: words[0],
      hObjective: s[0],
      eObjective: s[1],
      divergence: c.mode === 'fdiv' ? s[1] : null,
      meanEData: s[2],
      meanESamples: s[3],
      meanG: s[4],
      meanC: s[5],
      gradNormE: t[0],
      gradNormH: c.mode === 'fdiv' ? t[1] : null,
      acceptance: t[2] >= 0 ? t[2] : null,
      itPerSecond: seconds > 0 ? (words[0] - since.done) / seconds : 0,
      nonFinite: false,
    };
    this.lastGoodParams = {
      iteration: words[0],
      paramsE: new Float32Array(bytes.slice(at.paramsE, at.paramsE + 4 * sizeE)),
      paramsH: sizeH > 0 ? new Float32Array(bytes.slice(at.paramsH, at.paramsH + 4 * sizeH)) : null,
    };
    // The acceptance of the next metrics point counts from here.
    if (c.sampler.kind === 'mala') this.sampler.resetAcceptance();
    return m;
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
    int('iterations', iterations, undefined, 0, 2 ** 31, '2^31');
    this.idle('run');
    this.running = true;
    try {
      const one = this.iterationPasses();
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
    if (!this.updateOnlyPass) {
      const passes = this.updatePasses();
      this.updateOnlyPass = (pass) => {
        for (const p of passes) p(pass);
      };
    }
    const since = { done: this.done, time: performance.now() };
    this.submit(1, this.updateOnlyPass);
    this.done += 1;
    return this.metricsPoint(since);
  }

  /** Writes x directly: data rows, then sample rows ([batch][dim] and [chains][dim]). */
  setBatch(data: ArrayLike<number>, samples: ArrayLike<number>): void {
    const dim = this.config.energy.inputDim;
    if (data.length !== this.config.batch * dim) throw new ConfigError('data', `must hold batch * dim = ${this.config.batch * dim} values, got ${data.length}`);
    if (samples.length !== this.config.chains * dim) throw new ConfigError('samples', `must hold chains * dim = ${this.config.chains * dim} values, got ${samples.length}`);
    const x = new Float32Array((this.config.batch + this.config.chains) * dim);
    x.set(Float32Array.from(data), 0);
    x.set(Float32Array.from(samples), data.length);
    this.gpu.device.queue.writeBuffer(this.b.x, 0, x);
  }

  async readParams(): Promise<{ paramsE: Float32Array; paramsH: Float32Array | null }> {
    const paramsE = await this.gpu.readF32(this.b.thetaE, paramLayout(this.config.energy).size);
    const paramsH = this.config.variational ? await this.gpu.readF32(this.b.thetaH, paramLayout(this.config.variational).size) : null;
    return { paramsE, paramsH };
  }

  async readGradients(): Promise<{ gradE: Float32Array; gradH: Float32Array | null }> {
    const gradE = await this.gpu.readF32(this.b.gradE, paramLayout(this.config.energy).size);
    const gradH = this.config.variational ? await this.gpu.readF32(this.b.gradH, paramLayout(this.config.variational).size) : null;
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
    for (const x of this.cleanup) x.destroy();
    for (const buf of this.created) buf.destroy();
  }
}

export interface SingleUpdateInput {
  paramsE: Float32Array;
  /** Required in f-EBM mode. */
  paramsH?: Float32Array;
  /** The data batch, [batch][dim]. */
  data: ArrayLike<number>;
  /** The negative samples, [chains][dim]. */
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
  const trainer = await Trainer.create(gpu, c, Float32Array.from(input.data), { paramsE: input.paramsE, paramsH: input.paramsH });
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

// The f-EBM trainer (Algorithm 1 of docs/f-ebm.md) for MLP energies on the
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
// NaN/inf: the GPU records the first iteration with a non-finite quantity. The
// host sees it at the next metrics point, copies back the parameters saved at
// the previous metrics point (a GPU copy made whenever the flags were clear),
// resets the optimisers' moments, the replay buffer and the flags, and throws
// TrainingDivergedError naming the iteration and the quantities.

import { dispatchSize, type Gpu, type Kernel } from './device';
import { validateNumerics, type DivergenceSpec, type Numerics } from './divergence';
import { ConfigError, FebmError } from './errors';
import { FdivLoss, gpuDivergence } from './loss';
import { MlpProgram, type Pass } from './mlp';
import { Optimizer, validateOptimizer, type OptimizerSpec, type ValidOptimizerSpec } from './optim';
import { initParams, paramLayout, validateMlpSpec, type MlpSpec } from './params';
import { seedKey } from './philox';
import { LangevinSampler, SAMPLER_KINDS, type SamplerKind } from './sampler';
import { packStruct } from './shader';

export type TrainerMode = 'fdiv' | 'cd';

export interface TrainerSamplerSpec {
  kind: SamplerKind;
  /** Langevin steps K per iteration, 1 to 10,000. */
  steps: number;
  /** ULA / MALA step eta > 0. */
  eta?: number;
  /** Du & Mordatch: gradient step (default 10), noise std (default 0.005), gradient clip (default 0.01; null: none), box clip. */
  stepSize?: number;
  noiseStd?: number;
  gradClip?: number | null;
  box?: [number, number] | null;
}

export interface ReplaySpec {
  /** Rows of the replay buffer, chains to 2^24 (default max(10,000, chains)). */
  capacity?: number;
  /** Probability that a chain restarts from a replay sample, [0, 1] (default 0.95). */
  reuse?: number;
  /** Fresh starts are uniform in [lo, hi]^dim (default: the data's range of values). */
  initBox?: [number, number];
}

export interface TrainerConfig {
  /** 'fdiv' (default): f-EBM with H; 'cd': contrastive divergence, no H. */
  mode?: TrainerMode;
  /** The energy network E. */
  energy: MlpSpec;
  /** The variational network H (fdiv; default: the energy's architecture). */
  variational?: MlpSpec;
  /** fdiv: the divergence (required). */
  divergence?: DivergenceSpec;
  /** 'authors' or 'stable' (default). */
  numerics?: Numerics;
  optimizerE: OptimizerSpec;
  /** Default: optimizerE. */
  optimizerH?: OptimizerSpec;
  /** Data samples per iteration, 1 to 65,536. */
  batch: number;
  /** Model samples (chains) per iteration, 1 to 65,536 (default batch). */
  chains?: number;
  sampler: TrainerSamplerSpec;
  replay?: ReplaySpec;
  /** L2 output penalty weight >= 0 (default 0; the authors use 1 for images). */
  l2?: number;
  /** Iterations taking only the L2 steps (default 0; the authors use 11). */
  warmup?: number;
  /** Philox seed of all draws, integer in [0, 2^53) (default 0). */
  seed?: number;
  /** Seed of the initial weights (default: seed). */
  initSeed?: number;
  /** Metrics (and the NaN check's readback) every M iterations, 1 to 2^31 (default 100). */
  metricsEvery?: number;
  /** Iterations recorded per submit, 1 to 1000 (default 10). */
  iterationsPerSubmit?: number;
}

export interface ValidTrainerConfig {
  mode: TrainerMode;
  energy: MlpSpec;
  variational: MlpSpec | null;
  divergence: DivergenceSpec | null;
  numerics: Numerics;
  optimizerE: ValidOptimizerSpec;
  optimizerH: ValidOptimizerSpec | null;
  batch: number;
  chains: number;
  sampler: Required<Omit<TrainerSamplerSpec, 'eta'>> & { eta: number };
  replay: { capacity: number; reuse: number; initBox: [number, number] | null };
  l2: number;
  warmup: number;
  seed: number;
  initSeed: number;
  metricsEvery: number;
  iterationsPerSubmit: number;
}

const show = (v: unknown): string => (typeof v === 'number' ? String(v) : v === undefined ? 'undefined' : JSON.stringify(v));

function int(field: string, v: unknown, def: number | undefined, lo: number, hi: number, hiText = String(hi)): number {
  const x = v === undefined ? def : v;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < lo || x > hi) {
    throw new ConfigError(field, `must be an integer in [${lo}, ${hiText}], got ${show(x)}`);
  }
  return x;
}

function real(field: string, v: unknown, def: number | undefined, range: string, ok: (x: number) => boolean): number {
  const x = v === undefined ? def : v;
  if (typeof x !== 'number' || !Number.isFinite(x) || !ok(x)) throw new ConfigError(field, `must be a finite number ${range}, got ${show(x)}`);
  return x;
}

function box(field: string, v: unknown): [number, number] {
  if (!Array.isArray(v) || v.length !== 2) throw new ConfigError(field, `must be [lo, hi] with lo < hi, got ${show(v)}`);
  const lo = real(`${field}[0]`, v[0], undefined, 'in (-inf, inf)', () => true);
  const hi = real(`${field}[1]`, v[1], undefined, `in (${lo}, inf) (above ${field}[0])`, (x) => x > lo);
  return [lo, hi];
}

function keys(field: string, v: Record<string, unknown>, allowed: string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new ConfigError(field ? `${field}.${k}` : k, `is not an option (options: ${allowed.join(', ')})`);
  }
}

const CONFIG_KEYS = [
  'mode', 'energy', 'variational', 'divergence', 'numerics', 'optimizerE', 'optimizerH', 'batch', 'chains', 'sampler',
  'replay', 'l2', 'warmup', 'seed', 'initSeed', 'metricsEvery', 'iterationsPerSubmit',
];

/** Largest batch and chain counts. */
export const MAX_TRAINER_BATCH = 65536;

/**
 * Validates a trainer configuration and fills in defaults. Every failure is a
 * ConfigError naming the field and its allowed range.
 */
export function validateTrainerConfig(config: unknown): ValidTrainerConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', `must be an object, got ${show(config)}`);
  const c = config as Record<string, unknown>;
  keys('', c, CONFIG_KEYS);
  const mode = (c.mode ?? 'fdiv') as TrainerMode;
  if (mode !== 'fdiv' && mode !== 'cd') throw new ConfigError('mode', `must be 'fdiv' or 'cd', got ${show(c.mode)}`);
  const energy = validateMlpSpec(c.energy as MlpSpec, 'energy');
  const numerics = validateNumerics(c.numerics ?? 'stable', 'numerics');
  let variational: MlpSpec | null = null;
  let divergence: DivergenceSpec | null = null;
  let optimizerH: ValidOptimizerSpec | null = null;
  const optimizerE = validateOptimizer(c.optimizerE, 'optimizerE');
  if (mode === 'fdiv') {
    variational = validateMlpSpec((c.variational ?? energy) as MlpSpec, 'variational');
    if (variational.inputDim !== energy.inputDim) {
      throw new ConfigError('variational.inputDim', `must equal energy.inputDim = ${energy.inputDim}, got ${variational.inputDim}`);
    }
    if (c.divergence === undefined || c.divergence === null) throw new ConfigError('divergence', "is required in mode 'fdiv' (e.g. { name: 'kl' })");
    divergence = gpuDivergence(c.divergence, numerics, 'divergence').spec;
    optimizerH = validateOptimizer(c.optimizerH ?? c.optimizerE, c.optimizerH ? 'optimizerH' : 'optimizerE');
  } else {
    for (const k of ['variational', 'divergence', 'optimizerH']) {
      if (c[k] !== undefined && c[k] !== null) throw new ConfigError(k, "must be left out in mode 'cd' (no H, no divergence)");
    }
  }
  const batch = int('batch', c.batch, undefined, 1, MAX_TRAINER_BATCH);
  const chains = int('chains', c.chains, batch, 1, MAX_TRAINER_BATCH);

  const s = c.sampler as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) throw new ConfigError('sampler', `must be an object { kind, steps, ... }, got ${show(s)}`);
  keys('sampler', s, ['kind', 'steps', 'eta', 'stepSize', 'noiseStd', 'gradClip', 'box']);
  if (!SAMPLER_KINDS.includes(s.kind as SamplerKind)) {
    throw new ConfigError('sampler.kind', `must be one of ${SAMPLER_KINDS.join(', ')}, got ${show(s.kind)}`);
  }
  const kind = s.kind as SamplerKind;
  const steps = int('sampler.steps', s.steps, undefined, 1, 10_000);
  const eta = kind === 'du-mordatch' ? 0 : real('sampler.eta', s.eta, undefined, 'in (0, inf)', (x) => x > 0);
  const stepSize = real('sampler.stepSize', s.stepSize, 10, 'in [0, inf)', (x) => x >= 0);
  const noiseStd = real('sampler.noiseStd', s.noiseStd, 0.005, 'in [0, inf)', (x) => x >= 0);
  const gradClip = s.gradClip === null ? null : real('sampler.gradClip', s.gradClip, 0.01, 'in (0, inf) (or null: no clip)', (x) => x > 0);
  const sbox = s.box === undefined || s.box === null ? null : box('sampler.box', s.box);

  const r = (c.replay ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || r === null) throw new ConfigError('replay', `must be an object { capacity, reuse, initBox }, got ${show(r)}`);
  keys('replay', r, ['capacity', 'reuse', 'initBox']);
  const capacity = int('replay.capacity', r.capacity, Math.max(10_000, chains), chains, 2 ** 24, '2^24 (at least chains)');
  const reuse = real('replay.reuse', r.reuse, 0.95, 'in [0, 1]', (x) => x >= 0 && x <= 1);
  const initBox = r.initBox === undefined || r.initBox === null ? null : box('replay.initBox', r.initBox);

  const l2 = real('l2', c.l2, 0, 'in [0, inf)', (x) => x >= 0);
  const warmup = int('warmup', c.warmup, 0, 0, 2 ** 31, '2^31');
  const seed = int('seed', c.seed, 0, 0, Number.MAX_SAFE_INTEGER, '2^53 - 1');
  const initSeed = int('initSeed', c.initSeed, seed, 0, Number.MAX_SAFE_INTEGER, '2^53 - 1');
  const metricsEvery = int('metricsEvery', c.metricsEvery, 100, 1, 2 ** 31, '2^31');
  const iterationsPerSubmit = int('iterationsPerSubmit', c.iterationsPerSubmit, 10, 1, 1000);
  return {
    mode, energy, variational, divergence, numerics, optimizerE, optimizerH, batch, chains,
    sampler: { kind, steps, eta, stepSize, noiseStd, gradClip, box: sbox },
    replay: { capacity, reuse, initBox },
    l2, warmup, seed, initSeed, metricsEvery, iterationsPerSubmit,
  };
}

/** The quantities the NaN/inf check watches, by bit (trn_check's trn_q.bit). */
export const CHECKED_QUANTITIES = ['data batch and samples', 'statistics (objectives, mean energies)', 'H gradient', 'H parameters', 'E gradient', 'E parameters'] as const;

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
  /** Always false in a returned record (a non-finite value throws). */
  nonFinite: boolean;
}

/** The stages of one iteration, in order (Trainer.stagePasses). */
export const TRAINER_STAGES = ['draw', 'sample', 'hStep', 'eStep', 'checks'] as const;
export type TrainerStage = (typeof TRAINER_STAGES)[number];

const WG = 64;
const COUNTER_WORDS = 8;
const STATS_WORDS = 8;

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
  goodE: GPUBuffer;
  goodH: GPUBuffer;
  checkUniforms: GPUBuffer[];
}

export interface TrainerInit {
  /** Packed parameters of E and H (src/params.ts); default initParams(layout, initSeed) (H with initSeed + 1). */
  paramsE?: Float32Array;
  paramsH?: Float32Array;
}

/** An f-EBM (or CD) training run on the GPU: buffers, kernels and passes, built once. */
export class Trainer {
  /** Metrics records taken so far. */
  readonly history: TrainerMetrics[] = [];
  private done = 0;
  private goodIteration = 0;
  private iterationPass: Pass | null = null;
  private stageCache: Record<TrainerStage, Pass[]> | null = null;
  private updateOnlyPass: Pass | null = null;

  private constructor(
    readonly gpu: Gpu,
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
    private readonly statsBytes: number,
  ) {}

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
    const initBox = c.replay.initBox ?? [lo, hi];
    const layoutE = paramLayout(c.energy);
    const layoutH = c.variational ? paramLayout(c.variational) : null;
    const checkParams = (field: string, p: Float32Array | undefined, size: number) => {
      if (p === undefined) return;
      if (!(p instanceof Float32Array) || p.length !== size) throw new ConfigError(field, `must be a Float32Array of ${size} packed values`);
    };
    checkParams('paramsE', init.paramsE, layoutE.size);
    if (layoutH) checkParams('paramsH', init.paramsH, layoutH.size);
    const n = c.batch + c.chains;

    const created: GPUBuffer[] = [];
    const own = (buf: GPUBuffer) => (created.push(buf), buf);
    const cleanup: { destroy(): void }[] = [];
    try {
      const thetaE = own(gpu.bufferFrom('trainer E params', init.paramsE ?? initParams(layoutE, c.initSeed)));
      const thetaH = layoutH
        ? own(gpu.bufferFrom('trainer H params', init.paramsH ?? initParams(layoutH, c.initSeed + 1)))
        : own(gpu.buffer('trainer H placeholder', 16));
      const [mlpE, mlpH, loss, optE, optH, sampler, kDraw, kRestart, kGather, kCombine, kPenH, kPenE, kNoteH, kStats, kCheck, kAdvance] =
        await Promise.all([
          MlpProgram.create(gpu, c.energy, n),
          layoutH ? MlpProgram.create(gpu, c.variational!, n) : Promise.resolve(null),
          c.mode === 'fdiv'
            ? FdivLoss.create(gpu, { divergence: c.divergence!, numerics: c.numerics, nData: c.batch, nModel: c.chains })
            : Promise.resolve(null),
          Optimizer.create(gpu, c.optimizerE, layoutE.size, { label: 'E optimizer' }),
          layoutH ? Optimizer.create(gpu, c.optimizerH!, layoutH.size, { maximize: true, label: 'H optimizer' }) : Promise.resolve(null),
          LangevinSampler.create(gpu, {
            sampler: c.sampler.kind, chains: c.chains, dim, steps: c.sampler.steps, seed: c.seed,
            energy: { kind: 'mlp', spec: c.energy, theta: thetaE },
            eta: c.sampler.kind === 'du-mordatch' ? undefined : c.sampler.eta,
            stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: c.sampler.box,
          }),
          gpu.kernel('trainer_draw.wgsl', 'trn_data'),
          gpu.kernel('trainer_draw.wgsl', 'trn_restart'),
          gpu.kernel('trainer_draw.wgsl', 'trn_gather'),
          gpu.kernel('trainer_loss.wgsl', 'trn_combine'),
          gpu.kernel('trainer_loss.wgsl', 'trn_penalty_h'),
          gpu.kernel('trainer_loss.wgsl', 'trn_penalty_e'),
          gpu.kernel('trainer_loss.wgsl', 'trn_note_h'),
          gpu.kernel('trainer_loss.wgsl', 'trn_stats_e'),
          gpu.kernel('trainer_check.wgsl', 'trn_check'),
          gpu.kernel('trainer_check.wgsl', 'trn_advance'),
        ]);
      for (const x of [mlpE, mlpH]) if (x) cleanup.push({ destroy: () => (x.uniform.destroy(), x.scratchBuffer.destroy()) });
      for (const x of [loss, optE, optH, sampler]) if (x) cleanup.push(x);

      const struct = kDraw.iface.bindings.find((b) => b.name === 'trn')?.struct;
      const checkStruct = kCheck.iface.bindings.find((b) => b.name === 'trn_q')?.struct;
      if (!struct || !checkStruct) throw new FebmError('trainer shaders: no uniform trn or trn_q');
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
      const b: Buffers = {
        uniform: own(gpu.bufferFrom('trainer params', params, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST)),
        dataset: own(gpu.bufferFrom('trainer dataset', data)),
        x: own(gpu.buffer('trainer x', n * dim * 4)),
        replay: own(gpu.buffer('trainer replay', c.replay.capacity * dim * 4)),
        counters: own(gpu.buffer('trainer counters', COUNTER_WORDS * 4)),
        stats: own(gpu.buffer('trainer stats', STATS_WORDS * 4)),
        hv: own(gpu.buffer('trainer H(x)', n * 4)),
        ev: own(gpu.buffer('trainer E(x)', n * 4)),
        v: own(gpu.buffer('trainer v', n * 4)),
        wH: own(gpu.buffer('trainer wH', n * 4)),
        wE: own(gpu.buffer('trainer wE', n * 4)),
        thetaE,
        thetaH,
        gradE: own(gpu.buffer('trainer E grad', layoutE.size * 4)),
        gradH: own(gpu.buffer('trainer H grad', sizeH * 4)),
        goodE: own(gpu.buffer('trainer E params (last good)', layoutE.size * 4)),
        goodH: own(gpu.buffer('trainer H params (last good)', sizeH * 4)),
        checkUniforms: [],
      };
      // In the order of the iteration's pipeline (CHECKED_QUANTITIES): the first one flagged is the likely origin.
      const checked: [GPUBuffer, number][] = [
        [b.x, n * dim],
        [b.stats, STATS_WORDS],
        [b.gradH, layoutH ? sizeH : 0],
        [b.thetaH, layoutH ? sizeH : 0],
        [b.gradE, layoutE.size],
        [b.thetaE, layoutE.size],
      ];
      checked.forEach(([, count], q) => {
        b.checkUniforms.push(own(gpu.bufferFrom(`trainer check ${q}`, packStruct(checkStruct, { count, bit: 1 << q }), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST)));
      });
      const trainer = new Trainer(gpu, c, rows, b, mlpE, mlpH, loss, optE, optH, sampler, {
        kDraw, kRestart, kGather, kCombine, kPenH, kPenE, kNoteH, kStats, kCheck, kAdvance,
      }, STATS_WORDS * 4);
      trainer.created = created;
      trainer.cleanup = cleanup;
      trainer.checked = checked;
      trainer.metricsBuffer = metricsBuffer;
      trainer.saveGood();
      return trainer;
    } catch (e) {
      for (const x of cleanup) x.destroy();
      for (const buf of created) buf.destroy();
      throw e;
    }
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
        mlpH!.paramGrad({ theta: b.thetaH, x: b.x, weights: b.wH, grad: b.gradH }),
        this.optH!.step({ theta: b.thetaH, grad: b.gradH }),
      );
      // E step with the updated H.
      eStep.push(hForward, combine, lossPass);
    }
    eStep.push(
      this.dispatch1(k.kPenE, lossGroup, n),
      this.single(k.kStats, lossGroup),
      mlpE.paramGrad({ theta: b.thetaE, x: b.x, weights: b.wE, grad: b.gradE }),
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

  private copyParams(from: 'good' | 'live'): void {
    const { b } = this;
    const encoder = this.gpu.device.createCommandEncoder();
    const [srcE, dstE, srcH, dstH] = from === 'live' ? [b.thetaE, b.goodE, b.thetaH, b.goodH] : [b.goodE, b.thetaE, b.goodH, b.thetaH];
    encoder.copyBufferToBuffer(srcE, 0, dstE, 0, srcE.size);
    if (this.mlpH) encoder.copyBufferToBuffer(srcH, 0, dstH, 0, srcH.size);
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  private saveGood(): void {
    this.copyParams('live');
    this.goodIteration = this.done;
  }

  /**
   * Reads the flags (and the statistics): throws TrainingDivergedError after
   * restoring the last good parameters, or records the metrics and saves the
   * parameters as the last good ones.
   */
  private async checkpoint(): Promise<TrainerMetrics> {
    const words = new Uint32Array(await this.gpu.read(this.b.counters, COUNTER_WORDS * 4));
    if (words[4] !== 0) {
      const iteration = words[4] - 1;
      const bits = words[5];
      const quantities = CHECKED_QUANTITIES.filter((_, q) => bits & (1 << q));
      this.copyParams('good');
      this.optE.reset();
      this.optH?.reset();
      // Counters: keep the iteration, empty the replay buffer (all chains start fresh), clear the flags.
      this.gpu.device.queue.writeBuffer(this.b.counters, 4, new Uint32Array(COUNTER_WORDS - 1));
      this.done = words[0];
      await this.gpu.sync();
      throw new TrainingDivergedError(iteration, [...quantities], this.goodIteration);
    }
    const s = new Float32Array(await this.gpu.read(this.b.stats, this.statsBytes));
    const m: TrainerMetrics = {
      iteration: words[0],
      hObjective: s[0],
      eObjective: s[1],
      divergence: this.config.mode === 'fdiv' ? s[1] : null,
      meanEData: s[2],
      meanESamples: s[3],
      meanG: s[4],
      meanC: s[5],
      nonFinite: false,
    };
    this.saveGood();
    return m;
  }

  /**
   * Runs `iterations` iterations (several per submit, one encoder each); reads
   * metrics every metricsEvery iterations and at the end. Returns the metrics
   * records taken in this call. Throws TrainingDivergedError on a non-finite value.
   */
  async run(iterations: number, options: { onMetrics?: (m: TrainerMetrics) => void } = {}): Promise<TrainerMetrics[]> {
    int('iterations', iterations, undefined, 0, 2 ** 31, '2^31');
    const one = this.iterationPasses();
    const M = this.config.metricsEvery;
    const out: TrainerMetrics[] = [];
    let left = iterations;
    while (left > 0) {
      const toMetric = M - (this.done % M);
      const count = Math.min(this.config.iterationsPerSubmit, toMetric, left);
      this.submit(count, one);
      this.done += count;
      left -= count;
      if (this.done % M === 0 || left === 0) {
        const m = await this.checkpoint();
        out.push(m);
        this.history.push(m);
        options.onMetrics?.(m);
      }
    }
    return out;
  }

  /** Records one H step and one E step on x as it stands (no data draw, no sampling), then checks. */
  async updateOnce(): Promise<TrainerMetrics> {
    if (!this.updateOnlyPass) {
      const passes = this.updatePasses();
      this.updateOnlyPass = (pass) => {
        for (const p of passes) p(pass);
      };
    }
    this.submit(1, this.updateOnlyPass);
    this.done += 1;
    return this.checkpoint();
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
      for (const buf of [x, out, program.uniform, program.scratchBuffer]) buf.destroy();
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

// The 1-D experiment of docs/method.md on the GPU: data p = 0.33 N(-1, 0.25^2)
// + 0.67 N(2, 2), EBM E(x) = 0.5 ((x - mu) / sigma)^2 with theta = (mu, sigma)
// sampled exactly, H an MLP 1-64-64-1 with tanh (PyTorch default init), and
// Algorithm 1: per iteration one ascent step on H, then, with the updated H,
// one descent step on theta (covariance term included).
//
// Everything runs on the GPU: one iteration is 19 dispatches recorded into
// one compute pass (experiments/oned/oned.wgsl for sampling, energy and its
// gradient; MlpProgram for H; the trainer's trn_combine for v = H + E and
// trn_penalty_h for H's L2 penalty (shaders/trainer_loss.wgsl);
// fdiv_loss.wgsl for the objective and the per-sample weights; optim.wgsl for
// SGD or Adam), many iterations per submit. The Philox step of each
// iteration's draws is an iteration counter that the GPU advances itself
// (queue.writeBuffer between the passes of one submit would give every pass
// the last value). The host reads nothing inside the loop; the GPU writes a
// trace (iteration, mu, sigma, objective) every `traceEvery` iterations into
// a buffer read at the end, and the host reads (mu, sigma) between submits
// only to report progress.
//
// Why this is not a Trainer (src/trainer/) with a Gaussian energy: the
// experiment is the authors' script, and its tested results (the GPU against
// onedGradients64 step by step, the T0 end point, the reproduced optima)
// rest on what the Trainer does differently: the data are drawn fresh from
// the known mixture every iteration, stratified by component (the Trainer
// draws rows with replacement from a finite data set); the model samples are
// exact, mu + sigma z (the Trainer's come from Langevin chains and a replay
// buffer); E is a two-parameter Gaussian whose parameter gradient is
// oned_egrad (the Trainer's E is an MlpProgram); H may take several steps per
// iteration and only H is penalised (the Trainer penalises both with one
// weight, after a warm-up). A Trainer that covered this would need pluggable
// data, sampler and energy for one experiment; instead the experiment shares
// the Trainer's kernels where they are the same computation (v = H + E and
// H's L2 penalty above, the loss, the optimisers, the MLP).

import {
  ConfigError, describeDivergence, FdivLoss, FebmError, initParams, mlpFlopsPerSample, MlpProgram, Optimizer, paramLayout,
  validateNumerics, validateOptimizer, type DivergenceSpec, type Gpu, type Kernel, type LossMetrics, type MlpSpec, type Numerics,
  type OptimizerSpec, type Pass, type ValidOptimizerSpec,
} from '../../src/index';
import { dispatchSize, gpuDivergence, integer, packStruct, seedKey, show, TRAINER_MODE } from '../../src/kernels';
import { DATA_1D } from './optimum';
import onedWgsl from './oned.wgsl?raw';

/** The experiment's own kernel file (it requires the library's philox.wgsl). */
const ONED_SHADERS = { 'oned.wgsl': onedWgsl };

/** H of the 1-D experiment: 1 -> 64 -> tanh -> 64 -> tanh -> 1. */
export const ONED_H_SPEC: MlpSpec = { inputDim: 1, hidden: [64, 64], activation: 'tanh' };

/** The authors' settings (T0 of bench/WORKLOADS.md). */
export const ONED_AUTHORS = {
  iterations: 30_000,
  batch: 1000,
  optimizer: { kind: 'sgd', lr: 1e-3 } as OptimizerSpec,
  numerics: 'authors' as Numerics,
};

export interface OnedConfig {
  /** A built-in divergence ({ name } or { name: 'alpha', alpha }) or a custom one (with its WGSL). */
  divergence: DivergenceSpec;
  /** 'authors' (clamped exponentials) or 'stable' (exact, overflow-safe); default 'stable'. */
  numerics?: Numerics;
  /** Default 30,000. */
  iterations?: number;
  /** Philox seed of all draws, and of H's initial weights unless hSeed is given; default 0. */
  seed?: number;
  hSeed?: number;
  /** Optimiser of both H and theta; default SGD lr 1e-3 (the authors'). */
  optimizer?: OptimizerSpec;
  /** Overrides for one of the two. */
  optimizerH?: OptimizerSpec;
  optimizerE?: OptimizerSpec;
  /** Data samples and model samples per iteration (each); default 1000. */
  batch?: number;
  /** Initial (mu, sigma); default (0, 1). */
  init?: { mu: number; sigma: number };
  /** A trace entry every this many iterations (0: none); default 100. */
  traceEvery?: number;
  /** Iterations recorded per submit; default 25. */
  iterationsPerSubmit?: number;
  /**
   * L2 penalty on H's outputs (the authors' output penalty, on H only): omega
   * ascends L - l2H (mean_data H^2 + mean_model H^2), which holds H where
   * one batch has samples and the other none. Finite, >= 0; default 0 (off).
   */
  l2H?: number;
  /** H steps per iteration (each on the iteration's samples) before theta's one; integer in [1, 100], default 1. */
  hSteps?: number;
}

export interface ValidOnedConfig {
  divergence: DivergenceSpec;
  numerics: Numerics;
  iterations: number;
  seed: number;
  hSeed: number;
  optimizerH: ValidOptimizerSpec;
  optimizerE: ValidOptimizerSpec;
  batch: number;
  init: { mu: number; sigma: number };
  traceEvery: number;
  iterationsPerSubmit: number;
  l2H: number;
  hSteps: number;
}

const int = (field: string, v: unknown, fallback: number, lo: number, hi: number): number => integer(field, v, lo, hi, { fallback });

const KNOWN_KEYS = [
  'divergence', 'numerics', 'iterations', 'seed', 'hSeed', 'optimizer', 'optimizerH', 'optimizerE', 'batch', 'init',
  'traceEvery', 'iterationsPerSubmit', 'l2H', 'hSteps',
];

/**
 * Validates a 1-D experiment configuration and fills in the defaults.
 * ConfigError names the field and the allowed values: an unknown key, a bad
 * divergence name, alpha 0 or 1, a custom f that is not convex (or lacks
 * its WGSL), a non-positive initial sigma, a bad optimiser, and so on.
 */
export function validateOnedConfig(config: unknown): ValidOnedConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', `must be an object, got ${show(config)}`);
  const c = config as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!KNOWN_KEYS.includes(k)) throw new ConfigError(k, `is not an option of the 1-D experiment (options: ${KNOWN_KEYS.join(', ')})`);
  }
  const numerics = validateNumerics(c.numerics ?? 'stable', 'numerics');
  const divergence = gpuDivergence(c.divergence, numerics, 'divergence').spec;
  const iterations = int('iterations', c.iterations, ONED_AUTHORS.iterations, 1, 2 ** 31);
  const seed = int('seed', c.seed, 0, 0, Number.MAX_SAFE_INTEGER);
  const hSeed = int('hSeed', c.hSeed, seed, 0, Number.MAX_SAFE_INTEGER);
  const base = c.optimizer ?? ONED_AUTHORS.optimizer;
  const optimizerH = validateOptimizer(c.optimizerH ?? base, c.optimizerH ? 'optimizerH' : 'optimizer');
  const optimizerE = validateOptimizer(c.optimizerE ?? base, c.optimizerE ? 'optimizerE' : 'optimizer');
  const batch = int('batch', c.batch, ONED_AUTHORS.batch, 1, 1 << 20);
  const init = (c.init ?? { mu: 0, sigma: 1 }) as Record<string, unknown>;
  if (typeof init !== 'object' || init === null) throw new ConfigError('init', `must be { mu, sigma }, got ${show(init)}`);
  if (typeof init.mu !== 'number' || !Number.isFinite(init.mu)) throw new ConfigError('init.mu', `must be a finite number, got ${show(init.mu)}`);
  if (typeof init.sigma !== 'number' || !Number.isFinite(init.sigma) || !(init.sigma > 0)) {
    throw new ConfigError('init.sigma', `must be a finite number > 0, got ${show(init.sigma)}`);
  }
  const traceEvery = int('traceEvery', c.traceEvery, 100, 0, 2 ** 31);
  const iterationsPerSubmit = int('iterationsPerSubmit', c.iterationsPerSubmit, 25, 1, 10_000);
  const l2H = c.l2H === undefined ? 0 : c.l2H;
  if (typeof l2H !== 'number' || !Number.isFinite(l2H) || l2H < 0) {
    throw new ConfigError('l2H', `must be a finite number >= 0 (0: no penalty), got ${show(l2H)}`);
  }
  const hSteps = int('hSteps', c.hSteps, 1, 1, 100);
  return {
    divergence, numerics, iterations, seed, hSeed, optimizerH, optimizerE, batch,
    init: { mu: init.mu, sigma: init.sigma }, traceEvery, iterationsPerSubmit, l2H, hSteps,
  };
}

/** Data samples of a batch drawn from the first mixture component (stratified, as the authors: int(B * 0.33)). */
export function firstComponentCount(batch: number): number {
  return Math.floor(batch * DATA_1D.weights[0] + 1e-9);
}

/**
 * Nominal FLOPs of one iteration: per H step H forward and two backward
 * products, then H forward once more for theta's step, on 2 batches.
 */
export function onedFlopsPerIteration(batch: number, hSteps = 1): number {
  return (3 * hSteps + 2) * mlpFlopsPerSample(ONED_H_SPEC) * 2 * batch;
}

export interface OnedTracePoint {
  iteration: number;
  mu: number;
  sigma: number;
  /** The objective L of that iteration (after its H step). */
  objective: number;
}

export interface OnedProgress {
  iteration: number;
  iterations: number;
  mu: number;
  sigma: number;
  elapsedSeconds: number;
  /** Estimated seconds left, from the pace so far. */
  remainingSeconds: number;
}

export interface OnedResult {
  divergence: string;
  numerics: Numerics;
  optimizerH: ValidOptimizerSpec;
  optimizerE: ValidOptimizerSpec;
  iterations: number;
  seed: number;
  batch: number;
  /** H's L2 output penalty and H steps per iteration. */
  l2H: number;
  hSteps: number;
  /** Final parameters (sigma as learned; q depends on |sigma| only). */
  mu: number;
  sigma: number;
  /** The loss metrics of the last iteration's E step. */
  metrics: LossMetrics;
  trace: OnedTracePoint[];
  /** Wall-clock seconds of the iterations, from the first submit to the final readback. */
  seconds: number;
  /** Seconds to compile and allocate before the first iteration. */
  setupSeconds: number;
  flopsPerIteration: number;
  gflops: number;
  /** H on a grid of x, for the plots (x from -4 to 7). */
  curve: { x: number[]; h: number[] };
  adapter: string;
}

export interface TrainOptions {
  onProgress?: (p: OnedProgress) => void;
  /** Minimum seconds between progress reports (each costs one small readback); default 2. */
  progressSeconds?: number;
}

/** The grid H is evaluated on for the plots. */
export function plotGrid(points = 221, lo = -4, hi = 7): number[] {
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

/** One 1-D experiment: buffers, kernels and passes, built once. */
export class OnedExperiment {
  private iterationPass: Pass | null = null;
  private readonly buffers: GPUBuffer[] = [];

  private constructor(
    readonly gpu: Gpu,
    readonly config: ValidOnedConfig,
    readonly mlp: MlpProgram,
    readonly loss: FdivLoss,
    readonly optH: Optimizer,
    readonly optE: Optimizer,
    private readonly kernels: Record<'sample' | 'energy' | 'egrad' | 'advance' | 'combine' | 'penalty', Kernel>,
    readonly b: {
      uniform: GPUBuffer; counter: GPUBuffer; theta: GPUBuffer; x: GPUBuffer; hv: GPUBuffer; ev: GPUBuffer; v: GPUBuffer;
      wH: GPUBuffer; wE: GPUBuffer; gradE: GPUBuffer; trace: GPUBuffer; hParams: GPUBuffer; gradH: GPUBuffer;
      trnUniform: GPUBuffer; trnStats: GPUBuffer;
    },
    readonly traceCapacity: number,
    readonly setupSeconds: number,
  ) {
    this.buffers = Object.values(b).filter((x): x is GPUBuffer => x !== null);
  }

  static async create(gpu: Gpu, config: OnedConfig | ValidOnedConfig): Promise<OnedExperiment> {
    const t0 = performance.now();
    const c = validateOnedConfig(config);
    const n = 2 * c.batch;
    const [mlp, loss, optH, optE, sample, energy, egrad, advance, combine, penalty] = await Promise.all([
      MlpProgram.create(gpu, ONED_H_SPEC, n),
      FdivLoss.create(gpu, { divergence: c.divergence, numerics: c.numerics, nData: c.batch, nModel: c.batch }),
      Optimizer.create(gpu, c.optimizerH, paramLayout(ONED_H_SPEC).size, { maximize: true, label: 'H optimizer' }),
      Optimizer.create(gpu, c.optimizerE, 2, { label: 'E optimizer' }),
      gpu.kernel('oned.wgsl', 'oned_sample', { files: ONED_SHADERS }),
      gpu.kernel('oned.wgsl', 'oned_energy', { files: ONED_SHADERS }),
      gpu.kernel('oned.wgsl', 'oned_egrad', { files: ONED_SHADERS }),
      gpu.kernel('oned.wgsl', 'oned_advance', { files: ONED_SHADERS }),
      gpu.kernel('trainer_loss.wgsl', 'trn_combine'),
      gpu.kernel('trainer_loss.wgsl', 'trn_penalty_h'),
    ]);
    const params = sample.iface.bindings.find((b) => b.name === 'oned')?.struct;
    if (!params) throw new FebmError('oned.wgsl: no uniform oned');
    const objective = loss.metricsLayout.members.objective;
    if (!objective) throw new FebmError('fdiv_loss.wgsl: LossMetrics has no member objective');
    const [seedLo, seedHi] = seedKey(c.seed);
    const traceCapacity = c.traceEvery > 0 ? Math.floor((c.iterations - 1) / c.traceEvery) + 1 : 1;
    const bytes = packStruct(params, {
      n_data: c.batch,
      n_model: c.batch,
      n_first: firstComponentCount(c.batch),
      seed_lo: seedLo,
      seed_hi: seedHi,
      trace_every: c.traceEvery,
      trace_capacity: traceCapacity,
      objective_index: objective.offset / 4,
      mean0: DATA_1D.means[0],
      std0: DATA_1D.stds[0],
      mean1: DATA_1D.means[1],
      std1: DATA_1D.stds[1],
    });
    const layout = paramLayout(ONED_H_SPEC);
    // The trainer's uniform for trn_combine and trn_penalty_h: the data half
    // and the model half of x, H's penalty weight, no warm-up (the counter's
    // TRN_ITER word is the experiment's iteration, word 0 of oned_counter).
    const trn = combine.iface.bindings.find((x) => x.name === 'trn')?.struct;
    if (!trn) throw new FebmError('trainer_loss.wgsl: no uniform trn');
    const trnBytes = packStruct(trn, { batch: c.batch, chains: c.batch, l2: c.l2H, warmup: 0, mode: TRAINER_MODE.fdiv });
    const b = {
      uniform: gpu.bufferFrom('oned params', bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      counter: gpu.buffer('oned counter', 4),
      theta: gpu.bufferFrom('oned theta', new Float32Array([c.init.mu, c.init.sigma])),
      x: gpu.buffer('oned x', n * 4),
      hv: gpu.buffer('oned H(x)', n * 4),
      ev: gpu.buffer('oned E(x)', n * 4),
      v: gpu.buffer('oned v', n * 4),
      wH: gpu.buffer('oned wH', n * 4),
      wE: gpu.buffer('oned wE', n * 4),
      gradE: gpu.buffer('oned gradE', 2 * 4),
      trace: gpu.buffer('oned trace', traceCapacity * 16),
      hParams: gpu.bufferFrom('H params', initParams(layout, c.hSeed)),
      gradH: gpu.buffer('H grad', layout.size * 4),
      trnUniform: gpu.bufferFrom('oned trainer params', trnBytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      trnStats: gpu.buffer('oned trainer stats (unused)', 16),
    };
    const setupSeconds = (performance.now() - t0) / 1000;
    return new OnedExperiment(gpu, c, mlp, loss, optH, optE, { sample, energy, egrad, advance, combine, penalty }, b, traceCapacity, setupSeconds);
  }

  /** The dispatches of one iteration (Algorithm 1), built once. */
  iteration(): Pass {
    if (this.iterationPass) return this.iterationPass;
    const { b, kernels: k, mlp } = this;
    const n = 2 * this.config.batch;
    const oned = {
      oned: b.uniform, oned_counter: b.counter, oned_theta: b.theta, oned_x: b.x, oned_ev: b.ev, oned_w: b.wE,
      oned_grad: b.gradE, oned_trace: b.trace, oned_metrics: this.loss.metrics,
    };
    const trn = k.combine.bind({
      trn: b.trnUniform, trn_counters: b.counter, trn_hv: b.hv, trn_ev: b.ev, trn_v: b.v, trn_w_h: b.wH, trn_w_e: b.wE,
      trn_loss_metrics: this.loss.metrics, trn_stats: b.trnStats,
    });
    const group = (kernel: Kernel) => kernel.bind(oned);
    const gSample = group(k.sample);
    const gEnergy = group(k.energy);
    const gEgrad = group(k.egrad);
    const gAdvance = group(k.advance);
    // One grid for every per-sample kernel: theirs and the trainer's have one workgroup size.
    const wg = k.sample.workgroupSize[0];
    for (const kernel of [k.energy, k.combine, k.penalty]) {
      if (kernel.workgroupSize[0] !== wg) throw new FebmError(`${kernel.entryPoint}: @workgroup_size ${kernel.workgroupSize[0]}, oned_sample's ${wg}`);
    }
    const [x, y] = dispatchSize(n, wg, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    if (y !== 1) throw new ConfigError('batch', `too large for a 1-D dispatch (${n} samples)`);
    const forward = mlp.forward({ theta: b.hParams, x: b.x, out: b.hv });
    const lossPass = this.loss.pass({ v: b.v, wH: b.wH, wE: b.wE });
    // Runs right after `forward` of the same H on the same x (below): backward only.
    const hGrad = mlp.paramGrad({ theta: b.hParams, x: b.x, weights: b.wH, grad: b.gradH }, { afterForward: true });
    const hStep = this.optH.step({ theta: b.hParams, grad: b.gradH });
    const eStep = this.optE.step({ theta: b.theta, grad: b.gradE });
    const penalty = this.config.l2H > 0;
    const hSteps = this.config.hSteps;
    const dispatch = (pass: GPUComputePassEncoder, kernel: Kernel, g: GPUBindGroup, groups: number) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, g);
      pass.dispatchWorkgroups(groups);
    };
    this.iterationPass = (pass) => {
      // Draw this iteration's data and model samples (Philox step = the GPU's counter).
      dispatch(pass, k.sample, gSample, x);
      // H steps: v = H + E, weights (less the L2 penalty's), gradient of L in omega, ascent.
      for (let s = 0; s < hSteps; s++) {
        forward(pass);
        dispatch(pass, k.energy, gEnergy, x);
        dispatch(pass, k.combine, trn, x);
        lossPass(pass);
        if (penalty) dispatch(pass, k.penalty, trn, x);
        hGrad(pass);
        hStep(pass);
      }
      // E step with the updated H: v again, weights with the covariance term, descent.
      forward(pass);
      dispatch(pass, k.energy, gEnergy, x);
      dispatch(pass, k.combine, trn, x);
      lossPass(pass);
      dispatch(pass, k.egrad, gEgrad, 1);
      dispatch(pass, k.advance, gAdvance, 1);
      eStep(pass);
    };
    return this.iterationPass;
  }

  /** Records `count` iterations into one encoder and submits them. */
  submit(count: number): void {
    const one = this.iteration();
    const encoder = this.gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (let i = 0; i < count; i++) one(pass);
    pass.end();
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  async theta(): Promise<{ mu: number; sigma: number }> {
    const [mu, sigma] = await this.gpu.readF32(this.b.theta, 2);
    return { mu, sigma };
  }

  async iterationCount(): Promise<number> {
    return new Uint32Array(await this.gpu.read(this.b.counter, 4))[0];
  }

  async readTrace(iterationsDone: number): Promise<OnedTracePoint[]> {
    if (this.config.traceEvery === 0) return [];
    const entries = Math.min(this.traceCapacity, Math.floor((iterationsDone - 1) / this.config.traceEvery) + 1);
    if (entries <= 0) return [];
    const t = await this.gpu.readF32(this.b.trace, 4 * entries);
    return Array.from({ length: entries }, (_, i) => ({ iteration: t[4 * i], mu: t[4 * i + 1], sigma: t[4 * i + 2], objective: t[4 * i + 3] }));
  }

  /** H(x) at the given points, with the current parameters. */
  async evaluateH(xs: number[]): Promise<number[]> {
    const program = await MlpProgram.create(this.gpu, ONED_H_SPEC, xs.length);
    const x = this.gpu.bufferFrom('H grid', new Float32Array(xs));
    const out = this.gpu.buffer('H grid out', xs.length * 4);
    try {
      program.run(program.forward({ theta: this.b.hParams, x, out }));
      return Array.from(await this.gpu.readF32(out, xs.length));
    } finally {
      for (const buf of [x, out]) buf.destroy();
      program.destroy();
    }
  }

  /** Throws if an Adam moment of theta or H is not finite (Optimizer.nonFiniteMoment). */
  async checkMoments(done: number): Promise<void> {
    for (const [name, opt] of [['theta', this.optE], ['H', this.optH]] as const) {
      const bad = await opt.nonFiniteMoment();
      if (bad) {
        throw new FebmError(
          `the 1-D experiment diverged: ${name}'s Adam ${bad.moment} moment is ${bad.value} after ${done} iterations ` +
            `(a gradient too large for f32 Adam: every later step would be 0); (mu, sigma) stays where it was`,
        );
      }
    }
  }

  /** H's packed parameters. */
  async hParams(): Promise<Float32Array> {
    return this.gpu.readF32(this.b.hParams, paramLayout(ONED_H_SPEC).size);
  }

  /** Runs all configured iterations and returns the result. */
  async train(options: TrainOptions = {}): Promise<OnedResult> {
    const c = this.config;
    const progressSeconds = options.progressSeconds ?? 2;
    this.iteration();
    const t0 = performance.now();
    let done = 0;
    let lastReport = t0;
    while (done < c.iterations) {
      const count = Math.min(c.iterationsPerSubmit, c.iterations - done);
      this.submit(count);
      done += count;
      await this.gpu.sync();
      const now = performance.now();
      if (now - lastReport >= progressSeconds * 1000 || done === c.iterations) {
        lastReport = now;
        const { mu, sigma } = await this.theta();
        // NaN and infinities are tested here, on the host, after the readback (WGSL may assume there are none).
        if (!Number.isFinite(mu) || !Number.isFinite(sigma)) {
          throw new FebmError(`the 1-D experiment diverged: (mu, sigma) = (${mu}, ${sigma}) after ${done} iterations`);
        }
        await this.checkMoments(done);
        if (!options.onProgress) continue;
        const elapsed = (performance.now() - t0) / 1000;
        options.onProgress({
          iteration: done, iterations: c.iterations, mu, sigma, elapsedSeconds: elapsed,
          remainingSeconds: (elapsed / done) * (c.iterations - done),
        });
      }
    }
    const { mu, sigma } = await this.theta();
    const seconds = (performance.now() - t0) / 1000;
    const metrics = await this.loss.readMetrics();
    const trace = await this.readTrace(done);
    const gridX = plotGrid();
    const h = await this.evaluateH(gridX);
    const flopsPerIteration = onedFlopsPerIteration(c.batch, c.hSteps);
    return {
      divergence: describeDivergence(c.divergence),
      numerics: c.numerics,
      optimizerH: c.optimizerH,
      optimizerE: c.optimizerE,
      iterations: done,
      seed: c.seed,
      batch: c.batch,
      l2H: c.l2H,
      hSteps: c.hSteps,
      mu,
      sigma,
      metrics,
      trace,
      seconds,
      setupSeconds: this.setupSeconds,
      flopsPerIteration,
      gflops: (flopsPerIteration * done) / seconds / 1e9,
      curve: { x: gridX, h },
      adapter: `${this.gpu.adapter.vendor} ${this.gpu.adapter.architecture}`.trim(),
    };
  }

  destroy(): void {
    for (const buf of this.buffers) buf.destroy();
    this.loss.destroy();
    this.optH.destroy();
    this.optE.destroy();
    this.mlp.destroy();
  }
}

/** Creates, trains and destroys one 1-D experiment. */
export async function runOned(gpu: Gpu, config: OnedConfig, options: TrainOptions = {}): Promise<OnedResult> {
  const exp = await OnedExperiment.create(gpu, config);
  try {
    return await exp.train(options);
  } finally {
    exp.destroy();
  }
}

// Host side of the optimiser kernels (shaders/optim.wgsl): SGD and Adam on a
// packed parameter buffer, with the step counter on the GPU, so that any
// number of steps can be recorded into one submit. Reusable for any
// parameter buffer (an MlpProgram's packed weights, a handful of scalars).

import { dispatchSize, type Gpu, type Kernel } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import type { Pass } from '../mlp/program';
import { packStruct, type StructLayout } from '../device/shader';
import { unpackStruct } from '../device/unpack';
import type { GpuPart } from '../device/part';
import { shaderCodes } from '../device/constants';
import { integer, oneOf, real, show } from '../validate';

export type OptimizerKind = 'sgd' | 'adam';
export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adam'];
/** The kind codes of optim.wgsl (OPTIM_SGD, OPTIM_ADAM). */
export const OPTIMIZER_CODE: Record<OptimizerKind, number> = shaderCodes('optim.wgsl', 'OPTIM_', OPTIMIZER_KINDS);

export interface OptimizerSpec {
  kind: OptimizerKind;
  /** Learning rate, > 0. */
  lr: number;
  /** Adam only (defaults as PyTorch: 0.9, 0.999, 1e-8). */
  beta1?: number;
  beta2?: number;
  eps?: number;
  /**
   * Linear learning-rate decay: from lr at step 1 to lrFinal at step
   * decaySteps + 1, constant after. Default 0 (constant lr).
   */
  decaySteps?: number;
  /** Default: lr. */
  lrFinal?: number;
  /**
   * Linear warm-up: step t <= warmupSteps uses lr t / warmupSteps; the decay
   * starts after it. Default 0.
   */
  warmupSteps?: number;
  /**
   * Adam only: clip each gradient element to +-(clipRms * RMS + clipAdd),
   * RMS = sqrt(v / (1 - beta2^t)) from the second moment before the step, as
   * the f-EBM authors' image training (clipRms 3, clipAdd 0.1). Default 0: off.
   */
  clipRms?: number;
  /** Default 0.1. */
  clipAdd?: number;
}

export type ValidOptimizerSpec = Required<OptimizerSpec>;

/** Validates an optimiser description and fills in Adam's defaults; ConfigError names the field. */
export function validateOptimizer(spec: unknown, field = 'optimizer'): ValidOptimizerSpec {
  if (typeof spec !== 'object' || spec === null) throw new ConfigError(field, `must be an object { kind, lr, ... }, got ${show(spec)}`);
  const s = spec as Record<string, unknown>;
  const kind = oneOf(`${field}.kind`, s.kind, OPTIMIZER_KINDS);
  const f = (name: string) => `${field}.${name}`;
  const lr = real(f('lr'), s.lr, 'in (0, inf)', (x) => x > 0);
  const beta1 = real(f('beta1'), s.beta1, 'in [0, 1)', (x) => x >= 0 && x < 1, 0.9);
  const beta2 = real(f('beta2'), s.beta2, 'in [0, 1)', (x) => x >= 0 && x < 1, 0.999);
  const eps = real(f('eps'), s.eps, 'in (0, inf)', (x) => x > 0, 1e-8);
  const decaySteps = integer(f('decaySteps'), s.decaySteps, 0, 2 ** 32 - 1, { fallback: 0, hiText: '2^32 - 1' });
  const lrFinal = real(f('lrFinal'), s.lrFinal, 'in [0, inf)', (x) => x >= 0, lr);
  const warmupSteps = integer(f('warmupSteps'), s.warmupSteps, 0, 2 ** 32 - 1, { fallback: 0, hiText: '2^32 - 1' });
  const clipRms = real(f('clipRms'), s.clipRms, 'in [0, inf) (0: no clipping)', (x) => x >= 0, 0);
  const clipAdd = real(f('clipAdd'), s.clipAdd, 'in [0, inf)', (x) => x >= 0, 0.1);
  if (clipRms > 0 && kind !== 'adam') throw new ConfigError(`${field}.clipRms`, `applies to 'adam' only, got kind ${show(s.kind)}`);
  return { kind, lr, beta1, beta2, eps, decaySteps, lrFinal, warmupSteps, clipRms, clipAdd };
}

/** Optimiser state on the host, for the float64 reference. */
export interface OptimizerState64 {
  theta: number[];
  m: number[];
  v: number[];
  t: number;
}

/** The learning rate of step t (1-based) under the spec's schedule. */
export function learningRate(spec: ValidOptimizerSpec, t: number): number {
  if (t <= spec.warmupSteps) return (spec.lr * t) / spec.warmupSteps;
  if (spec.decaySteps === 0) return spec.lr;
  const s = t - spec.warmupSteps;
  return spec.lr + (spec.lrFinal - spec.lr) * (Math.min(s - 1, spec.decaySteps) / spec.decaySteps);
}

/** One step of optim.wgsl in float64 (PyTorch's SGD and Adam, plus the schedule), in place. */
export function optimizerStep64(spec: ValidOptimizerSpec, state: OptimizerState64, grad: readonly number[], maximize = false): void {
  state.t += 1;
  const b1 = 1 - spec.beta1 ** state.t;
  const b2 = 1 - spec.beta2 ** state.t;
  const lr = learningRate(spec, state.t);
  for (let i = 0; i < state.theta.length; i++) {
    let g = maximize ? -grad[i] : grad[i];
    if (spec.kind === 'sgd') {
      state.theta[i] -= lr * g;
      continue;
    }
    if (spec.clipRms > 0) {
      const bound = spec.clipRms * Math.sqrt(state.v[i] / b2) + spec.clipAdd;
      g = Math.min(Math.max(g, -bound), bound);
    }
    state.m[i] = spec.beta1 * state.m[i] + (1 - spec.beta1) * g;
    state.v[i] = spec.beta2 * state.v[i] + (1 - spec.beta2) * g * g;
    state.theta[i] -= (lr * (state.m[i] / b1)) / (Math.sqrt(state.v[i] / b2) + spec.eps);
  }
}

/**
 * The optimiser of one parameter buffer of `count` f32 values: owns its
 * uniform, moments and counter. step() records one step (advance the counter,
 * update every parameter); encode it as often as needed.
 */
export class Optimizer implements GpuPart {
  private constructor(
    readonly gpu: Gpu,
    readonly spec: ValidOptimizerSpec,
    readonly count: number,
    readonly maximize: boolean,
    readonly uniform: GPUBuffer,
    readonly moments: GPUBuffer,
    readonly counter: GPUBuffer,
    private readonly counterLayout: StructLayout,
    private readonly kernels: { advance: Kernel; step: Kernel },
  ) {}

  static async create(gpu: Gpu, spec: OptimizerSpec, count: number, options: { maximize?: boolean; label?: string } = {}): Promise<Optimizer> {
    const s = validateOptimizer(spec);
    integer('count', count, 1);
    const [advance, step] = await Promise.all([gpu.kernel('optim.wgsl', 'optim_advance'), gpu.kernel('optim.wgsl', 'optim_step')]);
    const params = step.iface.bindings.find((b) => b.name === 'optim')?.struct;
    const counterLayout = step.iface.bindings.find((b) => b.name === 'optim_counter')?.struct;
    if (!params || !counterLayout) throw new FebmError('optim.wgsl: no uniform optim or storage optim_counter');
    const label = options.label ?? 'optimizer';
    const maximize = options.maximize ?? false;
    const bytes = packStruct(params, {
      count,
      kind: OPTIMIZER_CODE[s.kind],
      maximize: maximize ? 1 : 0,
      lr: s.lr,
      beta1: s.beta1,
      beta2: s.beta2,
      eps: s.eps,
      lr_final: s.lrFinal,
      decay_steps: s.decaySteps,
      one_minus_beta1: 1 - s.beta1,
      one_minus_beta2: 1 - s.beta2,
      log_beta1: s.beta1 > 0 ? Math.log(s.beta1) : 0,
      log_beta2: s.beta2 > 0 ? Math.log(s.beta2) : 0,
      warmup_steps: s.warmupSteps,
      clip_rms: s.clipRms,
      clip_add: s.clipAdd,
    });
    const uniform = gpu.bufferFrom(`${label} params`, bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    // New buffers are zero-filled: m = v = 0, t = 0.
    const moments = gpu.buffer(`${label} moments`, (s.kind === 'adam' ? 2 * count : 1) * 4);
    const counter = gpu.buffer(`${label} counter`, counterLayout.size);
    return new Optimizer(gpu, s, count, maximize, uniform, moments, counter, counterLayout, { advance, step });
  }

  /** One step: theta -= update(grad) (or += with maximize). */
  step(b: { theta: GPUBuffer; grad: GPUBuffer }): Pass {
    const { advance, step } = this.kernels;
    const buffers = { optim: this.uniform, optim_theta: b.theta, optim_grad: b.grad, optim_moments: this.moments, optim_counter: this.counter };
    const g1 = advance.bind(buffers);
    const g2 = step.bind(buffers);
    const [x, y] = dispatchSize(this.count, step.workgroupSize[0], this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return (pass) => {
      pass.setPipeline(advance.pipeline);
      pass.setBindGroup(0, g1);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(step.pipeline);
      pass.setBindGroup(0, g2);
      pass.dispatchWorkgroups(x, y);
    };
  }

  /** Zeroes the moments and the step counter (a fresh optimiser). */
  reset(): void {
    this.gpu.device.queue.writeBuffer(this.moments, 0, new Uint8Array(this.moments.size));
    this.gpu.device.queue.writeBuffer(this.counter, 0, new Uint8Array(this.counter.size));
  }

  /**
   * The first non-finite Adam moment, or null (SGD: always null). A gradient
   * with (1 - beta2) g^2 beyond f32's maximum (|g| > 5.8e20 at beta2 0.999,
   * 5.8e19 at 0.9) makes the second moment infinite: every later step is
   * then 0 while the parameters stay finite, a freeze that no parameter
   * check sees. One readback of 2 * count values.
   */
  async nonFiniteMoment(): Promise<{ moment: 'first' | 'second'; index: number; value: number } | null> {
    if (this.spec.kind !== 'adam') return null;
    const m = await this.gpu.readF32(this.moments, 2 * this.count);
    const i = m.findIndex((x) => !Number.isFinite(x));
    if (i < 0) return null;
    return i < this.count ? { moment: 'first', index: i, value: m[i] } : { moment: 'second', index: i - this.count, value: m[i] };
  }

  /** The step counter and (Adam) the moments [m; v], to put back with restore() (two round trips). */
  async readState(): Promise<{ step: number; moments: Float32Array | null }> {
    const step = await this.steps();
    const moments = this.spec.kind === 'adam' ? await this.gpu.readF32(this.moments, 2 * this.count) : null;
    return { step, moments };
  }

  /**
   * Puts back a state from readState(): the next step is step + 1 with these
   * moments (the counter's learning rate and bias corrections are recomputed
   * from the step by optim_advance before they are used).
   */
  restore(state: { step: number; moments: Float32Array | null }): void {
    integer('step', state.step, 0, 2 ** 32 - 1, { hiText: '2^32 - 1' });
    if (this.spec.kind === 'adam') {
      if (!(state.moments instanceof Float32Array) || state.moments.length !== 2 * this.count) {
        throw new ConfigError('moments', `must be a Float32Array of 2 * count = ${2 * this.count} values (Adam's m, then v)`);
      }
      this.gpu.write(this.moments, state.moments);
    }
    this.gpu.write(this.counter, packStruct(this.counterLayout, { step: state.step }));
  }

  /** The number of steps taken (one round trip). */
  async steps(): Promise<number> {
    return unpackStruct(this.counterLayout, await this.gpu.read(this.counter, this.counterLayout.size)).step;
  }

  /** Bytes of GPU memory the optimiser holds (uniform, moments, counter). */
  get bytes(): number {
    return this.uniform.size + this.moments.size + this.counter.size;
  }

  destroy(): void {
    for (const b of [this.uniform, this.moments, this.counter]) b.destroy();
  }
}

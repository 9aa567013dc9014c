// Host side of the MLP kernels (shaders/mlp*.wgsl): the layout uniform, the
// scratch buffer, and passes whose bind groups are built once and encoded as
// often as needed. Two variants of the kernels (src/mlp/variant.ts): 'lanes'
// (shaders/mlp.wgsl and its kernels, for CPU-emulated adapters) and 'tiled'
// (shaders/mlp_tiled.wgsl, for GPUs), chosen per device (Gpu.mlpVariant) or
// per program; both compute the same passes on the same buffers.

import { Gpu, dispatchSize, type Kernel } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import { ACTIVATION_CODE, paramLayout, validateMlpSpec, type Activation, type MlpSpec, type ParamLayout } from './params';
import type { GpuPart } from '../device/part';
import { packStruct } from '../device/shader';
import { shaderConstant } from '../device/constants';
import { mlpLayoutValues, scratchRegions, type MlpLayoutConstants, type ScratchLayout } from './layout';
import { integer, oneOf } from '../validate';
import { MLP_VARIANTS, type MlpVariant } from './variant';

/** Samples per invocation in the MLP kernels. */
export const MLP_CHAINS = shaderConstant('mlp.wgsl', 'MLP_CHAINS');
/** The largest (and the shader's default) number of invocations per workgroup in the MLP kernels. */
export const MLP_GROUP = shaderConstant('mlp.wgsl', 'MLP_GROUP');
/** Samples per workgroup at the default group size. */
export const MLP_SAMPLES_PER_GROUP = MLP_CHAINS * MLP_GROUP;
const MLP_MAX_LAYERS = shaderConstant('mlp_layout.wgsl', 'MLP_MAX_LAYERS');
const MLP_TILE_J4 = shaderConstant('mlp_param_grad.wgsl', 'MLP_TILE_J4');
const MLP_TILE_K4 = shaderConstant('mlp_param_grad.wgsl', 'MLP_TILE_K4');
const MLP_REDUCE_GROUP = shaderConstant('mlp_param_grad.wgsl', 'MLP_REDUCE_GROUP');
/** The tiled variant's tiles: samples and units (or inputs) per workgroup, invocations per workgroup. */
export const MLP_TILED_S = shaderConstant('mlp_tiled.wgsl', 'MLP_TILED_S');
const MLP_TILED_U = shaderConstant('mlp_tiled.wgsl', 'MLP_TILED_U');
export const MLP_TILED_GROUP = shaderConstant('mlp_tiled.wgsl', 'MLP_TILED_GROUP');
const MLP_SEED_ONES = shaderConstant('mlp_tiled.wgsl', 'MLP_SEED_ONES');
const MLP_SEED_WEIGHTS = shaderConstant('mlp_tiled.wgsl', 'MLP_SEED_WEIGHTS');

/** The workgroup sizes mlpGroupFor chooses from (few, because each one is a separate, slow pipeline compile). */
export const MLP_GROUP_SIZES = [4, 16, MLP_GROUP] as const;

/**
 * Invocations per workgroup (the MLP_GROUP override) for a batch: the largest
 * of MLP_GROUP_SIZES that still gives at least 8 workgroups, so that a small
 * batch is padded to a multiple of 4 * MLP_CHAINS samples rather than
 * MLP_GROUP * MLP_CHAINS and its work
 * spreads over the cores of a CPU-emulated adapter (one workgroup runs on one
 * core there) or the multiprocessors of a GPU.
 */
export function mlpGroupFor(batch: number): number {
  const lanes = Math.ceil(batch / MLP_CHAINS);
  for (let i = MLP_GROUP_SIZES.length - 1; i > 0; i--) if (lanes >= 8 * MLP_GROUP_SIZES[i]) return MLP_GROUP_SIZES[i];
  return MLP_GROUP_SIZES[0];
}

/** Checks a workgroup size for the MLP kernels (an integer in [1, 256]). */
export function validateMlpGroup(group: number, field = 'group'): number {
  return integer(field, group, 1, 256);
}

/** The pipeline constants of an MLP kernel for a workgroup size and the hidden layers' activation. */
export const mlpConstants = (group: number, activation: Activation): Record<string, number> => ({
  MLP_GROUP: group,
  MLP_ACTIVATION: ACTIVATION_CODE[activation],
});

/** A recorded piece of GPU work: dispatches into an open compute pass. */
export type Pass = (pass: GPUComputePassEncoder) => void;

export type { ScratchLayout };

/** The WGSL constants of the layout formulas (src/mlp/layout.ts), per variant. */
const LAYOUT_CONSTANTS: MlpLayoutConstants = { MLP_CHAINS, MLP_TILE_J4, MLP_TILE_K4 };
const TILED_LAYOUT_CONSTANTS: MlpLayoutConstants = { MLP_CHAINS, MLP_TILED_S };

/**
 * The scratch layout of a network over `batch` samples (src/mlp/layout.ts
 * scratchRegions): for the lanes variant, in workgroups of `group`
 * invocations; for the tiled one, in 32-sample tiles (no copy of the input:
 * its layer 0 reads x).
 */
export function scratchLayout(layout: ParamLayout, batch: number, group = mlpGroupFor(batch), variant: MlpVariant = 'lanes'): ScratchLayout {
  const tiled = variant === 'tiled';
  return scratchRegions(layout.layers, integer('batch', batch, 1), tiled ? MLP_TILED_GROUP : validateMlpGroup(group), tiled ? TILED_LAYOUT_CONSTANTS : LAYOUT_CONSTANTS);
}

/**
 * Refuses, before anything is compiled or allocated, a batch whose scratch
 * (activations of every layer for every sample) exceeds the device's storage
 * buffer limit, naming the largest batch that fits.
 */
export function checkScratchFits(layout: ParamLayout, batch: number, group: number, scratch: ScratchLayout, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): void {
  const max = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const bytes = scratch.vec4s * 16;
  if (bytes <= max) return;
  const perGroup = scratch.variant === 'tiled' ? MLP_TILED_S : MLP_CHAINS * group;
  const perSample = (scratchLayout(layout, perGroup, group, scratch.variant).vec4s * 16) / perGroup;
  const most = Math.floor(max / perSample / perGroup) * perGroup;
  const sizes = [layout.spec.inputDim, ...layout.spec.hidden, 1].join(',');
  throw new ConfigError('batch', `an MLP [${sizes}] needs ${perSample} bytes of scratch per sample (${bytes} bytes for ${batch}), over the device's storage buffer limit of ${max} bytes: batch must be in [1, ${most}] for this network`);
}

/** MlpProgram.create's options. */
export interface MlpProgramOptions {
  /** Lanes variant: invocations per workgroup (default mlpGroupFor(batch)); kernels that share the program's scratch (a Langevin sampler) must use the same. */
  group?: number;
  /** The kernels' variant (default: the device's, Gpu.mlpVariant). */
  variant?: MlpVariant;
}

type LanesKernels = { variant: 'lanes'; forward: Kernel; inputGrad: Kernel; samples: Kernel; deltas: Kernel; reduce: Kernel };
type TiledKernels = { variant: 'tiled'; forward: Kernel; seed: Kernel; backward: Kernel; param: Kernel };

/** The tiled variant's own buffers: one uniform slot per dispatch kind and layer, and stand-ins for bindings a pass leaves unused. */
interface TiledBuffers {
  steps: GPUBuffer;
  /** Byte stride of the step slots (the device's uniform offset alignment). */
  stride: number;
  /** f(x_i) of a parameter-gradient pass's own forward (nobody reads it). */
  values: GPUBuffer;
  unused: { gradX: GPUBuffer; weights: GPUBuffer; grad: GPUBuffer };
}

/** Step slots of the tiled variant: forward, backward, param for each layer, then the two seeds. */
const slotOf = {
  forward: (l: number) => l,
  backward: (l: number) => MLP_MAX_LAYERS + l,
  param: (l: number) => 2 * MLP_MAX_LAYERS + l,
  seed: (weights: boolean) => 3 * MLP_MAX_LAYERS + (weights ? 1 : 0),
};
const SLOTS = 3 * MLP_MAX_LAYERS + 2;

/**
 * The buffers an MlpProgram allocates (requested sizes; Gpu.buffer rounds
 * them up with allocatedSize), for memory plans made before anything is
 * allocated. `uniformBytes`: the size of the MlpLayout uniform (reflected from
 * the WGSL by the caller); `uniformAlignment`: the device's
 * minUniformBufferOffsetAlignment (256 unless a device asked for less).
 */
export function mlpProgramBuffers(
  layout: ParamLayout, batch: number, o: { group?: number; variant: MlpVariant; uniformBytes: number; uniformAlignment?: number },
): { name: string; size: number; kind: 'uniform' | 'storage' }[] {
  const scratch = scratchLayout(layout, batch, o.group ?? mlpGroupFor(batch), o.variant);
  const out: { name: string; size: number; kind: 'uniform' | 'storage' }[] = [
    { name: 'uniform', size: o.uniformBytes, kind: 'uniform' },
    { name: 'scratch', size: scratch.vec4s * 16, kind: 'storage' },
  ];
  if (o.variant === 'tiled') {
    out.push(
      { name: 'step uniforms', size: SLOTS * Math.max(16, o.uniformAlignment ?? 256), kind: 'uniform' },
      { name: 'values', size: batch * 4, kind: 'storage' },
      ...['grad_x', 'weights', 'grad'].map((b) => ({ name: `unused ${b}`, size: 4, kind: 'storage' as const })),
    );
  }
  return out;
}

/**
 * The MLP kernels for one architecture and batch size. Create once (compiles
 * the pipelines, allocates the uniform and scratch); then build passes for
 * given buffers once and encode them every iteration.
 */
export class MlpProgram implements GpuPart {
  private constructor(
    readonly gpu: Gpu,
    readonly layout: ParamLayout,
    readonly batch: number,
    readonly scratch: ScratchLayout,
    readonly uniform: GPUBuffer,
    readonly scratchBuffer: GPUBuffer,
    private readonly kernels: LanesKernels | TiledKernels,
    private readonly tiled: TiledBuffers | null,
  ) {}

  /**
   * `options`: the variant (default: the device's) and, for the lanes
   * variant, invocations per workgroup (a number is taken as the group, as
   * before variants existed).
   */
  static async create(gpu: Gpu, spec: MlpSpec, batch: number, options: number | MlpProgramOptions = {}): Promise<MlpProgram> {
    validateMlpSpec(spec);
    integer('batch', batch, 1);
    const o: MlpProgramOptions = typeof options === 'number' ? { group: options } : options;
    const variant = oneOf('variant', o.variant ?? gpu.mlpVariant, MLP_VARIANTS);
    const group = o.group ?? mlpGroupFor(batch);
    const layout = paramLayout(spec);
    if (layout.layers.length > MLP_MAX_LAYERS) throw new ConfigError('mlp.hidden', `at most ${MLP_MAX_LAYERS - 1} hidden layers`);
    const scratch = scratchLayout(layout, batch, group, variant);
    checkScratchFits(layout, batch, group, scratch, gpu.limits);
    if (variant === 'tiled' && scratch.batchPadded / MLP_TILED_S > gpu.limits.maxComputeWorkgroupsPerDimension) {
      const most = gpu.limits.maxComputeWorkgroupsPerDimension * MLP_TILED_S;
      throw new ConfigError('batch', `the tiled MLP kernels take batches in [1, ${most}] on this device (${MLP_TILED_S} samples per workgroup), got ${batch}`);
    }
    let kernels: LanesKernels | TiledKernels;
    if (variant === 'lanes') {
      const constants = mlpConstants(group, spec.activation);
      const [forward, inputGrad, samples, deltas, reduce] = await Promise.all([
        gpu.kernel('mlp_forward.wgsl', 'forward', { constants }),
        gpu.kernel('mlp_input_grad.wgsl', 'input_grad', { constants }),
        gpu.kernel('mlp_param_grad.wgsl', 'samples', { constants }),
        gpu.kernel('mlp_param_grad.wgsl', 'deltas', { constants }),
        gpu.kernel('mlp_param_grad.wgsl', 'reduce', { constants }),
      ]);
      kernels = { variant, forward, inputGrad, samples, deltas, reduce };
    } else {
      const constants = { MLP_ACTIVATION: ACTIVATION_CODE[spec.activation] };
      const [forward, seed, backward, param] = await Promise.all(
        ['tiled_forward', 'tiled_seed', 'tiled_backward', 'tiled_param'].map((entry) => gpu.kernel('mlp_tiled.wgsl', entry, { constants })),
      );
      kernels = { variant, forward, seed, backward, param };
    }
    const struct = kernels.forward.iface.bindings.find((b) => b.name === 'mlp')?.struct;
    if (!struct) throw new FebmError('the MLP kernels declare no uniform named mlp');
    const values = mlpLayoutValues(layout.layers, scratch, spec.inputDim, batch);
    const made: GPUBuffer[] = [];
    const make = (b: GPUBuffer) => (made.push(b), b);
    try {
      const uniform = make(gpu.bufferFrom('mlp layout', packStruct(struct, values), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST));
      const scratchBuffer = make(gpu.buffer('mlp scratch', scratch.vec4s * 16));
      let tiled: TiledBuffers | null = null;
      if (kernels.variant === 'tiled') {
        const stepStruct = kernels.forward.iface.bindings.find((b) => b.name === 'step')?.struct;
        if (!stepStruct) throw new FebmError('mlp_tiled.wgsl declares no uniform named step');
        const stride = Math.max(16, stepStruct.size, gpu.limits.minUniformBufferOffsetAlignment);
        const slots = new ArrayBuffer(SLOTS * stride);
        for (let l = 0; l < MLP_MAX_LAYERS; l++) {
          for (const slot of [slotOf.forward(l), slotOf.backward(l), slotOf.param(l)]) packStruct(stepStruct, { layer: l }, slots, slot * stride);
        }
        packStruct(stepStruct, { seed: MLP_SEED_ONES }, slots, slotOf.seed(false) * stride);
        packStruct(stepStruct, { seed: MLP_SEED_WEIGHTS }, slots, slotOf.seed(true) * stride);
        tiled = {
          steps: make(gpu.bufferFrom('mlp tiled steps', slots, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST)),
          stride,
          values: make(gpu.buffer('mlp values', batch * 4)),
          unused: { gradX: make(gpu.buffer('mlp unused grad_x', 4)), weights: make(gpu.buffer('mlp unused weights', 4)), grad: make(gpu.buffer('mlp unused grad', 4)) },
        };
      }
      return new MlpProgram(gpu, layout, batch, scratch, uniform, scratchBuffer, kernels, tiled);
    } catch (e) {
      for (const b of made) b.destroy();
      throw e;
    }
  }

  /** The kernels' variant. */
  get variant(): MlpVariant {
    return this.kernels.variant;
  }

  /** Invocations per workgroup of this program's kernels. */
  get group(): number {
    return this.scratch.group;
  }

  /** Lanes variant: invocations that carry the batch, one per MLP_CHAINS samples, in whole workgroups. */
  get lanes(): number {
    return this.scratch.batchPadded / MLP_CHAINS;
  }

  private get buffers(): GPUBuffer[] {
    const t = this.tiled;
    return [this.uniform, this.scratchBuffer, ...(t ? [t.steps, t.values, t.unused.gradX, t.unused.weights, t.unused.grad] : [])];
  }

  /** Bytes of GPU memory this program holds (uniform, scratch and, tiled, its step uniforms and stand-ins). */
  get bytes(): number {
    return this.buffers.reduce((total, b) => total + b.size, 0);
  }

  private dispatch(pass: GPUComputePassEncoder, invocations: number, group = this.group) {
    const [x, y] = dispatchSize(invocations, group, this.gpu.limits.maxComputeWorkgroupsPerDimension);
    pass.dispatchWorkgroups(x, y);
  }

  private common(theta: GPUBuffer, x: GPUBuffer) {
    return { mlp: this.uniform, mlp_theta: theta, mlp_x: x, mlp_scratch: this.scratchBuffer };
  }

  /** out[i] = f(x_i). */
  forward(b: { theta: GPUBuffer; x: GPUBuffer; out: GPUBuffer }): Pass {
    const k = this.kernels;
    if (k.variant === 'tiled') return this.tiledPasses(b, { out: b.out }, { forward: true });
    const group = k.forward.bind({ ...this.common(b.theta, b.x), out: b.out });
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(k.forward.pipeline);
      pass.setBindGroup(0, group);
      this.dispatch(pass, n);
    };
  }

  /** out[i] = f(x_i), gradX[i] = d f(x_i) / d x_i. */
  inputGrad(b: { theta: GPUBuffer; x: GPUBuffer; out: GPUBuffer; gradX: GPUBuffer | GPUBufferBinding }): Pass {
    const k = this.kernels;
    if (k.variant === 'tiled') return this.tiledPasses(b, { out: b.out, gradX: b.gradX }, { forward: true, backwardTo: 0 });
    const group = k.inputGrad.bind({ ...this.common(b.theta, b.x), out: b.out, grad_x: b.gradX });
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(k.inputGrad.pipeline);
      pass.setBindGroup(0, group);
      this.dispatch(pass, n);
    };
  }

  /**
   * grad = sum_i weights[i] * d f(x_i) / d theta, in the packed parameter layout (overwritten).
   * `afterForward`: skip the forward pass, because the last pass to run on this
   * program's scratch is forward() with the same theta and x (its activations
   * are still there); saves a third of the work. The caller keeps that promise.
   */
  paramGrad(b: { theta: GPUBuffer; x: GPUBuffer; weights: GPUBuffer; grad: GPUBuffer }, options: { afterForward?: boolean } = {}): Pass {
    const k = this.kernels;
    if (k.variant === 'tiled') {
      return this.tiledPasses(b, { weights: b.weights, grad: b.grad }, { forward: !options.afterForward, backwardTo: 1, params: true });
    }
    const samples = options.afterForward ? k.deltas : k.samples;
    const buffers = { ...this.common(b.theta, b.x), sample_weight: b.weights, grad: b.grad };
    const g1 = samples.bind(buffers);
    const g2 = k.reduce.bind(buffers);
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(samples.pipeline);
      pass.setBindGroup(0, g1);
      this.dispatch(pass, n);
      pass.setPipeline(k.reduce.pipeline);
      pass.setBindGroup(0, g2);
      this.dispatch(pass, this.scratch.blockCount, MLP_REDUCE_GROUP);
    };
  }

  /**
   * The tiled variant's dispatches (shaders/mlp_tiled.wgsl): the forward
   * layers, then, with backwardTo, the seed and the backward layers down to
   * that layer, then, with params, every layer's parameter gradient. One bind
   * group per dispatch (each binds its own step slot), built here, once.
   */
  private tiledPasses(
    b: { theta: GPUBuffer; x: GPUBuffer },
    io: { out?: GPUBuffer; gradX?: GPUBuffer | GPUBufferBinding; weights?: GPUBuffer; grad?: GPUBuffer },
    what: { forward: boolean; backwardTo?: number; params?: boolean },
  ): Pass {
    const k = this.kernels as TiledKernels;
    const t = this.tiled!;
    const buffers = {
      ...this.common(b.theta, b.x),
      out: io.out ?? t.values,
      grad_x: io.gradX ?? t.unused.gradX,
      sample_weight: io.weights ?? t.unused.weights,
      grad: io.grad ?? t.unused.grad,
    };
    const bind = (kernel: Kernel, slot: number) =>
      kernel.bind({ ...buffers, step: { buffer: t.steps, offset: slot * t.stride, size: t.stride } });
    const layers = this.layout.layers;
    const n = this.scratch.batchPadded;
    const tiles = (units4: number) => Math.ceil((4 * units4) / MLP_TILED_U);
    const steps: { kernel: Kernel; group: GPUBindGroup; grid: [number, number] }[] = [];
    if (what.forward) {
      layers.forEach((L, l) => steps.push({ kernel: k.forward, group: bind(k.forward, slotOf.forward(l)), grid: [n / MLP_TILED_S, tiles(L.outPadded / 4)] }));
    }
    if (what.backwardTo !== undefined) {
      steps.push({ kernel: k.seed, group: bind(k.seed, slotOf.seed(!!io.weights)), grid: [Math.ceil(n / MLP_TILED_GROUP), 1] });
      for (let l = layers.length - 1; l >= what.backwardTo; l--) {
        steps.push({ kernel: k.backward, group: bind(k.backward, slotOf.backward(l)), grid: [n / MLP_TILED_S, tiles(layers[l].inStride / 4)] });
      }
    }
    if (what.params) {
      layers.forEach((L, l) => steps.push({ kernel: k.param, group: bind(k.param, slotOf.param(l)), grid: [tiles(L.outPadded / 4), tiles(L.inStride / 4)] }));
    }
    return (pass) => {
      for (const s of steps) {
        pass.setPipeline(s.kernel.pipeline);
        pass.setBindGroup(0, s.group);
        pass.dispatchWorkgroups(s.grid[0], s.grid[1]);
      }
    };
  }

  /** Releases every buffer this program made. */
  destroy(): void {
    for (const b of this.buffers) b.destroy();
  }

  /** Records passes in one compute pass of one encoder and submits them. */
  run(...passes: Pass[]): void {
    const encoder = this.gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const p of passes) p(pass);
    pass.end();
    this.gpu.device.queue.submit([encoder.finish()]);
  }
}

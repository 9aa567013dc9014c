// Host side of the MLP kernels (shaders/mlp*.wgsl): the layout uniform, the
// scratch buffer, and passes whose bind groups are built once and encoded as
// often as needed.

import { Gpu, dispatchSize, type Kernel } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import { ACTIVATION_CODE, paramLayout, validateMlpSpec, type Activation, type MlpSpec, type ParamLayout } from './params';
import type { GpuPart } from '../device/part';
import { packStruct } from '../device/shader';
import { shaderConstant } from '../device/constants';
import { integer } from '../validate';

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

/** The workgroup sizes mlpGroupFor chooses from (few, because each one is a separate, slow pipeline compile). */
export const MLP_GROUP_SIZES = [4, 16, MLP_GROUP] as const;

/**
 * Invocations per workgroup (the MLP_GROUP override) for a batch: the largest
 * of MLP_GROUP_SIZES that still gives at least 8 workgroups, so that a small
 * batch is padded to a multiple of 64 samples rather than 1024 and its work
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

export interface ScratchLayout {
  /** Invocations per workgroup the layout was made for. */
  group: number;
  batchPadded: number;
  /** Per linear layer, vec4 indices of its h, g (act'(z)) and d regions and its first gradient block. */
  layers: { hBase: number; gBase: number; dBase: number; blockBase: number }[];
  /** Scratch size in vec4s. */
  vec4s: number;
  blockCount: number;
}

export function scratchLayout(layout: ParamLayout, batch: number, group = mlpGroupFor(batch)): ScratchLayout {
  const perGroup = MLP_CHAINS * validateMlpGroup(group);
  const batchPadded = Math.ceil(batch / perGroup) * perGroup;
  let next = 0;
  let blocks = 0;
  const region = (units4: number) => {
    const base = next;
    next += units4 * batchPadded;
    return base;
  };
  const layers = layout.layers.map((L, l) => {
    const hidden = l + 1 < layout.layers.length;
    const r = {
      hBase: region(L.inStride / 4),
      gBase: hidden ? region(L.outPadded / 4) : 0,
      dBase: region(L.outPadded / 4),
      blockBase: blocks,
    };
    // Reduce tiles (mlp_param_grad.wgsl): MLP_TILE_J4 x MLP_TILE_K4 blocks of 4x4 weights, plus a bias tile per row tile.
    blocks += Math.ceil(L.outPadded / 4 / MLP_TILE_J4) * (Math.ceil(L.inStride / 4 / MLP_TILE_K4) + 1);
    return r;
  });
  return { group, batchPadded, layers, vec4s: next, blockCount: blocks };
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
  const perGroup = MLP_CHAINS * group;
  const perSample = (scratchLayout(layout, perGroup, group).vec4s * 16) / perGroup;
  const most = Math.floor(max / perSample / perGroup) * perGroup;
  const sizes = [layout.spec.inputDim, ...layout.spec.hidden, 1].join(',');
  throw new ConfigError('batch', `an MLP [${sizes}] needs ${perSample} bytes of scratch per sample (${bytes} bytes for ${batch}), over the device's storage buffer limit of ${max} bytes: batch must be in [1, ${most}] for this network`);
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
    private readonly kernels: { forward: Kernel; inputGrad: Kernel; samples: Kernel; deltas: Kernel; reduce: Kernel },
  ) {}

  /**
   * `group`: invocations per workgroup (default mlpGroupFor(batch)); kernels
   * that share this program's scratch (a Langevin sampler) must use the same.
   */
  static async create(gpu: Gpu, spec: MlpSpec, batch: number, group = mlpGroupFor(batch)): Promise<MlpProgram> {
    validateMlpSpec(spec);
    integer('batch', batch, 1);
    const layout = paramLayout(spec);
    if (layout.layers.length > MLP_MAX_LAYERS) throw new ConfigError('mlp.hidden', `at most ${MLP_MAX_LAYERS - 1} hidden layers`);
    const scratch = scratchLayout(layout, batch, group);
    checkScratchFits(layout, batch, group, scratch, gpu.limits);
    const constants = mlpConstants(group, spec.activation);
    const [forward, inputGrad, samples, deltas, reduce] = await Promise.all([
      gpu.kernel('mlp_forward.wgsl', 'forward', { constants }),
      gpu.kernel('mlp_input_grad.wgsl', 'input_grad', { constants }),
      gpu.kernel('mlp_param_grad.wgsl', 'samples', { constants }),
      gpu.kernel('mlp_param_grad.wgsl', 'deltas', { constants }),
      gpu.kernel('mlp_param_grad.wgsl', 'reduce', { constants }),
    ]);
    const struct = forward.iface.bindings.find((b) => b.name === 'mlp')?.struct;
    if (!struct) throw new FebmError('mlp_forward.wgsl: no uniform named mlp');
    const values: Record<string, number> = {
      batch,
      batch_padded: scratch.batchPadded,
      input_dim: spec.inputDim,
      layer_count: layout.layers.length,
      block_count: scratch.blockCount,
    };
    layout.layers.forEach((L, l) => {
      const s = scratch.layers[l];
      Object.assign(values, {
        [`layers.${l}.w_offset`]: L.weightOffset / 4,
        [`layers.${l}.b_offset`]: L.biasOffset / 4,
        [`layers.${l}.in4`]: L.inStride / 4,
        [`layers.${l}.out4`]: L.outPadded / 4,
        [`layers.${l}.h_base`]: s.hBase,
        [`layers.${l}.g_base`]: s.gBase,
        [`layers.${l}.d_base`]: s.dBase,
        [`layers.${l}.block_base`]: s.blockBase,
      });
    });
    const uniform = gpu.bufferFrom('mlp layout', packStruct(struct, values), GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const scratchBuffer = gpu.buffer('mlp scratch', scratch.vec4s * 16);
    return new MlpProgram(gpu, layout, batch, scratch, uniform, scratchBuffer, { forward, inputGrad, samples, deltas, reduce });
  }

  /** Invocations per workgroup of this program's kernels. */
  get group(): number {
    return this.scratch.group;
  }

  /** Invocations that carry the batch: one per MLP_CHAINS samples, in whole workgroups. */
  get lanes(): number {
    return this.scratch.batchPadded / MLP_CHAINS;
  }

  /** Bytes of GPU memory this program holds (uniform and scratch). */
  get bytes(): number {
    return this.uniform.size + this.scratchBuffer.size;
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
    const k = this.kernels.forward;
    const group = k.bind({ ...this.common(b.theta, b.x), out: b.out });
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(k.pipeline);
      pass.setBindGroup(0, group);
      this.dispatch(pass, n);
    };
  }

  /** out[i] = f(x_i), gradX[i] = d f(x_i) / d x_i. */
  inputGrad(b: { theta: GPUBuffer; x: GPUBuffer; out: GPUBuffer; gradX: GPUBuffer }): Pass {
    const k = this.kernels.inputGrad;
    const group = k.bind({ ...this.common(b.theta, b.x), out: b.out, grad_x: b.gradX });
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(k.pipeline);
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
    const { reduce } = this.kernels;
    const samples = options.afterForward ? this.kernels.deltas : this.kernels.samples;
    const buffers = { ...this.common(b.theta, b.x), sample_weight: b.weights, grad: b.grad };
    const g1 = samples.bind(buffers);
    const g2 = reduce.bind(buffers);
    const n = this.lanes;
    return (pass) => {
      pass.setPipeline(samples.pipeline);
      pass.setBindGroup(0, g1);
      this.dispatch(pass, n);
      pass.setPipeline(reduce.pipeline);
      pass.setBindGroup(0, g2);
      this.dispatch(pass, this.scratch.blockCount, MLP_REDUCE_GROUP);
    };
  }

  /** Releases the uniform and the scratch buffer. */
  destroy(): void {
    this.uniform.destroy();
    this.scratchBuffer.destroy();
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

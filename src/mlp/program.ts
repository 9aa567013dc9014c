// Host side of the MLP kernels (shaders/mlp*.wgsl): the layout uniform, the
// scratch buffer, and passes whose bind groups are built once and encoded as
// often as needed.

import { Gpu, dispatchSize, type Kernel } from '../device/device';
import { ConfigError, FebmError } from '../errors';
import { ACTIVATION_CODE, paramLayout, validateMlpSpec, type Activation, type MlpSpec, type ParamLayout } from './params';
import type { GpuPart } from '../device/part';
import { packStruct } from '../device/shader';
import { shaderConstant } from '../device/constants';
import { mlpLayoutValues, scratchRegions, type MlpLayoutConstants, type ScratchLayout } from './layout';
import { integer } from '../validate';

/** Samples per invocation in the MLP kernels. */
export const MLP_CHAINS = shaderConstant('mlp.wgsl', 'MLP_CHAINS');
/** The largest (and the shader's default) number of invocations per workgroup in the MLP kernels. */
export const MLP_GROUP = shaderConstant('mlp.wgsl', 'MLP_GROUP');
/** Samples per workgroup at the default group size. */
export const MLP_SAMPLES_PER_GROUP = MLP_CHAINS * MLP_GROUP;
const MLP_MAX_LAYERS = shaderConstant('mlp.wgsl', 'MLP_MAX_LAYERS');
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

export type { ScratchLayout };

/** The WGSL constants of the layout formulas (src/mlp/layout.ts). */
const LAYOUT_CONSTANTS: MlpLayoutConstants = { MLP_CHAINS, MLP_TILE_J4, MLP_TILE_K4 };

/** The scratch layout of a network over `batch` samples in workgroups of `group` (src/mlp/layout.ts scratchRegions). */
export function scratchLayout(layout: ParamLayout, batch: number, group = mlpGroupFor(batch)): ScratchLayout {
  return scratchRegions(layout.layers, integer('batch', batch, 1), validateMlpGroup(group), LAYOUT_CONSTANTS);
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
    const values = mlpLayoutValues(layout.layers, scratch, spec.inputDim, batch);
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

// Host side of the f-EBM loss on the GPU (shaders/fdiv_loss.wgsl over the
// divergence library shaders/divergence.wgsl): from v = H + E on a data batch
// and a model batch, the objective L = mean g(v_data) - mean c(v_model) and
// the per-sample output weights of the H and E gradients (covariance term
// included), written into buffers that MlpProgram.paramGrad takes as they are.

import { dispatchSize, type Gpu, type Kernel } from '../device/device';
import {
  DIVERGENCE_CODE, NUMERICS_CODE, describeDivergence, validateDivergence, validateNumerics,
  type DivergenceSpec, type Numerics,
} from './divergence';
import { ConfigError, FebmError } from '../errors';
import type { Pass } from '../mlp/program';
import { SHADER_FILES, packStruct, type StructLayout } from '../device/shader';
import { unpackStruct } from '../device/unpack';
import type { GpuPart } from '../device/part';
import { integer } from '../validate';

/** The WGSL functions a custom divergence must define (see shaders/divergence.wgsl). */
export const CUSTOM_WGSL_FUNCTIONS = ['custom_f', 'custom_df', 'custom_d2f'] as const;

/** A divergence ready for the GPU: its codes, alpha as f32, and the user code to compose. */
export interface GpuDivergence {
  spec: DivergenceSpec;
  numerics: Numerics;
  /** DIVERGENCE_CODE of the divergence (divergence.wgsl DIV_*). */
  code: number;
  /** NUMERICS_CODE of the mode (DIV_AUTHORS / DIV_STABLE). */
  mode: number;
  /** alpha rounded to f32 (0 where unused). */
  alpha: number;
  /**
   * WGSL composed in as user code in front of every kernel using the library:
   * the custom divergence's source, or divergence_custom_default.wgsl (stubs).
   */
  userCode: string;
  /** 'kl', 'alpha(-0.5)', ... */
  label: string;
}

/**
 * Validates a divergence and a numerics mode for the GPU (ConfigError naming
 * the field otherwise). Beyond validateDivergence: alpha must not round to 0
 * or 1 in f32, and a custom divergence needs its WGSL, defining custom_f,
 * custom_df and custom_d2f.
 */
export function gpuDivergence(spec: unknown, numerics: unknown, field = 'divergence'): GpuDivergence {
  const s = validateDivergence(spec, field);
  const mode = validateNumerics(numerics, 'numerics');
  let alpha = 0;
  if (s.name === 'alpha') {
    alpha = Math.fround(s.alpha as number);
    if (alpha === 0 || alpha === 1 || !Number.isFinite(alpha)) {
      throw new ConfigError(
        `${field}.alpha`,
        `must be a finite real other than 0 and 1 also in float32 (the GPU's precision), got ${s.alpha} (float32: ${alpha})`,
      );
    }
  }
  let userCode = SHADER_FILES['divergence_custom_default.wgsl'];
  if (userCode === undefined) throw new FebmError('shaders/divergence_custom_default.wgsl is missing');
  if (s.name === 'custom') {
    const wgsl = s.custom?.wgsl;
    if (typeof wgsl !== 'string' || wgsl.trim() === '') {
      throw new ConfigError(
        `${field}.custom.wgsl`,
        `is required on the GPU: WGSL source defining ${CUSTOM_WGSL_FUNCTIONS.map((f) => `fn ${f}(u: f32) -> f32`).join(', ')}`,
      );
    }
    for (const fn of CUSTOM_WGSL_FUNCTIONS) {
      if (!new RegExp(`\\bfn\\s+${fn}\\s*\\(`).test(wgsl)) {
        throw new ConfigError(`${field}.custom.wgsl`, `must define fn ${fn}(u: f32) -> f32`);
      }
    }
    userCode = wgsl;
  }
  return {
    spec: s,
    numerics: mode,
    code: DIVERGENCE_CODE[s.name],
    mode: NUMERICS_CODE[mode],
    alpha,
    userCode,
    label: describeDivergence(s),
  };
}

/** The uniform values divergence.wgsl needs, by the member names of LossParams / DivTestParams. */
export function divergenceUniforms(d: GpuDivergence): { code: number; mode: number; alpha: number } {
  return { code: d.code, mode: d.mode, alpha: d.alpha };
}

export interface LossMetrics {
  /** L = mean g(v_data) - mean c(v_model): the objective and divergence estimate. */
  objective: number;
  meanG: number;
  meanC: number;
  /** Data samples whose g or g' hit a clamp (authors) or saturated (stable). */
  clampedData: number;
  /** Model samples whose c or c' did. */
  clampedModel: number;
}

export interface FdivLossOptions {
  divergence: DivergenceSpec;
  numerics: Numerics;
  /** Data samples: v[0 .. nData-1]. */
  nData: number;
  /** Model samples: v[nData .. nData+nModel-1]. */
  nModel: number;
}

/**
 * The loss kernels for one divergence and batch sizes. Create once; build
 * passes for given buffers once and encode them every iteration. The
 * metrics buffer holds the last reduction's objectives until read.
 */
export class FdivLoss implements GpuPart {
  private constructor(
    readonly gpu: Gpu,
    readonly divergence: GpuDivergence,
    readonly nData: number,
    readonly nModel: number,
    readonly uniform: GPUBuffer,
    /** LossMetrics of fdiv_loss.wgsl (read with readMetrics). */
    readonly metrics: GPUBuffer,
    readonly metricsLayout: StructLayout,
    private readonly kernels: { reduce: Kernel; weights: Kernel },
  ) {}

  static async create(gpu: Gpu, options: FdivLossOptions): Promise<FdivLoss> {
    const d = gpuDivergence(options.divergence, options.numerics);
    for (const k of ['nData', 'nModel'] as const) {
      const n = options[k];
      integer(k, n, 1);
    }
    const [reduce, weights] = await Promise.all([
      gpu.kernel('fdiv_loss.wgsl', 'loss_reduce', { extra: d.userCode }),
      gpu.kernel('fdiv_loss.wgsl', 'loss_weights', { extra: d.userCode }),
    ]);
    const params = reduce.iface.bindings.find((b) => b.name === 'loss')?.struct;
    const metricsLayout = reduce.iface.bindings.find((b) => b.name === 'loss_metrics')?.struct;
    if (!params || !metricsLayout) throw new FebmError('fdiv_loss.wgsl: no uniform loss or storage loss_metrics');
    const bytes = packStruct(params, { ...divergenceUniforms(d), n_data: options.nData, n_model: options.nModel });
    const uniform = gpu.bufferFrom('loss params', bytes, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const metrics = gpu.buffer('loss metrics', metricsLayout.size);
    return new FdivLoss(gpu, d, options.nData, options.nModel, uniform, metrics, metricsLayout, { reduce, weights });
  }

  /**
   * Both dispatches (reduce, then weights) for v = [v_data; v_model], writing
   * wH and wE (each nData + nModel floats, same layout) and the metrics.
   */
  pass(b: { v: GPUBuffer; wH: GPUBuffer; wE: GPUBuffer }): Pass {
    const { reduce, weights } = this.kernels;
    const buffers = { loss: this.uniform, loss_v: b.v, loss_w_h: b.wH, loss_w_e: b.wE, loss_metrics: this.metrics };
    const g1 = reduce.bind(buffers);
    const g2 = weights.bind(buffers);
    const [x, y] = dispatchSize(this.nData + this.nModel, weights.workgroupSize[0], this.gpu.limits.maxComputeWorkgroupsPerDimension);
    return (pass) => {
      pass.setPipeline(reduce.pipeline);
      pass.setBindGroup(0, g1);
      pass.dispatchWorkgroups(1);
      pass.setPipeline(weights.pipeline);
      pass.setBindGroup(0, g2);
      pass.dispatchWorkgroups(x, y);
    };
  }

  /** Reads the metrics of the last reduction (one round trip). */
  async readMetrics(): Promise<LossMetrics> {
    return decodeLossMetrics(this.metricsLayout, await this.gpu.read(this.metrics, this.metricsLayout.size));
  }

  /** Bytes of GPU memory the loss holds (uniform and metrics). */
  get bytes(): number {
    return this.uniform.size + this.metrics.size;
  }

  destroy(): void {
    this.uniform.destroy();
    this.metrics.destroy();
  }
}

/** LossMetrics from the bytes of fdiv_loss.wgsl's LossMetrics struct. */
export function decodeLossMetrics(layout: StructLayout, bytes: ArrayBuffer, base = 0): LossMetrics {
  const m = unpackStruct(layout, bytes, base);
  return {
    objective: m.objective,
    meanG: m.mean_g,
    meanC: m.mean_c,
    clampedData: m.clamped_data,
    clampedModel: m.clamped_model,
  };
}

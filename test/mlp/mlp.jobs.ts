// Page side of the MLP kernel tests: run one kernel on given inputs, return its output.
// Arrays travel as base64 of their float32 bytes (harness/base64.ts): an
// image-sized network's parameters are millions of numbers.
import type { JobContext } from '../../harness/job';
import { base64ToF32, f32ToBase64 } from '../../harness/base64';
import { MlpProgram } from '../../src/mlp/program';
import type { MlpSpec } from '../../src/mlp/params';
import type { MlpVariant } from '../../src/mlp/variant';

export interface MlpJobCase {
  spec: MlpSpec;
  batch: number;
  group?: number;
  /** Packed parameters, x [batch][inputDim] and sample weights [batch], base64 float32. */
  params: string;
  x: string;
  weights?: string;
  /** false: a device of its own without the subgroups feature (the plain weight loads of mlp_weights.wgsl). */
  subgroups?: boolean;
  /** paramGrad: run forward() first, then the backward-only pass (paramGrad's afterForward). */
  afterForward?: boolean;
  /** The kernels' variant (default: the device's). */
  variant?: MlpVariant;
}

async function withProgram<T>(ctx: JobContext, c: MlpJobCase, fn: (p: MlpProgram, theta: GPUBuffer, x: GPUBuffer) => Promise<T>): Promise<T> {
  const gpu = c.subgroups === false ? await ctx.freshGpu({ subgroups: false }) : await ctx.gpu();
  if (c.subgroups === false && gpu.subgroups) throw new Error('asked for a device without subgroups, got one with');
  const program = await MlpProgram.create(gpu, c.spec, c.batch, { group: c.group ?? undefined, variant: c.variant });
  if (c.variant && program.variant !== c.variant) throw new Error(`asked for the ${c.variant} variant, got ${program.variant}`);
  const theta = gpu.bufferFrom('theta', base64ToF32(c.params));
  const x = gpu.bufferFrom('x', base64ToF32(c.x));
  try {
    return await fn(program, theta, x);
  } finally {
    theta.destroy();
    x.destroy();
    program.destroy();
    if (c.subgroups === false) gpu.destroy();
  }
}

export async function forward(ctx: JobContext, c: MlpJobCase) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const out = gpu.buffer('out', c.batch * 4);
    program.run(program.forward({ theta, x, out }));
    const result = f32ToBase64(await gpu.readF32(out, c.batch));
    out.destroy();
    return { out: result };
  });
}

export async function inputGrad(ctx: JobContext, c: MlpJobCase) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const out = gpu.buffer('out', c.batch * 4);
    const gradX = gpu.buffer('gradX', c.batch * c.spec.inputDim * 4);
    program.run(program.inputGrad({ theta, x, out, gradX }));
    const result = { out: f32ToBase64(await gpu.readF32(out, c.batch)), gradX: f32ToBase64(await gpu.readF32(gradX, c.batch * c.spec.inputDim)) };
    out.destroy();
    gradX.destroy();
    return result;
  });
}

export async function paramGrad(ctx: JobContext, c: MlpJobCase) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const weights = gpu.bufferFrom('weights', base64ToF32(c.weights ?? ''));
    const grad = gpu.buffer('grad', program.layout.size * 4);
    // Fill with garbage first: the kernel must overwrite every entry, padding included.
    gpu.device.queue.writeBuffer(grad, 0, new Float32Array(program.layout.size).fill(123.5));
    if (c.afterForward) {
      // The backward-only pass, on the activations a forward pass left in the scratch.
      const out = gpu.buffer('out', c.batch * 4);
      program.run(program.forward({ theta, x, out }), program.paramGrad({ theta, x, weights, grad }, { afterForward: true }));
      out.destroy();
    } else {
      program.run(program.paramGrad({ theta, x, weights, grad }));
    }
    const result = f32ToBase64(await gpu.readF32(grad, program.layout.size));
    weights.destroy();
    grad.destroy();
    return { grad: result };
  });
}

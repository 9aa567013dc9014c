// Page side of the MLP kernel tests: run one kernel on given inputs, return its output.
import type { JobContext } from '../../harness/job';
import { MlpProgram } from '../../src/mlp/program';
import type { MlpSpec } from '../../src/mlp/params';

interface Case {
  spec: MlpSpec;
  batch: number;
  group?: number;
  params: number[];
  x: number[];
  weights?: number[];
  /** false: a device of its own without the subgroups feature (the plain weight loads of mlp_weights.wgsl). */
  subgroups?: boolean;
  /** paramGrad: run forward() first, then the backward-only pass (paramGrad's afterForward). */
  afterForward?: boolean;
}

async function withProgram<T>(ctx: JobContext, c: Case, fn: (p: MlpProgram, theta: GPUBuffer, x: GPUBuffer) => Promise<T>): Promise<T> {
  const gpu = c.subgroups === false ? await ctx.freshGpu({ subgroups: false }) : await ctx.gpu();
  if (c.subgroups === false && gpu.subgroups) throw new Error('asked for a device without subgroups, got one with');
  const program = await MlpProgram.create(gpu, c.spec, c.batch, c.group ?? undefined);
  const theta = gpu.bufferFrom('theta', new Float32Array(c.params));
  const x = gpu.bufferFrom('x', new Float32Array(c.x));
  try {
    return await fn(program, theta, x);
  } finally {
    theta.destroy();
    x.destroy();
    program.scratchBuffer.destroy();
    program.uniform.destroy();
    if (c.subgroups === false) gpu.destroy();
  }
}

export async function forward(ctx: JobContext, c: Case) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const out = gpu.buffer('out', c.batch * 4);
    program.run(program.forward({ theta, x, out }));
    const result = Array.from(await gpu.readF32(out, c.batch));
    out.destroy();
    return { out: result };
  });
}

export async function inputGrad(ctx: JobContext, c: Case) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const out = gpu.buffer('out', c.batch * 4);
    const gradX = gpu.buffer('gradX', c.batch * c.spec.inputDim * 4);
    program.run(program.inputGrad({ theta, x, out, gradX }));
    const result = { out: Array.from(await gpu.readF32(out, c.batch)), gradX: Array.from(await gpu.readF32(gradX, c.batch * c.spec.inputDim)) };
    out.destroy();
    gradX.destroy();
    return result;
  });
}

export async function paramGrad(ctx: JobContext, c: Case) {
  return withProgram(ctx, c, async (program, theta, x) => {
    const gpu = program.gpu;
    const weights = gpu.bufferFrom('weights', new Float32Array(c.weights ?? []));
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
    const result = Array.from(await gpu.readF32(grad, program.layout.size));
    weights.destroy();
    grad.destroy();
    return { grad: result };
  });
}

// Page side of the R0 kernel tests: run matmul_<tile>, alu_peak or load_rate once on given inputs, return the output.
import type { JobContext } from '../../harness/job';
import { createAlu, createLoadRate, createMatmul, type MatmulTile } from '../../bench/r0/kernels';

export async function matmul(ctx: JobContext, c: { m: number; k: number; n: number; tile: MatmulTile; a: number[]; b: number[] }) {
  const gpu = await ctx.gpu();
  const program = await createMatmul(gpu, c, { a: new Float32Array(c.a), b: new Float32Array(c.b) });
  try {
    // Garbage first: the kernel must overwrite every entry of C.
    gpu.device.queue.writeBuffer(program.c, 0, new Float32Array(c.m * c.n).fill(123.5));
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    program.pass(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    return { c: Array.from(await gpu.readF32(program.c, c.m * c.n)) };
  } finally {
    program.destroy();
  }
}

/** One dispatch of an R0 program that writes one f32 per invocation; returns them. */
async function runOnce(ctx: JobContext, c: { invocations: number; iterations: number }, create: typeof createAlu | typeof createLoadRate) {
  const gpu = await ctx.gpu();
  const program = await create(gpu, c);
  try {
    const encoder = gpu.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    program.pass(pass);
    pass.end();
    gpu.device.queue.submit([encoder.finish()]);
    return { out: Array.from(await gpu.readF32(program.out, c.invocations)) };
  } finally {
    program.destroy();
  }
}

export async function alu(ctx: JobContext, c: { invocations: number; iterations: number }) {
  return runOnce(ctx, c, createAlu);
}

export async function loads(ctx: JobContext, c: { invocations: number; iterations: number }) {
  return runOnce(ctx, c, createLoadRate);
}

// Page side of the optimiser tests (shaders/optim.wgsl through src/optim/optim.ts):
// runs steps with given gradients and returns parameters, moments, the
// step counter and the first non-finite moment.
import type { JobContext } from '../../harness/job';
import { Optimizer, type OptimizerSpec } from '../../src/optim/optim';

export interface OptimJob {
  spec: OptimizerSpec;
  maximize: boolean;
  theta: number[];
  /** One gradient per submit; each submit records `stepsPerSubmit` steps with it. */
  grads: number[][];
  stepsPerSubmit: number;
}

export interface OptimResult {
  theta: number[];
  moments: number[];
  steps: number;
  /** Optimizer.nonFiniteMoment() at the end. */
  nonFinite: Awaited<ReturnType<Optimizer['nonFiniteMoment']>>;
}

export async function run(ctx: JobContext, c: OptimJob): Promise<OptimResult> {
  const gpu = await ctx.gpu();
  const n = c.theta.length;
  const opt = await Optimizer.create(gpu, c.spec, n, { maximize: c.maximize });
  const theta = gpu.bufferFrom('theta', new Float32Array(c.theta));
  const grad = gpu.buffer('grad', n * 4);
  try {
    const step = opt.step({ theta, grad });
    for (const g of c.grads) {
      gpu.device.queue.writeBuffer(grad, 0, new Float32Array(g));
      const encoder = gpu.device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      for (let s = 0; s < c.stepsPerSubmit; s++) step(pass);
      pass.end();
      gpu.device.queue.submit([encoder.finish()]);
    }
    const moments = c.spec.kind === 'adam' ? Array.from(await gpu.readF32(opt.moments, 2 * n)) : [];
    return { theta: Array.from(await gpu.readF32(theta, n)), moments, steps: await opt.steps(), nonFinite: await opt.nonFiniteMoment() };
  } finally {
    theta.destroy();
    grad.destroy();
    opt.destroy();
  }
}

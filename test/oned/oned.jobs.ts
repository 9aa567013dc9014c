// Page side of the 1-D experiment tests: single iterations with every
// intermediate buffer read back (compared in Node with the float64
// reference), and short training runs.
import type { JobContext } from '../../harness/job';
import type { DivergenceSpec } from '../../src/divergence/divergence';
import { ONED_H_SPEC, OnedExperiment, runOned, type OnedConfig, type OnedResult } from '../../experiments/oned/oned';
import { paramLayout } from '../../src/mlp/params';

export interface StepRecord {
  /** State before the iteration. */
  hBefore: number[];
  muBefore: number;
  sigmaBefore: number;
  /** Samples [data; model] of the iteration, v (of the E step), and the state after. */
  x: number[];
  v: number[];
  gradH: number[];
  hAfter: number[];
  gradE: number[];
  muAfter: number;
  sigmaAfter: number;
  objective: number;
  counter: number;
}

/** `steps` iterations, one submit each, reading every buffer around each. */
export async function steps(ctx: JobContext, c: { config: OnedConfig; steps: number }): Promise<{ records: StepRecord[] }> {
  const gpu = await ctx.gpu();
  const exp = await OnedExperiment.create(gpu, c.config);
  const size = paramLayout(ONED_H_SPEC).size;
  const n = 2 * exp.config.batch;
  const read = async (b: GPUBuffer, count: number) => Array.from(await gpu.readF32(b, count));
  try {
    const records: StepRecord[] = [];
    for (let s = 0; s < c.steps; s++) {
      const hBefore = await read(exp.b.hParams, size);
      const before = await exp.theta();
      exp.submit(1);
      const after = await exp.theta();
      records.push({
        hBefore,
        muBefore: before.mu,
        sigmaBefore: before.sigma,
        x: await read(exp.b.x, n),
        v: await read(exp.b.v, n),
        gradH: await read(exp.b.gradH, size),
        hAfter: await read(exp.b.hParams, size),
        gradE: await read(exp.b.gradE, 2),
        muAfter: after.mu,
        sigmaAfter: after.sigma,
        objective: (await exp.loss.readMetrics()).objective,
        counter: await exp.iterationCount(),
      });
    }
    return { records };
  } finally {
    exp.destroy();
  }
}

/** A short training run (the CI trend check). */
export async function train(ctx: JobContext, config: OnedConfig & { divergence: DivergenceSpec }): Promise<OnedResult> {
  const gpu = await ctx.gpu();
  return runOned(gpu, config, {
    onProgress: (p) => ctx.progress(`it ${p.iteration}/${p.iterations} mu ${p.mu.toFixed(4)} sigma ${p.sigma.toFixed(4)}`),
  });
}

/**
 * Five iterations, then theta's Adam second moment set to +inf (the state a
 * gradient too large for f32 Adam leaves), then train(): reports its error.
 */
export async function overflow(ctx: JobContext, config: OnedConfig): Promise<{ error: string; name: string; theta: { mu: number; sigma: number } }> {
  const gpu = await ctx.gpu();
  const exp = await OnedExperiment.create(gpu, config);
  try {
    exp.submit(5);
    gpu.device.queue.writeBuffer(exp.optE.moments, 4 * exp.optE.count, new Float32Array(exp.optE.count).fill(Infinity));
    const theta = await exp.theta();
    try {
      await exp.train({ progressSeconds: 0 });
    } catch (e) {
      return { error: (e as Error).message, name: (e as Error).name, theta };
    }
    throw new Error('train() did not stop on the infinite second moment');
  } finally {
    exp.destroy();
  }
}

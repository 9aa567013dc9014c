// Page side of `npm run reproduce` (experiments/oned/reproduce.ts) and of T0
// (experiments/oned/t0.jobs.ts): trains the 1-D experiment (experiments/oned/oned.ts) in
// the page, reporting (iteration, mu, sigma, time left) as it goes.

import { describeDivergence } from '../../src/index';
import { OnedExperiment, runOned, type OnedConfig, type OnedProgress } from './oned';
import type { JobContext } from '../../harness/job';

/** A progress callback that reports through the job's context. */
export function onedReporter(ctx: JobContext, label: string) {
  return (p: OnedProgress) =>
    ctx.progress(
      `${label}: iteration ${p.iteration}/${p.iterations}  mu ${p.mu.toFixed(4)}  sigma ${p.sigma.toFixed(4)}  ` +
        `${p.elapsedSeconds.toFixed(0)} s elapsed, ${p.remainingSeconds.toFixed(0)} s left`,
      p.iteration / p.iterations,
    );
}

/** Trains one divergence with the given configuration. */
export async function train(ctx: JobContext, config: OnedConfig & { progressSeconds?: number }) {
  const gpu = await ctx.gpu();
  const { progressSeconds, ...c } = config;
  return runOned(gpu, c, { onProgress: onedReporter(ctx, describeDivergence(c.divergence)), progressSeconds: progressSeconds ?? 10 });
}

/** Seconds per iteration of a configuration, from a short untraced run after a warm-up submit (for time estimates). */
export async function calibrate(ctx: JobContext, config: OnedConfig & { iterations: number }): Promise<{ secondsPerIteration: number; setupSeconds: number }> {
  const gpu = await ctx.gpu();
  const exp = await OnedExperiment.create(gpu, { ...config, traceEvery: 0 });
  try {
    exp.submit(1);
    await gpu.sync();
    const t0 = performance.now();
    exp.submit(config.iterations);
    await gpu.sync();
    return { secondsPerIteration: (performance.now() - t0) / 1000 / config.iterations, setupSeconds: exp.setupSeconds };
  } finally {
    exp.destroy();
  }
}

// Page side of T0 (bench/WORKLOADS.md: the 1-D reproduction cost): the 1-D
// experiment (experiments/oned/oned.ts) with the authors' settings, timed.

import type { JobContext } from '../../harness/job';
import { describeDivergence } from '../../src/index';
import { ONED_AUTHORS, runOned, type OnedConfig } from './oned';
import { onedReporter } from './reproduce.jobs';

export interface T0Config {
  /** Default 'jensen_shannon' (the authors' script). */
  divergence?: OnedConfig['divergence'];
  /** Default 30,000 (the workload); fewer only for a smoke test. */
  iterations?: number;
  seed?: number;
}

export interface T0Result {
  divergence: string;
  iterations: number;
  /** Wall-clock seconds of the iterations (first submit to final readback). */
  seconds: number;
  setupSeconds: number;
  mu: number;
  sigma: number;
  gflops: number;
  adapter: string;
}

/** T0: the authors' settings (SGD lr 1e-3, batch 1000 + 1000, authors' numerics), one divergence. */
export async function t0(ctx: JobContext, config: T0Config = {}): Promise<T0Result> {
  const gpu = await ctx.gpu();
  const divergence = config.divergence ?? { name: 'jensen_shannon' };
  const r = await runOned(
    gpu,
    {
      divergence,
      numerics: ONED_AUTHORS.numerics,
      optimizer: ONED_AUTHORS.optimizer,
      batch: ONED_AUTHORS.batch,
      iterations: config.iterations ?? ONED_AUTHORS.iterations,
      seed: config.seed ?? 0,
      traceEvery: 0,
      iterationsPerSubmit: 50,
    },
    { onProgress: onedReporter(ctx, `T0 ${describeDivergence(divergence)}`), progressSeconds: 30 },
  );
  return {
    divergence: r.divergence, iterations: r.iterations, seconds: r.seconds, setupSeconds: r.setupSeconds,
    mu: r.mu, sigma: r.sigma, gflops: r.gflops, adapter: r.adapter,
  };
}

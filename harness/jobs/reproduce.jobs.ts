// Page side of `npm run reproduce`: trains the 1-D experiment for one
// divergence, reporting (iteration, mu, sigma, time left) as it goes.
import { runOned, type OnedConfig } from '../../src/experiments/oned';
import type { JobContext } from '../job';

export async function train(ctx: JobContext, config: OnedConfig) {
  const gpu = await ctx.gpu();
  return runOned(gpu, config, {
    progressSeconds: 5,
    onProgress: (p) =>
      ctx.progress(
        `iteration ${p.iteration}/${p.iterations}  mu ${p.mu.toFixed(4)}  sigma ${p.sigma.toFixed(4)}  ` +
          `${p.elapsedSeconds.toFixed(0)} s, ${p.remainingSeconds.toFixed(0)} s left`,
        p.iteration / p.iterations,
      ),
  });
}

// Page side of the first MLP benchmark: forward plus input gradient
// (MlpProgram.inputGrad) of MLP [2, width, width, 1] with SiLU at a given
// batch: the work of one Langevin step, without the noise and update.

import type { JobContext } from '../../harness/job';
import {
  initParams, mlpFlopsPerSample, MlpProgram, paramLayout, seededNormal, type AdapterDescription, type MlpSpec, type MlpVariant,
} from '../../src/index';
import { timeRuns, type Timing } from '../timing';

export interface MlpJobConfig {
  batch: number;
  width: number;
  dispatches: number;
  runs: number;
  seed?: number;
  /** The MLP kernels' variant, on a device of its own (default: the page's device and its adapter's variant). */
  variant?: MlpVariant;
}

export interface MlpJobResult {
  adapter: AdapterDescription;
  /** 2 * mlpFlopsPerSample(spec): forward and input gradient. */
  flopsPerSample: number;
  flopsPerRun: number;
  gflops: number;
  samplesPerSecond: number;
  timing: Timing;
  /** The MLP kernels' variant that ran. */
  variant: MlpVariant;
}

/** inputGrad passes, `dispatches` per run; checks first that f(x) and grad_x f are finite. */
export async function inputGrad(ctx: JobContext, config: MlpJobConfig): Promise<MlpJobResult> {
  const gpu = config.variant ? await ctx.freshGpu({ mlpVariant: config.variant }) : await ctx.gpu();
  const { batch, width } = config;
  const spec: MlpSpec = { inputDim: 2, hidden: [width, width], activation: 'silu' };
  const layout = paramLayout(spec);
  const seed = config.seed ?? 1;
  ctx.progress(`MLP [2,${width},${width},1] batch ${batch}: compiling`);
  const program = await MlpProgram.create(gpu, spec, batch);
  const normal = seededNormal(seed + 1);
  const theta = gpu.bufferFrom('theta', new Float32Array(initParams(layout, seed)));
  const x = gpu.bufferFrom('x', new Float32Array(batch * spec.inputDim).map(() => normal()));
  const out = gpu.buffer('out', batch * 4);
  const gradX = gpu.buffer('gradX', batch * spec.inputDim * 4);
  try {
    const pass = program.inputGrad({ theta, x, out, gradX });
    program.run(pass);
    const f = await gpu.readF32(out, batch);
    const g = await gpu.readF32(gradX, batch * spec.inputDim);
    const bad = [...f, ...g].findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`MLP output is not finite (entry ${bad} of out ++ gradX)`);
    const flopsPerSample = 2 * mlpFlopsPerSample(spec);
    const flopsPerRun = flopsPerSample * batch * config.dispatches;
    const timing = await timeRuns(gpu, pass, gradX, batch * spec.inputDim * 4, {
      dispatches: config.dispatches,
      runs: config.runs,
      onRun: (r, s) => ctx.progress(`MLP run ${r + 1}/${config.runs}: ${s.toFixed(3)} s, ${(flopsPerRun / s / 1e9).toFixed(2)} GFLOP/s`),
    });
    return {
      adapter: gpu.adapter,
      flopsPerSample,
      flopsPerRun,
      gflops: flopsPerRun / timing.median / 1e9,
      samplesPerSecond: (batch * config.dispatches) / timing.median,
      timing,
      variant: program.variant,
    };
  } finally {
    for (const buf of [theta, x, out, gradX]) buf.destroy();
    program.destroy();
    if (config.variant) gpu.destroy();
  }
}

// Page side of the Langevin sampler tests: builds a LangevinSampler from a
// JSON configuration (an MLP's packed parameters as a number array), runs it
// one or more times, and returns the chains and the acceptance counts.
import type { JobContext } from '../../harness/job';
import { LangevinSampler, type Energy, type SamplerConfig } from '../../src/sampler/sampler';

export type JsonEnergy = Exclude<Energy, { kind: 'mlp' }> | { kind: 'mlp'; spec: import('../../src/mlp/params').MlpSpec; theta: number[] };

export interface SamplerJob {
  config: Omit<SamplerConfig, 'energy'> & { energy: JsonEnergy };
  /** Steps of each run() call, in order (default: one run of config.steps). */
  runs?: number[];
}

export interface SamplerJobResult {
  samples: number[];
  accepted: number;
  proposed: number;
  rate: number;
  perChain: number[];
  stepCount: number;
  grid: [number, number];
}

function energyOf(e: JsonEnergy): Energy {
  return e.kind === 'mlp' ? { kind: 'mlp', spec: e.spec, theta: new Float32Array(e.theta) } : e;
}

export async function sample(ctx: JobContext, job: SamplerJob): Promise<SamplerJobResult> {
  const gpu = await ctx.gpu();
  const sampler = await LangevinSampler.create(gpu, { ...job.config, energy: energyOf(job.config.energy) });
  try {
    for (const k of job.runs ?? [job.config.steps]) sampler.run(k);
    const samples = Array.from(await sampler.readSamples());
    const acc = await sampler.acceptance();
    return {
      samples, accepted: acc.accepted, proposed: acc.proposed, rate: acc.rate, perChain: Array.from(acc.perChain),
      stepCount: await sampler.stepCount(), grid: sampler.config.grid,
    };
  } finally {
    sampler.destroy();
  }
}

// Page side of the sample command (cli/sample.ts): K Langevin steps of n
// chains on a checkpoint's energy E, from the starting points Node chose,
// with the checkpoint's sampler settings; returns the chains.

import { LangevinSampler, type MlpSpec, type SamplerKind } from '../src/index';
import { base64ToF32, f32ToBase64 } from '../harness/base64';
import type { JobContext } from '../harness/job';

export interface SampleJobConfig {
  /** E's architecture and packed parameters (base64 float32). */
  energy: MlpSpec;
  paramsE: string;
  sampler: { kind: SamplerKind; eta: number; stepSize: number; noiseStd: number; gradClip: number | null; box: [number, number] | null };
  n: number;
  steps: number;
  /** Philox seed of the sampler's noise. */
  seed: number;
  /** The chains' starting points, [n][dim] (base64 float32). */
  initial: string;
}

export interface SampleJobResult {
  /** [n][dim] float32, base64. */
  samples: string;
  /** Sampling time, compilation excluded. */
  seconds: number;
}

export async function sample(ctx: JobContext, c: SampleJobConfig): Promise<SampleJobResult> {
  const gpu = await ctx.gpu();
  const s = c.sampler;
  const sampler = await LangevinSampler.create(gpu, {
    sampler: s.kind, chains: c.n, dim: c.energy.inputDim, steps: c.steps, seed: c.seed,
    energy: { kind: 'mlp', spec: c.energy, theta: base64ToF32(c.paramsE) },
    ...(s.kind === 'du-mordatch' ? { stepSize: s.stepSize, noiseStd: s.noiseStd, gradClip: s.gradClip, box: s.box } : { eta: s.eta }),
    initialState: base64ToF32(c.initial),
  });
  try {
    const t0 = performance.now();
    sampler.run(c.steps);
    const samples = await sampler.readSamples();
    return { samples: f32ToBase64(samples), seconds: (performance.now() - t0) / 1000 };
  } finally {
    sampler.destroy();
  }
}

// Page side of the sample command (cli/sample.ts): K Langevin steps of n
// chains on a checkpoint's energy E, from the starting points Node chose,
// with the checkpoint's sampler settings (a conditional energy's label
// coordinates held fixed); returns the chains. E's parameters
// and the starting points come as bytes (harness/host.ts), and so do the
// samples.

import { LangevinSampler, type MlpSpec, type SamplerKind } from '../src/index';
import type { BlobRef } from '../harness/host';
import type { JobContext } from '../harness/job';

export interface SampleJobConfig {
  /** E's architecture, and its packed parameters (float32 bytes). */
  energy: MlpSpec;
  paramsE: BlobRef;
  sampler: { kind: SamplerKind; eta: number; stepSize: number; noiseStd: number; gradClip: number | null; box: [number, number] | null };
  /** A class-conditional energy's classes: the last `classes` values of a chain are its label, never moved (0: none). */
  classes: number;
  n: number;
  steps: number;
  /** Philox seed of the sampler's noise. */
  seed: number;
  /** The chains' starting points, [n][dim] float32 bytes. */
  initial: BlobRef;
}

export interface SampleJobResult {
  /** [n][dim] float32 bytes. */
  samples: BlobRef;
  /** Sampling time, compilation excluded. */
  seconds: number;
}

const f32 = (b: Uint8Array) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

export async function sample(ctx: JobContext, c: SampleJobConfig): Promise<SampleJobResult> {
  const gpu = await ctx.gpu();
  const s = c.sampler;
  const sampler = await LangevinSampler.create(gpu, {
    sampler: s.kind, chains: c.n, dim: c.energy.inputDim, classes: c.classes, steps: c.steps, seed: c.seed,
    energy: { kind: 'mlp', spec: c.energy, theta: f32(await ctx.input(c.paramsE)) },
    ...(s.kind === 'du-mordatch' ? { stepSize: s.stepSize, noiseStd: s.noiseStd, gradClip: s.gradClip, box: s.box } : { eta: s.eta }),
    initialState: f32(await ctx.input(c.initial)),
  });
  try {
    const t0 = performance.now();
    sampler.run(c.steps);
    const samples = await sampler.readSamples();
    const seconds = (performance.now() - t0) / 1000;
    return { samples: await ctx.output(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)), seconds };
  } finally {
    sampler.destroy();
  }
}

// Page side of the trainer's quality tests (test/trainer/quality.gpu.test.ts): trains
// on a toy set and returns the metrics and the persistent chains at the end
// (advanced a few more sampler runs with E fixed, and pooled), for the test to score in float64 (mode masses, MMD to held-out data).
import type { JobContext } from '../../harness/job';
import { generateToy } from '../../src/data/toy';
import { Trainer, type TrainerConfig, type TrainerMetrics } from '../../src/trainer/trainer';

export interface QualityJob {
  config: TrainerConfig;
  dataset: string;
  dataRows: number;
  dataSeed: number;
  iterations: number;
  /** After training, the chains are advanced this many more sampler runs (E fixed) and pooled. */
  extraRuns: number;
}

export interface QualityResult {
  metrics: TrainerMetrics[];
  seconds: number;
  /** The chains after the last iteration and after each extra sampler run, pooled, [(1 + extraRuns) * chains][2]. */
  chains: number[];
}

export async function train(ctx: JobContext, job: QualityJob): Promise<QualityResult> {
  const gpu = await ctx.gpu();
  const trainer = await Trainer.create(gpu, job.config, generateToy(job.dataset, job.dataRows, job.dataSeed));
  try {
    const t0 = performance.now();
    const metrics = await trainer.run(job.iterations, {
      onMetrics: (m) => ctx.progress(`iteration ${m.iteration}: L ${m.eObjective.toFixed(4)}, E data ${m.meanEData.toFixed(3)}, E samples ${m.meanESamples.toFixed(3)}`),
    });
    const seconds = (performance.now() - t0) / 1000;
    const chains = Array.from(await trainer.readSamples());
    for (let k = 0; k < job.extraRuns; k++) {
      trainer.sampler.run();
      chains.push(...(await trainer.readSamples()));
    }
    return { metrics, seconds, chains };
  } finally {
    trainer.destroy();
  }
}

// Training quality, tested statistically with fixed seeds:
// on 8 Gaussians (std 0.1 on a circle of radius 2), f-EBM with Jensen-Shannon,
// KL, reverse KL and squared Hellinger, and contrastive divergence, each with
// the same networks, sampler, optimiser and budget (1500 iterations of 128
// data + 128 chains, 10 ULA steps each). Scored in float64 on 1024 samples:
// the chains at the end, advanced 7 more sampler runs with E fixed, pooled.
//
//  - Modes: a sample belongs to the nearest centre within 0.5 (5 data stds),
//    else it is an outlier. Every mode must hold between 1/16 and 1/4 of the
//    samples that belong to a mode (an even split is 1/8; with ~600 such
//    samples, binomial sd ~0.013), so no mode is lost or hogs the mass.
//    Reverse KL (KL(q || p), mode-seeking: it pays little for a thin mode)
//    must keep at least 1/32 in each.
//  - Outliers below a stated fraction, and MMD^2 (Gaussian kernel, bandwidth
//    0.2) to 1000 held-out data points below a stated value. For scale, with
//    mmd2 and the same held-out points: 2000 fresh data points give ~0,
//    data blurred by N(0, 0.15^2) 0.009, by N(0, 0.2^2) 0.018, a uniform ring
//    of radius 2 0.049, 7 of the 8 modes 0.015.
// The tolerances are what this budget reaches with margin, per method: at
// 1500 iterations CD and KL are closest to the data, reverse KL next, then
// Jensen-Shannon and squared Hellinger (docs/training-quality.md).
import { describe, expect, it } from 'vitest';
import { generateToy, mixtureComponents, modeMasses } from '../../src/data/toy';
import { mmd2 } from '../../src/stats';
import type { TrainerConfig } from '../../src/trainer/trainer';
import type { QualityJob } from './quality.jobs';
import { useGpu } from '../support/gpu';

const CENTRES = mixtureComponents('8gaussians')!.centres;

const BASE: TrainerConfig = {
  energy: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
  variational: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
  numerics: 'authors',
  optimizerE: { kind: 'adam', lr: 5e-3, beta1: 0.5 },
  optimizerH: { kind: 'adam', lr: 1.5e-2, beta1: 0.5 },
  batch: 128,
  chains: 128,
  sampler: { kind: 'ula', steps: 10, eta: 0.0025 },
  replay: { capacity: 4096, reuse: 0.95, initBox: [-2.5, 2.5] },
  l2: 0.1,
  metricsEvery: 250,
  iterationsPerSubmit: 25,
  seed: 3,
};

/** minShare: the smallest share a mode may hold (1/16; reverse KL, which is mode-seeking, 1/32). */
interface Case { name: string; config: Partial<TrainerConfig>; maxOutliers: number; maxMmd2: number; minShare?: number }

const CASES: Case[] = [
  { name: 'Jensen-Shannon', config: { divergence: { name: 'jensen_shannon' } }, maxOutliers: 0.6, maxMmd2: 0.045 },
  { name: 'KL', config: { divergence: { name: 'kl' } }, maxOutliers: 0.45, maxMmd2: 0.03 },
  { name: 'reverse KL', config: { divergence: { name: 'reverse_kl' } }, maxOutliers: 0.45, maxMmd2: 0.04, minShare: 1 / 32 },
  { name: 'squared Hellinger', config: { divergence: { name: 'squared_hellinger' } }, maxOutliers: 0.6, maxMmd2: 0.045 },
  { name: 'contrastive divergence', config: { mode: 'cd', variational: undefined, optimizerH: undefined }, maxOutliers: 0.4, maxMmd2: 0.025 },
];

const ITERATIONS = 1500;

describe('training quality on 8 Gaussians (same networks, sampler and budget for every method)', () => {
  const gpu = useGpu();
  const heldOut = Array.from(generateToy('8gaussians', 1000, 999));

  for (const c of CASES) {
    it(`${c.name}: all 8 modes (each > ${(c.minShare ?? 1 / 16).toFixed(3)}), outliers < ${c.maxOutliers}, MMD^2 < ${c.maxMmd2}`, async () => {
      const job: QualityJob = {
        config: { ...BASE, ...c.config } as TrainerConfig,
        dataset: '8gaussians', dataRows: 4096, dataSeed: 11, iterations: ITERATIONS, extraRuns: 7,
      };
      const r = await gpu.quality.train(job);
      expect(r.chains).toHaveLength(8 * 128 * 2);
      const { masses, outliers } = modeMasses(r.chains, CENTRES, 0.5);
      const shares = masses.map((m) => m / (1 - outliers));
      const mmd = mmd2(r.chains, heldOut, 2, 0.2);
      console.log(
        `${c.name}: ${ITERATIONS} iterations in ${r.seconds.toFixed(1)} s; last L ${r.metrics.at(-1)!.eObjective.toFixed(4)}; ` +
          `mode shares ${shares.map((m) => m.toFixed(3)).join(' ')}, outliers ${outliers.toFixed(3)}, MMD^2 ${mmd.toFixed(4)}`,
      );
      expect(r.metrics.map((m) => m.iteration).at(-1)).toBe(ITERATIONS);
      for (const s of shares) {
        expect(s).toBeGreaterThan(c.minShare ?? 1 / 16);
        expect(s).toBeLessThan(1 / 4);
      }
      expect(outliers).toBeLessThan(c.maxOutliers);
      expect(mmd).toBeLessThan(c.maxMmd2);
    }, 400_000);
  }
});

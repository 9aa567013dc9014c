// The sample command on the real adapter (cli/sample.ts, page side
// cli/sample.jobs.ts): from a checkpoint file to samples.npy, compared chain
// by chain with the float64 reference sampler (src/sampler/reference.ts) on
// the same energy, starts and Philox seed: ULA from seeded noise, and Du &
// Mordatch with its box from the replay buffer's newest rows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialChains, resolvedBox, runSample } from '../../cli/sample';
import { parseNpyRows } from '../../src/data/npy';
import { paramLayout } from '../../src/mlp/params';
import { mlpEnergy64, referenceChain } from '../../src/sampler/reference';
import type { TrainerSamplerSpec } from '../../src/trainer/config';
import { relativeError, useHarness } from '../support/harness';
import { sampleCheckpoint, sampleSnapshot } from './sample-fixture';

const page = useHarness();

async function check(sampler: TrainerSamplerSpec, start: 'noise' | 'replay', n: number, steps: number): Promise<void> {
  const s = sampleSnapshot(sampler, 3, 12, 12, 5);
  const dir = mkdtempSync(join(tmpdir(), 'febm-sample-'));
  writeFileSync(join(dir, 'c.febm'), sampleCheckpoint(s));
  const lines: string[] = [];
  const code = await runSample(page(), [join(dir, 'c.febm'), '--n', String(n), '--steps', String(steps), '--start', start, '--seed', '7', '--out', dir], (l) => lines.push(l));
  expect(code, lines.join('\n')).toBe(0);
  const got = parseNpyRows(readFileSync(join(dir, 'samples.npy')));
  expect(got).toMatchObject({ rows: n, dim: 3 });
  const x0 = initialChains(s, n, start, 7);
  const energy = mlpEnergy64(paramLayout(s.config.energy), s.paramsE);
  const c = s.config.sampler;
  const ref = new Float64Array(n * 3);
  for (let j = 0; j < n; j++) {
    const r = referenceChain({ sampler: c.kind, seed: 7, steps, eta: c.eta, stepSize: c.stepSize, noiseStd: c.noiseStd, gradClip: c.gradClip, box: resolvedBox(s) }, energy, j, x0.subarray(3 * j, 3 * j + 3));
    ref.set(r.x, 3 * j);
  }
  expect(relativeError(got.data, ref)).toBeLessThan(1e-4);
  // The chains moved.
  expect(relativeError(x0, ref)).toBeGreaterThan(1e-2);
}

describe('sample command', () => {
  it('ULA from seeded noise matches the float64 reference chain by chain', async () => {
    await check({ kind: 'ula', steps: 4, eta: 0.05 }, 'noise', 5, 9);
  });
  it("Du & Mordatch with a box from the replay buffer's newest rows matches the reference", async () => {
    await check({ kind: 'du-mordatch', steps: 4, stepSize: 0.5, noiseStd: 0.01, gradClip: 0.2, box: [-1, 1] }, 'replay', 6, 11);
  });
});

// The sample command on the real adapter (cli/sample.ts, page side
// cli/sample.jobs.ts): from a checkpoint file to samples.npy, compared chain
// by chain with the float64 reference sampler (src/sampler/reference.ts) on
// the same energy, starts and Philox seed: ULA from seeded noise, and Du &
// Mordatch with its box from the replay buffer's newest rows; for a
// class-conditional checkpoint, --label from noise and from the replay
// buffer, the label coordinates held fixed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialChains, resolvedBox, runSample } from '../../cli/sample';
import { parseNpyLabels, parseNpyRows } from '../../src/data/npy';
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

describe('sample command: a class-conditional checkpoint', () => {
  // x of 3 values and a one-hot label of 4 classes; replay row r has label r % 4.
  async function checkLabel(start: 'noise' | 'replay', n: number, label: number): Promise<void> {
    const s = sampleSnapshot({ kind: 'ula', steps: 4, eta: 0.05 }, 7, 12, 12, 5, 4);
    const dir = mkdtempSync(join(tmpdir(), 'febm-sample-'));
    writeFileSync(join(dir, 'c.febm'), sampleCheckpoint(s));
    const lines: string[] = [];
    const code = await runSample(page(), [join(dir, 'c.febm'), '--n', String(n), '--steps', '9', '--start', start, '--seed', '7', '--label', String(label), '--out', dir], (l) => lines.push(l));
    expect(code, lines.join('\n')).toBe(0);
    const got = parseNpyRows(readFileSync(join(dir, 'samples.npy')));
    expect(got).toMatchObject({ rows: n, dim: 3 });
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'samples-labels.npy'))).labels)).toEqual(new Array(n).fill(label));
    const x0 = initialChains(s, n, start, 7, label);
    const energy = mlpEnergy64(paramLayout(s.config.energy), s.paramsE);
    const ref = new Float64Array(n * 3);
    for (let j = 0; j < n; j++) {
      const r = referenceChain({ sampler: 'ula', seed: 7, steps: 9, eta: 0.05, classes: 4 }, energy, j, x0.subarray(7 * j, 7 * j + 7));
      // The label coordinates never moved.
      expect(Array.from(r.x.subarray(3))).toEqual(Array.from(x0.subarray(7 * j + 3, 7 * j + 7)));
      ref.set(r.x.subarray(0, 3), 3 * j);
    }
    expect(relativeError(got.data, ref)).toBeLessThan(1e-4);
  }
  it('--label from seeded noise: the x part matches the float64 reference with the label held fixed', async () => {
    await checkLabel('noise', 5, 2);
  });
  it("--label from the replay buffer's newest rows of that label", async () => {
    await checkLabel('replay', 3, 1);
  });
});

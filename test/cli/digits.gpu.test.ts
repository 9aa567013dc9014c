// A tiny image model trained for a few iterations by the train command on
// the mnist package's digits (small networks, fixed seed): the score is
// computed at every checkpoint, finite, and the persistent chains score
// better than their starting noise (uniform on [0, 1], what the chains
// start from); the final chains and fresh samples are written as .npy.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining } from '../../cli/train';
import type { ScoreRecord } from '../../cli/images';
import { calibrationSamples, digitScore } from '../../experiments/digits/calibrate';
import { parseNpyRows } from '../../src/data/npy';
import { useHarness } from '../support/harness';

const page = useHarness();

describe('train: a tiny digit model', () => {
  it('scores its chains at every checkpoint, better than the starting noise, and writes .npy samples', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-digits-'));
    const config = {
      data: { mnist: 'train' }, mode: 'cd', energy: { inputDim: 784, hidden: [16], activation: 'silu' },
      optimizerE: { kind: 'adam', lr: 0.003, beta1: 0 }, batch: 32, chains: 32,
      sampler: { kind: 'du-mordatch', steps: 5, stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: [0, 1] },
      replay: { capacity: 1000, reuse: 0.95, initBox: [0, 1] }, l2: 1, seed: 3,
      metricsEvery: 10, iterationsPerSubmit: 10, checkpointEvery: 10, iterations: 30, picture: null,
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(config));
    const lines: string[] = [];
    const io = { log: (l: string) => lines.push(l), progress: (l: string) => lines.push(l) };
    const out = join(dir, 'out');
    expect(await runTraining(page(), [join(dir, 'run.json'), '--out', out], io), lines.join('\n')).toBe(0);
    const scores = readFileSync(join(out, 'score.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ScoreRecord);
    // Checkpoints at 10 and 20, the final one at 30, and the fresh samples.
    expect(scores.map((s) => [s.iteration, s.fresh ?? false])).toEqual([[10, false], [20, false], [30, false], [30, true]]);
    for (const s of scores) {
      expect(Number.isFinite(s.frechet)).toBe(true);
      expect(s.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    const last = scores[2];
    const n = last.n;
    const { score, train } = digitScore();
    const noise = score.score(calibrationSamples('uniform', train, n, 3).rows, n);
    expect(last.frechet).toBeLessThan(noise.frechet);
    expect(parseNpyRows(readFileSync(join(out, 'samples.npy')))).toMatchObject({ rows: 32, dim: 784 });
    expect(parseNpyRows(readFileSync(join(out, 'fresh.npy')))).toMatchObject({ rows: n, dim: 784 });
    for (const f of ['samples-10.png', 'samples-20.png', 'samples.png', 'fresh.png']) expect(existsSync(join(out, f)), f).toBe(true);
    console.log(`tiny digit model after 30 iterations: Frechet ${last.frechet.toFixed(1)} (n = ${n}) against ${noise.frechet.toFixed(1)} for uniform noise`);
  });
});

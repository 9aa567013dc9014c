// Tiny image models trained for a few iterations by the train command on
// the mnist package's digits (small networks, fixed seed): the score is
// computed at every checkpoint into metrics.jsonl, finite, and the
// persistent chains score better than their starting noise (uniform on
// [0, 1], what the chains start from); the final chains and fresh samples
// are written as .npy. A class-conditional model (classes 10, the digits'
// labels) trains the same way, its score gives the share classified as
// their label, `sample --label` draws chains that keep that label, and the
// run resumes with its labels.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining } from '../../cli/train';
import { runSample } from '../../cli/sample';
import { calibrationSamples, digitScore } from '../../experiments/digits/calibrate';
import { parseNpyLabels, parseNpyRows } from '../../src/data/npy';
import type { SampleScore } from '../../src/index';
import { useHarness } from '../support/harness';

const page = useHarness();

const tiny = (classes: number) => ({
  data: { mnist: 'train' }, mode: 'cd', classes, energy: { inputDim: 784 + classes, hidden: [16], activation: 'silu' },
  optimizerE: { kind: 'adam', lr: 0.003, beta1: 0 }, batch: 32, chains: 32,
  sampler: { kind: 'du-mordatch', steps: 5, stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: [0, 1] },
  replay: { capacity: 1000, reuse: 0.95, initBox: [0, 1] }, l2: 1, seed: 3,
  metricsEvery: 10, iterationsPerSubmit: 10, checkpointEvery: 10, iterations: 30, picture: null,
});

type Line = { iteration: number; hObjective: number; score?: SampleScore; freshScore?: SampleScore };

/** Trains `config` with the train command; returns the output folder and metrics.jsonl's lines. */
async function train(config: Record<string, unknown>): Promise<{ out: string; lines: Line[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'febm-digits-'));
  writeFileSync(join(dir, 'run.json'), JSON.stringify(config));
  const log: string[] = [];
  const io = { log: (l: string) => log.push(l), progress: (l: string) => log.push(l) };
  const out = join(dir, 'out');
  expect(await runTraining(page(), [join(dir, 'run.json'), '--out', out], io), log.join('\n')).toBe(0);
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
  // One line per metrics point; the score in those of the checkpoints (10, 20 and the final 30), fresh samples' in the last.
  expect(lines.map((l) => [l.iteration, l.score !== undefined, l.freshScore !== undefined])).toEqual([[10, true, false], [20, true, false], [30, true, true]]);
  for (const l of lines) {
    expect(Number.isFinite(l.hObjective)).toBe(true);
    for (const s of [l.score, l.freshScore]) {
      if (!s) continue;
      expect(Number.isFinite(s.frechet)).toBe(true);
      expect(s.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  }
  return { out, lines };
}

/** The score of uniform noise, the chains' start, at n samples. */
const noiseScore = (n: number) => {
  const { score, train: digits } = digitScore();
  return score.score(calibrationSamples('uniform', digits, n, 3).rows, n);
};

describe('train: tiny digit models', () => {
  it('scores its chains at every checkpoint in metrics.jsonl, better than the starting noise, and writes .npy samples', async () => {
    const { out, lines } = await train(tiny(0));
    const last = lines[2].score!;
    const n = last.n;
    const noise = noiseScore(n);
    expect(last.agreement).toBeUndefined();
    expect(last.frechet).toBeLessThan(noise.frechet);
    expect(parseNpyRows(readFileSync(join(out, 'samples.npy')))).toMatchObject({ rows: 32, dim: 784 });
    expect(parseNpyRows(readFileSync(join(out, 'fresh.npy')))).toMatchObject({ rows: lines[2].freshScore!.n, dim: 784 });
    for (const f of ['samples-10.png', 'samples-20.png', 'samples.png', 'fresh.png']) expect(existsSync(join(out, f)), f).toBe(true);
    expect(existsSync(join(out, 'score.jsonl'))).toBe(false);
    console.log(`tiny digit model after 30 iterations: Frechet ${last.frechet.toFixed(1)} (n = ${n}) against ${noise.frechet.toFixed(1)} for uniform noise`);
  });

  it('class-conditional (classes 10, the digits\' labels): the score has the share classified as their label; sample --label keeps the label', async () => {
    const { out, lines } = await train(tiny(10));
    const last = lines[2].score!;
    const noise = noiseScore(last.n);
    for (const l of lines) {
      expect(l.score!.agreement).toBeGreaterThanOrEqual(0);
      expect(l.score!.agreement).toBeLessThanOrEqual(1);
    }
    expect(last.frechet).toBeLessThan(noise.frechet);
    expect(parseNpyRows(readFileSync(join(out, 'samples.npy')))).toMatchObject({ rows: 32, dim: 784 });
    // Chain j takes the label of data row j % batch ('batch'): the final chains hold labels of every class or nearly.
    const chainLabels = parseNpyLabels(readFileSync(join(out, 'samples-labels.npy'))).labels;
    expect(chainLabels.length).toBe(32);
    expect(new Set(chainLabels).size).toBeGreaterThan(5);
    expect(parseNpyLabels(readFileSync(join(out, 'fresh-labels.npy'))).labels.length).toBe(lines[2].freshScore!.n);

    const dir = join(out, 'sample');
    const log: string[] = [];
    const args = [join(out, 'checkpoint.febm'), '--n', '24', '--label', '3', '--out', dir];
    expect(await runSample(page(), args, (l) => log.push(l)), log.join('\n')).toBe(0);
    expect(parseNpyRows(readFileSync(join(dir, 'samples.npy')))).toMatchObject({ rows: 24, dim: 784 });
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'samples-labels.npy'))).labels)).toEqual(new Array(24).fill(3));
    const score = JSON.parse(readFileSync(join(dir, 'score.json'), 'utf8')) as SampleScore & { label: number };
    expect(score).toMatchObject({ label: 3, n: 24 });
    expect(Number.isFinite(score.agreement)).toBe(true);
    expect(existsSync(join(dir, 'samples.png'))).toBe(true);
    // A label outside the classes is refused before anything runs.
    expect(await runSample(page(), [join(out, 'checkpoint.febm'), '--label', '10', '--out', dir], (l) => log.push(l))).toBe(2);
    expect(log.at(-1)).toMatch(/--label: must be an integer in \[0, 9\]/);
    // Resumed with its labels into the same folder: 10 more iterations, the score in the new line.
    const more: string[] = [];
    const resumed = await runTraining(page(), ['--resume', join(out, 'checkpoint.febm'), '--iterations', '40'], { log: (l) => more.push(l), progress: (l) => more.push(l) });
    expect(resumed, more.join('\n')).toBe(0);
    const after = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
    expect(after.map((l) => l.iteration)).toEqual([10, 20, 30, 40]);
    expect(after[3].score!.agreement).toBeGreaterThanOrEqual(0);
    console.log(
      `tiny conditional digit model after 30 iterations: Frechet ${last.frechet.toFixed(1)} (n = ${last.n}), classified as their label ${(100 * last.agreement!).toFixed(1)}%; ` +
        `24 samples of label 3: ${(100 * score.agreement!).toFixed(1)}%`,
    );
  });
});

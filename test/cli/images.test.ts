// The train command's digit outputs (cli/images.ts) in Node: the score of
// the newest replay rows at every checkpoint with a grid of the chains,
// samples.npy and fresh.npy with their grids and scores at the end; for a
// class-conditional model the x part of each row, its labels beside it and
// the share classified as their label. The page job is replaced by one that
// returns the chains' starting points unchanged (the sampling itself is
// tested on the GPU by test/cli/sample.gpu.test.ts); what is checked here is
// which rows are scored and written, and how. The host is replaced by one
// that keeps offered bytes in a map.
import { mkdtempSync, readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageOutputs, SCORE_SAMPLES } from '../../cli/images';
import { recentReplayRows } from '../../cli/sample';
import type { SampleJobConfig } from '../../cli/sample.jobs';
import type { BlobRef, JobHost } from '../../harness/host';
import { digitScore } from '../../experiments/digits/calibrate';
import { parseNpyLabels, parseNpyRows } from '../../src/data/npy';
import { splitOneHotRows } from '../../src/trainer/data';
import { sampleCheckpoint, sampleSnapshot } from './sample-fixture';

describe('train: digit outputs', () => {
  let made: { s: ReturnType<typeof sampleSnapshot>; bytes: Uint8Array } | undefined;
  const fixture = () => {
    if (!made) {
      const s = sampleSnapshot({ kind: 'du-mordatch', steps: 5, box: [0, 1] }, 784, 1500, 1200, 200);
      made = { s, bytes: sampleCheckpoint(s) };
    }
    return made;
  };

  const mockHost = (jobs: SampleJobConfig[]) => {
    const blobs = new Map<string, Uint8Array>();
    return {
      offer: async (b: Uint8Array) => (blobs.set(`b${blobs.size}`, b.slice()), { blob: `b${blobs.size - 1}`, bytes: b.length }),
      take: async (ref: BlobRef) => blobs.get(ref.blob)!,
      release: async () => {},
      run: async (_name: string, job: SampleJobConfig) => (jobs.push(job), { samples: job.initial, seconds: 0 }),
    } as unknown as JobHost;
  };

  it('scores the newest replay rows at each checkpoint and writes the final and fresh samples', async () => {
    const { s, bytes } = fixture();
    const dir = mkdtempSync(join(tmpdir(), 'febm-images-'));
    const jobs: SampleJobConfig[] = [];
    const out = new ImageOutputs(dir);
    const first = out.onCheckpoint(bytes);
    const end = await out.finish(mockHost(jobs), bytes);
    expect(end.files.map((f) => f.slice(dir.length + 1))).toEqual(['samples.npy', 'samples.png', 'fresh.npy', 'fresh.png']);
    // Grids of 28 x 28 digits at 2 pixels a pixel with 2-pixel gaps: the 4 chains 2 x 2, 64 of the fresh samples 8 x 8.
    for (const [file, side] of [['samples-17.png', 2], ['samples.png', 2], ['fresh.png', 8]] as const) {
      const png = decodePng(readFileSync(join(dir, file)));
      expect([png.width, png.height], file).toEqual([side * 56 + (side + 1) * 2, side * 56 + (side + 1) * 2]);
    }
    const expected = digitScore().score.score(recentReplayRows(s, SCORE_SAMPLES), SCORE_SAMPLES);
    expect(first).toEqual({ iteration: 17, score: expected });
    expect(expected.agreement).toBeUndefined();
    expect(Number.isFinite(expected.frechet)).toBe(true);
    expect(end).toMatchObject({ iteration: 17, score: expected });
    // The stand-in job returns its starting points: the fresh samples are the newest replay rows again.
    expect(end.fresh).toEqual(expected);
    expect(jobs[0]).toMatchObject({ n: SCORE_SAMPLES, steps: 5, seed: 0, classes: 0, sampler: { kind: 'du-mordatch', box: [0, 1] } });
    expect(parseNpyRows(readFileSync(join(dir, 'samples.npy')))).toMatchObject({ rows: 4, dim: 784 });
    expect(parseNpyRows(readFileSync(join(dir, 'fresh.npy'))).data).toEqual(recentReplayRows(s, SCORE_SAMPLES));
  }, 60_000); // three scores of 1,000 samples and the reference: a few seconds

  it('a class-conditional model: x scored with its labels (agreement), .npy of x and of the labels', async () => {
    // 784 + 10 values a row; replay row r has label r % 10.
    const s = sampleSnapshot({ kind: 'du-mordatch', steps: 5, box: [0, 1] }, 794, 1500, 1200, 200, 10);
    const bytes = sampleCheckpoint(s);
    const dir = mkdtempSync(join(tmpdir(), 'febm-images-'));
    const jobs: SampleJobConfig[] = [];
    const out = new ImageOutputs(dir);
    const end = await out.finish(mockHost(jobs), bytes);
    expect(end.files.map((f) => f.slice(dir.length + 1))).toEqual(['samples.npy', 'samples-labels.npy', 'samples.png', 'fresh.npy', 'fresh-labels.npy', 'fresh.png']);
    const { x, labels } = splitOneHotRows(recentReplayRows(s, SCORE_SAMPLES), 794, 10);
    const expected = digitScore().score.score(x, SCORE_SAMPLES, labels);
    expect(end.score).toEqual(expected);
    expect(end.fresh).toEqual(expected);
    // The fixture's rows are noise with a label: about a tenth agree, as chance would have it.
    expect(expected.agreement).toBeGreaterThanOrEqual(0);
    expect(expected.agreement).toBeLessThan(0.3);
    expect(jobs[0]).toMatchObject({ n: SCORE_SAMPLES, classes: 10 });
    expect(parseNpyRows(readFileSync(join(dir, 'samples.npy')))).toMatchObject({ rows: 4, dim: 784 });
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'samples-labels.npy'))).labels)).toEqual([0, 1, 2, 3]);
    expect(parseNpyRows(readFileSync(join(dir, 'fresh.npy'))).data).toEqual(x);
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'fresh-labels.npy'))).labels)).toEqual(Array.from(labels));
    expect(decodePng(readFileSync(join(dir, 'samples-17.png'))).width).toBe(2 * 56 + 3 * 2);
  }, 60_000);

  it('no score while fewer than 2 replay rows are filled', () => {
    const s = sampleSnapshot({ kind: 'du-mordatch', steps: 5, box: [0, 1] }, 784, 10, 1, 1);
    const dir = mkdtempSync(join(tmpdir(), 'febm-images-'));
    expect(new ImageOutputs(dir).onCheckpoint(sampleCheckpoint(s))).toEqual({ iteration: 17, score: null });
  });
});

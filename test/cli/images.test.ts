// The train command's digit outputs (cli/images.ts) in Node: score.jsonl at
// every checkpoint with a grid of the chains, samples.npy and fresh.npy with
// their grids at the end. The page job is
// replaced by one that returns the chains' starting points unchanged (the
// sampling itself is tested on the GPU by test/cli/sample.gpu.test.ts);
// what is checked here is which rows are scored and written, and how.
// The host is replaced by one that keeps offered bytes in a map.
import { mkdtempSync, readFileSync } from 'node:fs';
import { decode as decodePng } from 'fast-png';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImageOutputs, SCORE_SAMPLES, type ScoreRecord } from '../../cli/images';
import { recentReplayRows } from '../../cli/sample';
import type { SampleJobConfig } from '../../cli/sample.jobs';
import type { BlobRef, JobHost } from '../../harness/host';
import { digitScore } from '../../experiments/digits/calibrate';
import { parseNpyRows } from '../../src/data/npy';
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

  it('scores the newest replay rows at each checkpoint and writes the final and fresh samples', async () => {
    const { s, bytes } = fixture();
    const dir = mkdtempSync(join(tmpdir(), 'febm-images-'));
    const jobs: SampleJobConfig[] = [];
    const blobs = new Map<string, Uint8Array>();
    const host = {
      offer: async (b: Uint8Array) => (blobs.set(`b${blobs.size}`, b.slice()), { blob: `b${blobs.size - 1}`, bytes: b.length }),
      take: async (ref: BlobRef) => blobs.get(ref.blob)!,
      release: async () => {},
      run: async (_name: string, job: SampleJobConfig) => (jobs.push(job), { samples: job.initial, seconds: 0 }),
    } as unknown as JobHost;
    const out = new ImageOutputs(dir);
    const first = out.onCheckpoint(bytes);
    const files = await out.finish(host, bytes);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['score.jsonl', 'samples.npy', 'fresh.npy', 'samples.png', 'fresh.png']);
    // Grids of 28 x 28 digits at 2 pixels a pixel with 2-pixel gaps: the 4 chains 2 x 2, 64 of the fresh samples 8 x 8.
    for (const [file, side] of [['samples-17.png', 2], ['samples.png', 2], ['fresh.png', 8]] as const) {
      const png = decodePng(readFileSync(join(dir, file)));
      expect([png.width, png.height], file).toEqual([side * 56 + (side + 1) * 2, side * 56 + (side + 1) * 2]);
    }
    const lines = readFileSync(join(dir, 'score.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ScoreRecord);
    expect(lines.length).toBe(3);
    expect(lines[0]).toEqual(first);
    const expected = digitScore().score.score(recentReplayRows(s, SCORE_SAMPLES), SCORE_SAMPLES);
    expect(lines[0]).toEqual({ iteration: 17, ...expected });
    expect(Number.isFinite(lines[0].frechet)).toBe(true);
    expect(lines[2]).toMatchObject({ iteration: 17, fresh: true, n: SCORE_SAMPLES });
    expect(jobs[0]).toMatchObject({ n: SCORE_SAMPLES, steps: 5, seed: 0, sampler: { kind: 'du-mordatch', box: [0, 1] } });
    expect(parseNpyRows(readFileSync(join(dir, 'samples.npy')))).toMatchObject({ rows: 4, dim: 784 });
    expect(parseNpyRows(readFileSync(join(dir, 'fresh.npy'))).data).toEqual(recentReplayRows(s, SCORE_SAMPLES));
  }, 60_000); // three scores of 1,000 samples and the reference: a few seconds

  it('a resumed run into the same folder goes on with score.jsonl; a new one starts it again', () => {
    const { bytes } = fixture();
    const dir = mkdtempSync(join(tmpdir(), 'febm-images-'));
    new ImageOutputs(dir).onCheckpoint(bytes);
    new ImageOutputs(dir, () => {}, false).onCheckpoint(bytes);
    expect(readFileSync(join(dir, 'score.jsonl'), 'utf8').trim().split('\n').length).toBe(2);
    new ImageOutputs(dir);
    expect(readFileSync(join(dir, 'score.jsonl'), 'utf8')).toBe('');
  });
});

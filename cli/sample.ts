// `node bin/febm.mjs cli/sample.ts CHECKPOINT [--n N] [--steps K] [--start replay|noise] [--seed S] [--out DIR]`:
// draws N samples from a trained model: N chains of the checkpoint's
// sampler (its kind, step, noise, gradient clip and box) on the
// checkpoint's energy E, K steps each (default: the checkpoint's steps per
// iteration), in the runner's Chromium (page side cli/sample.jobs.ts).
// Writes, in DIR (default out/sample):
//   samples.npy   N x dim float32 (NumPy's format: np.load reads it as it is)
//   score.json    digits (784 values a row) only: the sample-quality score
//                 against the held-out digits (docs/score.md)
// and prints where they went and, for digits, the score.
//
// The two starts:
//   replay  the N most recently written rows of the checkpoint's replay
//           buffer (the persistent chains' latest states, the trainer's
//           restarts), newest last. These are already close to the model,
//           so K steps refine what training found.
//   noise   fresh points, uniform in the checkpoint's replay.initBox (where
//           the trainer's fresh restarts start), seeded by --seed. Short-run
//           EBMs trained with persistent chains are known to give good
//           samples from those chains and poor ones from noise: their
//           sampler never had to carry noise to data in K steps.
//
// Exit codes: 0 done, 2 refused (arguments, checkpoint).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViteDevServer } from 'vite';
import { base64ToF32, f32ToBase64 } from '../harness/base64';
import { Runner, type HarnessPage } from '../harness/runner';
import { ConfigError, DIGIT_PIXELS, decodeTrainerCheckpoint, encodeNpy, seededUniform, type TrainerSnapshot } from '../src/index';
import type { SampleJobConfig, SampleJobResult } from './sample.jobs';
import { digitScore } from '../experiments/digits/calibrate';

export const SAMPLE_STARTS = ['replay', 'noise'] as const;
export type SampleStart = (typeof SAMPLE_STARTS)[number];

export interface SampleArgs {
  checkpoint: string;
  n: number;
  /** Steps per chain; undefined: the checkpoint's sampler.steps. */
  steps?: number;
  start: SampleStart;
  seed: number;
  out: string;
}

const OPTIONS = '--n N (default 64), --steps K (default: the checkpoint\'s), --start replay|noise (default replay), --seed S (default 0), --out DIR (default out/sample)';

function integer(field: string, v: string, lo: number, hi: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < lo || n > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

/** Parses the command line; ConfigError naming the flag on anything wrong. */
export function parseSampleArgs(argv: string[]): SampleArgs {
  const out: Partial<SampleArgs> & { start: SampleStart; n: number; seed: number; out: string } = { n: 64, start: 'replay', seed: 0, out: join('out', 'sample') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      if (!['--n', '--steps', '--start', '--seed', '--out'].includes(a)) throw new ConfigError(a, `unknown option (options: ${OPTIONS})`);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new ConfigError(a, 'needs a value');
      if (a === '--n') out.n = integer('--n', v, 2, 1 << 20);
      else if (a === '--steps') out.steps = integer('--steps', v, 1, 100000);
      else if (a === '--seed') out.seed = integer('--seed', v, 0, 2 ** 32 - 1);
      else if (a === '--out') out.out = v;
      else {
        if (!(SAMPLE_STARTS as readonly string[]).includes(v)) throw new ConfigError('--start', `must be one of ${SAMPLE_STARTS.join(', ')}, got ${JSON.stringify(v)}`);
        out.start = v as SampleStart;
      }
    } else if (out.checkpoint === undefined) out.checkpoint = a;
    else throw new ConfigError('checkpoint', `only one checkpoint can be given (got ${JSON.stringify(out.checkpoint)} and ${JSON.stringify(a)})`);
  }
  if (out.checkpoint === undefined) throw new ConfigError('checkpoint', `is required: sample CHECKPOINT [${OPTIONS}]`);
  return out as SampleArgs;
}

/** The rows of the replay buffer written last, oldest first (the newest is the last row). */
export function recentReplayRows(s: Pick<TrainerSnapshot, 'replay' | 'replayFilled' | 'replayPos' | 'config'>, n: number): Float32Array {
  const dim = s.config.energy.inputDim;
  const capacity = s.config.replay.capacity;
  if (n > s.replayFilled) {
    throw new ConfigError('--n', `with --start replay, at most the replay buffer's ${s.replayFilled} filled rows, got ${n} (use --start noise, or a smaller --n)`);
  }
  const out = new Float32Array(n * dim);
  for (let k = 0; k < n; k++) {
    const row = (((s.replayPos - n + k) % capacity) + capacity) % capacity;
    out.set(s.replay.subarray(row * dim, (row + 1) * dim), k * dim);
  }
  return out;
}

/** The chains' starting points for a start kind (see the top of this file). */
export function initialChains(s: TrainerSnapshot, n: number, start: SampleStart, seed: number): Float32Array {
  if (start === 'replay') return recentReplayRows(s, n);
  const [lo, hi] = s.config.replay.initBox!;
  const u = seededUniform(seed);
  return Float32Array.from({ length: n * s.config.energy.inputDim }, () => lo + (hi - lo) * u());
}

/** The page job of a sample command. */
export function sampleJob(s: TrainerSnapshot, args: SampleArgs): SampleJobConfig {
  const c = s.config;
  return {
    energy: c.energy, paramsE: f32ToBase64(s.paramsE),
    sampler: { kind: c.sampler.kind, eta: c.sampler.eta, stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: c.sampler.box },
    n: args.n, steps: args.steps ?? c.sampler.steps, seed: args.seed, initial: f32ToBase64(initialChains(s, args.n, args.start, args.seed)),
  };
}

/** A checked command: arguments, the checkpoint and the page job. */
export interface PreparedSample {
  args: SampleArgs;
  snapshot: TrainerSnapshot;
  job: SampleJobConfig;
}

/** Parses the arguments, reads the checkpoint and chooses the starts; ConfigError or CheckpointError before any browser starts. */
export function prepareSample(argv: string[]): PreparedSample {
  const args = parseSampleArgs(argv);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(args.checkpoint));
  } catch (e) {
    throw new ConfigError('checkpoint', `cannot be read: ${(e as Error).message}`);
  }
  const snapshot = decodeTrainerCheckpoint(bytes);
  return { args, snapshot, job: sampleJob(snapshot, args) };
}

type Log = (line: string) => void;
const stderr: Log = (line) => process.stderr.write(`${line}\n`);

function prepareOrSay(argv: string[], log: Log): PreparedSample | null {
  try {
    return prepareSample(argv);
  } catch (e) {
    log(`${(e as Error).name}: ${(e as Error).message}`);
    return null;
  }
}

/** The whole command on an open harness page; returns the exit code (0 done, 2 refused). */
export async function runSample(page: HarnessPage, argv: string[], log: Log = stderr): Promise<number> {
  const prepared = prepareOrSay(argv, log);
  return prepared ? executeSample(page, prepared, log) : 2;
}

async function executeSample(page: HarnessPage, { args, snapshot, job }: PreparedSample, log: Log): Promise<number> {
  const dim = snapshot.config.energy.inputDim;
  log(`sampling ${args.n} chains x ${job.steps} ${job.sampler.kind} steps from ${args.start === 'replay' ? 'the replay buffer' : 'fresh noise'} of ${args.checkpoint} (iteration ${snapshot.iteration}, ${dim} dimensions)`);
  const result = await page.run<SampleJobResult>('sample.sample', job);
  const samples = base64ToF32(result.samples);
  mkdirSync(args.out, { recursive: true });
  const files = [join(args.out, 'samples.npy')];
  writeFileSync(files[0], encodeNpy(samples, [args.n, dim]));
  if (dim === DIGIT_PIXELS) {
    const s = digitScore().score.score(samples, args.n);
    files.push(join(args.out, 'score.json'));
    writeFileSync(files[1], `${JSON.stringify({ checkpoint: args.checkpoint, iteration: snapshot.iteration, start: args.start, steps: job.steps, ...s }, null, 1)}\n`);
    log(`score: Frechet ${s.frechet.toFixed(2)} (n = ${s.n}), classes ${(100 * s.minShare).toFixed(1)}% to ${(100 * s.maxShare).toFixed(1)}%, confident ${(100 * s.confident).toFixed(1)}%`);
  }
  log(`sampled in ${result.seconds.toFixed(1)} s; wrote ${files.join(', ')}`);
  return 0;
}

export async function main(vite: ViteDevServer, argv: string[]): Promise<number> {
  // Everything is checked before a browser starts.
  const prepared = prepareOrSay(argv, stderr);
  if (!prepared) return 2;
  const runner = await Runner.start({ vite, log: (line) => { if (!line.startsWith('[page debug]')) stderr(line); } });
  try {
    const page = await runner.page();
    try {
      return await executeSample(page, prepared, stderr);
    } finally {
      await page.close();
    }
  } finally {
    await runner.close();
  }
}

// `febm-gpu sample CHECKPOINT [--n N] [--steps K] [--start replay|noise] [--seed S] [--label L] [--out DIR]`:
// draws N samples from a trained model: N chains of the checkpoint's
// sampler (its kind, step, noise, gradient clip and box) on the
// checkpoint's energy E, K steps each (default: the checkpoint's steps per
// iteration), in the runner's Chromium (page side cli/sample.jobs.ts).
// Writes, in DIR (default out/sample):
//   samples.npy   N x dim float32 (NumPy's format: np.load reads it as it
//                 is); for a class-conditional model the x part only, N x
//                 (inputDim - classes)
//   samples-labels.npy  class-conditional models only: each sample's label,
//                 N int32
//   score.json    digits (784 values of x a row) only: the sample-quality
//                 score against the held-out digits (docs/score.md), for a
//                 conditional model with the share classified as their label
//   samples.png   digits only: the first 64 samples as a grid
// and prints where they went and, for digits, the score.
//
// Labels (a class-conditional checkpoint, classes > 0): a chain's last
// `classes` values are its one-hot label, which the sampler never moves.
// --label L draws every chain with label L (0 to classes - 1); without it
// the replay start keeps each row's own label and the noise start gives
// chain i the label i % classes. --label with an unconditional checkpoint
// is refused.
//
// The two starts:
//   replay  the N most recently written rows of the checkpoint's replay
//           buffer (the persistent chains' latest states, the trainer's
//           restarts), newest last; with --label, the N newest rows of that
//           label. These are already close to the model, so K steps refine
//           what training found.
//   noise   fresh points, uniform in the checkpoint's replay.initBox (where
//           the trainer's fresh restarts start), seeded by --seed. Short-run
//           EBMs trained with persistent chains are known to give good
//           samples from those chains and poor ones from noise: their
//           sampler never had to carry noise to data in K steps.
//
// Exit codes: 0 done, 2 refused (arguments, checkpoint), 130 interrupted.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlobRef, JobHost } from '../harness/host';
import {
  ConfigError, decodeTrainerCheckpoint, DIGIT_PIXELS, DIGIT_SIDE, encodeNpy, encodePng, imageGrid, seededUniform, splitOneHotRows, type SampleScore, type TrainerSnapshot,
} from '../src/index';
import { EXIT, intArg, parseCommandLine, stringArg, type Command, type Parsed } from './command';
import { writeFileAtomic } from './files';
import { HOST_OPTION, hostArg } from './hosts';
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
  /** Class-conditional checkpoints: the label of every chain (undefined: see the header). */
  label?: number;
  out: string;
}

const SAMPLE_OPTIONS = {
  n: { type: 'string', value: 'N', help: 'chains to run (2 to 1,048,576)', default: 64 },
  steps: { type: 'string', value: 'K', help: 'sampler steps per chain (1 to 100,000)', default: "the checkpoint's sampler.steps" },
  start: { type: 'string', value: 'replay|noise', help: "where the chains start: the replay buffer's newest rows, or uniform noise in replay.initBox", default: 'replay' },
  seed: { type: 'string', value: 'S', help: "seed of the noise start and of the sampler's Philox stream", default: 0 },
  label: {
    type: 'string', value: 'L', help: 'class-conditional checkpoints: every sample gets label L, in [0, classes-1]',
    default: "each replay row's own; from noise, chain i gets i % classes",
  },
  out: { type: 'string', value: 'DIR', help: 'output folder', default: 'out/sample' },
  ...HOST_OPTION,
} as const;

/** The command's arguments from a parsed command line; ConfigError naming the flag on anything wrong. */
function sampleArgs(p: Parsed): SampleArgs {
  const checkpoint = p.positionals[0];
  if (checkpoint === undefined) throw new ConfigError('checkpoint', `is required: febm-gpu ${sampleCommand.usage}`);
  const start = stringArg(p, 'start', SAMPLE_OPTIONS.start.default)!;
  if (!(SAMPLE_STARTS as readonly string[]).includes(start)) throw new ConfigError('--start', `must be one of ${SAMPLE_STARTS.join(', ')}, got ${JSON.stringify(start)}`);
  const steps = intArg(p, 'steps', 1, 100000);
  // The checkpoint's classes bound it further (prepareSample).
  const label = intArg(p, 'label', 0, 2 ** 31 - 1);
  return {
    checkpoint, n: intArg(p, 'n', 2, 1 << 20, SAMPLE_OPTIONS.n.default)!, ...(steps === undefined ? {} : { steps }), start: start as SampleStart,
    seed: intArg(p, 'seed', 0, 2 ** 32 - 1, SAMPLE_OPTIONS.seed.default)!, ...(label === undefined ? {} : { label }),
    out: stringArg(p, 'out', SAMPLE_OPTIONS.out.default)!,
  };
}

/** Parses the command line (febm-gpu sample's arguments); ConfigError naming the flag on anything wrong. */
export function parseSampleArgs(argv: string[]): SampleArgs {
  return sampleArgs(parseCommandLine(sampleCommand, argv));
}

/** A score in words, as the commands print it. */
export function describeScore(s: SampleScore): string {
  return (
    `Frechet ${s.frechet.toFixed(2)} (n = ${s.n}), classes ${(100 * s.minShare).toFixed(1)}% to ${(100 * s.maxShare).toFixed(1)}%, ` +
    `confident ${(100 * s.confident).toFixed(1)}%${s.agreement === undefined ? '' : `, classified as their label ${(100 * s.agreement).toFixed(1)}%`}`
  );
}

/** Most digits a grid picture shows. */
export const GRID_DIGITS = 64;

/** The first (at most GRID_DIGITS) digits of rows as a PNG grid, black to white, 2 pixels per pixel. */
export function digitGridPng(rows: Float32Array, count: number): Uint8Array {
  const n = Math.min(count, GRID_DIGITS);
  return encodePng(imageGrid(rows.subarray(0, n * DIGIT_PIXELS), n, DIGIT_SIDE, DIGIT_SIDE, { scale: 2 }));
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

/** The label of a class-conditional row (its last `classes` values one-hot), -1 if they are not one-hot. */
function rowLabel(rows: Float32Array, row: number, dim: number, classes: number): number {
  let label = -1;
  for (let l = 0; l < classes; l++) {
    const v = rows[row * dim + dim - classes + l];
    if (v === 1 && label < 0) label = l;
    else if (v !== 0) return -1;
  }
  return label;
}

/** The n rows of label `label` that the replay buffer received last, oldest first (a class-conditional checkpoint). */
export function recentReplayRowsOfLabel(s: Pick<TrainerSnapshot, 'replay' | 'replayFilled' | 'replayPos' | 'config'>, n: number, label: number): Float32Array {
  const dim = s.config.energy.inputDim;
  const { capacity } = s.config.replay;
  const picked: number[] = [];
  for (let back = 1; back <= s.replayFilled && picked.length < n; back++) {
    const row = (((s.replayPos - back) % capacity) + capacity) % capacity;
    if (rowLabel(s.replay, row, dim, s.config.classes) === label) picked.push(row);
  }
  if (picked.length < n) {
    throw new ConfigError(
      '--n',
      `with --start replay and --label ${label}, at most the replay buffer's ${picked.length} rows of label ${label} (of ${s.replayFilled} filled), got ${n} ` +
        '(use --start noise, or a smaller --n)',
    );
  }
  const out = new Float32Array(n * dim);
  picked.reverse().forEach((row, k) => out.set(s.replay.subarray(row * dim, (row + 1) * dim), k * dim));
  return out;
}

/** Checks --label against a checkpoint: only for a class-conditional one, in [0, classes - 1]. */
export function checkLabel(s: Pick<TrainerSnapshot, 'config'>, label: number | undefined): void {
  if (label === undefined) return;
  const k = s.config.classes;
  if (k === 0) throw new ConfigError('--label', `is for class-conditional checkpoints; this one is unconditional (classes = 0), got --label ${label}`);
  if (!Number.isInteger(label) || label < 0 || label >= k) throw new ConfigError('--label', `must be an integer in [0, ${k - 1}] (the checkpoint's classes = ${k}), got ${label}`);
}

/**
 * The chains' starting points for a start kind (see the top of this file),
 * whole rows of energy.inputDim values (a conditional model's one-hot label
 * last: `label`, or see the header).
 */
export function initialChains(s: TrainerSnapshot, n: number, start: SampleStart, seed: number, label?: number): Float32Array {
  checkLabel(s, label);
  if (start === 'replay') return label === undefined ? recentReplayRows(s, n) : recentReplayRowsOfLabel(s, n, label);
  const [lo, hi] = s.config.replay.initBox!;
  const u = seededUniform(seed);
  const dim = s.config.energy.inputDim;
  const k = s.config.classes;
  if (k === 0) return Float32Array.from({ length: n * dim }, () => lo + (hi - lo) * u());
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim - k; j++) out[i * dim + j] = lo + (hi - lo) * u();
    out[i * dim + dim - k + (label ?? i % k)] = 1;
  }
  return out;
}

/** Samples (whole rows) as x and labels: a conditional model's rows split (labels null for an unconditional one). */
export function sampleParts(s: Pick<TrainerSnapshot, 'config'>, rows: Float32Array): { x: Float32Array; labels: Int32Array | null; dim: number } {
  const { inputDim } = s.config.energy;
  const k = s.config.classes;
  if (k === 0) return { x: rows, labels: null, dim: inputDim };
  const { x, labels } = splitOneHotRows(rows, inputDim, k, 'samples');
  return { x, labels, dim: inputDim - k };
}

/** The sampler's box as the run used it: 'data' is the data's range, which training resolved into replay.initBox. */
export function resolvedBox(s: TrainerSnapshot): [number, number] | null {
  const box = s.config.sampler.box;
  return box === 'data' ? (s.config.replay.initBox ?? null) : (box ?? null);
}

/** The page job of a sample command, its bytes offered to the host. */
export async function sampleJob(host: JobHost, s: TrainerSnapshot, args: Omit<SampleArgs, 'checkpoint' | 'out'>): Promise<SampleJobConfig> {
  const c = s.config;
  const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return {
    energy: c.energy, paramsE: await host.offer(bytes(s.paramsE)),
    sampler: { kind: c.sampler.kind, eta: c.sampler.eta, stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: resolvedBox(s) },
    classes: c.classes,
    n: args.n, steps: args.steps ?? c.sampler.steps, seed: args.seed, initial: await host.offer(bytes(initialChains(s, args.n, args.start, args.seed, args.label))),
  };
}

/** Runs a sample job on a host and returns the samples, [n][dim]. */
export async function drawSamples(host: JobHost, s: TrainerSnapshot, args: Omit<SampleArgs, 'checkpoint' | 'out'>): Promise<{ samples: Float32Array; steps: number; seconds: number }> {
  const job = await sampleJob(host, s, args);
  try {
    const result = await host.run<SampleJobResult>('sample.sample', job);
    const b = await host.take(result.samples);
    return { samples: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), steps: job.steps, seconds: result.seconds };
  } finally {
    for (const ref of [job.paramsE, job.initial] as BlobRef[]) await host.release(ref).catch(() => {});
  }
}

/** A checked command: arguments, the checkpoint and the chains' starting points. */
export interface PreparedSample {
  args: SampleArgs;
  snapshot: TrainerSnapshot;
  steps: number;
}

/** Parses the arguments, reads the checkpoint and chooses the starts; ConfigError or CheckpointError before any browser starts. */
export function prepareSample(argv: string[] | SampleArgs): PreparedSample {
  const args = Array.isArray(argv) ? parseSampleArgs(argv) : argv;
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(args.checkpoint));
  } catch (e) {
    throw new ConfigError('checkpoint', `cannot be read: ${(e as Error).message}`);
  }
  const snapshot = decodeTrainerCheckpoint(bytes);
  // The label and the starts are checked here (e.g. --n beyond the replay buffer's rows), before a browser starts.
  initialChains(snapshot, args.n, args.start, args.seed, args.label);
  return { args, snapshot, steps: args.steps ?? snapshot.config.sampler.steps };
}

type Log = (line: string) => void;
const stderr: Log = (line) => process.stderr.write(`${line}\n`);

function prepareOrSay(argv: string[] | SampleArgs, log: Log): PreparedSample | null {
  try {
    return prepareSample(argv);
  } catch (e) {
    log(`${(e as Error).name}: ${(e as Error).message}`);
    return null;
  }
}

/** The whole command on a host (tests pass a page); returns the exit code (0 done, 2 refused). */
export async function runSample(host: JobHost, argv: string[], log: Log = stderr): Promise<number> {
  const prepared = prepareOrSay(argv, log);
  return prepared ? executeSample(host, prepared, log) : EXIT.refused;
}

async function executeSample(host: JobHost, { args, snapshot, steps }: PreparedSample, log: Log): Promise<number> {
  const k = snapshot.config.classes;
  const which = k === 0 ? '' : args.label !== undefined ? `, label ${args.label}` : args.start === 'replay' ? ", each row's own label" : `, labels i % ${k}`;
  log(
    `sampling ${args.n} chains x ${steps} ${snapshot.config.sampler.kind} steps from ${args.start === 'replay' ? 'the replay buffer' : 'fresh noise'} of ${args.checkpoint} ` +
      `(iteration ${snapshot.iteration}, ${snapshot.config.energy.inputDim - k} dimensions${which})`,
  );
  const { samples, seconds } = await drawSamples(host, snapshot, args);
  const { x, labels, dim } = sampleParts(snapshot, samples);
  mkdirSync(args.out, { recursive: true });
  const files = [join(args.out, 'samples.npy')];
  writeFileAtomic(files[0], encodeNpy(x, [args.n, dim]));
  if (labels) {
    files.push(join(args.out, 'samples-labels.npy'));
    writeFileAtomic(files.at(-1)!, encodeNpy(labels, [args.n]));
  }
  if (dim === DIGIT_PIXELS) {
    const s = digitScore().score.score(x, args.n, labels ?? undefined);
    const scoreFile = join(args.out, 'score.json');
    const grid = join(args.out, 'samples.png');
    files.push(scoreFile, grid);
    writeFileAtomic(grid, digitGridPng(x, args.n));
    const label = args.label === undefined ? {} : { label: args.label };
    writeFileAtomic(scoreFile, `${JSON.stringify({ checkpoint: args.checkpoint, iteration: snapshot.iteration, start: args.start, steps, ...label, ...s }, null, 1)}\n`);
    log(`score: ${describeScore(s)}`);
  }
  log(`sampled in ${seconds.toFixed(1)} s; wrote ${files.join(', ')}`);
  return EXIT.done;
}

export const sampleCommand: Command = {
  name: 'sample',
  summary: "draw samples from a trained model's checkpoint into a .npy (and, for digits, their score)",
  usage: 'sample CHECKPOINT [options]',
  description: [
    "Runs N chains of the checkpoint's own sampler (kind, step, noise, gradient clip, box) on its energy E",
    "for K steps, started from the replay buffer's newest rows (the persistent chains) or from uniform noise",
    "in its replay.initBox, and writes samples.npy (N x dim float32) in the output folder; for digits (784",
    'values a row) also score.json, the sample-quality score against the held-out digits (docs/score.md).',
    "A class-conditional checkpoint keeps each chain's label fixed, and --label L gives them all label L;",
    'samples.npy then holds the images without the label, samples-labels.npy the labels (N int32), and',
    'score.json the share of samples classified as their label.',
  ].join('\n'),
  options: SAMPLE_OPTIONS,
  positionals: { max: 1, what: 'checkpoint' },
  onInterrupt: 'exit',
  async run(p, env) {
    // Everything is checked before a browser starts.
    let args: SampleArgs;
    try {
      args = sampleArgs(p);
    } catch (e) {
      env.log(`${(e as Error).name}: ${(e as Error).message}`);
      return EXIT.refused;
    }
    const prepared = prepareOrSay(args, env.log);
    if (!prepared) return EXIT.refused;
    const provider = await env.startHost({ kind: hostArg(p.values), log: (line) => { if (!line.startsWith('[page debug]')) env.log(line); } });
    const host = await provider.open();
    try {
      return await executeSample(host, prepared, env.log);
    } finally {
      await host.close().catch(() => {});
    }
  },
};

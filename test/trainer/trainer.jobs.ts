// Page side of the trainer tests (src/trainer/trainer.ts; its own kernels alone are in
// trainer-kernels.jobs.ts): one deterministic update,
// buffer and bind-group counts over a long run, NaN detection and restore,
// metrics (gradient norms, acceptance), checkpoints and resume, refusal of a
// run that cannot fit, a lost device, and a short training run on 8gaussians.
import type { JobContext } from '../../harness/job';
import { decodeCheckpoint } from '../../src/checkpoint/format';
import { generateToy, mixtureComponents } from '../../src/data/toy';
import type { DeviceLostError } from '../../src/errors';
import { initParams, paramLayout } from '../../src/mlp/params';
import { planTrainerMemory } from '../../src/trainer/memory';
import type { MlpVariant } from '../../src/mlp/variant';
import { trainerRows } from '../../src/trainer/data';
import { singleUpdate, Trainer, TrainingDivergedError, validateTrainerConfig, type TrainerConfig, type TrainerData, type TrainerMetrics } from '../../src/trainer/trainer';

/**
 * `rows` points of 8gaussians; for a conditional config (classes > 0) with
 * labels: the point's mode by its angle (0..7), modulo classes.
 */
export function toyData(config: TrainerConfig, rows: number, seed: number): TrainerData {
  const data = generateToy('8gaussians', rows, seed);
  const classes = config.classes ?? 0;
  if (classes === 0) return data;
  const labels = Array.from({ length: rows }, (_, i) => {
    const turn = Math.atan2(data[2 * i + 1], data[2 * i]) / (2 * Math.PI);
    return (Math.round(8 * turn + 8) % 8) % classes;
  });
  return { data, labels };
}

export interface UpdateJob {
  config: TrainerConfig;
  /** A device of its own with this MLP kernel variant (default: the page's device and its variant). */
  mlpVariant?: MlpVariant;
  paramsE: number[];
  paramsH: number[] | null;
  data: number[];
  samples: number[];
}

export interface UpdateResult {
  hObjective: number;
  eObjective: number;
  meanEData: number;
  meanESamples: number;
  gradH: number[] | null;
  gradE: number[];
  paramsH: number[] | null;
  paramsE: number[];
}

/** The page's device, or one of its own with the given MLP kernel variant (the caller destroys it). */
async function deviceFor(ctx: JobContext, mlpVariant?: MlpVariant) {
  if (!mlpVariant) return { gpu: await ctx.gpu(), done: () => {} };
  const gpu = await ctx.freshGpu({ mlpVariant });
  return { gpu, done: () => gpu.destroy() };
}

export async function update(ctx: JobContext, c: UpdateJob): Promise<UpdateResult> {
  const { gpu, done } = await deviceFor(ctx, c.mlpVariant);
  let r: Awaited<ReturnType<typeof singleUpdate>>;
  try {
    r = await singleUpdate(gpu, c.config, {
      paramsE: new Float32Array(c.paramsE),
      paramsH: c.paramsH ? new Float32Array(c.paramsH) : undefined,
      data: c.data,
      samples: c.samples,
    });
  } finally {
    done();
  }
  const arr = (a: Float32Array | null) => (a ? Array.from(a) : null);
  return {
    hObjective: r.hObjective, eObjective: r.eObjective, meanEData: r.meanEData, meanESamples: r.meanESamples,
    gradH: arr(r.gradH), gradE: Array.from(r.gradE), paramsH: arr(r.paramsH), paramsE: Array.from(r.paramsE),
  };
}

export interface MemoryResult {
  /** planTrainerMemory's total, made before the trainer existed. */
  planned: number;
  bytesBefore: number;
  bytesAfter: number;
  /** Buffers created during run() other than MAP_READ staging buffers of the metrics readbacks. */
  buffersCreated: number;
  stagingCreated: number;
  bindGroupsCreated: number;
  iteration: number;
  metrics: TrainerMetrics[];
}

/** Runs `iterations` iterations while counting the device's createBuffer and createBindGroup calls. */
export async function memory(ctx: JobContext, c: { config: TrainerConfig; iterations: number; dataSeed: number; mlpVariant?: MlpVariant }): Promise<MemoryResult> {
  const { gpu, done } = await deviceFor(ctx, c.mlpVariant);
  const planned = planTrainerMemory(validateTrainerConfig(c.config), 512, gpu.mlpVariant).total;
  const trainer = await Trainer.create(gpu, c.config, toyData(c.config, 512, c.dataSeed));
  const device = gpu.device;
  const createBuffer = device.createBuffer.bind(device);
  const createBindGroup = device.createBindGroup.bind(device);
  let buffersCreated = 0;
  let stagingCreated = 0;
  let bindGroupsCreated = 0;
  device.createBuffer = (d: GPUBufferDescriptor) => {
    if (d.usage & GPUBufferUsage.MAP_READ) stagingCreated++;
    else buffersCreated++;
    return createBuffer(d);
  };
  device.createBindGroup = (d: GPUBindGroupDescriptor) => {
    bindGroupsCreated++;
    return createBindGroup(d);
  };
  try {
    // Build the passes (bind groups) once before counting.
    await trainer.run(1);
    bindGroupsCreated = 0;
    buffersCreated = 0;
    stagingCreated = 0;
    const bytesBefore = trainer.bytes;
    const metrics = await trainer.run(c.iterations);
    return { planned, bytesBefore, bytesAfter: trainer.bytes, buffersCreated, stagingCreated, bindGroupsCreated, iteration: trainer.iteration, metrics };
  } finally {
    device.createBuffer = createBuffer;
    device.createBindGroup = createBindGroup;
    trainer.destroy();
    done();
  }
}

export interface NanResult {
  error: string;
  name: string;
  iteration: number;
  quantities: string[];
  restoredIteration: number;
  goodE: number[];
  goodH: number[] | null;
  afterE: number[];
  afterH: number[] | null;
  before: TrainerMetrics[];
}

/**
 * Trains `first` iterations, then poisons the data set (`inject`: 'data'),
 * overflows E's Adam second moment ('moments'), or
 * sets a huge E learning rate from the start ('lr', via the config), runs on and
 * reports the error and the parameters before and after.
 */
export async function nan(ctx: JobContext, c: { config: TrainerConfig; first: number; then: number; inject: 'data' | 'moments' | 'none' }): Promise<NanResult> {
  const gpu = await ctx.gpu();
  const data = generateToy('8gaussians', 256, 3);
  const trainer = await Trainer.create(gpu, c.config, data);
  try {
    const before = c.first > 0 ? await trainer.run(c.first) : [];
    const good = await trainer.readParams();
    if (c.inject === 'data') gpu.device.queue.writeBuffer(trainer.b.dataset, 0, new Float32Array(data.length).fill(NaN));
    // The state a gradient too large for f32 leaves: (1 - beta2) g^2 overflowed E's second moment v.
    if (c.inject === 'moments') {
      const count = trainer.optE.count;
      gpu.device.queue.writeBuffer(trainer.optE.moments, 4 * count, new Float32Array(count).fill(Infinity));
    }
    try {
      await trainer.run(c.then);
    } catch (e) {
      const after = await trainer.readParams();
      const err = e as TrainingDivergedError;
      return {
        error: err.message, name: err.name, iteration: err.iteration, quantities: err.quantities, restoredIteration: err.restoredIteration,
        goodE: Array.from(good.paramsE), goodH: good.paramsH ? Array.from(good.paramsH) : null,
        afterE: Array.from(after.paramsE), afterH: after.paramsH ? Array.from(after.paramsH) : null, before,
      };
    }
    throw new Error('no error was thrown');
  } finally {
    trainer.destroy();
  }
}

export interface SmokeResult {
  metrics: TrainerMetrics[];
  /** E at the 8 mode centres and at the 8 midpoints between neighbouring modes on the circle. */
  eModes: number[];
  eBetween: number[];
  eOrigin: number;
  seconds: number;
}

export async function smoke(ctx: JobContext, c: { config: TrainerConfig; iterations: number }): Promise<SmokeResult> {
  const gpu = await ctx.gpu();
  const trainer = await Trainer.create(gpu, c.config, generateToy('8gaussians', 4096, 11));
  try {
    const t0 = performance.now();
    const metrics = await trainer.run(c.iterations, { onMetrics: (m) => ctx.progress(`iteration ${m.iteration}: L ${m.eObjective.toFixed(4)}, E data ${m.meanEData.toFixed(3)}, E samples ${m.meanESamples.toFixed(3)}`) });
    const seconds = (performance.now() - t0) / 1000;
    const centres = mixtureComponents('8gaussians')!.centres;
    const pts: number[] = [];
    for (const [x, y] of centres) pts.push(x, y);
    for (let k = 0; k < 8; k++) {
      const a = (2 * Math.PI * (k + 0.5)) / 8;
      pts.push(2 * Math.cos(a), 2 * Math.sin(a));
    }
    pts.push(0, 0);
    const e = Array.from(await trainer.evaluateE(new Float32Array(pts)));
    return { metrics, eModes: e.slice(0, 8), eBetween: e.slice(8, 16), eOrigin: e[16], seconds };
  } finally {
    trainer.destroy();
  }
}

/** Float32 arrays compared bit for bit: the number of entries whose bits differ (-1: lengths differ). */
function bitMismatches(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return -1;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) n++;
  return n;
}

export interface ResumeResult {
  /** The checkpoint of the uninterrupted run after n + m iterations equals, byte for byte, the resumed run's after m more. */
  sameFile: boolean;
  /** Per array of the two final checkpoints: entries whose bits differ. */
  mismatches: Record<string, number>;
  metaEqual: boolean;
  iterationAfterResume: number;
  uninterrupted: TrainerMetrics;
  resumed: TrainerMetrics;
  /** saveCheckpoint's extra came back. */
  extra: unknown;
  /** Errors of resuming on other data, on 3-column data, on a damaged file and on a file of another version. */
  errors: Record<string, { name: string; message: string; field?: string; kind?: string }>;
}

/**
 * n + m iterations in one run, against n iterations, saveCheckpoint, resume in
 * a new trainer, m more; then both final states as checkpoints.
 */
export async function resume(ctx: JobContext, c: { config: TrainerConfig; n: number; m: number; dataSeed: number }): Promise<ResumeResult> {
  const gpu = await ctx.gpu();
  const data = toyData(c.config, 300, c.dataSeed);
  const a = await Trainer.create(gpu, c.config, data);
  let fileA: Uint8Array;
  let uninterrupted: TrainerMetrics;
  try {
    await a.run(c.n + c.m);
    uninterrupted = a.history.at(-1)!;
    fileA = await a.saveCheckpoint();
  } finally {
    a.destroy();
  }
  const b = await Trainer.create(gpu, c.config, data);
  let middle: Uint8Array;
  try {
    await b.run(c.n);
    middle = await b.saveCheckpoint({ note: 'half way' });
  } finally {
    b.destroy();
  }
  const r = await Trainer.resume(gpu, middle, data);
  let fileB: Uint8Array;
  let resumed: TrainerMetrics;
  const iterationAfterResume = r.iteration;
  try {
    await r.run(c.m);
    resumed = r.history.at(-1)!;
    fileB = await r.saveCheckpoint();
  } finally {
    r.destroy();
  }
  const A = decodeCheckpoint(fileA);
  const B = decodeCheckpoint(fileB);
  const mismatches: Record<string, number> = {};
  for (const name of new Set([...Object.keys(A.arrays), ...Object.keys(B.arrays)])) {
    mismatches[name] = A.arrays[name] && B.arrays[name] ? bitMismatches(A.arrays[name], B.arrays[name]) : -1;
  }
  const sameFile = fileA.length === fileB.length && fileA.every((x, i) => x === fileB[i]);

  const errors: ResumeResult['errors'] = {};
  const attempt = async (name: string, bytes: Uint8Array, d: TrainerData) => {
    try {
      (await Trainer.resume(gpu, bytes, d)).destroy();
      errors[name] = { name: 'no error', message: '' };
    } catch (e) {
      const err = e as Error & { field?: string; kind?: string };
      errors[name] = { name: err.name, message: err.message, field: err.field, kind: err.kind };
    }
  };
  await attempt('otherData', middle, toyData(c.config, 300, c.dataSeed + 1));
  await attempt('threeColumns', middle, new Float32Array(3 * 101).fill(0.5));
  if (!(data instanceof Float32Array)) {
    // A conditional run: the same x without labels, and with other labels.
    await attempt('unlabelled', middle, data.data);
    const classes = c.config.classes!;
    await attempt('otherLabels', middle, { data: data.data, labels: Array.from(data.labels!, (y) => (y + 1) % classes) });
  }
  const damaged = middle.slice();
  damaged[damaged.length - 5] ^= 0x10;
  await attempt('damaged', damaged, data);
  const other = middle.slice();
  new DataView(other.buffer).setUint32(8, 2, true);
  await attempt('version', other, data);
  return {
    sameFile, mismatches, iterationAfterResume, uninterrupted: uninterrupted!, resumed: resumed!,
    metaEqual: JSON.stringify(A.meta) === JSON.stringify(B.meta) && JSON.stringify(A.config) === JSON.stringify(B.config),
    extra: decodeCheckpoint(middle).meta?.trainer && (decodeCheckpoint(middle).meta!.trainer as { extra?: unknown }).extra,
    errors,
  };
}

export interface MetricsResult {
  metrics: TrainerMetrics[];
  /** Float64 norms of the gradients read back after the run (the last iteration's). */
  normE: number;
  normH: number | null;
  chains: number;
  steps: number;
}

/**
 * Runs and returns the metrics, with the final gradients' norms in float64.
 * E's initial weights are scaled by `scaleE` (a steep energy, so that MALA rejects some moves).
 */
export async function metrics(ctx: JobContext, c: { config: TrainerConfig; iterations: number; scaleE: number }): Promise<MetricsResult> {
  const gpu = await ctx.gpu();
  const v = validateTrainerConfig(c.config);
  const paramsE = initParams(paramLayout(v.energy), v.initSeed).map((x) => x * c.scaleE);
  const trainer = await Trainer.create(gpu, c.config, generateToy('8gaussians', 256, 9), { paramsE });
  try {
    const out = await trainer.run(c.iterations);
    const { gradE, gradH } = await trainer.readGradients();
    const norm = (g: Float32Array) => Math.sqrt(g.reduce((s, x) => s + x * x, 0));
    return { metrics: out, normE: norm(gradE), normH: gradH ? norm(gradH) : null, chains: trainer.config.chains, steps: trainer.config.sampler.steps };
  } finally {
    trainer.destroy();
  }
}

export interface RefuseResult {
  name: string;
  field?: string;
  message: string;
  /** Buffers the device created while the trainer was being refused. */
  buffersCreated: number;
}

/**
 * Trainer.create on rows of data that should be refused before any buffer
 * exists: rows of energy.inputDim - classes values, with `labels` (default
 * none) given as they are.
 */
export async function refuse(ctx: JobContext, c: { config: TrainerConfig; rows: number; memoryLimit?: number; labels?: number[] }): Promise<RefuseResult> {
  const gpu = await ctx.gpu();
  const device = gpu.device;
  const createBuffer = device.createBuffer.bind(device);
  let buffersCreated = 0;
  device.createBuffer = (d: GPUBufferDescriptor) => {
    buffersCreated++;
    return createBuffer(d);
  };
  try {
    const x = new Float32Array(c.rows * (c.config.energy.inputDim - (c.config.classes ?? 0))).map((_, i) => i % 7);
    const data = c.labels ? { data: x, labels: c.labels } : x;
    (await Trainer.create(gpu, c.config, data, { memoryLimit: c.memoryLimit })).destroy();
    return { name: 'no error', message: '', buffersCreated };
  } catch (e) {
    const err = e as Error & { field?: string };
    return { name: err.name, field: err.field, message: err.message, buffersCreated };
  } finally {
    device.createBuffer = createBuffer;
  }
}

export interface DeviceLossResult {
  name: string;
  message: string;
  lastGoodIteration: number | null;
  /** trainer.lastGoodParams.iteration after the error. */
  kept: number;
  /** Metrics iterations seen before the loss. */
  seen: number[];
  /** Bits of lastGoodParams that differ from an uninterrupted run's parameters at that iteration (E, H). */
  mismatchE: number;
  mismatchH: number;
}

/**
 * Destroys the device (the page's shared one: run this last in a page) from a
 * timer while run() is going, after the metrics point at `loseAfter`, and
 * checks the host copy of the last good parameters against a reference run.
 */
export async function deviceLoss(ctx: JobContext, c: { config: TrainerConfig; loseAfter: number; points: number }): Promise<DeviceLossResult> {
  const gpu = await ctx.gpu();
  const data = generateToy('8gaussians', 256, 4);
  const M = validateTrainerConfig(c.config).metricsEvery;
  // The parameters at each metrics point of an uninterrupted run on the same device.
  const reference = new Map<number, { paramsE: Float32Array; paramsH: Float32Array | null }>();
  const ref = await Trainer.create(gpu, c.config, data);
  try {
    for (let i = 0; i < c.points; i++) {
      await ref.run(M);
      reference.set(ref.iteration, await ref.readParams());
    }
  } finally {
    ref.destroy();
  }
  const trainer = await Trainer.create(gpu, c.config, data);
  const seen: number[] = [];
  try {
    await trainer.run(M * c.points, {
      onMetrics: (m) => {
        seen.push(m.iteration);
        if (m.iteration === c.loseAfter) setTimeout(() => gpu.destroy(), 0);
      },
    });
    return { name: 'no error', message: '', lastGoodIteration: null, kept: trainer.lastGoodParams.iteration, seen, mismatchE: -1, mismatchH: -1 };
  } catch (e) {
    const err = e as DeviceLostError;
    const kept = trainer.lastGoodParams;
    const want = reference.get(kept.iteration);
    return {
      name: err.name, message: err.message, lastGoodIteration: err.lastGoodIteration, kept: kept.iteration, seen,
      mismatchE: want ? bitMismatches(kept.paramsE, want.paramsE) : -1,
      mismatchH: want && want.paramsH && kept.paramsH ? bitMismatches(kept.paramsH, want.paramsH) : -1,
    };
  } finally {
    trainer.destroy();
  }
}

export interface LabelsResult {
  /** Rows (data batch, chains, replay rows filled) whose label columns are not one-hot. */
  notOneHot: { x: number; chains: number; replay: number };
  /** Data rows of x that equal no row of the data set (labels included). */
  foreignDataRows: number;
  /** Sample rows batch + j of x whose label differs from data row j % batch's. */
  pairedMismatches: number;
  /** Labels of the chains and of the filled replay rows, counted per class. */
  chainLabels: number[];
  replayLabels: number[];
  planned: number;
  bytes: number;
  iteration: number;
  metrics: TrainerMetrics[];
  /** The sampler's box as resolved ('data': the data's range) and the smallest and largest x coordinate of the chains. */
  box: [number, number] | null;
  chainRange: [number, number];
}

/**
 * A class-conditional run (toyData's labels): `iterations` iterations, then
 * the data batch, the chains and the replay buffer, checked for one-hot
 * labels, and the data rows against the data set.
 */
export async function labels(ctx: JobContext, c: { config: TrainerConfig; iterations: number; dataSeed: number }): Promise<LabelsResult> {
  const gpu = await ctx.gpu();
  const input = toyData(c.config, 500, c.dataSeed);
  const trainer = await Trainer.create(gpu, c.config, input);
  try {
    const metrics = await trainer.run(c.iterations);
    const v = trainer.config;
    const dim = v.energy.inputDim;
    const k = v.classes;
    const rows = trainerRows(input, v).rows;
    const x = await gpu.readF32(trainer.b.x, (v.batch + v.chains) * dim);
    const chains = await trainer.readSamples();
    const counters = new Uint32Array(await gpu.read(trainer.b.counters, 16));
    const replay = await gpu.readF32(trainer.b.replay, counters[1] * dim);
    const label = (a: Float32Array, r: number) => {
      const tail = Array.from(a.subarray(r * dim + dim - k, (r + 1) * dim));
      return tail.filter((t) => t === 1).length === 1 && tail.every((t) => t === 0 || t === 1) ? tail.indexOf(1) : -1;
    };
    const count = (a: Float32Array, n: number) => {
      const out = new Array(k).fill(0);
      let bad = 0;
      for (let r = 0; r < n; r++) {
        const y = label(a, r);
        if (y < 0) bad++;
        else out[y]++;
      }
      return { out, bad };
    };
    const known = new Set<string>();
    for (let r = 0; r < rows.length / dim; r++) known.add(Array.from(rows.subarray(r * dim, (r + 1) * dim)).join(','));
    let foreignDataRows = 0;
    for (let r = 0; r < v.batch; r++) if (!known.has(Array.from(x.subarray(r * dim, (r + 1) * dim)).join(','))) foreignDataRows++;
    let pairedMismatches = 0;
    for (let j = 0; j < v.chains; j++) if (label(x, v.batch + j) !== label(x, j % v.batch)) pairedMismatches++;
    const xs = count(x, v.batch + v.chains);
    const cs = count(chains, v.chains);
    const rs = count(replay, counters[1]);
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < chains.length; j++) {
      if (j % dim >= dim - k) continue;
      lo = Math.min(lo, chains[j]);
      hi = Math.max(hi, chains[j]);
    }
    return {
      notOneHot: { x: xs.bad, chains: cs.bad, replay: rs.bad }, foreignDataRows, pairedMismatches, chainLabels: cs.out, replayLabels: rs.out,
      planned: trainer.memory.total, bytes: trainer.bytes, iteration: trainer.iteration, metrics,
      box: v.sampler.box === 'data' ? null : v.sampler.box, chainRange: [lo, hi],
    };
  } finally {
    trainer.destroy();
  }
}

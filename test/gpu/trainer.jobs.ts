// Page side of the trainer tests (src/trainer.ts): one deterministic update,
// buffer and bind-group counts over a long run, NaN detection and restore,
// and a short training run on 8gaussians.
import type { JobContext } from '../../harness/job';
import { generateToy, mixtureComponents } from '../../src/data/toy';
import { singleUpdate, Trainer, TrainingDivergedError, type TrainerConfig, type TrainerMetrics } from '../../src/trainer';

export interface UpdateJob {
  config: TrainerConfig;
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

export async function update(ctx: JobContext, c: UpdateJob): Promise<UpdateResult> {
  const gpu = await ctx.gpu();
  const r = await singleUpdate(gpu, c.config, {
    paramsE: new Float32Array(c.paramsE),
    paramsH: c.paramsH ? new Float32Array(c.paramsH) : undefined,
    data: c.data,
    samples: c.samples,
  });
  const arr = (a: Float32Array | null) => (a ? Array.from(a) : null);
  return {
    hObjective: r.hObjective, eObjective: r.eObjective, meanEData: r.meanEData, meanESamples: r.meanESamples,
    gradH: arr(r.gradH), gradE: Array.from(r.gradE), paramsH: arr(r.paramsH), paramsE: Array.from(r.paramsE),
  };
}

export interface MemoryResult {
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
export async function memory(ctx: JobContext, c: { config: TrainerConfig; iterations: number; dataSeed: number }): Promise<MemoryResult> {
  const gpu = await ctx.gpu();
  const trainer = await Trainer.create(gpu, c.config, generateToy('8gaussians', 512, c.dataSeed));
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
    return { bytesBefore, bytesAfter: trainer.bytes, buffersCreated, stagingCreated, bindGroupsCreated, iteration: trainer.iteration, metrics };
  } finally {
    device.createBuffer = createBuffer;
    device.createBindGroup = createBindGroup;
    trainer.destroy();
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
 * Trains `first` iterations, then poisons the data set (`inject`: 'data') or
 * sets a huge E learning rate from the start ('lr', via the config), runs on and
 * reports the error and the parameters before and after.
 */
export async function nan(ctx: JobContext, c: { config: TrainerConfig; first: number; then: number; inject: 'data' | 'none' }): Promise<NanResult> {
  const gpu = await ctx.gpu();
  const data = generateToy('8gaussians', 256, 3);
  const trainer = await Trainer.create(gpu, c.config, data);
  try {
    const before = c.first > 0 ? await trainer.run(c.first) : [];
    const good = await trainer.readParams();
    if (c.inject === 'data') gpu.device.queue.writeBuffer(trainer.b.dataset, 0, new Float32Array(data.length).fill(NaN));
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

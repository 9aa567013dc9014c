// Page side of `febm-gpu train` (cli/train.ts): creates the trainer (or
// resumes one from a checkpoint), trains to the requested iteration, streams
// every metrics record and each periodic checkpoint to Node through progress
// data, and returns the final checkpoint and what the pictures need (E on a
// grid, the chains). A diverged run returns the checkpoint of its restored
// state; a lost device returns the last good parameters kept on the host.
// Stopped by the caller (ctx.signal: Ctrl-C), it finishes the submit under
// way and returns the checkpoint of the last completed iteration.
//
// Bytes (the data, checkpoints, parameters, picture arrays) travel as
// BlobRefs (harness/host.ts), never inside the JSON.
//
// Exactness: training runs in chunks of at most iterationsPerSubmit
// iterations with metrics only at multiples of metricsEvery and at the last
// iteration (trainer.run's metricsAtEnd only there), so where the run is
// stopped, and when checkpoints are taken, changes nothing in what it
// computes: a run stopped at any iteration and resumed ends with the same
// checkpoint, byte for byte, as one that was never stopped.

import {
  DeviceLostError, gridPoints, Trainer, TrainingDivergedError, type TrainerConfig, type TrainerData, type TrainerMetrics, type ValidTrainerConfig,
} from '../src/index';
import type { BlobRef } from '../harness/host';
import type { JobContext } from '../harness/job';

export interface TrainJobConfig {
  /** The trainer's configuration (ignored when resuming: the checkpoint's holds). */
  config: TrainerConfig | ValidTrainerConfig;
  /** The data set: float32 rows, little-endian. */
  data: BlobRef;
  /** A class-conditional model's labels, one int32 per row (config.classes > 0). */
  labels?: BlobRef;
  /** Train until this many iterations are done in total. */
  iterations: number;
  /** A checkpoint to resume from. */
  resume?: BlobRef;
  /** Send a checkpoint every this many iterations (0: off). */
  checkpointEvery?: number;
  /** Send a checkpoint at the first metrics point this many seconds of training after the last one (0: off). */
  checkpointSeconds?: number;
  /** 2-D only: E on a size x size grid over [lo, hi]^2 (cell centres, row 0 at the top). */
  picture?: { size: number; box: [number, number] } | null;
  /** The caller's JSON, stored in every checkpoint (meta.trainer.extra). */
  extra?: Record<string, unknown>;
}

/** What the job streams as progress data. */
export type TrainEvent =
  | { type: 'start'; iteration: number; bytes: number; config: unknown; adapter: string; setupSeconds: number; dataSeconds: number }
  | { type: 'metrics'; metrics: TrainerMetrics }
  | { type: 'checkpoint'; iteration: number; checkpoint: BlobRef };

export interface TrainJobResult {
  status: 'done' | 'diverged' | 'lost' | 'interrupted';
  error?: { name: string; message: string };
  iteration: number;
  /** The checkpoint of the final (diverged: restored; interrupted: last completed) state; absent after a lost device. */
  checkpoint?: BlobRef;
  /** Lost device: the parameters of the last good metrics point, from the host (float32). */
  lastGood?: { iteration: number; paramsE: BlobRef; paramsH: BlobRef | null };
  metrics: TrainerMetrics[];
  /** E on the picture grid, [size][size] row-major from the top row, and the chains (float32). */
  picture?: { energies: BlobRef; samples: BlobRef };
  bytes: number;
  /** Training time, creation excluded. */
  seconds: number;
}

const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Lets the page handle its messages (a stop request) between chunks, without a timer's clamping. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export async function train(ctx: JobContext, c: TrainJobConfig): Promise<TrainJobResult> {
  const gpu = await ctx.gpu();
  const t0 = performance.now();
  const bytes = await ctx.input(c.data);
  const x = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let data: TrainerData = x;
  if (c.labels) {
    const l = await ctx.input(c.labels);
    data = { data: x, labels: new Int32Array(l.buffer, l.byteOffset, l.byteLength / 4) };
  }
  const dataSeconds = (performance.now() - t0) / 1000;
  const trainer = c.resume ? await Trainer.resume(gpu, await ctx.input(c.resume), data) : await Trainer.create(gpu, c.config, data);
  const metrics: TrainerMetrics[] = [];
  try {
    const start: TrainEvent = {
      type: 'start', iteration: trainer.iteration, bytes: trainer.bytes, config: trainer.config,
      adapter: `${gpu.adapter.vendor} ${gpu.adapter.architecture}`.trim(), setupSeconds: (performance.now() - t0) / 1000, dataSeconds,
    };
    ctx.progress(`training from iteration ${trainer.iteration}, ${trainer.bytes} bytes of GPU memory`, undefined, start);
    const t1 = performance.now();
    const every = c.checkpointEvery ?? 0;
    const periodMs = (c.checkpointSeconds ?? 0) * 1000;
    let lastSaved = performance.now();
    // trainer.run measures it/s from the start of each call, here a chunk;
    // the rate over the whole interval since the previous metrics point is
    // what one call per interval would have reported.
    let previous = { iteration: trainer.iteration, time: t1 };
    const onMetrics = (point: TrainerMetrics) => {
      const now = performance.now();
      const m = { ...point, itPerSecond: (point.iteration - previous.iteration) / Math.max((now - previous.time) / 1000, 1e-9) };
      previous = { iteration: point.iteration, time: now };
      metrics.push(m);
      const event: TrainEvent = { type: 'metrics', metrics: m };
      ctx.progress(`iteration ${m.iteration}/${c.iterations}`, m.iteration / c.iterations, event);
    };
    const sendCheckpoint = async () => {
      let bytes: Uint8Array;
      try {
        bytes = await trainer.saveCheckpoint(c.extra);
      } catch (e) {
        // A non-finite value is pending: the next metrics point reports it (and restores the last good state).
        ctx.progress(`no checkpoint at iteration ${trainer.iteration}: ${(e as Error).message}`);
        return;
      }
      const event: TrainEvent = { type: 'checkpoint', iteration: trainer.iteration, checkpoint: await ctx.output(bytes) };
      ctx.progress(`checkpoint at iteration ${trainer.iteration}`, undefined, event);
      lastSaved = performance.now();
    };
    const { metricsEvery, iterationsPerSubmit } = trainer.config;
    let status: TrainJobResult['status'] = 'done';
    let error: TrainJobResult['error'];
    try {
      while (trainer.iteration < c.iterations) {
        await yieldToEvents();
        if (ctx.signal.aborted) {
          status = 'interrupted';
          break;
        }
        const at = trainer.iteration;
        let count = Math.min(iterationsPerSubmit, c.iterations - at);
        if (every > 0) count = Math.min(count, every - (at % every));
        const last = at + count === c.iterations;
        await trainer.run(count, { onMetrics, metricsAtEnd: last });
        if (last) break;
        const now = trainer.iteration;
        // Periodic checkpoints: every `every` iterations, and after
        // `checkpointSeconds` at a metrics point (where the state was just checked).
        const due = (every > 0 && now % every === 0) || (periodMs > 0 && now % metricsEvery === 0 && performance.now() - lastSaved >= periodMs);
        if (due) await sendCheckpoint();
      }
    } catch (e) {
      if (e instanceof TrainingDivergedError) status = 'diverged';
      else if (e instanceof DeviceLostError) status = 'lost';
      else throw e;
      error = { name: (e as Error).name, message: (e as Error).message };
    }
    const seconds = (performance.now() - t1) / 1000;
    const base = { status, error, iteration: trainer.iteration, metrics, bytes: trainer.bytes, seconds };
    if (status === 'lost') {
      const g = trainer.lastGoodParams;
      return {
        ...base,
        lastGood: { iteration: g.iteration, paramsE: await ctx.output(f32Bytes(g.paramsE)), paramsH: g.paramsH ? await ctx.output(f32Bytes(g.paramsH)) : null },
      };
    }
    const checkpoint = await ctx.output(await trainer.saveCheckpoint(c.extra));
    let picture: TrainJobResult['picture'];
    if (c.picture && trainer.config.energy.inputDim === 2) {
      const [lo, hi] = c.picture.box;
      const energies = await trainer.evaluateE(gridPoints(c.picture.size, [lo, hi, lo, hi]));
      picture = { energies: await ctx.output(f32Bytes(energies)), samples: await ctx.output(f32Bytes(await trainer.readSamples())) };
    }
    return { ...base, checkpoint, picture };
  } finally {
    trainer.destroy();
  }
}

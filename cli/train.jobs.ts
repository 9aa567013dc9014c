// Page side of `npm run train` (cli/train.ts): creates the trainer (or
// resumes one from a checkpoint), trains to the requested iteration, streams
// every metrics record and each periodic checkpoint to Node through progress
// data, and returns the final checkpoint and what the pictures need (E on a
// grid, the chains). A diverged run returns the checkpoint of its restored
// state; a lost device returns the last good parameters kept on the host.

import {
  DeviceLostError, Trainer, TrainingDivergedError, type TrainerConfig, type TrainerMetrics, type ValidTrainerConfig,
} from '../src/index';
import { base64ToBytes, base64ToF32, bytesToBase64, f32ToBase64 } from '../harness/base64';
import type { JobContext } from '../harness/job';

export interface TrainJobConfig {
  /** The trainer's configuration (ignored when resuming: the checkpoint's holds). */
  config: TrainerConfig | ValidTrainerConfig;
  /** The data set, float32 rows as base64. */
  data: string;
  /** Train until this many iterations are done in total. */
  iterations: number;
  /** A checkpoint to resume from (base64). */
  resume?: string;
  /** Send a checkpoint every this many iterations (0: only the final one). */
  checkpointEvery?: number;
  /** 2-D only: E on a size x size grid over [lo, hi]^2 (cell centres, row 0 at the top). */
  picture?: { size: number; box: [number, number] } | null;
  /** The caller's JSON, stored in every checkpoint (meta.trainer.extra). */
  extra?: Record<string, unknown>;
}

/** What the job streams as progress data. */
export type TrainEvent =
  | { type: 'start'; iteration: number; bytes: number; config: unknown; adapter: string; setupSeconds: number }
  | { type: 'metrics'; metrics: TrainerMetrics }
  | { type: 'checkpoint'; iteration: number; checkpoint: string };

export interface TrainJobResult {
  status: 'done' | 'diverged' | 'lost';
  error?: { name: string; message: string };
  iteration: number;
  /** Base64 checkpoint of the final (or, diverged: restored) state; absent after a lost device. */
  checkpoint?: string;
  /** Lost device: the parameters of the last good metrics point, from the host. */
  lastGood?: { iteration: number; paramsE: string; paramsH: string | null };
  metrics: TrainerMetrics[];
  /** E on the picture grid, [size][size] row-major from the top row (base64 float32), and the chains. */
  picture?: { energies: string; samples: string };
  bytes: number;
  /** Training time, creation excluded. */
  seconds: number;
}

function gridPoints(size: number, [lo, hi]: [number, number]): Float32Array {
  const pts = new Float32Array(2 * size * size);
  const step = (hi - lo) / size;
  for (let r = 0; r < size; r++) {
    const y = hi - (r + 0.5) * step;
    for (let c = 0; c < size; c++) {
      pts[2 * (r * size + c)] = lo + (c + 0.5) * step;
      pts[2 * (r * size + c) + 1] = y;
    }
  }
  return pts;
}

export async function train(ctx: JobContext, c: TrainJobConfig): Promise<TrainJobResult> {
  const gpu = await ctx.gpu();
  const data = base64ToF32(c.data);
  const t0 = performance.now();
  const trainer = c.resume ? await Trainer.resume(gpu, base64ToBytes(c.resume), data) : await Trainer.create(gpu, c.config, data);
  const metrics: TrainerMetrics[] = [];
  try {
    const start: TrainEvent = {
      type: 'start', iteration: trainer.iteration, bytes: trainer.bytes, config: trainer.config,
      adapter: `${gpu.adapter.vendor} ${gpu.adapter.architecture}`.trim(), setupSeconds: (performance.now() - t0) / 1000,
    };
    ctx.progress(`training from iteration ${trainer.iteration}, ${trainer.bytes} bytes of GPU memory`, undefined, start);
    const t1 = performance.now();
    const every = c.checkpointEvery ?? 0;
    const onMetrics = (m: TrainerMetrics) => {
      metrics.push(m);
      const event: TrainEvent = { type: 'metrics', metrics: m };
      ctx.progress(`iteration ${m.iteration}/${c.iterations}`, m.iteration / c.iterations, event);
    };
    let status: TrainJobResult['status'] = 'done';
    let error: TrainJobResult['error'];
    try {
      while (trainer.iteration < c.iterations) {
        const toCheckpoint = every > 0 ? every - (trainer.iteration % every) : Infinity;
        await trainer.run(Math.min(c.iterations - trainer.iteration, toCheckpoint), { onMetrics });
        if (every > 0 && trainer.iteration % every === 0 && trainer.iteration < c.iterations) {
          const event: TrainEvent = { type: 'checkpoint', iteration: trainer.iteration, checkpoint: bytesToBase64(await trainer.saveCheckpoint(c.extra)) };
          ctx.progress(`checkpoint at iteration ${trainer.iteration}`, undefined, event);
        }
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
      return { ...base, lastGood: { iteration: g.iteration, paramsE: f32ToBase64(g.paramsE), paramsH: g.paramsH ? f32ToBase64(g.paramsH) : null } };
    }
    const checkpoint = bytesToBase64(await trainer.saveCheckpoint(c.extra));
    let picture: TrainJobResult['picture'];
    if (c.picture && trainer.config.energy.inputDim === 2) {
      const energies = await trainer.evaluateE(gridPoints(c.picture.size, c.picture.box));
      picture = { energies: f32ToBase64(energies), samples: f32ToBase64(await trainer.readSamples()) };
    }
    return { ...base, checkpoint, picture };
  } finally {
    trainer.destroy();
  }
}

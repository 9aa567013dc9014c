// One model of the demo: a Trainer and an EnergyGrid bound to its live
// parameters and chains (both built once), training a few iterations per
// animation frame, its metrics, its speed, and a host copy of its last good
// parameters (what survives a lost device).

import { EnergyGrid, mlpGroupFor, Trainer, type Gpu, type GridValues, type TrainerInit, type TrainerMetrics, type ValidTrainerConfig } from '../src/index';
import type { DataSet } from './data';

/** Grid points per side of the heatmaps. */
export const GRID_RESOLUTION = 64;
/** Seconds between host copies of the last good parameters. */
const KEEP_EVERY_S = 2;

export interface LastGood {
  paramsE: Float32Array;
  paramsH: Float32Array | null;
  /** Iterations done when the parameters were last checked finite (counted across restarts). */
  iteration: number;
}

export interface ModelStart extends TrainerInit {
  /** Iterations done before (a model restarted from a kept copy counts on). */
  iteration?: number;
  history?: TrainerMetrics[];
}

export class Model {
  /** Metrics records, iterations counted across restarts. */
  readonly history: TrainerMetrics[];
  lastGood: LastGood | null = null;
  private lastKept = -Infinity;
  private times: { t: number; it: number }[] = [];

  private constructor(
    readonly gpu: Gpu,
    readonly trainer: Trainer,
    readonly grid: EnergyGrid,
    readonly data: DataSet,
    private readonly base: number,
    history: TrainerMetrics[],
  ) {
    this.history = history;
  }

  static async create(gpu: Gpu, config: ValidTrainerConfig, data: DataSet, start: ModelStart = {}): Promise<Model> {
    const trainer = await Trainer.create(gpu, config, data.data, { paramsE: start.paramsE, paramsH: start.paramsH });
    return Model.around(gpu, trainer, data, start.iteration ?? 0, start.history ?? []);
  }

  /** Builds the grid around a trainer (which the model then owns). */
  static async around(gpu: Gpu, trainer: Trainer, data: DataSet, base: number, history: TrainerMetrics[]): Promise<Model> {
    try {
      const networks = [{ spec: trainer.config.energy, theta: trainer.b.thetaE }];
      if (trainer.config.variational) networks.push({ spec: trainer.config.variational, theta: trainer.b.thetaH });
      const grid = await EnergyGrid.create(gpu, {
        resolution: GRID_RESOLUTION,
        box: data.box,
        networks,
        copies: [{ buffer: trainer.sampler.state, count: trainer.config.chains * 2 }],
        // The trainer's workgroup size (src/trainer.ts picks it from the chains): its pipelines, no new compile.
        group: mlpGroupFor(trainer.config.chains),
      });
      const model = new Model(gpu, trainer, grid, data, base, history);
      // The parameters it starts from are good by definition (initial, given, or loaded).
      await model.keepLastGood('live');
      return model;
    } catch (e) {
      trainer.destroy();
      throw e;
    }
  }

  get config(): ValidTrainerConfig {
    return this.trainer.config;
  }

  /** Iterations done, counted across restarts. */
  get iteration(): number {
    return this.base + this.trainer.iteration;
  }

  private record(m: TrainerMetrics): void {
    this.history.push({ ...m, iteration: m.iteration + this.base });
  }

  /**
   * Submits `count` iterations; waits for the GPU only at metrics points
   * (every config.metricsEvery iterations). Throws TrainingDivergedError
   * (parameters restored) or DeviceLostError.
   */
  async train(count: number): Promise<void> {
    const before = this.history.length;
    await this.trainer.run(count, { metricsAtEnd: false, onMetrics: (m) => this.record(m) });
    if (this.history.length > before) await this.keepLastGood('good');
  }

  /** One iteration, with its metrics. */
  async step(): Promise<void> {
    await this.trainer.run(1, { onMetrics: (m) => this.record(m) });
    await this.keepLastGood('good', true);
  }

  /**
   * Copies to the host the parameters saved at the last metrics point (checked
   * finite by the trainer; 'good'), or the live ones ('live', only when they
   * are known good: at creation), at most every KEEP_EVERY_S seconds unless forced.
   */
  private async keepLastGood(from: 'good' | 'live', force = false): Promise<void> {
    const now = performance.now() / 1000;
    if (from === 'good' && !force && now - this.lastKept < KEEP_EVERY_S) return;
    const iteration = from === 'live' ? this.iteration : this.history.at(-1)?.iteration;
    if (iteration === undefined) return;
    this.lastKept = now;
    const { trainer, gpu } = this;
    const [e, h] = from === 'live' ? [trainer.b.thetaE, trainer.b.thetaH] : [trainer.b.goodE, trainer.b.goodH];
    const paramsE = await gpu.readF32(e, trainer.mlpE.layout.size);
    const paramsH = trainer.mlpH ? await gpu.readF32(h, trainer.mlpH.layout.size) : null;
    this.lastGood = { paramsE, paramsH, iteration };
  }

  /** The grid values (E, and H when there is one) and the chains, as they are after all submitted work. */
  snapshot(): Promise<GridValues> {
    return this.grid.evaluate();
  }

  /** Iterations per second over the last few seconds (call once per frame). */
  rate(): number {
    const t = performance.now() / 1000;
    this.times.push({ t, it: this.iteration });
    while (this.times.length > 2 && t - this.times[0].t > 3) this.times.shift();
    const first = this.times[0];
    return t > first.t ? (this.iteration - first.it) / (t - first.t) : 0;
  }

  resetRate(): void {
    this.times = [];
  }

  destroy(): void {
    this.grid.destroy();
    this.trainer.destroy();
  }
}

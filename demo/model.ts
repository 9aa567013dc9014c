// One model of the demo: a Trainer and an EnergyGrid bound to its live
// parameters and chains (both built once), training a few iterations per
// animation frame, its metrics, its speed, and its last good parameters
// (which the trainer keeps on the host: they survive a lost device).

import {
  EnergyGrid, Trainer, type Gpu, type GridValues, type TrainerInit, type TrainerMetrics, type ValidTrainerConfig,
} from '../src/index';
import { trainerMlpGroup } from '../src/kernels';
import type { DataSet } from './data';

/** Grid points per side of the heatmaps. */
export const GRID_RESOLUTION = 64;

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
        // The trainer's workgroup size: its pipelines, no new compile.
        group: trainerMlpGroup(trainer.config),
      });
      return new Model(gpu, trainer, grid, data, base, history);
    } catch (e) {
      trainer.destroy();
      throw e;
    }
  }

  /**
   * The parameters of the last metrics point (checked finite; at creation the
   * initial, given or loaded ones), on the host: they survive a lost device.
   */
  get lastGood(): LastGood {
    const g = this.trainer.lastGoodParams;
    return { paramsE: g.paramsE, paramsH: g.paramsH, iteration: this.base + g.iteration };
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
    await this.trainer.run(count, { metricsAtEnd: false, onMetrics: (m) => this.record(m) });
  }

  /** One iteration, with its metrics. */
  async step(): Promise<void> {
    await this.trainer.run(1, { onMetrics: (m) => this.record(m) });
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

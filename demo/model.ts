// One model of the demo: a Trainer and, for 2-D points, an EnergyGrid bound
// to its live parameters and chains (both built once), training a few
// iterations per animation frame, its metrics, its speed, and its last good
// parameters (which the trainer keeps on the host: they survive a lost
// device). For images, the chains themselves are the picture; a
// class-conditional model shown for one label has a second set of
// persistent chains, all of that label, sampled on the live energy.

import {
  EnergyGrid, LangevinSampler, Trainer, type Gpu, type GridValues, type SampleScore, type TrainerInit, type TrainerMetrics, type ValidTrainerConfig,
} from '../src/index';
import { trainerMlpGroup } from '../src/kernels';
import { trainerData, type DataSet } from './data';

/** Grid points per side of the heatmaps. */
export const GRID_RESOLUTION = 64;
/** Most images the samples grid shows (8 x 8), and the chains of a label's sampler. */
export const GRID_IMAGES = 64;

/** Images for the grid: n rows of the images' pixels, and each one's label (conditional models). */
export interface ImageSamples {
  pixels: Float32Array;
  n: number;
  labels: Int32Array | null;
}

/** A score of the chains at an iteration (the score worker's answer). */
export interface ScorePoint extends SampleScore {
  iteration: number;
}

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
  /** Scores of the chains (images only), oldest first. */
  readonly scores: ScorePoint[] = [];
  /** The iteration of the last score asked for (-1: none yet). */
  scoredAt = -1;
  /** A score was asked for and has not come yet. */
  scoring = false;
  private times: { t: number; it: number }[] = [];
  /** A conditional model's chains of one label (made when a label is first shown). */
  private labelSampler: LangevinSampler | null = null;
  private label: number | null = null;

  private constructor(
    readonly gpu: Gpu,
    readonly trainer: Trainer,
    /** The heatmaps' grid (2-D points only). */
    readonly grid: EnergyGrid | null,
    readonly data: DataSet,
    private readonly base: number,
    history: TrainerMetrics[],
  ) {
    this.history = history;
  }

  static async create(gpu: Gpu, config: ValidTrainerConfig, data: DataSet, start: ModelStart = {}): Promise<Model> {
    const trainer = await Trainer.create(gpu, config, trainerData(data), { paramsE: start.paramsE, paramsH: start.paramsH });
    return Model.around(gpu, trainer, data, start.iteration ?? 0, start.history ?? []);
  }

  /** Builds the grid around a trainer (which the model then owns). */
  static async around(gpu: Gpu, trainer: Trainer, data: DataSet, base: number, history: TrainerMetrics[]): Promise<Model> {
    if (data.images) return new Model(gpu, trainer, null, data, base, history);
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

  /** The grid values (E, and H when there is one) and the chains, as they are after all submitted work (2-D points). */
  snapshot(): Promise<GridValues> {
    if (!this.grid) throw new Error('a model of images has no grid');
    return this.grid.evaluate();
  }

  /** The label whose chains the grid shows (a conditional model), or null for the training chains. */
  get shownLabel(): number | null {
    return this.label;
  }

  /**
   * Shows the chains of `label` (a conditional model): a sampler of
   * GRID_IMAGES chains on the live energy E, with the trainer's sampler
   * settings, started from the training chains' images with `label` put in
   * place of theirs; each frame moves them config.sampler.steps steps
   * (imageSamples). null goes back to the training chains.
   */
  async showLabel(label: number | null): Promise<void> {
    const c = this.config;
    if (label === this.label) return;
    this.label = label;
    if (label === null || c.classes === 0) return;
    const dim = c.energy.inputDim;
    const chains = await this.trainer.readSamples();
    const initial = new Float32Array(GRID_IMAGES * dim);
    for (let i = 0; i < GRID_IMAGES; i++) {
      const from = i % c.chains;
      initial.set(chains.subarray(from * dim, (from + 1) * dim - c.classes), i * dim);
      initial[i * dim + dim - c.classes + label] = 1;
    }
    if (!this.labelSampler) {
      const s = c.sampler;
      this.labelSampler = await LangevinSampler.create(this.gpu, {
        sampler: s.kind, chains: GRID_IMAGES, dim, classes: c.classes, steps: s.steps, seed: c.seed + 1,
        energy: { kind: 'mlp', spec: c.energy, theta: this.trainer.b.thetaE },
        ...(s.kind === 'du-mordatch' ? { stepSize: s.stepSize, noiseStd: s.noiseStd, gradClip: s.gradClip, box: s.box === 'data' ? null : s.box } : { eta: s.eta }),
        initialState: initial,
      });
    } else this.labelSampler.setState(initial);
  }

  /**
   * Images for the grid, as they are after all submitted work: the training
   * chains, or, with a label shown (and not `training`), that label's
   * chains after one more run of the sampler.
   */
  async imageSamples(training = false): Promise<ImageSamples> {
    const c = this.config;
    const dim = c.energy.inputDim;
    const pixels = dim - c.classes;
    let rows: Float32Array;
    let n: number;
    if (!training && this.label !== null && this.labelSampler) {
      this.labelSampler.run();
      rows = await this.labelSampler.readSamples();
      n = GRID_IMAGES;
    } else {
      rows = await this.trainer.readSamples();
      n = c.chains;
    }
    const out = new Float32Array(n * pixels);
    const labels = c.classes > 0 ? new Int32Array(n) : null;
    for (let i = 0; i < n; i++) {
      out.set(rows.subarray(i * dim, i * dim + pixels), i * pixels);
      if (labels) {
        let best = 0;
        for (let k = 1; k < c.classes; k++) if (rows[i * dim + pixels + k] > rows[i * dim + pixels + best]) best = k;
        labels[i] = best;
      }
    }
    return { pixels: out, n, labels };
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
    this.labelSampler?.destroy();
    this.grid?.destroy();
    this.trainer.destroy();
  }
}

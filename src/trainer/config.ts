// The trainer's configuration (src/trainer/trainer.ts): one object for the whole run,
// validated before anything is compiled or allocated; every failure is a
// ConfigError naming the field and its allowed range.

import { validateNumerics, type DivergenceSpec, type Numerics } from '../divergence/divergence';
import { ConfigError } from '../errors';
import { gpuDivergence } from '../divergence/loss';
import { validateOptimizer, type OptimizerSpec, type ValidOptimizerSpec } from '../optim/optim';
import { validateMlpSpec, type MlpSpec } from '../mlp/params';
import { SAMPLER_KINDS, type SamplerKind } from '../sampler/sampler';
import { integer, interval, knownKeys, oneOf, real, show } from '../validate';

export type TrainerMode = 'fdiv' | 'cd';

export interface TrainerSamplerSpec {
  kind: SamplerKind;
  /** Langevin steps K per iteration, 1 to 10,000. */
  steps: number;
  /** ULA / MALA step eta > 0. */
  eta?: number;
  /** Du & Mordatch: gradient step (default 10), noise std (default 0.005), gradient clip (default 0.01; null: none), box clip. */
  stepSize?: number;
  noiseStd?: number;
  gradClip?: number | null;
  /**
   * Du & Mordatch: clip the chains to [lo, hi] after every step; 'data': to
   * the data's range of values (of x, labels aside), resolved by
   * Trainer.create; null or left out: no clip.
   */
  box?: [number, number] | 'data' | null;
}

/**
 * The sampler of the authors' image models (Du & Mordatch, 2019): 60 steps of
 * x <- clip(x + 0.005 xi - 10 clip(grad E, +-0.01), 0, 1), for data in [0, 1].
 */
export const AUTHORS_IMAGE_SAMPLER = {
  kind: 'du-mordatch', steps: 60, stepSize: 10, noiseStd: 0.005, gradClip: 0.01, box: [0, 1],
} as const satisfies TrainerSamplerSpec;

export interface ReplaySpec {
  /** Rows of the replay buffer, chains to 2^24 (default max(10,000, chains)). */
  capacity?: number;
  /** Probability that a chain restarts from a replay sample, [0, 1] (default 0.95). */
  reuse?: number;
  /** Fresh starts are uniform in [lo, hi]^dim (default: the data's range of values). */
  initBox?: [number, number];
  /**
   * A conditional model's chains, where a restarted chain's label comes from:
   * 'batch' (default, the authors' code): chain j takes the label of data row
   * j % batch of the iteration, so the chains' labels follow the data's label
   * distribution exactly; 'keep': a chain restarted from the replay buffer
   * keeps the label its x was sampled with, and a fresh chain draws one
   * uniformly (the replay buffer's label mix then drifts; see docs/conditional.md).
   */
  labels?: LabelSource;
}

export type LabelSource = 'batch' | 'keep';
export const LABEL_SOURCES: readonly LabelSource[] = ['batch', 'keep'];

export interface TrainerConfig {
  /** 'fdiv' (default): f-EBM with H; 'cd': contrastive divergence, no H. */
  mode?: TrainerMode;
  /**
   * A class-conditional model E(x, y), H(x, y) with this many classes (default
   * 0: unconditional). Both networks take [x, onehot(y)]: energy.inputDim =
   * the data's dimension + classes. The data must then come with labels in
   * [0, classes - 1]; each chain carries a label, which the sampler never
   * moves; a fresh chain draws its label uniformly.
   */
  classes?: number;
  /** The energy network E (for a conditional model its input includes the label's `classes` columns). */
  energy: MlpSpec;
  /** The variational network H (fdiv; default: the energy's architecture). */
  variational?: MlpSpec;
  /** fdiv: the divergence (required). */
  divergence?: DivergenceSpec;
  /** 'authors' or 'stable' (default). */
  numerics?: Numerics;
  optimizerE: OptimizerSpec;
  /** Default: optimizerE. */
  optimizerH?: OptimizerSpec;
  /** Data samples per iteration, 1 to 65,536. */
  batch: number;
  /** Model samples (chains) per iteration, 1 to 65,536 (default batch). */
  chains?: number;
  sampler: TrainerSamplerSpec;
  replay?: ReplaySpec;
  /** L2 output penalty weight >= 0 (default 0; the authors use 1 for images). */
  l2?: number;
  /** Iterations taking only the L2 steps (default 0; the authors use 11). */
  warmup?: number;
  /** Philox seed of all draws, integer in [0, 2^53) (default 0). */
  seed?: number;
  /** Seed of the initial weights (default: seed). */
  initSeed?: number;
  /** Metrics (and the NaN check's readback) every M iterations, 1 to 2^31 (default 100). */
  metricsEvery?: number;
  /** Iterations recorded per submit, 1 to 1000 (default 10). */
  iterationsPerSubmit?: number;
}

export interface ValidTrainerConfig {
  mode: TrainerMode;
  classes: number;
  energy: MlpSpec;
  variational: MlpSpec | null;
  divergence: DivergenceSpec | null;
  numerics: Numerics;
  optimizerE: ValidOptimizerSpec;
  optimizerH: ValidOptimizerSpec | null;
  batch: number;
  chains: number;
  sampler: Required<Omit<TrainerSamplerSpec, 'eta'>> & { eta: number };
  replay: { capacity: number; reuse: number; initBox: [number, number] | null; labels: LabelSource };
  l2: number;
  warmup: number;
  seed: number;
  initSeed: number;
  metricsEvery: number;
  iterationsPerSubmit: number;
}

const CONFIG_KEYS = [
  'mode', 'classes', 'energy', 'variational', 'divergence', 'numerics', 'optimizerE', 'optimizerH', 'batch', 'chains', 'sampler',
  'replay', 'l2', 'warmup', 'seed', 'initSeed', 'metricsEvery', 'iterationsPerSubmit',
];

/** Largest batch and chain counts. */
export const MAX_TRAINER_BATCH = 65536;

/**
 * Validates a trainer configuration and fills in defaults. Every failure is a
 * ConfigError naming the field and its allowed range.
 */
export function validateTrainerConfig(config: unknown): ValidTrainerConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError('config', `must be an object, got ${show(config)}`);
  const c = config as Record<string, unknown>;
  knownKeys('', c, CONFIG_KEYS);
  const mode = (c.mode ?? 'fdiv') as TrainerMode;
  oneOf('mode', mode, ['fdiv', 'cd'] as const);
  const energy = validateMlpSpec(c.energy as MlpSpec, 'energy');
  const classes = c.classes === undefined ? 0 : c.classes;
  if (typeof classes !== 'number' || !Number.isInteger(classes) || classes < 0 || classes >= energy.inputDim) {
    throw new ConfigError(
      'classes',
      `must be an integer in [0, ${energy.inputDim - 1}] (energy.inputDim - 1: the networks' input is [x, onehot(y)], ` +
        `so energy.inputDim = the data's dimension + classes), got ${show(classes)}`,
    );
  }
  const numerics = validateNumerics(c.numerics ?? 'stable', 'numerics');
  let variational: MlpSpec | null = null;
  let divergence: DivergenceSpec | null = null;
  let optimizerH: ValidOptimizerSpec | null = null;
  const optimizerE = validateOptimizer(c.optimizerE, 'optimizerE');
  if (mode === 'fdiv') {
    variational = validateMlpSpec((c.variational ?? energy) as MlpSpec, 'variational');
    if (variational.inputDim !== energy.inputDim) {
      throw new ConfigError('variational.inputDim', `must equal energy.inputDim = ${energy.inputDim}, got ${variational.inputDim}`);
    }
    if (c.divergence === undefined || c.divergence === null) throw new ConfigError('divergence', "is required in mode 'fdiv' (e.g. { name: 'kl' })");
    divergence = gpuDivergence(c.divergence, numerics, 'divergence').spec;
    optimizerH = validateOptimizer(c.optimizerH ?? c.optimizerE, c.optimizerH ? 'optimizerH' : 'optimizerE');
  } else {
    for (const k of ['variational', 'divergence', 'optimizerH']) {
      if (c[k] !== undefined && c[k] !== null) throw new ConfigError(k, "must be left out in mode 'cd' (no H, no divergence)");
    }
  }
  const batch = integer('batch', c.batch, 1, MAX_TRAINER_BATCH);
  const chains = integer('chains', c.chains, 1, MAX_TRAINER_BATCH, { fallback: batch });

  const s = c.sampler as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null) throw new ConfigError('sampler', `must be an object { kind, steps, ... }, got ${show(s)}`);
  knownKeys('sampler', s, ['kind', 'steps', 'eta', 'stepSize', 'noiseStd', 'gradClip', 'box']);
  const kind = oneOf('sampler.kind', s.kind, SAMPLER_KINDS);
  const steps = integer('sampler.steps', s.steps, 1, 10_000);
  const eta = kind === 'du-mordatch' ? 0 : real('sampler.eta', s.eta, 'in (0, inf)', (x) => x > 0);
  const stepSize = real('sampler.stepSize', s.stepSize, 'in [0, inf)', (x) => x >= 0, 10);
  const noiseStd = real('sampler.noiseStd', s.noiseStd, 'in [0, inf)', (x) => x >= 0, 0.005);
  const gradClip = s.gradClip === null ? null : real('sampler.gradClip', s.gradClip, 'in (0, inf) (or null: no clip)', (x) => x > 0, 0.01);
  if (s.box !== undefined && s.box !== null && s.box !== 'data' && !Array.isArray(s.box)) {
    throw new ConfigError('sampler.box', `must be [lo, hi] with lo < hi, 'data' (the data's range) or null, got ${show(s.box)}`);
  }
  const sbox = s.box === undefined || s.box === null ? null : s.box === 'data' ? 'data' : interval('sampler.box', s.box);

  const r = (c.replay ?? {}) as Record<string, unknown>;
  if (typeof r !== 'object' || r === null) throw new ConfigError('replay', `must be an object { capacity, reuse, initBox, labels }, got ${show(r)}`);
  knownKeys('replay', r, ['capacity', 'reuse', 'initBox', 'labels']);
  const capacity = integer('replay.capacity', r.capacity, chains, 2 ** 24, { fallback: Math.max(10_000, chains), hiText: '2^24 (at least chains)' });
  const reuse = real('replay.reuse', r.reuse, 'in [0, 1]', (x) => x >= 0 && x <= 1, 0.95);
  const initBox = r.initBox === undefined || r.initBox === null ? null : interval('replay.initBox', r.initBox);
  const labels = oneOf('replay.labels', r.labels ?? 'batch', LABEL_SOURCES);

  const l2 = real('l2', c.l2, 'in [0, inf)', (x) => x >= 0, 0);
  const warmup = integer('warmup', c.warmup, 0, 2 ** 31, { fallback: 0, hiText: '2^31' });
  const seed = integer('seed', c.seed, 0, Number.MAX_SAFE_INTEGER, { fallback: 0, hiText: '2^53 - 1' });
  const initSeed = integer('initSeed', c.initSeed, 0, Number.MAX_SAFE_INTEGER, { fallback: seed, hiText: '2^53 - 1' });
  const metricsEvery = integer('metricsEvery', c.metricsEvery, 1, 2 ** 31, { fallback: 100, hiText: '2^31' });
  const iterationsPerSubmit = integer('iterationsPerSubmit', c.iterationsPerSubmit, 1, 1000, { fallback: 10 });
  return {
    mode, classes, energy, variational, divergence, numerics, optimizerE, optimizerH, batch, chains,
    sampler: { kind, steps, eta, stepSize, noiseStd, gradClip, box: sbox },
    replay: { capacity, reuse, initBox, labels },
    l2, warmup, seed, initSeed, metricsEvery, iterationsPerSubmit,
  };
}

/**
 * Resolves the settings that default to the data's range of values (of x,
 * labels aside): replay.initBox when not given, and sampler.box 'data'.
 * Trainer.create calls it before anything is planned; a resolved config (a
 * checkpoint's) is left as it is.
 */
export function resolveDataRange(c: ValidTrainerConfig, range: [number, number]): void {
  c.replay.initBox ??= range;
  if (c.sampler.box === 'data') c.sampler.box = range;
}

/** The sampler's box once resolved (resolveDataRange): [lo, hi] or null. */
export function samplerBox(c: ValidTrainerConfig): [number, number] | null {
  if (c.sampler.box === 'data') throw new ConfigError('sampler.box', "'data' is resolved from the data by Trainer.create (resolveDataRange)");
  return c.sampler.box;
}

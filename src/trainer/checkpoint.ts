// A trainer's full state as a checkpoint file (src/checkpoint/format.ts, format
// version 1) and back: what Trainer.saveCheckpoint writes and Trainer.resume
// reads. The arrays and the meta.trainer object are documented in the format
// comment of src/checkpoint/format.ts ("Trainer checkpoints"). Decoding checks
// everything before a GPU is touched: a damaged file, another version or a
// checkpoint of something else is a CheckpointError; a config that does not
// fit the data is a ConfigError.

import { CheckpointError, crc32, decodeCheckpoint, encodeCheckpoint } from '../checkpoint/format';
import type { CustomDivergence, DivergenceSpec } from '../divergence/divergence';
import { ConfigError, FebmError } from '../errors';
import { paramLayout } from '../mlp/params';
import { validateTrainerConfig, type ValidTrainerConfig } from './config';

/** meta.trainer.layout: the version of the trainer's array names and meta fields within format version 1. */
export const TRAINER_STATE_LAYOUT = 1;

export interface DataFingerprint {
  rows: number;
  dim: number;
  /** CRC-32 of the data's float32 bytes (little-endian). */
  crc32: number;
}

/** Everything a trainer needs to go on exactly where it stopped. */
export interface TrainerSnapshot {
  config: ValidTrainerConfig;
  /** Iterations completed. */
  iteration: number;
  paramsE: Float32Array;
  paramsH: Float32Array | null;
  optimizerE: { step: number; moments: Float32Array | null };
  optimizerH: { step: number; moments: Float32Array | null } | null;
  /** The sampler's chains, [chains][dim]. */
  chains: Float32Array;
  /** Langevin steps taken (the sampler's Philox step). */
  samplerSteps: number;
  /** MALA counts since the last metrics point: proposals per chain, accepted per chain (zeros are left out of the file). */
  proposed: number;
  accepted: Uint32Array;
  /** The replay buffer, [capacity][dim], and its fill level and next row. */
  replay: Float32Array;
  replayFilled: number;
  replayPos: number;
  data: DataFingerprint;
  /** The caller's own JSON (e.g. how the data was made), stored as meta.trainer.extra. */
  extra?: Record<string, unknown>;
}

/** Fingerprint of a data set (rows of dim values). */
export function dataFingerprint(data: Float32Array, dim: number): DataFingerprint {
  return { rows: data.length / dim, dim, crc32: crc32(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

/** The config as JSON: a custom divergence keeps only its WGSL (functions cannot be stored). */
function configJson(c: ValidTrainerConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...c };
  if (c.divergence?.name === 'custom') out.divergence = { name: 'custom', custom: { wgsl: c.divergence.custom?.wgsl ?? '' } };
  return out;
}

/** The array names and lengths of a configuration's checkpoint. */
export function trainerArrays(c: ValidTrainerConfig): Record<string, number> {
  const sizeE = paramLayout(c.energy).size;
  const dim = c.energy.inputDim;
  const arrays: Record<string, number> = { 'energy.params': sizeE };
  if (c.variational) arrays['variational.params'] = paramLayout(c.variational).size;
  if (c.optimizerE.kind === 'adam') arrays['energy.adam'] = 2 * sizeE;
  if (c.variational && c.optimizerH?.kind === 'adam') arrays['variational.adam'] = 2 * paramLayout(c.variational).size;
  arrays['sampler.chains'] = c.chains * dim;
  arrays.replay = c.replay.capacity * dim;
  return arrays;
}

export function encodeTrainerCheckpoint(s: TrainerSnapshot): Uint8Array {
  const arrays: Record<string, Float32Array> = { 'energy.params': s.paramsE };
  if (s.paramsH) arrays['variational.params'] = s.paramsH;
  if (s.optimizerE.moments) arrays['energy.adam'] = s.optimizerE.moments;
  if (s.optimizerH?.moments) arrays['variational.adam'] = s.optimizerH.moments;
  arrays['sampler.chains'] = s.chains;
  arrays.replay = s.replay;
  const expected = trainerArrays(s.config);
  for (const [name, length] of Object.entries(expected)) {
    if (arrays[name]?.length !== length) throw new FebmError(`trainer checkpoint: array ${name} holds ${arrays[name]?.length} values, expected ${length}`);
  }
  const sampler: Record<string, unknown> = { steps: s.samplerSteps };
  if (s.proposed > 0 || s.accepted.some((a) => a !== 0)) {
    sampler.proposed = s.proposed;
    sampler.accepted = Array.from(s.accepted);
  }
  const trainer: Record<string, unknown> = {
    layout: TRAINER_STATE_LAYOUT,
    optimizerSteps: { energy: s.optimizerE.step, ...(s.optimizerH ? { variational: s.optimizerH.step } : {}) },
    sampler,
    replay: { filled: s.replayFilled, pos: s.replayPos },
    data: s.data,
  };
  if (s.extra !== undefined) trainer.extra = s.extra;
  return encodeCheckpoint({
    config: configJson(s.config),
    iteration: s.iteration,
    rng: { seed: s.config.seed, counter: s.iteration },
    arrays,
    meta: { trainer },
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function count(field: string, v: unknown, max = 2 ** 32 - 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    throw new CheckpointError('header', `not a trainer checkpoint of this build: meta.trainer.${field} must be an integer in [0, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

export interface DecodeTrainerOptions {
  /** The dimension of the data the run will use: a ConfigError if the checkpoint's energy.inputDim differs. */
  dataDim?: number;
  /** Required when the checkpoint's divergence is custom: the same f, f', f'' and WGSL (functions are not stored). */
  divergence?: DivergenceSpec;
}

/**
 * Reads a trainer checkpoint: CheckpointError for a damaged file, another
 * format version, or a checkpoint that is not a trainer's (or not of this
 * build's trainer layout); ConfigError when it does not fit options.dataDim or
 * its custom divergence is not supplied.
 */
export function decodeTrainerCheckpoint(bytes: Uint8Array | ArrayBuffer, options: DecodeTrainerOptions = {}): TrainerSnapshot {
  const state = decodeCheckpoint(bytes);
  const meta = state.meta?.trainer;
  if (!isObject(meta)) throw new CheckpointError('header', 'not a trainer checkpoint: meta.trainer is missing');
  if (meta.layout !== TRAINER_STATE_LAYOUT) {
    throw new CheckpointError('version', `trainer state layout ${JSON.stringify(meta.layout)} is not supported by this build (layout ${TRAINER_STATE_LAYOUT})`);
  }
  if (!isObject(state.config)) throw new CheckpointError('header', 'not a trainer checkpoint: config is not an object');
  const raw = { ...state.config };
  const stored = raw.divergence as DivergenceSpec | null | undefined;
  if (stored?.name === 'custom') {
    const given = options.divergence;
    if (!given || given.name !== 'custom') {
      throw new ConfigError('divergence', "the checkpoint's divergence is custom: pass options.divergence, the same { name: 'custom', custom: { f, df, d2f, wgsl } } (functions are not stored)");
    }
    if ((given.custom as CustomDivergence | undefined)?.wgsl !== (stored.custom as { wgsl?: string } | undefined)?.wgsl) {
      throw new ConfigError('divergence.custom.wgsl', "differs from the checkpoint's custom WGSL");
    }
    raw.divergence = given;
  } else if (options.divergence !== undefined) {
    throw new ConfigError('divergence', "is only given for a checkpoint with a custom divergence (this one's is stored)");
  }
  let config: ValidTrainerConfig;
  try {
    config = validateTrainerConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError('header', `the checkpoint's config is not valid in this build: ${e.message}`);
    throw e;
  }
  if (config.replay.initBox === null) throw new CheckpointError('header', "not a trainer checkpoint: config.replay.initBox is not resolved");
  if (state.rng.seed !== config.seed) throw new CheckpointError('header', `damaged header: rng.seed ${state.rng.seed} differs from config.seed ${config.seed}`);
  if (state.iteration >= 2 ** 32) throw new CheckpointError('header', `iteration ${state.iteration} is beyond the trainer's 32-bit counter`);
  const dim = config.energy.inputDim;
  if (options.dataDim !== undefined && options.dataDim !== dim) {
    throw new ConfigError('data', `rows have ${options.dataDim} values, but the checkpoint's model takes energy.inputDim = ${dim}`);
  }

  const expected = trainerArrays(config);
  for (const [name, length] of Object.entries(expected)) {
    const a = state.arrays[name];
    if (!a) throw new CheckpointError('layout', `not a checkpoint of this trainer configuration: array ${name} is missing`);
    if (a.length !== length) throw new CheckpointError('layout', `array ${name} holds ${a.length} values, the configuration needs ${length}`);
  }
  for (const name of Object.keys(state.arrays)) {
    if (!(name in expected)) throw new CheckpointError('layout', `array ${name} is not part of this trainer configuration's state`);
  }

  const steps = meta.optimizerSteps;
  if (!isObject(steps)) throw new CheckpointError('header', 'not a trainer checkpoint: meta.trainer.optimizerSteps is missing');
  const sampler = meta.sampler;
  if (!isObject(sampler)) throw new CheckpointError('header', 'not a trainer checkpoint: meta.trainer.sampler is missing');
  const replay = meta.replay;
  if (!isObject(replay)) throw new CheckpointError('header', 'not a trainer checkpoint: meta.trainer.replay is missing');
  const data = meta.data;
  if (!isObject(data)) throw new CheckpointError('header', 'not a trainer checkpoint: meta.trainer.data is missing');
  if (meta.extra !== undefined && !isObject(meta.extra)) throw new CheckpointError('header', 'meta.trainer.extra must be an object');

  const accepted = new Uint32Array(config.chains);
  let proposed = 0;
  if (sampler.accepted !== undefined) {
    if (!Array.isArray(sampler.accepted) || sampler.accepted.length !== config.chains) {
      throw new CheckpointError('header', `meta.trainer.sampler.accepted must list ${config.chains} counts (one per chain)`);
    }
    sampler.accepted.forEach((a, j) => (accepted[j] = count(`sampler.accepted[${j}]`, a)));
    proposed = count('sampler.proposed', sampler.proposed);
  }
  const capacity = config.replay.capacity;
  return {
    config,
    iteration: state.iteration,
    paramsE: state.arrays['energy.params'],
    paramsH: config.variational ? state.arrays['variational.params'] : null,
    optimizerE: { step: count('optimizerSteps.energy', steps.energy), moments: state.arrays['energy.adam'] ?? null },
    optimizerH: config.variational
      ? { step: count('optimizerSteps.variational', steps.variational), moments: state.arrays['variational.adam'] ?? null }
      : null,
    chains: state.arrays['sampler.chains'],
    samplerSteps: count('sampler.steps', sampler.steps),
    proposed,
    accepted,
    replay: state.arrays.replay,
    replayFilled: count('replay.filled', replay.filled, capacity),
    replayPos: count('replay.pos', replay.pos, capacity - 1),
    data: {
      rows: count('data.rows', data.rows, Number.MAX_SAFE_INTEGER),
      dim: count('data.dim', data.dim),
      crc32: count('data.crc32', data.crc32),
    },
    ...(meta.extra !== undefined ? { extra: meta.extra as Record<string, unknown> } : {}),
  };
}

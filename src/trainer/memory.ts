// The GPU memory of a training run, known before anything is compiled or
// allocated: every buffer the trainer and its parts (MLP programs, loss,
// optimisers, sampler) create, with the bytes Gpu.buffer allocates for it.
// Trainer.create checks the plan against the device's limits first, so a run
// that cannot fit is refused with the config field to change; the GPU tests
// check that the plan's total equals trainer.bytes of the created run.
//
// WebGPU reports no total memory size: each buffer is checked against the
// device's per-buffer limits (maxStorageBufferBindingSize for storage,
// maxBufferSize for the readback buffer; storage buffers also against
// MAX_INDEXED_BYTES, 2^32, the most the kernels' u32 indices address), the
// total against a caller's memoryLimit when given, and an out-of-memory error
// while allocating (still before any iteration) becomes a GpuError naming the
// total. A refusal names the field to change and the largest value that fits
// (rows of data, replay capacity, batch + chains, chains), from each buffer's
// bytes per row, sample or chain.
//
// Image-sized runs are planned like the others: the data set, x, the replay
// buffer and the chains hold rows of energy.inputDim values (for a
// class-conditional model x and its one-hot label: dim + classes), the MLP
// scratch grows with the input and hidden widths (scratchLayout), MALA's work
// buffer holds two gradients of a row per chain.

import { allocatedSize } from '../device/device';
import { ConfigError } from '../errors';
import { gpuDivergence } from '../divergence/loss';
import { MLP_CHAINS, mlpGroupFor, mlpProgramBuffers, scratchLayout } from '../mlp/program';
import type { MlpVariant } from '../mlp/variant';
import { paramLayout, type ParamLayout } from '../mlp/params';
import { MAX_INDEXED_BYTES, validateSamplerConfig } from '../sampler/sampler';
import { composeShader, reflectShader } from '../device/shader';
import type { ValidTrainerConfig } from './config';
import { readbackLayout, TRAINER_COUNTER_WORDS, TRAINER_METRICS_WORDS, TRAINER_STATS_WORDS } from './layout';

/** The parts of a run that hold GPU memory (each a GpuPart once created). */
export type TrainerPartName = 'trainer' | 'E program' | 'H program' | 'loss' | 'E optimiser' | 'H optimiser' | 'sampler';

/** The trainer's own buffers, by the name src/trainer/resources.ts gives them. */
export type TrainerBufferKey =
  | 'thetaE' | 'thetaH' | 'uniform' | 'dataset' | 'x' | 'replay' | 'counters' | 'stats' | 'hv' | 'ev' | 'v' | 'wH' | 'wE'
  | 'gradE' | 'gradH' | `check${number}` | 'lossMetrics' | 'metricsUniform' | 'metricsOut' | 'readback';

export interface PlannedBuffer {
  /** What it holds. */
  name: string;
  /** The part that allocates it. */
  part: TrainerPartName;
  /** For the trainer's own buffers: the key it is allocated under (resources.ts). */
  key?: TrainerBufferKey;
  /** Bytes requested (before Gpu.buffer's rounding). */
  size: number;
  /** Bytes allocated (allocatedSize(size)). */
  bytes: number;
  /** The configuration field that sets its size. */
  field: string;
  /** 'storage' buffers count against maxStorageBufferBindingSize, the others against maxBufferSize. */
  kind: 'storage' | 'uniform' | 'readback';
  /**
   * For a buffer that grows with its field: bytes per unit of the field (a
   * data row, a replay row, a sample of batch + chains, a chain), and the
   * multiple the units are padded to (the MLP scratch pads the batch to whole
   * workgroups); the advice of a refusal is the largest count that fits.
   */
  perUnit?: number;
  granule?: number;
}

export interface TrainerMemoryPlan {
  buffers: PlannedBuffer[];
  /** Sum of the allocated bytes: what trainer.bytes reports once created. */
  total: number;
}

export interface TrainerMemoryLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

const structSizes = new Map<string, number>();

/** Byte size of the struct bound as `binding` in a shader file (reflected once). */
function structSize(file: string, binding: string, extra = ''): number {
  const key = `${file}:${binding}`;
  let size = structSizes.get(key);
  if (size === undefined) {
    const b = reflectShader(composeShader(file, undefined, extra)).bindings.find((x) => x.name === binding);
    if (!b?.struct) throw new Error(`${file} binds no struct ${binding}`);
    size = b.struct.size;
    structSizes.set(key, size);
  }
  return size;
}

/** Checked quantities (trn_check dispatches, one uniform each). */
export const CHECKED_COUNT = 8;


/**
 * The workgroup size of all of a trainer's MLP kernels (sampler and updates):
 * one size means one set of pipelines to compile; the chain count decides it.
 */
export function trainerMlpGroup(c: Pick<ValidTrainerConfig, 'chains'>): number {
  return mlpGroupFor(c.chains);
}

/**
 * Every buffer a run of this (validated) configuration allocates, for `rows`
 * data rows; `variant`: the MLP kernels' variant the run will use (Gpu.mlpVariant).
 */
export function planTrainerMemory(c: ValidTrainerConfig, rows: number, variant: MlpVariant = 'lanes'): TrainerMemoryPlan {
  const dim = c.energy.inputDim;
  const n = c.batch + c.chains;
  const layoutE = paramLayout(c.energy);
  const layoutH = c.variational ? paramLayout(c.variational) : null;
  const sizeE = layoutE.size;
  const sizeH = layoutH ? layoutH.size : 4;
  const buffers: PlannedBuffer[] = [];
  let part: TrainerPartName = 'trainer';
  const add = (name: string, size: number, field: string, kind: PlannedBuffer['kind'] = 'storage', key?: TrainerBufferKey, per?: { perUnit: number; granule?: number }) => {
    buffers.push({ name, part, ...(key ? { key } : {}), size, bytes: allocatedSize(size), field, kind, ...(per ?? {}) });
  };
  // Bytes of an MLP's scratch per sample of a padded batch, and the padding (src/mlp/program.ts scratchLayout).
  const group = trainerMlpGroup(c);
  const granule = MLP_CHAINS * group;
  const scratchPer = (layout: ParamLayout) => ({ perUnit: (scratchLayout(layout, granule, group, variant).vec4s * 16) / granule, granule });
  const row = { perUnit: dim * 4 };

  // The trainer's own buffers (src/trainer/resources.ts allocates them by key, with these sizes).
  add('E parameters', sizeE * 4, 'energy', 'storage', 'thetaE');
  add(layoutH ? 'H parameters' : 'H placeholder', sizeH * 4, 'variational', 'storage', 'thetaH');
  add('trainer uniform', structSize('trainer_draw.wgsl', 'trn'), 'config', 'uniform', 'uniform');
  add('data set', rows * dim * 4, 'data', 'storage', 'dataset', row);
  add('network inputs x', n * dim * 4, 'batch', 'storage', 'x', row);
  add('replay buffer', c.replay.capacity * dim * 4, 'replay.capacity', 'storage', 'replay', row);
  add('trainer counters', TRAINER_COUNTER_WORDS * 4, 'config', 'storage', 'counters');
  add('trainer statistics', TRAINER_STATS_WORDS * 4, 'config', 'storage', 'stats');
  const perSample = [['H(x)', 'hv'], ['E(x)', 'ev'], ['v = H + E', 'v'], ['H weights', 'wH'], ['E weights', 'wE']] as const;
  for (const [name, key] of perSample) add(name, n * 4, 'batch', 'storage', key, { perUnit: 4 });
  add('E gradient', sizeE * 4, 'energy', 'storage', 'gradE');
  add(layoutH ? 'H gradient' : 'H gradient placeholder', sizeH * 4, 'variational', 'storage', 'gradH');
  const checkSize = structSize('trainer_check.wgsl', 'trn_q');
  for (let q = 0; q < CHECKED_COUNT; q++) add(`NaN check uniform ${q}`, checkSize, 'config', 'uniform', `check${q}`);
  if (!layoutH) add('loss metrics placeholder', 16, 'config', 'storage', 'lossMetrics');
  add('metrics uniform', structSize('trainer_metrics.wgsl', 'tm'), 'config', 'uniform', 'metricsUniform');
  add('metrics output', TRAINER_METRICS_WORDS * 4, 'config', 'storage', 'metricsOut');
  add('metrics readback', readbackLayout(sizeE, layoutH ? sizeH : 0).size, 'energy', 'readback', 'readback');

  // MLP programs of E and H over the batch and the chains, and the sampler's over the chains.
  const mlpUniform = structSize('mlp_forward.wgsl', 'mlp');
  const program = (label: string, layout: typeof layoutE, batch: number, field: string, scratchField: string) => {
    for (const b of mlpProgramBuffers(layout, batch, { group: trainerMlpGroup(c), variant, uniformBytes: mlpUniform })) {
      // Per-sample sizes, so that a refusal names the batch or chain count that fits.
      const per = b.name === 'scratch' ? scratchPer(layout) : b.name === 'values' ? { perUnit: 4 } : undefined;
      add(`${label} program ${b.name}`, b.size, b.kind === 'uniform' ? field : scratchField, b.kind, undefined, per);
    }
  };
  part = 'E program';
  program('E', layoutE, n, 'energy', 'batch');
  if (layoutH) {
    part = 'H program';
    program('H', layoutH, n, 'variational', 'batch');
  }

  // The loss.
  if (c.mode === 'fdiv') {
    part = 'loss';
    const extra = gpuDivergence(c.divergence, c.numerics).userCode;
    add('loss uniform', structSize('fdiv_loss.wgsl', 'loss', extra), 'divergence', 'uniform');
    add('loss metrics', structSize('fdiv_loss.wgsl', 'loss_metrics', extra), 'divergence');
  }

  // The optimisers.
  const optUniform = structSize('optim.wgsl', 'optim');
  const optCounter = structSize('optim.wgsl', 'optim_counter');
  const optimizer = (label: 'E' | 'H', field: string, kind: string, count: number) => {
    part = `${label} optimiser`;
    add(`${label} optimiser uniform`, optUniform, field, 'uniform');
    add(`${label} optimiser moments`, (kind === 'adam' ? 2 * count : 1) * 4, field === 'optimizerE' ? 'energy' : 'variational');
    add(`${label} optimiser counter`, optCounter, field);
  };
  optimizer('E', 'optimizerE', c.optimizerE.kind, sizeE);
  if (layoutH && c.optimizerH) optimizer('H', 'optimizerH', c.optimizerH.kind, sizeH);

  // The sampler (its sizes from its own validation, limits aside).
  part = 'sampler';
  const s = samplerSizes(c, Infinity, undefined, variant);
  program('sampler', layoutE, c.chains, 'energy', 'chains');
  const perChain = (bytes: number) => ({ perUnit: bytes / c.chains });
  add('sampler chains', s.state, 'chains', 'storage', undefined, perChain(s.state));
  add('sampler points', s.state, 'chains', 'storage', undefined, perChain(s.state));
  add('sampler work', s.work, 'chains', 'storage', undefined, perChain(s.work));
  add('sampler energy parameters', s.energy, 'energy');
  add('sampler counters', s.counters, 'chains');
  add('sampler E(y)', s.energyY, 'chains');
  add('sampler uniform', structSize('langevin.wgsl', 'lgv'), 'sampler', 'uniform');

  return { buffers, total: buffers.reduce((t, b) => t + b.bytes, 0) };
}

/** Planned bytes per part (what each part's `bytes` must report once created). */
export function plannedBytesByPart(plan: TrainerMemoryPlan): Partial<Record<TrainerPartName, number>> {
  const out: Partial<Record<TrainerPartName, number>> = {};
  for (const b of plan.buffers) out[b.part] = (out[b.part] ?? 0) + b.bytes;
  return out;
}

function samplerSizes(c: ValidTrainerConfig, maxBinding: number, maxPerDim = 65535, variant: MlpVariant = 'lanes') {
  return validateSamplerConfig(
    {
      sampler: c.sampler.kind, chains: c.chains, dim: c.energy.inputDim, classes: c.classes, steps: c.sampler.steps, seed: c.seed,
      energy: { kind: 'mlp', spec: c.energy, theta: new Float32Array(paramLayout(c.energy).size) },
      eta: c.sampler.kind === 'du-mordatch' ? undefined : c.sampler.eta,
      // The sizes do not depend on the box ('data' may not be resolved yet).
      stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: null,
      group: trainerMlpGroup(c),
      variant,
    },
    { maxStorageBufferBindingSize: maxBinding, maxBufferSize: maxBinding, maxComputeWorkgroupsPerDimension: maxPerDim },
  ).bytes;
}

const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/**
 * Refuses a plan that cannot fit: a buffer over the device's per-buffer limit
 * (ConfigError naming the field that sets its size), or a total over
 * `memoryLimit` (ConfigError 'memoryLimit', naming the largest buffers).
 */
export function checkTrainerMemory(plan: TrainerMemoryPlan, c: ValidTrainerConfig, limits: TrainerMemoryLimits, memoryLimit?: number, variant: MlpVariant = 'lanes'): void {
  const deviceStorage = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const maxStorage = Math.min(deviceStorage, MAX_INDEXED_BYTES);
  const dim = c.energy.inputDim;
  const rowText = c.classes > 0 ? `rows of ${dim} values (${dim - c.classes} of x, ${c.classes} of the one-hot label)` : `rows of ${dim} values`;
  for (const b of plan.buffers) {
    const max = b.kind === 'storage' ? maxStorage : limits.maxBufferSize;
    if (b.size <= max) continue;
    const g = b.granule ?? 1;
    const most = b.perUnit ? Math.floor(max / b.perUnit / g) * g : 0;
    let advice: string;
    if (b.field === 'data') advice = `: at most ${most} ${rowText} fit`;
    // (At least chains rows always fit here: x, checked first, holds batch + chains rows.)
    else if (b.field === 'replay.capacity') advice = `: replay.capacity must be at most ${most} for ${rowText}`;
    else if (b.perUnit && most === 0) advice = `: not even one ${g > 1 ? `workgroup of ${g} samples` : 'row'} fits: make the network smaller`;
    else if (b.field === 'batch') advice = `: batch + chains (now ${c.batch + c.chains}) must be at most ${most} for this network, or make the network narrower`;
    else if (b.field === 'chains' && most > 0) advice = `: chains (now ${c.chains}) must be at most ${most}`;
    else advice = ': make the network smaller';
    const limit = b.kind !== 'storage'
      ? `the device's maxBufferSize of ${max} bytes`
      : max < deviceStorage
        ? `the kernels' limit of ${max} bytes per buffer (u32 indices)`
        : `the device's maxStorageBufferBindingSize of ${max} bytes`;
    throw new ConfigError(b.field, `the ${b.name} needs ${b.size} bytes (${mib(b.size)}), over ${limit}${advice}`);
  }
  // The sampler's own checks (workgroup grid, scratch per chain) with the real limits.
  samplerSizes(c, maxStorage, limits.maxComputeWorkgroupsPerDimension, variant);
  if (memoryLimit !== undefined) {
    if (typeof memoryLimit !== 'number' || !(memoryLimit > 0)) throw new ConfigError('memoryLimit', `must be a number of bytes > 0, got ${memoryLimit}`);
    if (plan.total > memoryLimit) {
      const largest = [...plan.buffers].sort((a, b) => b.bytes - a.bytes).slice(0, 3).map((b) => `${b.name} ${mib(b.bytes)} (${b.field})`);
      throw new ConfigError('memoryLimit', `the run needs ${plan.total} bytes (${mib(plan.total)}) of GPU memory, over the limit of ${memoryLimit} bytes; largest: ${largest.join(', ')}`);
    }
  }
}

// A training run's GPU memory, allocated once by Trainer.create: the
// trainer's own buffers (TrainerResources, every one under its key with the
// size the memory plan gives it) and its parts (TrainerParts: the MLP
// programs of E and H, the loss, the optimisers and the sampler). Both are
// GpuParts, so the trainer's memory is their sum; after allocation each
// part's bytes are checked against the plan (checkPlannedParts), so a plan
// that no longer describes what a part allocates fails at creation.

import type { Gpu } from '../device/device';
import { bytesOf, createParts, destroyAll, OwnedBuffers, type GpuPart } from '../device/part';
import { packStruct, type StructLayout } from '../device/shader';
import { FdivLoss } from '../divergence/loss';
import { FebmError, GpuError } from '../errors';
import { MlpProgram } from '../mlp/program';
import { paramLayout } from '../mlp/params';
import { Optimizer } from '../optim/optim';
import { seedKey } from '../rng/philox';
import { LangevinSampler } from '../sampler/sampler';
import { samplerBox, type ValidTrainerConfig } from './config';
import { TRAINER_LABELS, TRAINER_MODE } from './layout';
import { CHECKED_COUNT, plannedBytesByPart, trainerMlpGroup, type TrainerBufferKey, type TrainerMemoryPlan, type TrainerPartName } from './memory';

/** The trainer's own buffers (what each holds: planTrainerMemory's names). */
export interface TrainerBuffers {
  thetaE: GPUBuffer;
  /** H's parameters (a placeholder in CD mode). */
  thetaH: GPUBuffer;
  /** trainer_common.wgsl's TrnParams. */
  uniform: GPUBuffer;
  dataset: GPUBuffer;
  /** Inputs of both networks: the data batch, then the samples, [batch + chains][dim]. */
  x: GPUBuffer;
  replay: GPUBuffer;
  counters: GPUBuffer;
  stats: GPUBuffer;
  hv: GPUBuffer;
  ev: GPUBuffer;
  v: GPUBuffer;
  wH: GPUBuffer;
  wE: GPUBuffer;
  gradE: GPUBuffer;
  /** H's gradient (a placeholder in CD mode). */
  gradH: GPUBuffer;
  /** One TrnCheck uniform per checked quantity (CHECKED_QUANTITIES order). */
  checkUniforms: GPUBuffer[];
  /** CD mode: a placeholder bound where the loss's metrics would be; null in f-EBM mode. */
  lossMetrics: GPUBuffer | null;
  metricsUniform: GPUBuffer;
  metricsOut: GPUBuffer;
  /** MAP_READ: the metrics point's one readback (readbackLayout). */
  readback: GPUBuffer;
}

/** Buffer usage by the plan's kind (a function: GPUBufferUsage exists only where WebGPU does). */
function usage(kind: 'storage' | 'uniform' | 'readback'): number {
  if (kind === 'uniform') return GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
  if (kind === 'readback') return GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST;
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** The trainer's own buffers, allocated from the plan's entries of part 'trainer'. */
export class TrainerResources implements GpuPart {
  private constructor(
    readonly b: TrainerBuffers,
    private readonly owned: OwnedBuffers,
  ) {}

  static allocate(gpu: Gpu, plan: TrainerMemoryPlan): TrainerResources {
    const owned = new OwnedBuffers();
    try {
      const byKey = new Map<string, GPUBuffer>();
      for (const p of plan.buffers) {
        if (p.part !== 'trainer') continue;
        if (!p.key) throw new FebmError(`memory plan: the trainer's buffer ${p.name} has no key`);
        byKey.set(p.key, owned.own(gpu.buffer(`trainer ${p.name}`, p.size, usage(p.kind))));
      }
      const get = (key: TrainerBufferKey): GPUBuffer => {
        const buf = byKey.get(key);
        if (!buf) throw new FebmError(`memory plan: no trainer buffer ${key}`);
        return buf;
      };
      const b: TrainerBuffers = {
        thetaE: get('thetaE'), thetaH: get('thetaH'), uniform: get('uniform'), dataset: get('dataset'), x: get('x'),
        replay: get('replay'), counters: get('counters'), stats: get('stats'), hv: get('hv'), ev: get('ev'), v: get('v'),
        wH: get('wH'), wE: get('wE'), gradE: get('gradE'), gradH: get('gradH'),
        checkUniforms: Array.from({ length: CHECKED_COUNT }, (_, q) => get(`check${q}`)),
        lossMetrics: byKey.get('lossMetrics') ?? null,
        metricsUniform: get('metricsUniform'), metricsOut: get('metricsOut'), readback: get('readback'),
      };
      return new TrainerResources(b, owned);
    } catch (e) {
      owned.destroy();
      throw e;
    }
  }

  get bytes(): number {
    return this.owned.bytes;
  }

  destroy(): void {
    this.owned.destroy();
  }
}

/** The GPU parts of a run, each with its own buffers and kernels. */
export class TrainerParts implements GpuPart {
  private constructor(
    readonly mlpE: MlpProgram,
    readonly mlpH: MlpProgram | null,
    readonly loss: FdivLoss | null,
    readonly optE: Optimizer,
    readonly optH: Optimizer | null,
    readonly sampler: LangevinSampler,
  ) {}

  /**
   * Compiles and allocates every part concurrently (released again if any
   * fails). The sampler's energy is E's live parameter buffer `thetaE`; all
   * MLP kernels use one workgroup size (trainerMlpGroup): one set of pipelines.
   */
  static async create(gpu: Gpu, c: ValidTrainerConfig, thetaE: GPUBuffer): Promise<TrainerParts> {
    const n = c.batch + c.chains;
    const group = trainerMlpGroup(c);
    const sizeE = paramLayout(c.energy).size;
    const p = await createParts({
      mlpE: MlpProgram.create(gpu, c.energy, n, group),
      mlpH: c.variational ? MlpProgram.create(gpu, c.variational, n, group) : Promise.resolve(null),
      loss: c.mode === 'fdiv' ? FdivLoss.create(gpu, { divergence: c.divergence!, numerics: c.numerics, nData: c.batch, nModel: c.chains }) : Promise.resolve(null),
      optE: Optimizer.create(gpu, c.optimizerE, sizeE, { label: 'E optimizer' }),
      optH: c.variational
        ? Optimizer.create(gpu, c.optimizerH!, paramLayout(c.variational).size, { maximize: true, label: 'H optimizer' })
        : Promise.resolve(null),
      sampler: LangevinSampler.create(gpu, {
        sampler: c.sampler.kind, chains: c.chains, dim: c.energy.inputDim, classes: c.classes, steps: c.sampler.steps, seed: c.seed,
        energy: { kind: 'mlp', spec: c.energy, theta: thetaE },
        eta: c.sampler.kind === 'du-mordatch' ? undefined : c.sampler.eta,
        stepSize: c.sampler.stepSize, noiseStd: c.sampler.noiseStd, gradClip: c.sampler.gradClip, box: samplerBox(c), group,
      }),
    });
    return new TrainerParts(p.mlpE, p.mlpH, p.loss, p.optE, p.optH, p.sampler);
  }

  /** The parts by the memory plan's part names. */
  named(): Partial<Record<TrainerPartName, GpuPart | null>> {
    return {
      'E program': this.mlpE, 'H program': this.mlpH, loss: this.loss, 'E optimiser': this.optE, 'H optimiser': this.optH, sampler: this.sampler,
    };
  }

  get bytes(): number {
    return bytesOf(Object.values(this.named()));
  }

  destroy(): void {
    destroyAll(Object.values(this.named()));
  }
}

/**
 * Throws when a part holds other than the bytes the plan gave it: the plan
 * (checked against the device's limits before anything existed) must
 * describe what was allocated.
 */
export function checkPlannedParts(plan: TrainerMemoryPlan, parts: Partial<Record<TrainerPartName, GpuPart | null>>): void {
  const planned = plannedBytesByPart(plan);
  const names = new Set([...Object.keys(planned), ...Object.keys(parts)] as TrainerPartName[]);
  for (const name of names) {
    const have = parts[name]?.bytes ?? 0;
    const want = planned[name] ?? 0;
    if (have !== want) throw new FebmError(`memory plan: the ${name} holds ${have} bytes of GPU memory, the plan says ${want} (planTrainerMemory is out of date)`);
  }
}

/**
 * Runs `allocate` inside an out-of-memory error scope: an allocation the
 * device refuses becomes a GpuError naming the run's planned total, and
 * whatever was made is released (`made` collects it) when anything fails.
 */
export async function allocateInScope<T>(gpu: Gpu, total: number, allocate: (made: GpuPart[]) => Promise<T>): Promise<T> {
  const made: GpuPart[] = [];
  gpu.device.pushErrorScope('out-of-memory');
  let scoped = true;
  try {
    const result = await allocate(made);
    scoped = false;
    const oom = await gpu.device.popErrorScope();
    if (oom) throw new GpuError('out-of-memory', `the device could not allocate the run's ${total} bytes of GPU memory (${oom.message}); make the run smaller`);
    return result;
  } catch (e) {
    if (scoped) await gpu.device.popErrorScope().catch(() => null);
    destroyAll(made);
    throw e;
  }
}

/** The uniforms the trainer's kernels read (layouts reflected from the kernels that bind them). */
export interface TrainerUniformLayouts {
  /** trainer_common.wgsl's TrnParams (binding trn). */
  trn: StructLayout;
  /** trainer_check.wgsl's TrnCheck (binding trn_q). */
  check: StructLayout;
  /** trainer_metrics.wgsl's TrnMetricsParams (binding tm). */
  metrics: StructLayout;
}

/**
 * Writes the buffers' first contents: both networks' parameters, the data
 * set, the trainer's uniform, one check uniform per checked quantity
 * (`checked`: element counts, CHECKED_QUANTITIES order) and the metrics
 * uniform. Everything else starts at zero.
 */
export function writeInitialContents(
  gpu: Gpu,
  c: ValidTrainerConfig,
  b: TrainerBuffers,
  layouts: TrainerUniformLayouts,
  init: { paramsE: Float32Array; paramsH: Float32Array | null; data: Float32Array; rows: number; loss: FdivLoss | null; checked: readonly number[] },
): void {
  gpu.write(b.thetaE, init.paramsE);
  if (init.paramsH) gpu.write(b.thetaH, init.paramsH);
  gpu.write(b.dataset, init.data);
  // The loss metrics' word indices, from reflection (zeros in CD mode: nothing reads them).
  const m = init.loss?.metricsLayout.members;
  const [seedLo, seedHi] = seedKey(c.seed);
  const box = c.replay.initBox!;
  gpu.write(b.uniform, packStruct(layouts.trn, {
    dim: c.energy.inputDim, n_set: init.rows, batch: c.batch, chains: c.chains, capacity: c.replay.capacity, seed_lo: seedLo, seed_hi: seedHi,
    mode: TRAINER_MODE[c.mode], reuse: c.replay.reuse, box_lo: box[0], box_hi: box[1], l2: c.l2, warmup: c.warmup,
    objective_index: m ? m.objective.offset / 4 : 0, mean_g_index: m ? m.mean_g.offset / 4 : 0, mean_c_index: m ? m.mean_c.offset / 4 : 0,
    classes: c.classes, labels: TRAINER_LABELS[c.replay.labels],
  }));
  init.checked.forEach((count, q) => gpu.write(b.checkUniforms[q], packStruct(layouts.check, { count, bit: 1 << q })));
  gpu.write(b.metricsUniform, packStruct(layouts.metrics, {
    count_e: paramLayout(c.energy).size, count_h: c.variational ? paramLayout(c.variational).size : 0, chains: c.chains,
    mala: c.sampler.kind === 'mala' ? 1 : 0,
  }));
}

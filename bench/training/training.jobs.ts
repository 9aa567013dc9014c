// Page side of the training workloads (bench/WORKLOADS.md, T1 and T2): one
// f-EBM training iteration. Ours: the Trainer (src/trainer/trainer.ts), whole
// iterations recorded into one submit, no readback inside a block except the
// trainer's NaN/inf check at its end. Peers (bench/training/peers.ts, loaded
// on demand): TensorFlow.js (webgpu, wasm) and jax-js (webgpu).
//
// Protocol per implementation (job `cell`):
//   1. Check (untimed): one training step at a small size (the workload's
//      networks, B = N = checkBatch) from given parameters, data batch and
//      negatives, against the float64 reference (bench/training/check.ts). An
//      implementation that fails is not timed (the job throws).
//   2. Set up the workload's size; one untimed warm-up iteration (ours: a
//      whole one; peers: with one Langevin step, which compiles every kernel
//      the K steps use, without paying for K).
//   3. Timed blocks of `blockIterations` iterations, each ending when the
//      last iteration is done on the device. With no budget (ours): exactly
//      `blocks` blocks. With a budget (peers): one timed iteration first; if
//      blocks x blockIterations iterations at that speed would exceed the
//      budget, blocks shrink to what fits (at least one iteration; the probe
//      is then the first block), and blocks stop once the budget is spent
//      (at least one block). The result says how many blocks of how many
//      iterations the median rests on.
//   4. Ours, optionally: each stage of the iteration (draw, sampling, H step,
//      E step, checks) timed alone, so that the cost can be traced.

import type { JobContext } from '../../harness/job';
import {
  generateToy, initParams, packParams, paramLayout, seededNormal, seededUniform, singleUpdate, Trainer, TRAINER_STAGES, unpackParams,
  type AdapterDescription, type Gpu, type MlpVariant, type TrainerStage,
} from '../../src/index';
import { checkTrainingUpdate, trainingReference, type PackedUpdate, type TrainingCheckResult } from './check';
import type { TrainingPeer } from './peers';
import { TRAINING, trainingSpec, trainingTrainerConfig, type TrainingImpl, type TrainingSize, type TrainingWorkload } from './spec';
import { backendName, median } from '../timing';
import { T1 } from '../t1/t1-spec';
import { T2 } from '../t2/t2-spec';

/** The workloads by name. */
export const TRAINING_WORKLOADS: Record<TrainingWorkload['name'], TrainingWorkload> = { T1, T2 };

export interface TrainingJobConfig {
  workload: TrainingWorkload['name'];
  impl: TrainingImpl;
  /** Default: the workload's. */
  size?: TrainingSize;
  /** B = N of the correctness check (default 64). */
  checkBatch?: number;
  /** Timed blocks wanted (default 5). */
  blocks?: number;
  /** Iterations per block wanted (default 10). */
  blockIterations?: number;
  /** Seconds of timed work allowed (default: none; the full protocol). */
  budgetSeconds?: number;
  /** Ours: also time each stage of the iteration alone (default false). */
  stages?: boolean;
  seed?: number;
  /** Peers, for tests only: leave the covariance term out of the E step (the check must then fail). */
  omitCovariance?: boolean;
  /** Ours only: the MLP kernels' variant on a device of its own (default: the page's device and the variant chosen for its adapter). */
  variant?: MlpVariant;
}

export interface TrainingJobResult {
  workload: TrainingWorkload['name'];
  impl: TrainingImpl;
  size: TrainingSize;
  check: TrainingCheckResult & { batch: number };
  /** Seconds of each timed block. */
  seconds: number[];
  blockIterations: number;
  /** Median block over its iterations. */
  secondsPerIteration: number;
  iterationsPerSecond: number;
  warmupSeconds: number;
  /** 'full': the blocks and iterations asked for; 'budget': fewer, to fit the time budget. */
  protocol: 'full' | 'budget';
  /** Ours: seconds of one execution of each stage, timed alone (median of 3). */
  stageSeconds?: Record<TrainerStage, number>;
  adapter: AdapterDescription | null;
  /** Where the implementation ran, in words. */
  backend: string;
  /** Ours only: the MLP kernels' variant the trainer ran. */
  variant?: MlpVariant;
}



async function createPeer(
  w: TrainingWorkload, impl: Exclude<TrainingImpl, 'febm-gpu'>, size: TrainingSize, paramsE: ArrayLike<number>, paramsH: ArrayLike<number>, seed: number, omitCovariance = false,
): Promise<TrainingPeer> {
  const peers = await import('./peers');
  const layout = paramLayout(trainingSpec(w, size.width));
  const model = { layersE: unpackParams(layout, paramsE), layersH: unpackParams(layout, paramsH), size, update: w.update, omitCovariance };
  return impl === 'jax-js-webgpu' ? peers.jaxTraining(model, seed) : peers.tfjsTraining(impl === 'tfjs-webgpu' ? 'webgpu' : 'wasm', model);
}

/** One training step of an implementation from the given parameters, batch and negatives (packed results). */
async function updateOnce(
  gpu: Gpu | null, w: TrainingWorkload, impl: TrainingImpl, size: TrainingSize, input: { paramsE: Float32Array; paramsH: Float32Array; data: Float32Array; samples: Float32Array }, omitCovariance = false,
): Promise<PackedUpdate> {
  if (impl === 'febm-gpu') {
    const r = await singleUpdate(gpu!, trainingTrainerConfig(w, size), input);
    return { hObjective: r.hObjective, eObjective: r.eObjective, gradH: r.gradH!, gradE: r.gradE, paramsH: r.paramsH!, paramsE: r.paramsE };
  }
  const peer = await createPeer(w, impl, size, input.paramsE, input.paramsH, 1, omitCovariance);
  try {
    const r = await peer.update(input.data, input.samples);
    const layout = paramLayout(trainingSpec(w, size.width));
    return {
      hObjective: r.hObjective, eObjective: r.eObjective,
      gradH: packParams(layout, r.gradH), gradE: packParams(layout, r.gradE),
      paramsH: packParams(layout, r.paramsH), paramsE: packParams(layout, r.paramsE),
    };
  } finally {
    peer.dispose();
  }
}

/** The workload's data set: `rows` rows of the 8 Gaussians, or uniform in [0, 1]^d. */
export function trainingData(w: TrainingWorkload, rows: number, seed: number): Float32Array {
  if (w.data === '8gaussians') return generateToy('8gaussians', rows, seed);
  const u = seededUniform(seed);
  return Float32Array.from({ length: rows * w.inputDim }, () => u());
}

/** The check's inputs: seeded parameters of the workload's networks, a data batch, negatives (N(0, 1.5^2) or uniform in the start box). */
export function checkInputs(w: TrainingWorkload, width: number, batch: number, seed: number) {
  const layout = paramLayout(trainingSpec(w, width));
  const z = w.checkSamples === 'normal' ? seededNormal(seed + 2) : seededUniform(seed + 2);
  const scale = w.checkSamples === 'normal' ? 1.5 : 1;
  return {
    paramsE: initParams(layout, seed),
    paramsH: initParams(layout, seed + 1),
    data: trainingData(w, batch, seed),
    samples: Float32Array.from({ length: w.inputDim * batch }, () => scale * z()),
  };
}

/** Initial chains: uniform over the workload's box, as our trainer's fresh starts. */
function initialChains(w: TrainingWorkload, n: number, seed: number): Float32Array {
  const u = seededUniform(seed);
  const [lo, hi] = w.startBox;
  return Float32Array.from({ length: w.inputDim * n }, () => lo + (hi - lo) * u());
}

/** Runs a training workload for one implementation (see the protocol above). */
export async function cell(ctx: JobContext, config: TrainingJobConfig): Promise<TrainingJobResult> {
  const { impl } = config;
  const w = TRAINING_WORKLOADS[config.workload];
  if (!w) throw new Error(`unknown workload ${JSON.stringify(config.workload)} (one of ${Object.keys(TRAINING_WORKLOADS).join(', ')})`);
  const label = `${w.name} ${impl}`;
  // Ours: the page's device, or one of its own with the variant asked for.
  const ownDevice = impl === 'febm-gpu' && config.variant !== undefined;
  const gpu = impl !== 'febm-gpu' ? null : ownDevice ? await ctx.freshGpu({ mlpVariant: config.variant }) : await ctx.gpu();
  try {
    return await runCell(ctx, config, w, gpu, label);
  } finally {
    if (ownDevice) gpu!.destroy();
  }
}

async function runCell(ctx: JobContext, config: TrainingJobConfig, w: TrainingWorkload, gpu: Gpu | null, label: string): Promise<TrainingJobResult> {
  const { impl } = config;
  const size = config.size ?? w.size;
  const checkBatch = config.checkBatch ?? 64;
  const blocksWanted = config.blocks ?? TRAINING.blocks;
  const itersWanted = config.blockIterations ?? TRAINING.blockIterations;
  const budget = config.budgetSeconds ?? Infinity;
  const seed = config.seed ?? 1;

  // 1. Check.
  ctx.progress(`${label}: checking one update (B = N = ${checkBatch}) against float64`);
  const input = checkInputs(w, size.width, checkBatch, seed);
  const got = await updateOnce(gpu, w, impl, { ...size, batch: checkBatch, chains: checkBatch }, input, config.omitCovariance);
  const check = { ...checkTrainingUpdate(got, trainingReference(w, size, input), input), batch: checkBatch };
  ctx.progress(`${label}: check ${check.ok ? 'passed' : 'FAILED'}: ${Object.entries(check.errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
  if (!check.ok) throw new Error(`${label}: the update differs from the float64 reference: ${check.failure}`);

  // 2. Set up the workload and warm up.
  const dataset = trainingData(w, w.dataRows, w.dataSeed);
  const layout = paramLayout(trainingSpec(w, size.width));
  const paramsE = initParams(layout, seed + 10);
  const paramsH = initParams(layout, seed + 11);
  let iterate: (count: number) => Promise<void>;
  let warmup: () => Promise<void>;
  let finish: () => void;
  let stageTimer: (() => Promise<Record<TrainerStage, number>>) | null = null;
  let adapter: AdapterDescription | null = null;
  let backend: string;
  ctx.progress(`${label}: setting up B = ${size.batch}, N = ${size.chains}, K = ${size.steps}, width ${size.width}`);
  if (gpu) {
    adapter = gpu.adapter;
    backend = backendName(adapter);
    const trainer = await Trainer.create(gpu, trainingTrainerConfig(w, size, seed), dataset, { paramsE, paramsH });
    iterate = async (count) => {
      await trainer.run(count);
    };
    warmup = () => iterate(1);
    finish = () => trainer.destroy();
    stageTimer = async () => {
      const passes = trainer.stagePasses();
      const out = {} as Record<TrainerStage, number>;
      for (const stage of TRAINER_STAGES) {
        const times: number[] = [];
        for (let r = 0; r < 3; r++) {
          const t0 = performance.now();
          const encoder = gpu.device.createCommandEncoder();
          const pass = encoder.beginComputePass();
          passes[stage](pass);
          pass.end();
          gpu.device.queue.submit([encoder.finish()]);
          await gpu.sync();
          times.push((performance.now() - t0) / 1000);
        }
        out[stage] = median(times);
        ctx.progress(`${label}: stage ${stage} ${out[stage].toFixed(3)} s`);
      }
      return out;
    };
  } else {
    if (impl === 'febm-gpu') throw new Error('febm-gpu runs on a device');
    const peer = await createPeer(w, impl, size, paramsE, paramsH, seed);
    peer.setData(dataset, initialChains(w, size.chains, seed + 12));
    iterate = (count) => peer.iterate(count);
    warmup = () => peer.iterate(1, 1);
    finish = () => peer.dispose();
    if (impl === 'tfjs-wasm') backend = 'wasm (CPU)';
    else {
      adapter = (await ctx.gpu()).adapter;
      backend = backendName(adapter);
    }
  }

  try {
    let t0 = performance.now();
    await warmup();
    const warmupSeconds = (performance.now() - t0) / 1000;
    ctx.progress(`${label}: warm-up ${warmupSeconds.toFixed(2)} s`);

    // 3. Timed blocks.
    const timeBlock = async (count: number) => {
      t0 = performance.now();
      await iterate(count);
      return (performance.now() - t0) / 1000;
    };
    const seconds: number[] = [];
    let blockIterations = itersWanted;
    let protocol: TrainingJobResult['protocol'] = 'full';
    if (Number.isFinite(budget)) {
      const probe = await timeBlock(1);
      ctx.progress(`${label}: one iteration ${probe.toFixed(2)} s`);
      if (blocksWanted * itersWanted * probe > budget) {
        protocol = 'budget';
        blockIterations = Math.max(1, Math.min(itersWanted, Math.floor(budget / (blocksWanted * probe))));
        if (blockIterations === 1) seconds.push(probe);
      }
    }
    let spent = seconds.reduce((s, x) => s + x, 0);
    while (seconds.length < blocksWanted && (seconds.length === 0 || spent < budget)) {
      const s = await timeBlock(blockIterations);
      seconds.push(s);
      spent += s;
      ctx.progress(`${label}: block ${seconds.length}/${blocksWanted} of ${blockIterations}: ${s.toFixed(2)} s (${(blockIterations / s).toFixed(3)} it/s)`);
    }
    if (seconds.length < blocksWanted) protocol = 'budget';

    // 4. Stages (ours).
    const stageSeconds = config.stages && stageTimer ? await stageTimer() : undefined;
    const perIteration = median(seconds) / blockIterations;
    return {
      workload: w.name, impl, size, check, seconds, blockIterations, secondsPerIteration: perIteration, iterationsPerSecond: 1 / perIteration,
      warmupSeconds, protocol, ...(stageSeconds ? { stageSeconds } : {}), adapter, backend, ...(gpu ? { variant: gpu.mlpVariant } : {}),
    };
  } finally {
    finish();
  }
}

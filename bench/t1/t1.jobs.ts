// Page side of T1 (bench/WORKLOADS.md): one f-EBM training iteration. Ours:
// the Trainer (src/trainer/trainer.ts), whole iterations recorded into one submit, no
// readback inside a block except the trainer's NaN/inf check at its end.
// Peers (bench/t1/t1-peers.ts, loaded on demand): TensorFlow.js (webgpu, wasm)
// and jax-js (webgpu).
//
// Protocol per implementation (job `cell`):
//   1. Check (untimed): one training step at a small size (the workload's
//      networks, B = N = checkBatch) from given parameters, data batch and
//      negatives, against the float64 reference (bench/t1/t1-check.ts). An
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
  type AdapterDescription, type TrainerStage,
} from '../../src/index';
import { checkT1Update, t1Reference, type PackedUpdate, type T1CheckResult } from './t1-check';
import type { T1Peer } from './t1-peers';
import { T1, T1_SIZE, t1Spec, t1TrainerConfig, type T1Impl, type T1Size } from './t1-spec';
import { backendName, median } from '../timing';

export interface T1JobConfig {
  impl: T1Impl;
  /** Default: the workload's (T1_SIZE). */
  size?: T1Size;
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
}

export interface T1JobResult {
  impl: T1Impl;
  size: T1Size;
  check: T1CheckResult & { batch: number };
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
}



async function createPeer(
  impl: Exclude<T1Impl, 'febm-gpu'>, size: T1Size, paramsE: ArrayLike<number>, paramsH: ArrayLike<number>, seed: number, omitCovariance = false,
): Promise<T1Peer> {
  const peers = await import('./t1-peers');
  const layout = paramLayout(t1Spec(size.width));
  const model = { layersE: unpackParams(layout, paramsE), layersH: unpackParams(layout, paramsH), size, omitCovariance };
  return impl === 'jax-js-webgpu' ? peers.jaxT1(model, seed) : peers.tfjsT1(impl === 'tfjs-webgpu' ? 'webgpu' : 'wasm', model);
}

/** One training step of an implementation from the given parameters, batch and negatives (packed results). */
async function updateOnce(
  ctx: JobContext, impl: T1Impl, size: T1Size, input: { paramsE: Float32Array; paramsH: Float32Array; data: Float32Array; samples: Float32Array }, omitCovariance = false,
): Promise<PackedUpdate> {
  if (impl === 'febm-gpu') {
    const r = await singleUpdate(await ctx.gpu(), t1TrainerConfig(size), input);
    return { hObjective: r.hObjective, eObjective: r.eObjective, gradH: r.gradH!, gradE: r.gradE, paramsH: r.paramsH!, paramsE: r.paramsE };
  }
  const peer = await createPeer(impl, size, input.paramsE, input.paramsH, 1, omitCovariance);
  try {
    const r = await peer.update(input.data, input.samples);
    const layout = paramLayout(t1Spec(size.width));
    return {
      hObjective: r.hObjective, eObjective: r.eObjective,
      gradH: packParams(layout, r.gradH), gradE: packParams(layout, r.gradE),
      paramsH: packParams(layout, r.paramsH), paramsE: packParams(layout, r.paramsE),
    };
  } finally {
    peer.dispose();
  }
}

/** The check's inputs: seeded parameters of the workload's networks, an 8-Gaussians batch, negatives from N(0, 1.5^2). */
export function checkInputs(width: number, batch: number, seed: number) {
  const layout = paramLayout(t1Spec(width));
  const z = seededNormal(seed + 2);
  return {
    paramsE: initParams(layout, seed),
    paramsH: initParams(layout, seed + 1),
    data: generateToy('8gaussians', batch, seed),
    samples: Float32Array.from({ length: 2 * batch }, () => 1.5 * z()),
  };
}

/** Initial chains: uniform over the data's box, as our trainer's fresh starts. */
function initialChains(n: number, seed: number): Float32Array {
  const u = seededUniform(seed);
  return Float32Array.from({ length: 2 * n }, () => -2.3 + 4.6 * u());
}

/** Runs T1 for one implementation (see the protocol above). */
export async function cell(ctx: JobContext, config: T1JobConfig): Promise<T1JobResult> {
  const { impl } = config;
  const size = config.size ?? T1_SIZE;
  const checkBatch = config.checkBatch ?? 64;
  const blocksWanted = config.blocks ?? T1.blocks;
  const itersWanted = config.blockIterations ?? T1.blockIterations;
  const budget = config.budgetSeconds ?? Infinity;
  const seed = config.seed ?? 1;
  const label = `T1 ${impl}`;

  // 1. Check.
  ctx.progress(`${label}: checking one update (B = N = ${checkBatch}) against float64`);
  const input = checkInputs(size.width, checkBatch, seed);
  const got = await updateOnce(ctx, impl, { ...size, batch: checkBatch, chains: checkBatch }, input, config.omitCovariance);
  const check = { ...checkT1Update(got, t1Reference(size, input), input), batch: checkBatch };
  ctx.progress(`${label}: check ${check.ok ? 'passed' : 'FAILED'}: ${Object.entries(check.errors).map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`);
  if (!check.ok) throw new Error(`${label}: the update differs from the float64 reference: ${check.failure}`);

  // 2. Set up the workload and warm up.
  const dataset = generateToy('8gaussians', T1.dataRows, T1.dataSeed);
  const layout = paramLayout(t1Spec(size.width));
  const paramsE = initParams(layout, seed + 10);
  const paramsH = initParams(layout, seed + 11);
  let iterate: (count: number) => Promise<void>;
  let warmup: () => Promise<void>;
  let finish: () => void;
  let stageTimer: (() => Promise<Record<TrainerStage, number>>) | null = null;
  let adapter: AdapterDescription | null = null;
  let backend: string;
  ctx.progress(`${label}: setting up B = ${size.batch}, N = ${size.chains}, K = ${size.steps}, width ${size.width}`);
  if (impl === 'febm-gpu') {
    const gpu = await ctx.gpu();
    adapter = gpu.adapter;
    backend = backendName(adapter);
    const trainer = await Trainer.create(gpu, t1TrainerConfig(size, seed), dataset, { paramsE, paramsH });
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
    const peer = await createPeer(impl, size, paramsE, paramsH, seed);
    peer.setData(dataset, initialChains(size.chains, seed + 12));
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
    let protocol: T1JobResult['protocol'] = 'full';
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
      impl, size, check, seconds, blockIterations, secondsPerIteration: perIteration, iterationsPerSecond: 1 / perIteration,
      warmupSeconds, protocol, ...(stageSeconds ? { stageSeconds } : {}), adapter, backend,
    };
  } finally {
    finish();
  }
}

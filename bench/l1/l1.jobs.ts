// Page side of L1 (bench/WORKLOADS.md): Langevin sampling throughput. Energy
// MLP [2, w, w, 1] with SiLU, N chains from N(0, I), K = 60 ULA steps with
// eta = 0.01; one timed run is K steps of every chain followed by the readback
// of the N x 2 samples. Ours: the fused sampler (src/sampler/sampler.ts), one dispatch
// per run. Peers (bench/l1/l1-peers.ts, loaded on demand): TensorFlow.js (webgpu,
// wasm) and jax-js (webgpu), each checked for a correct input gradient against
// the float64 reference before it is timed.
//
// Protocol per (impl, N, width): build and check (untimed), one warm-up run
// (untimed: compiles, allocates), then timed runs until `runs` are done or
// `budgetSeconds` of timed runs are spent, at least one. The figure is the
// median; the result says how many runs it rests on. The chains carry on from
// run to run (persistent chains, as in training).

import type { JobContext } from '../../harness/job';
import {
  initParams, LangevinSampler, paramLayout, seededNormal, unpackParams, type AdapterDescription, type MlpSpec,
} from '../../src/index';
import { gaussianEnergy64, mlpBackwardInput64, mlpEnergy64, referenceChain, relativeError } from '../../src/kernels';
import { backendName, median } from '../timing';

export const L1_IMPLS = ['febm-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'jax-js-webgpu'] as const;
export type L1Impl = (typeof L1_IMPLS)[number];

export interface L1JobConfig {
  impl: L1Impl;
  n: number;
  width: number;
  /** K (default 60). */
  steps?: number;
  /** eta (default 0.01). */
  eta?: number;
  /** Timed runs wanted (default 5). */
  runs?: number;
  /** Timed runs stop once this many seconds are spent (default: no limit). */
  budgetSeconds?: number;
  seed?: number;
  /** Ours only: false runs on a device without the subgroups feature (plain weight loads); default: the page's device. */
  subgroups?: boolean;
}

export interface L1JobResult {
  impl: L1Impl;
  n: number;
  width: number;
  steps: number;
  /** Seconds of each timed run. */
  seconds: number[];
  median: number;
  runs: number;
  /** Seconds of the untimed warm-up run (compiles, allocations). */
  warmupSeconds: number;
  chainStepsPerSecond: number;
  /** Correctness check before timing: max |g - g_ref| / max |g_ref| of the input gradient (ours: of one ULA step's drift). */
  check: { what: string; relError: number };
  adapter: AdapterDescription | null;
  /** Where the implementation ran, in words (adapter for WebGPU, "wasm" for the wasm backend). */
  backend: string;
  /** Readback sanity: every sample finite after the timed runs. */
  finite: boolean;
  /** Ours only: whether the kernels shared weight loads across subgroups. */
  subgroups?: boolean;
}

/** Largest relative error allowed in the correctness check (float32 arithmetic over width-512 sums). */
export const L1_CHECK_TOLERANCE = 1e-3;



async function timed(
  ctx: JobContext,
  label: string,
  once: () => Promise<void>,
  runs: number,
  budgetSeconds: number,
): Promise<{ seconds: number[]; warmupSeconds: number }> {
  let t0 = performance.now();
  await once();
  const warmupSeconds = (performance.now() - t0) / 1000;
  ctx.progress(`${label}: warm-up ${warmupSeconds.toFixed(2)} s`);
  const seconds: number[] = [];
  let spent = 0;
  while (seconds.length < runs && (seconds.length === 0 || spent < budgetSeconds)) {
    t0 = performance.now();
    await once();
    const s = (performance.now() - t0) / 1000;
    seconds.push(s);
    spent += s;
    ctx.progress(`${label}: run ${seconds.length}/${runs} ${s.toFixed(3)} s`);
  }
  return { seconds, warmupSeconds };
}


/** Runs one L1 cell for one implementation. */
export async function cell(ctx: JobContext, config: L1JobConfig): Promise<L1JobResult> {
  const { impl, n, width } = config;
  const steps = config.steps ?? 60;
  const eta = config.eta ?? 0.01;
  const runs = config.runs ?? 5;
  const budget = config.budgetSeconds ?? Infinity;
  const seed = config.seed ?? 1;
  const spec: MlpSpec = { inputDim: 2, hidden: [width, width], activation: 'silu' };
  const layout = paramLayout(spec);
  const theta = initParams(layout, seed);
  const normal = seededNormal(seed + 1);
  const x0 = new Float32Array(2 * n).map(() => normal());
  const label = `L1 ${impl} N=${n} w=${width}`;
  const result = (r: { seconds: number[]; warmupSeconds: number }, check: L1JobResult['check'], adapter: AdapterDescription | null, backend: string, last: Float32Array): L1JobResult => {
    const med = median(r.seconds);
    return {
      impl, n, width, steps, seconds: r.seconds, median: med, runs: r.seconds.length, warmupSeconds: r.warmupSeconds,
      chainStepsPerSecond: (n * steps) / med, check, adapter, backend, finite: last.every(Number.isFinite),
    };
  };

  if (impl === 'febm-gpu') {
    const gpu = config.subgroups === false ? await ctx.freshGpu({ subgroups: false }) : await ctx.gpu();
    ctx.progress(`${label}: compiling${gpu.subgroups ? '' : ' (no subgroups)'}`);
    const sampler = await LangevinSampler.create(gpu, {
      sampler: 'ula', chains: n, dim: 2, steps, seed, eta, energy: { kind: 'mlp', spec, theta }, initialState: x0,
    });
    const staging = gpu.device.createBuffer({ label: 'L1 staging', size: 8 * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      // Check: one ULA step of the first 16 chains against the float64 reference (its drift is -(eta/2) grad E).
      sampler.run(1);
      const one = await sampler.readSamples();
      const e64 = mlpEnergy64(layout, theta);
      const m = Math.min(16, n);
      const drift: number[] = [];
      const refDrift: number[] = [];
      for (let c = 0; c < m; c++) {
        const start = x0.slice(2 * c, 2 * c + 2);
        const ref = referenceChain({ sampler: 'ula', seed, steps: 1, eta }, e64, c, start);
        // Compare x1 - x0 (what the gradient moved), not x1, so the check sees the gradient's error.
        const noiseFree = referenceChain({ sampler: 'ula', seed, steps: 1, eta }, gaussianEnergy64([0, 0], [[0, 0], [0, 0]]), c, start);
        for (let k = 0; k < 2; k++) {
          drift.push(one[2 * c + k] - noiseFree.x[k]);
          refDrift.push(ref.x[k] - noiseFree.x[k]);
        }
      }
      const check = { what: 'drift of one ULA step, 16 chains', relError: relativeError(drift, refDrift, 1e-12) };
      if (!(check.relError < 50 * L1_CHECK_TOLERANCE)) throw new Error(`${label}: ULA step differs from the reference by ${check.relError}`);
      sampler.setState(x0);
      sampler.run(steps); // restores K in the uniform (also the first warm-up)
      const pass = sampler.pass();
      const once = async () => {
        const encoder = gpu.device.createCommandEncoder();
        const cp = encoder.beginComputePass();
        pass(cp);
        cp.end();
        encoder.copyBufferToBuffer(sampler.state, 0, staging, 0, 8 * n);
        gpu.device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        staging.unmap();
      };
      const r = await timed(ctx, label, once, runs, budget);
      gpu.check();
      return { ...result(r, check, gpu.adapter, backendName(gpu.adapter), await sampler.readSamples()), subgroups: gpu.subgroups };
    } finally {
      staging.destroy();
      sampler.destroy();
      if (config.subgroups === false) gpu.destroy();
    }
  }

  // Peers.
  const peers = await import('./l1-peers');
  const model = { layers: unpackParams(layout, theta), eta, steps };
  ctx.progress(`${label}: initialising`);
  const peer = impl === 'jax-js-webgpu' ? await peers.jaxSampler(model, seed) : await peers.tfjsSampler(impl === 'tfjs-webgpu' ? 'webgpu' : 'wasm', model);
  try {
    const m = Math.min(64, n);
    const pts = x0.slice(0, 2 * m);
    const g = await peer.gradient(pts, m);
    const check = { what: 'input gradient at 64 points', relError: relativeError(g, mlpBackwardInput64(layout, theta, pts, m), 1e-12) };
    ctx.progress(`${label}: gradient check ${check.relError.toExponential(2)}`);
    if (!(check.relError < L1_CHECK_TOLERANCE)) throw new Error(`${label}: input gradient differs from the float64 reference by ${check.relError}`);
    peer.setState(x0, n);
    let last: Float32Array = new Float32Array(0);
    const r = await timed(ctx, label, async () => { last = await peer.runAndRead(); }, runs, budget);
    let adapter: AdapterDescription | null = null;
    if (impl !== 'tfjs-wasm') adapter = (await ctx.gpu()).adapter;
    return result(r, check, adapter, adapter ? backendName(adapter) : 'wasm (CPU)', last);
  } finally {
    peer.dispose();
  }
}

/** Loads the peers' packages (see preloadAll); run in a throwaway page before measuring peers. */
export async function preload(): Promise<{ ok: true }> {
  const peers = await import('./l1-peers');
  await peers.preloadAll();
  return { ok: true };
}

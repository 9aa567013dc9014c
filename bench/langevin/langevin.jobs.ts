// Page side of the Langevin workloads (bench/WORKLOADS.md, L1 and L2):
// sampling throughput. Energy MLP [d, w, w, 1] with SiLU; one timed run is K
// steps of every chain (the workload's update rule, bench/langevin/spec.ts)
// followed by the readback of the N x d samples. Ours: the fused sampler
// (src/sampler/sampler.ts). Peers (bench/langevin/peers.ts, loaded on
// demand): TensorFlow.js (webgpu, wasm) and jax-js (webgpu), each checked for
// a correct input gradient against the float64 reference before it is timed;
// ours is checked on one step of the sampler itself.
//
// Protocol per (impl, N, width): build and check (untimed), one warm-up run
// (untimed: compiles, allocates), then timed runs until `runs` are done or
// `budgetSeconds` of timed runs are spent, at least one. The figure is the
// median; the result says how many runs it rests on. The chains carry on from
// run to run (persistent chains, as in training).

import type { JobContext } from '../../harness/job';
import {
  initParams, LangevinSampler, paramLayout, seededNormal, seededUniform, unpackParams, type AdapterDescription, type SamplerConfig,
} from '../../src/index';
import { mlpBackwardInput64, mlpEnergy64, referenceChain, relativeError, type Energy64, type ReferenceSamplerConfig } from '../../src/kernels';
import type { MlpVariant } from '../../src/index';
import { backendName, median } from '../timing';
import { L1 } from '../l1/l1-spec';
import { L2 } from '../l2/l2-spec';
import { langevinSpec, type LangevinUpdate, type LangevinWorkload } from './spec';

export const LANGEVIN_IMPLS = ['febm-gpu', 'tfjs-webgpu', 'tfjs-wasm', 'jax-js-webgpu'] as const;
export type LangevinImpl = (typeof LANGEVIN_IMPLS)[number];

/** The workloads by name. */
export const LANGEVIN_WORKLOADS: Record<LangevinWorkload['name'], LangevinWorkload> = { L1, L2 };

export interface LangevinJobConfig {
  workload: LangevinWorkload['name'];
  impl: LangevinImpl;
  n: number;
  width: number;
  /** K (default: the workload's). */
  steps?: number;
  /** Timed runs wanted (default 5). */
  runs?: number;
  /** Timed runs stop once this many seconds are spent (default: no limit). */
  budgetSeconds?: number;
  seed?: number;
  /** Ours only: false runs on a device without the subgroups feature (plain weight loads); default: the page's device. */
  subgroups?: boolean;
  /** Ours only: the MLP kernels' variant on a device of its own (default: the page's device and the variant chosen for its adapter). */
  variant?: MlpVariant;
}

export interface LangevinJobResult {
  workload: LangevinWorkload['name'];
  impl: LangevinImpl;
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
  /** Correctness check before timing: max |g - g_ref| / max |g_ref| of the input gradient (ours: of one step's gradient move). */
  check: { what: string; relError: number };
  adapter: AdapterDescription | null;
  /** Where the implementation ran, in words (adapter for WebGPU, "wasm" for the wasm backend). */
  backend: string;
  /** Readback sanity: every sample finite (and, with a box, inside it) after the timed runs. */
  finite: boolean;
  /** Ours only: whether the kernels shared weight loads across subgroups. */
  subgroups?: boolean;
  /** Ours only: the MLP kernels' variant the sampler ran. */
  variant?: MlpVariant;
}

/** Largest relative error allowed in the correctness check (float32 arithmetic over sums of up to 1,024 terms). */
export const LANGEVIN_CHECK_TOLERANCE = 1e-3;

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

/** The sampler settings of an update rule (src/sampler/sampler.ts and its float64 reference take the same names). */
function samplerSettings(u: LangevinUpdate): Pick<SamplerConfig, 'sampler' | 'eta' | 'noiseStd' | 'gradClip' | 'stepSize' | 'box'> {
  return u.kind === 'ula'
    ? { sampler: 'ula', eta: u.eta }
    : { sampler: 'du-mordatch', noiseStd: u.noiseStd, gradClip: u.gradClip, stepSize: u.stepSize, box: u.box };
}

/** E = 0: one reference step of it is the step's noise alone. */
const zeroEnergy = (dim: number): Energy64 => ({ dim, at: () => ({ e: 0, grad: new Float64Array(dim) }) });

/** Chains where the workload starts them: N(0, I) or uniform in [0, 1]^d. */
function startChains(w: LangevinWorkload, n: number, seed: number): Float32Array {
  const draw = w.start === 'normal' ? seededNormal(seed) : seededUniform(seed);
  return Float32Array.from({ length: w.inputDim * n }, () => draw());
}

/** Runs one cell of a Langevin workload for one implementation. */
export async function cell(ctx: JobContext, config: LangevinJobConfig): Promise<LangevinJobResult> {
  const { impl, n, width } = config;
  const w = LANGEVIN_WORKLOADS[config.workload];
  if (!w) throw new Error(`unknown workload ${JSON.stringify(config.workload)} (one of ${Object.keys(LANGEVIN_WORKLOADS).join(', ')})`);
  const d = w.inputDim;
  const steps = config.steps ?? w.steps;
  const runs = config.runs ?? 5;
  const budget = config.budgetSeconds ?? Infinity;
  const seed = config.seed ?? 1;
  const spec = langevinSpec(w, width);
  const layout = paramLayout(spec);
  const theta = initParams(layout, seed);
  const x0 = startChains(w, n, seed + 1);
  const box = w.update.kind === 'du-mordatch' ? w.update.box : null;
  const label = `${w.name} ${impl} N=${n} w=${width}`;
  const result = (r: { seconds: number[]; warmupSeconds: number }, check: LangevinJobResult['check'], adapter: AdapterDescription | null, backend: string, last: Float32Array): LangevinJobResult => {
    const med = median(r.seconds);
    return {
      workload: w.name, impl, n, width, steps, seconds: r.seconds, median: med, runs: r.seconds.length, warmupSeconds: r.warmupSeconds,
      chainStepsPerSecond: (n * steps) / med, check, adapter, backend,
      finite: last.every((v) => Number.isFinite(v) && (!box || (v >= box[0] && v <= box[1]))),
    };
  };

  if (impl === 'febm-gpu') {
    const own = config.subgroups === false || config.variant !== undefined;
    const gpu = own ? await ctx.freshGpu({ subgroups: config.subgroups, mlpVariant: config.variant }) : await ctx.gpu();
    ctx.progress(`${label}: compiling the ${gpu.mlpVariant} kernels${gpu.subgroups ? '' : ' (no subgroups)'}`);
    const settings = samplerSettings(w.update);
    const base = { chains: n, dim: d, steps, seed, energy: { kind: 'mlp' as const, spec, theta }, initialState: x0 };
    // Check: one step of the first 16 chains against the float64 reference,
    // without the gradient clip and the box (which would hide the gradient);
    // compared as the move the gradient made (the step less its noise).
    const m = Math.min(16, n);
    const checkSettings = { ...settings, ...(settings.sampler === 'du-mordatch' ? { gradClip: null, box: null } : {}) };
    const checker = await LangevinSampler.create(gpu, { ...base, ...checkSettings, steps: 1 });
    let one: Float32Array;
    try {
      checker.run(1);
      one = await checker.readSamples();
    } finally {
      checker.destroy();
    }
    const refConfig: ReferenceSamplerConfig = { ...checkSettings, seed, steps: 1 };
    const e64 = mlpEnergy64(layout, theta);
    const move: number[] = [];
    const refMove: number[] = [];
    for (let c = 0; c < m; c++) {
      const start = x0.slice(d * c, d * c + d);
      const ref = referenceChain(refConfig, e64, c, start);
      const noiseOnly = referenceChain(refConfig, zeroEnergy(d), c, start);
      for (let k = 0; k < d; k++) {
        move.push(one[d * c + k] - noiseOnly.x[k]);
        refMove.push(ref.x[k] - noiseOnly.x[k]);
      }
    }
    const check = { what: `gradient move of one ${settings.sampler} step${settings.sampler === 'du-mordatch' ? ' without the clips' : ''}, ${m} chains`, relError: relativeError(move, refMove, 1e-12) };
    ctx.progress(`${label}: check ${check.relError.toExponential(2)}`);
    if (!(check.relError < 50 * LANGEVIN_CHECK_TOLERANCE)) throw new Error(`${label}: one sampler step differs from the float64 reference by ${check.relError}`);

    const sampler = await LangevinSampler.create(gpu, { ...base, ...settings });
    const staging = gpu.device.createBuffer({ label: `${w.name} staging`, size: 4 * d * n, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      const pass = sampler.pass();
      const once = async () => {
        const encoder = gpu.device.createCommandEncoder();
        const cp = encoder.beginComputePass();
        pass(cp);
        cp.end();
        encoder.copyBufferToBuffer(sampler.state, 0, staging, 0, 4 * d * n);
        gpu.device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        staging.unmap();
      };
      const r = await timed(ctx, label, once, runs, budget);
      gpu.check();
      return { ...result(r, check, gpu.adapter, backendName(gpu.adapter), await sampler.readSamples()), subgroups: gpu.subgroups, variant: sampler.config.variant };
    } finally {
      staging.destroy();
      sampler.destroy();
      if (own) gpu.destroy();
    }
  }

  // Peers.
  const peers = await import('./peers');
  const model = { layers: unpackParams(layout, theta), update: w.update, steps };
  ctx.progress(`${label}: initialising`);
  const peer = impl === 'jax-js-webgpu' ? await peers.jaxSampler(model, seed) : await peers.tfjsSampler(impl === 'tfjs-webgpu' ? 'webgpu' : 'wasm', model);
  try {
    const m = Math.min(64, n);
    const pts = x0.slice(0, d * m);
    const g = await peer.gradient(pts, m);
    const check = { what: `input gradient at ${m} points`, relError: relativeError(g, mlpBackwardInput64(layout, theta, pts, m), 1e-12) };
    ctx.progress(`${label}: gradient check ${check.relError.toExponential(2)}`);
    if (!(check.relError < LANGEVIN_CHECK_TOLERANCE)) throw new Error(`${label}: input gradient differs from the float64 reference by ${check.relError}`);
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
  const peers = await import('./peers');
  await peers.preloadAll();
  return { ok: true };
}

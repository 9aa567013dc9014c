// The two hosts on the same adapter: the same jobs in the headless Chromium
// page and in this Node process on Dawn (harness/node-host.ts) give the same
// results. Both compile the WGSL with Dawn's compiler (Tint) for the same
// Vulkan driver here (SwiftShader: Chromium's, and Chromium's ICD for Dawn
// through VK_ICD_FILENAMES, set by vite.config.ts), so the results are
// compared bit for bit: float32 values as the exact numbers they are, a
// training run's checkpoint byte for byte. Where the two Dawns came to
// differ (another Tint release generating other SPIR-V), the comparison
// would fail here first; docs/hosts.md says what tolerance would then apply.
// Also: the Node host without an adapter is a NoAdapterError (never a
// skip), and Dawn's null backend is refused.
import { f32ToBase64 } from '../../harness/base64';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dawnFlags } from '../../harness/dawn';
import { NodeHost } from '../../harness/node-host';
import type { TrainJobResult } from '../../cli/train.jobs';
import type { BlobRef } from '../../harness/host';
import { generateToy } from '../../src/data/toy';
import { initParams, paramLayout, type MlpSpec } from '../../src/mlp/params';
import { seededNormal } from '../../src/rng/random';
import { validateTrainerConfig } from '../../src/trainer/config';
import { jobsOn, openHost, type GpuJobs, type JobHost } from '../support/gpu';
import { TEST_JOB_MODULES } from '../support/job-modules';

let chromium: GpuJobs;
let node: GpuJobs;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const hosts: Record<string, JobHost> = {};
  for (const kind of ['chromium', 'node'] as const) {
    const h = await openHost(kind);
    closers.push(h.close);
    hosts[kind] = h.host;
  }
  chromium = jobsOn(() => hosts.chromium, () => 'chromium');
  node = jobsOn(() => hosts.node, () => 'node');
});
afterAll(async () => {
  for (const close of closers) await close();
});

/** Runs one job on both hosts and returns both results. */
async function both<T>(run: (gpu: GpuJobs) => Promise<T>): Promise<[T, T]> {
  return [await run(chromium), await run(node)];
}

const SPEC: MlpSpec = { inputDim: 2, hidden: [130, 64], activation: 'silu' };
const BATCH = 67;
const params = f32ToBase64(initParams(paramLayout(SPEC), 5));
const z = seededNormal(6);
const x = f32ToBase64(Float32Array.from({ length: 2 * BATCH }, () => 1.5 * z()));
const weights = f32ToBase64(Float32Array.from({ length: BATCH }, () => z()));

describe('both hosts on the same adapter', () => {
  it('find an adapter each, with the same device features used', async () => {
    const [a, b] = await both((gpu) => gpu.device.adapter());
    console.log(`chromium: ${JSON.stringify(a.adapter)}\nnode:     ${JSON.stringify(b.adapter)}`);
    const [sa, sb] = await both((gpu) => gpu.device.subgroups());
    console.log(`subgroups: chromium ${JSON.stringify(sa)}, node ${JSON.stringify(sb)}`);
    expect(sb.shared).toBe(sa.shared);
  });

  it('MLP kernels (forward, input gradient, parameter gradient, with and without subgroups): the same bits', async () => {
    for (const subgroups of [true, false]) {
      const job = { spec: SPEC, batch: BATCH, params, x, weights, subgroups };
      const [fa, fb] = await both((gpu) => gpu.mlp.forward(job));
      expect(fb).toEqual(fa);
      const [ia, ib] = await both((gpu) => gpu.mlp.inputGrad(job));
      expect(ib).toEqual(ia);
      const [pa, pb] = await both((gpu) => gpu.mlp.paramGrad(job));
      expect(pb).toEqual(pa);
    }
  });

  it('divergences (g, c and their slopes as bits) and Philox normals: the same bits', async () => {
    const v = Array.from({ length: 641 }, (_, i) => (i - 320) / 8);
    for (const divergence of [{ name: 'jensen_shannon' }, { name: 'alpha', alpha: -0.5 }]) {
      const [a, b] = await both((gpu) => gpu.divergence.evaluate({ divergence, numerics: 'stable', v }));
      expect(b).toEqual(a);
    }
    const [a, b] = await both((gpu) => gpu.philox.draws({ seed: 99, step: 3, stream: 1, count: 4096 }));
    expect(b).toEqual(a);
  });

  it('a MALA sampler on an MLP energy, 20 steps of 300 chains: the same chains', async () => {
    const theta = Array.from(initParams(paramLayout({ inputDim: 2, hidden: [32, 32], activation: 'silu' }), 7));
    const config = {
      sampler: 'mala' as const, chains: 300, dim: 2, steps: 20, seed: 3, eta: 0.1,
      energy: { kind: 'mlp' as const, spec: { inputDim: 2, hidden: [32, 32], activation: 'silu' as const }, theta },
    };
    const [a, b] = await both((gpu) => gpu.sampler.sample({ config }));
    expect(b.samples).toEqual(a.samples);
    expect(b.perChain).toEqual(a.perChain);
  });

  it('a short training run (the command line\'s job, 60 iterations): the same metrics and the same checkpoint, byte for byte', async () => {
    const config = validateTrainerConfig({
      energy: { inputDim: 2, hidden: [16, 16], activation: 'silu' }, variational: { inputDim: 2, hidden: [16], activation: 'tanh' },
      divergence: { name: 'jensen_shannon' }, optimizerE: { kind: 'adam', lr: 1e-2, beta1: 0 }, batch: 32, chains: 32,
      sampler: { kind: 'ula', steps: 3, eta: 0.01 }, replay: { capacity: 256, reuse: 0.95 }, l2: 0.05, seed: 4, metricsEvery: 20, iterationsPerSubmit: 10,
    });
    const data = generateToy('8gaussians', 500, 2);
    // The data go to each host as bytes (JobHost.offer); the checkpoint and the picture arrays come back the same way.
    const [a, b] = await both(async (gpu) => {
      const r = await gpu.train.train({ config, data: await gpu.host.offer(new Uint8Array(data.buffer)), iterations: 60, picture: { size: 16, box: [-3, 3] } });
      const take = async (ref: BlobRef | undefined) => (ref ? Array.from(await gpu.host.take(ref)) : null);
      const files = { checkpoint: await take(r.checkpoint), energies: await take(r.picture?.energies), samples: await take(r.picture?.samples) };
      return { ...r, checkpoint: undefined, picture: undefined, files };
    });
    const strip = (r: TrainJobResult) => ({ ...r, seconds: 0, metrics: r.metrics.map((m) => ({ ...m, itPerSecond: 0 })) });
    console.log(`chromium ${a.seconds.toFixed(2)} s, node ${b.seconds.toFixed(2)} s for 60 iterations; last metrics ${JSON.stringify(a.metrics.at(-1))}`);
    expect(a.status).toBe('done');
    expect(a.files.checkpoint?.length).toBeGreaterThan(0);
    expect(b.files).toEqual(a.files);
    expect(strip(b)).toEqual(strip(a));
  });
});

describe('the Node host, failing loudly', () => {
  it('with a GPU object that has no adapter: NoAdapterError, naming the Vulkan loader', async () => {
    const none = { requestAdapter: async () => null, getPreferredCanvasFormat: () => 'rgba8unorm', wgslLanguageFeatures: new Set() } as unknown as GPU;
    const host = await NodeHost.start({ modules: TEST_JOB_MODULES, gpu: none });
    await expect(jobsOn(() => host, () => 'node').device.adapter()).rejects.toMatchObject({
      name: 'NoAdapterError',
      message: expect.stringContaining('libvulkan1'),
    });
  });

  it("refuses Dawn's null backend, which computes nothing", () => {
    expect(() => dawnFlags({ flags: ['backend=null'] })).toThrow(/null backend computes nothing/);
    expect(() => dawnFlags({}, { FEBM_DAWN_FLAGS: 'backend=null' })).toThrow(/null backend/);
    expect(dawnFlags({}, {})).toEqual(process.platform === 'linux' ? ['backend=vulkan'] : []);
  });
});

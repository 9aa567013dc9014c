// Page side of the lifted-kernel example's test: the same chains moved by the
// library's LangevinSampler and by examples/langevin/langevin.ts (plain
// WebGPU on the standalone kernels and their JSON interfaces, as the build
// writes them to dist/wgsl/, and the layout module).
import type { JobContext } from '../../harness/job';
import { LangevinSampler, type MlpSpec } from '../../src/index';
import { standaloneInterface, standaloneKernels } from '../../src/kernels';
import * as layout from '../../src/mlp/layout';
import { runUla, type KernelInterface, type LiftedKernel } from '../../examples/langevin/langevin';

export interface LiftedCase {
  spec: MlpSpec;
  params: number[];
  chains: number;
  steps: number;
  eta: number;
  seed: number;
  initial: number[];
  /** The example's MLP_GROUP (the library picks its own, mlpGroupFor(chains)). */
  group?: number;
}

export interface LiftedResult {
  library: number[];
  example: number[];
  libraryGroup: number;
}

/** A kernel as a project gets it from dist/wgsl/: the WGSL text, and the interface through JSON. */
function lifted(name: string): LiftedKernel {
  const k = standaloneKernels().find((s) => s.name === name);
  if (!k) throw new Error(`no standalone kernel ${name}`);
  return { wgsl: k.variants.plain, iface: JSON.parse(JSON.stringify(standaloneInterface(k))) as KernelInterface };
}

export async function compare(ctx: JobContext, c: LiftedCase): Promise<LiftedResult> {
  // The plain variant on a device without subgroups, for both.
  const gpu = await ctx.freshGpu({ subgroups: false });
  try {
    const params = new Float32Array(c.params);
    const initial = new Float32Array(c.initial);
    const sampler = await LangevinSampler.create(gpu, {
      sampler: 'ula', chains: c.chains, dim: c.spec.inputDim, steps: c.steps, seed: c.seed, eta: c.eta,
      energy: { kind: 'mlp', spec: c.spec, theta: params }, initialState: initial,
    });
    sampler.run();
    const library = Array.from(await sampler.readSamples());
    const libraryGroup = sampler.config.group;
    sampler.destroy();
    const example = await runUla(gpu.device, lifted('langevin.lgv_sample'), lifted('langevin.lgv_advance'), layout, {
      sizes: [c.spec.inputDim, ...c.spec.hidden, 1], activation: `ACT_${c.spec.activation.toUpperCase()}`, params, chains: c.chains,
      steps: c.steps, eta: c.eta, seed: c.seed, initial, ...(c.group ? { group: c.group } : {}),
    });
    return { library, example: Array.from(example), libraryGroup };
  } finally {
    gpu.destroy();
  }
}

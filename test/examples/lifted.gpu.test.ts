// The lifted-kernel example (examples/langevin/langevin.ts: the standalone
// Langevin kernels and their JSON interfaces driven with plain WebGPU, no
// import of the library) moves the chains exactly as the library's
// LangevinSampler does: same seed, same samples, bit for bit, also with
// another workgroup size (MLP_GROUP) than the library picks.
import { describe, expect, it } from 'vitest';
import { initParams, paramLayout, seededNormal, type MlpSpec } from '../../src/index';
import { useGpu } from '../support/gpu';
import type { LiftedCase } from './lifted.jobs';

const gpu = useGpu();

function liftedCase(spec: MlpSpec, chains: number, steps: number, seed: number, group?: number): LiftedCase {
  return {
    spec, chains, steps, seed, eta: 0.01,
    params: Array.from(initParams(paramLayout(spec), (seed + 1) % 2 ** 32)),
    initial: Array.from({ length: chains * spec.inputDim }, seededNormal((seed + 2) % 2 ** 32)),
    ...(group ? { group } : {}),
  };
}

const bits = (a: number[]) => new Uint32Array(Float32Array.from(a).buffer);

describe('the lifted Langevin kernel (examples/langevin) against the library', () => {
  it.each([
    ['3-D, tanh [16, 8], 100 chains, the override default group (64)', liftedCase({ inputDim: 3, hidden: [16, 8], activation: 'tanh' }, 100, 20, 7)],
    ['2-D, SiLU [32, 32], 1000 chains, group 16, a seed above 2^32', liftedCase({ inputDim: 2, hidden: [32, 32], activation: 'silu' }, 1000, 10, 2 ** 40 + 5, 16)],
  ])('%s: the same samples, bit for bit', async (_name, c) => {
    const r = await gpu.lifted.compare(c);
    console.log(`library group ${r.libraryGroup}, example group ${c.group ?? 64}; ${r.library.length} values`);
    expect(r.example).toHaveLength(c.chains * c.spec.inputDim);
    // The chains moved (a comparison of untouched starts would prove nothing).
    expect(r.library.some((v, i) => v !== Math.fround(c.initial[i]))).toBe(true);
    expect(bits(r.example)).toEqual(bits(r.library));
  });
});

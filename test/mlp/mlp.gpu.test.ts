// MLP kernels on the real WebGPU adapter against the float64 references
// (src/mlp/reference.ts), at awkward sizes. Tolerances are relative to the
// largest reference value of each output (f32 accumulation over up to 4,096 terms).
import { describe, expect, it } from 'vitest';
import { initParams, paramLayout, type Activation, type MlpSpec } from '../../src/mlp/params';
import { seededNormal } from '../../src/rng/random';
import { mlpBackwardInput64, mlpBackwardParams64, mlpForward64 } from '../../src/mlp/reference';
import { expectClose, useGpu } from '../support/gpu';
import { base64ToF32, f32ToBase64 } from '../../harness/base64';
import type { MlpJobCase } from './mlp.jobs';
import type { MlpVariant } from '../../src/mlp/variant';

const FORWARD_TOL = 2e-5;
const BACKWARD_TOL = 1e-4;

/**
 * group: invocations per workgroup (default: mlpGroupFor(batch), 4 for these small batches).
 * subgroups: false runs on a device without the subgroups feature (plain weight
 * loads); otherwise the page's device, which on SwiftShader shares weight loads
 * across subgroups (mlp_weights_subgroup.wgsl).
 */
interface Case { name: string; spec: MlpSpec; batch: number; group?: number; subgroups?: boolean; variant?: MlpVariant }

const act = (a: Activation, hidden: number[], inputDim: number, batch: number): Case => ({
  name: `${a} d=${inputDim} [${hidden.join(',')}] batch ${batch}`,
  spec: { inputDim, hidden, activation: a },
  batch,
});

const CASES: Case[] = [
  act('silu', [64], 2, 1),
  act('tanh', [1], 1, 67),
  act('relu', [3, 3, 3, 3], 2, 67),
  act('leaky_relu', [130], 1, 9),
  act('silu', [130, 64, 3, 1], 2, 13),
  act('tanh', [512], 2, 17),
  act('silu', [512, 512, 512, 512], 1, 3),
  act('leaky_relu', [64, 64], 5, 70),
  // Image-sized inputs and wide layers: MNIST's 784 and CIFAR's 3,072
  // features, widths to 1,024, inputs just past a 16-unit register tile (65).
  act('silu', [512, 512], 784, 5),
  act('tanh', [1024], 3072, 1),
  act('relu', [1024, 3], 65, 37),
  act('leaky_relu', [130, 1024], 64, 3),
  // Other workgroup sizes: 64 lanes (the batch padded to 1024), and 16 lanes, chosen for a batch of 2100.
  { ...act('silu', [64, 64], 2, 70), name: 'silu d=2 [64,64] batch 70, 64 lanes per workgroup', group: 64 },
  act('tanh', [20], 2, 2100),
  // The plain weight loads (devices without subgroups).
  ...[act('silu', [130, 64, 3, 1], 2, 13), act('leaky_relu', [64, 64], 5, 70), act('tanh', [20], 2, 2100)].map((c) => ({
    ...c, name: `${c.name}, without subgroups`, subgroups: false,
  })),
  // The tiled variant (the GPUs' kernels, forced here): tiles of 32 samples x 32
  // units, so batches and widths on both sides of a tile's edge, every
  // activation, depth 1 to 4, image-sized inputs.
  ...[
    act('silu', [64], 2, 1),
    act('tanh', [1], 1, 67),
    act('relu', [3, 3, 3, 3], 5, 33),
    act('leaky_relu', [130, 1024], 65, 37),
    act('silu', [512, 512], 784, 5),
    act('tanh', [1024], 3072, 1),
  ].map((c) => ({ ...c, name: `${c.name}, tiled`, variant: 'tiled' as const })),
];

function inputs(c: Case, seed: number) {
  const layout = paramLayout(c.spec);
  const params = Array.from(initParams(layout, seed));
  const n = seededNormal(seed + 1);
  const x = Array.from({ length: c.batch * c.spec.inputDim }, () => Math.fround(1.5 * n()));
  const weights = Array.from({ length: c.batch }, () => Math.fround(n()));
  return { layout, params, x, weights };
}

const b64 = (a: number[]) => f32ToBase64(Float32Array.from(a));
const f32 = (text: string) => Array.from(base64ToF32(text));

describe('MLP kernels match the float64 reference', () => {
  const gpu = useGpu();

  for (const [index, c] of CASES.entries()) {
    describe(c.name, () => {
      const { layout, params, x, weights } = inputs(c, 100 + index);
      const job: MlpJobCase = { spec: c.spec, batch: c.batch, group: c.group, subgroups: c.subgroups, variant: c.variant, params: b64(params), x: b64(x), weights: b64(weights) };
      const forward64 = () => mlpForward64(layout, params, x, c.batch);
      const params64 = () => mlpBackwardParams64(layout, params, x, c.batch, weights);
      /** Every entry the reference has as 0 (the padding of the packed layout) must be written as 0. */
      const expectPaddingZero = (grad: number[], ref: ArrayLike<number>) => expect(grad.filter((g, i) => ref[i] === 0 && g !== 0)).toEqual([]);

      it('forward', async () => {
        expectClose(f32((await gpu.mlp.forward(job)).out), forward64(), FORWARD_TOL);
      });

      it('backward to inputs', async () => {
        const r = await gpu.mlp.inputGrad(job);
        expectClose(f32(r.out), forward64(), FORWARD_TOL, 'energy');
        expectClose(f32(r.gradX), mlpBackwardInput64(layout, params, x, c.batch), BACKWARD_TOL, 'dE/dx');
      });

      it('backward to parameters, padding written as 0', async () => {
        const grad = f32((await gpu.mlp.paramGrad(job)).grad);
        expectClose(grad, params64(), BACKWARD_TOL);
        expectPaddingZero(grad, params64());
      });

      it('backward to parameters after a forward pass (afterForward)', async () => {
        const grad = f32((await gpu.mlp.paramGrad({ ...job, afterForward: true })).grad);
        expectClose(grad, params64(), BACKWARD_TOL);
        expectPaddingZero(grad, params64());
      });
    });
  }
});

// L2 (bench/WORKLOADS.md): Langevin sampling on image-sized energies, MLP
// [784, w, w, 1] SiLU (an MNIST-sized input), N chains uniform in [0, 1]^784,
// K = 20 steps of the update the authors use for images (Du & Mordatch):
// x <- x + 0.005 xi; g = grad_x E(x) clipped to [-0.01, 0.01];
// x <- clip(x - 10 g, 0, 1). Measured by the Langevin runner
// (bench/langevin/langevin.ts).
import type { LangevinWorkload } from '../langevin/spec';

export const L2: LangevinWorkload = {
  name: 'L2',
  inputDim: 784,
  steps: 20,
  update: { kind: 'du-mordatch', noiseStd: 0.005, gradClip: 0.01, stepSize: 10, box: [0, 1] },
  start: 'uniform',
  ns: [64, 256, 1024],
  widths: [256, 512, 1024],
};

// T2 (bench/WORKLOADS.md): one f-EBM training iteration on image-sized data:
// E and H MLP [784, 512, 512, 1] SiLU, B = N = 256, K = 20 steps of the
// authors' image update (Du & Mordatch, as L2), then one Adam step on H and
// one on E (Jensen-Shannon). The data: 784-dimensional rows uniform in
// [0, 1] (timing does not depend on the values; MNIST digits are the same
// shape). Measured by the training runner (bench/training/).
import type { TrainingWorkload } from '../training/spec';
import { L2 } from '../l2/l2-spec';

export const T2: TrainingWorkload = {
  name: 'T2',
  inputDim: 784,
  size: { width: 512, batch: 256, chains: 256, steps: 20 },
  update: L2.update,
  data: 'uniform',
  dataRows: 10_000,
  dataSeed: 8,
  startBox: [0, 1],
  checkSamples: 'uniform',
};

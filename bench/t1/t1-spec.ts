// T1 (bench/WORKLOADS.md): one f-EBM training iteration (Algorithm 1) on the
// 2-D 8 Gaussians: E and H MLP [2, 128, 128, 1] SiLU, B = N = 4096, K = 60
// ULA steps with eta = 0.01, then one Adam step on H and one on E
// (Jensen-Shannon). Measured by the training runner (bench/training/).
import type { TrainingWorkload } from '../training/spec';

export const T1: TrainingWorkload = {
  name: 'T1',
  inputDim: 2,
  size: { width: 128, batch: 4096, chains: 4096, steps: 60 },
  update: { kind: 'ula', eta: 0.01 },
  data: '8gaussians',
  dataRows: 100_000,
  dataSeed: 8,
  startBox: [-2.3, 2.3],
  checkSamples: 'normal',
};

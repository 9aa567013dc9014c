// L1 (bench/WORKLOADS.md): Langevin sampling throughput on a 2-D energy, MLP
// [2, w, w, 1] SiLU, N chains from N(0, I), K = 60 ULA steps with eta = 0.01.
// Measured by the Langevin runner (bench/langevin/langevin.ts).
import type { LangevinWorkload } from '../langevin/spec';

export const L1: LangevinWorkload = {
  name: 'L1',
  inputDim: 2,
  steps: 60,
  update: { kind: 'ula', eta: 0.01 },
  start: 'normal',
  ns: [1024, 4096, 16384, 65536],
  widths: [64, 128, 256, 512],
};

// The Langevin-throughput workloads (bench/WORKLOADS.md, L1 and L2) as data:
// each names its energy network, its update rule, where the chains start and
// its sweep, so that one runner (bench/langevin/langevin.ts), one page job
// (bench/langevin/langevin.jobs.ts) and one set of peers
// (bench/langevin/peers.ts) measure both. The workloads themselves are defined
// in bench/l1/l1-spec.ts and bench/l2/l2-spec.ts.

import { mlpFlopsPerSample, type MlpSpec } from '../../src/index';

/** One Langevin step of every chain: ULA, or Du & Mordatch's update with the gradient and box clips. */
export type LangevinUpdate =
  | { kind: 'ula'; eta: number }
  | { kind: 'du-mordatch'; noiseStd: number; gradClip: number; stepSize: number; box: [number, number] };

export interface LangevinWorkload {
  name: 'L1' | 'L2';
  /** Features of x; the energy is an MLP [inputDim, w, w, 1] with SiLU. */
  inputDim: number;
  /** K: steps per timed run. */
  steps: number;
  update: LangevinUpdate;
  /** Where chains start: N(0, I) or uniform in [0, 1]^inputDim. */
  start: 'normal' | 'uniform';
  /** The sweep: chain counts and hidden widths. */
  ns: number[];
  widths: number[];
}

/** The workload's energy network at hidden width w. */
export function langevinSpec(w: LangevinWorkload, width: number): MlpSpec {
  return { inputDim: w.inputDim, hidden: [width, width], activation: 'silu' };
}

/** FLOPs of one chain-step: forward and input gradient of the energy (L1: 67,072 at w = 128; L2: 2,656,256 at w = 512). */
export function langevinFlopsPerChainStep(w: LangevinWorkload, width: number): number {
  return 2 * mlpFlopsPerSample(langevinSpec(w, width));
}

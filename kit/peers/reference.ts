// The float64 references the PyTorch peers of the GPU kit are checked
// against before they are timed (kit/peers/peers.py), computed here when the
// kit is built (kit/build.ts) and shipped as JSON: the machine that runs the
// kit has no TypeScript. Dense layers are W[fanOut][fanIn] and b[fanOut], as
// unpackParams gives them (PyTorch's nn.Linear layout).
import { L1 } from '../../bench/l1/l1-spec';
import { langevinFlopsPerChainStep } from '../../bench/langevin/spec';
import { T1 } from '../../bench/t1/t1-spec';
import { TRAINING_CHECK_TOLERANCE, trainingReference } from '../../bench/training/check';
import { TRAINING, trainingFlopsPerIteration, trainingSpec } from '../../bench/training/spec';
import { checkInputs } from '../../bench/training/training.jobs';
import { initParams, mlpFlopsPerSample, paramLayout, seededNormal, unpackParams } from '../../src/index';
import { mlpBackwardInput64, mlpForward64 } from '../../src/kernels';

/** The MLP check (MLP and L1 workloads): E and dE/dx of [2, w, w, 1] SiLU at 64 points. */
function mlpCheck(width: number) {
  const spec = trainingSpec(T1, width);
  const layout = paramLayout(spec);
  const params = initParams(layout, 1);
  const z = seededNormal(2);
  const n = 64;
  const x = Array.from({ length: 2 * n }, () => Math.fround(1.5 * z()));
  const energy = Array.from(mlpForward64(layout, params, x, n));
  const grad = Array.from(mlpBackwardInput64(layout, params, x, n));
  const rows = (a: number[]) => Array.from({ length: n }, (_, i) => a.slice(2 * i, 2 * i + 2));
  return { width, layers: unpackParams(layout, params), x: rows(x), energy, gradX: rows(grad), tolerance: 1e-4, flopsPerSample: mlpFlopsPerSample(spec) };
}

/** The T1 check: one update (H step, then E step with the updated H) at B = N = 64 against trainerUpdate64. */
function t1Check() {
  const size = { ...T1.size, batch: 64, chains: 64 };
  const input = checkInputs(T1, size.width, 64, 1);
  const ref = trainingReference(T1, size, input);
  const layout = paramLayout(trainingSpec(T1, size.width));
  const dense = (a: ArrayLike<number>) => unpackParams(layout, a);
  const rows = (a: ArrayLike<number>) => Array.from({ length: a.length / 2 }, (_, i) => [a[2 * i], a[2 * i + 1]]);
  return {
    width: size.width,
    layersE: dense(input.paramsE),
    layersH: dense(input.paramsH),
    data: rows(input.data),
    samples: rows(input.samples),
    expected: {
      hObjective: ref.hObjective, eObjective: ref.eObjective,
      gradH: dense(ref.gradH!), gradE: dense(ref.gradE), paramsH: dense(ref.paramsH!), paramsE: dense(ref.paramsE),
    },
    tolerance: TRAINING_CHECK_TOLERANCE,
  };
}

export function peerReference() {
  return {
    about: 'float64 references for kit/peers/peers.py, written by kit/build.ts',
    mlp: mlpCheck(128),
    l1: {
      ns: L1.ns, widths: L1.widths, steps: L1.steps, eta: L1.update.kind === 'ula' ? L1.update.eta : null,
      flopsPerChainStep: Object.fromEntries(L1.widths.map((w) => [w, langevinFlopsPerChainStep(L1, w)])),
    },
    t1: {
      workload: {
        ...T1.size, eta: T1.update.kind === 'ula' ? T1.update.eta : null, adam: TRAINING.adam, dataRows: T1.dataRows, dataSeed: T1.dataSeed,
        blocks: TRAINING.blocks, blockIterations: TRAINING.blockIterations,
        flopsPerIteration: trainingFlopsPerIteration(T1, T1.size),
      },
      check: t1Check(),
    },
  };
}

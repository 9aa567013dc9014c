// The float64 references the PyTorch peers of the GPU kit are checked
// against before they are timed (kit/peers/peers.py), computed here when the
// kit is built (kit/build.ts) and shipped as JSON: the machine that runs the
// kit has no TypeScript. Dense layers are W[fanOut][fanIn] and b[fanOut], as
// unpackParams gives them (PyTorch's nn.Linear layout).
//
// The image-sized workloads (L2, T2: 784 inputs) are checked on their own
// networks and update rules at a narrower hidden width and smaller batches
// than they are timed at (IMAGE_CHECK): the peers' code path is the same at
// any width, and the workload's own width would put about 60 MB of
// parameters and gradients into the kit (its limit is 60 MiB in all).
import { L1 } from '../../bench/l1/l1-spec';
import { L2 } from '../../bench/l2/l2-spec';
import { LANGEVIN_CHECK_TOLERANCE } from '../../bench/langevin/langevin.jobs';
import { langevinFlopsPerChainStep, langevinSpec, type LangevinWorkload } from '../../bench/langevin/spec';
import { T1 } from '../../bench/t1/t1-spec';
import { T2 } from '../../bench/t2/t2-spec';
import { TRAINING_CHECK_TOLERANCE, trainingReference } from '../../bench/training/check';
import { TRAINING, trainingFlopsPerIteration, trainingSpec, type TrainingSize, type TrainingWorkload } from '../../bench/training/spec';
import { trainingQuick } from '../../bench/training/training';
import { checkInputs } from '../../bench/training/training.jobs';
import { initParams, mlpFlopsPerSample, packParams, paramLayout, seededNormal, seededUniform, unpackParams, type ParamLayout } from '../../src/index';
import { mlpBackwardInput64, mlpEnergy64, mlpForward64, referenceChain, stepNoise } from '../../src/kernels';

/** The image-sized workloads' checks: hidden width and points (L2) or B = N (T2). */
export const IMAGE_CHECK = { width: 32, points: 16 };

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

/** Packed parameters with the output layer scaled by s (E and its gradients scale with it), rounded to float32. */
function scaleOutput(layout: ParamLayout, params: ArrayLike<number>, s: number): Float32Array {
  const layers = unpackParams(layout, params);
  const out = layers[layers.length - 1];
  layers[layers.length - 1] = { W: out.W.map((r) => r.map((v) => Math.fround(s * v))), b: out.b.map((v) => Math.fround(s * v)) };
  return packParams(layout, layers);
}

/**
 * A training check: one update (H step, then E step with the updated H, fresh
 * Adam) at the given width and B = N = batch, against trainerUpdate64, from
 * the inputs the bench's own check uses (checkInputs). spreadEnergy: E's
 * output layer scaled so that E's values over the check's rows have standard
 * deviation 1. At T2's initial weights E is nearly constant over rows
 * uniform in [0, 1]^784, so the covariance term (the covariance of c(v) and
 * dE over the negatives) is a few parts in 1,000 of E's gradient, inside the
 * check's tolerance: a peer that left it out would pass. Spread out, leaving
 * it out moves E's gradient by a few hundredths, several times the tolerance.
 */
function trainingCheck(w: TrainingWorkload, width: number, batch: number, spreadEnergy = false) {
  const size = { ...w.size, width, batch, chains: batch };
  const layout = paramLayout(trainingSpec(w, width));
  const input = checkInputs(w, width, batch, 1);
  if (spreadEnergy) {
    const x = [...input.data, ...input.samples];
    const e = mlpForward64(layout, input.paramsE, x, 2 * batch);
    const mean = e.reduce((a, b) => a + b, 0) / e.length;
    const std = Math.sqrt(e.reduce((a, b) => a + (b - mean) ** 2, 0) / e.length);
    input.paramsE = scaleOutput(layout, input.paramsE, 1 / std);
  }
  const ref = trainingReference(w, size, input);
  const dense = (a: ArrayLike<number>) => unpackParams(layout, a);
  const d = w.inputDim;
  const rows = (a: ArrayLike<number>) => Array.from({ length: a.length / d }, (_, i) => Array.from(a).slice(d * i, d * i + d));
  return {
    width,
    batch,
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

/**
 * The L2 check: the energy [784, w, w, 1] SiLU (seed 1, as the bench's
 * Langevin cells) at points uniform in [0, 1]^784 (where L2's chains start):
 * E and dE/dx, and one whole step of L2's update (Du & Mordatch: noise, the
 * gradient clip, the box) from each point with the given noise xi, by the
 * sampler's float64 reference (referenceChain, the noise of stepNoise). At
 * its initial weights every |dE/dx| is below L2's gradient clip, which would
 * then go untested: the output layer is scaled (E and dE/dx scale with it)
 * so that the clip cuts about half of the gradient's entries.
 */
function l2Check(w: LangevinWorkload, width: number, points: number) {
  if (w.update.kind !== 'du-mordatch') throw new Error(`${w.name}: the image-sized check is for the du-mordatch update`);
  const u = w.update;
  const layout = paramLayout(langevinSpec(w, width));
  const d = w.inputDim;
  const draw = seededUniform(2);
  const x = Array.from({ length: points }, () => Array.from({ length: d }, () => Math.fround(draw())));
  const flatX = x.flat();
  const initial = initParams(layout, 1);
  const magnitudes = Array.from(mlpBackwardInput64(layout, initial, flatX, points), Math.abs).sort((a, b) => a - b);
  const params = scaleOutput(layout, initial, u.gradClip / magnitudes[magnitudes.length >> 1]);
  const layers = unpackParams(layout, params);
  const energy = Array.from(mlpForward64(layout, params, flatX, points));
  const grad = Array.from(mlpBackwardInput64(layout, params, flatX, points));
  const seed = 3;
  const config = { sampler: 'du-mordatch' as const, seed, steps: 1, gradClip: u.gradClip, stepSize: u.stepSize, box: u.box };
  const e64 = mlpEnergy64(layout, params);
  // The noise as float32 (what the peer holds).
  const noise = x.map((_, i) => Array.from(stepNoise(seed, i, 0, d), Math.fround));
  // The step from y = x + s xi: referenceChain with no noise of its own, from y.
  const step = x.map((p, i) => Array.from(referenceChain({ ...config, noiseStd: 0 }, e64, i, p.map((v, k) => v + u.noiseStd * noise[i][k])).x));
  return {
    width, layers, x, energy, gradX: x.map((_, i) => grad.slice(d * i, d * i + d)), noise, step,
    tolerance: LANGEVIN_CHECK_TOLERANCE,
  };
}

/** A Langevin workload's sweep, its update and its FLOP counts, as the peers time it. */
function langevinWorkload(w: LangevinWorkload) {
  return {
    d: w.inputDim, start: w.start, ns: w.ns, widths: w.widths, steps: w.steps, update: w.update,
    // --quick: the bench's quick cell (bench/run.ts: the sweep's first N and width).
    quick: { ns: [w.ns[0]], widths: [w.widths[0]] },
    flopsPerChainStep: Object.fromEntries(w.widths.map((width) => [width, langevinFlopsPerChainStep(w, width)])),
  };
}

/** A training workload's size, update, data, Adam and protocol, as the peers time it. */
function trainingWorkload(w: TrainingWorkload) {
  const q = trainingQuick(w);
  const size = (s: TrainingSize) => ({ ...s, flopsPerIteration: trainingFlopsPerIteration(w, s) });
  return {
    d: w.inputDim, ...w.size, update: w.update, adam: TRAINING.adam, data: w.data, dataRows: w.dataRows, startBox: w.startBox,
    blocks: TRAINING.blocks, blockIterations: TRAINING.blockIterations,
    flopsPerIteration: trainingFlopsPerIteration(w, w.size),
    // --quick: the bench's quick size and protocol (trainingQuick).
    quick: { ...size(q.size!), blocks: q.blocks!, blockIterations: q.blockIterations! },
  };
}

export function peerReference() {
  return {
    about: 'float64 references for kit/peers/peers.py, written by kit/build.ts',
    mlp: mlpCheck(128),
    l1: langevinWorkload(L1),
    l2: { ...langevinWorkload(L2), check: l2Check(L2, IMAGE_CHECK.width, IMAGE_CHECK.points) },
    t1: { workload: trainingWorkload(T1), check: trainingCheck(T1, T1.size.width, 64) },
    t2: { workload: trainingWorkload(T2), check: trainingCheck(T2, IMAGE_CHECK.width, IMAGE_CHECK.points, true) },
  };
}

/**
 * The references as JSON. Numbers that are not integers keep 10 significant
 * digits: float32 inputs need 9 to come back exactly, and the float64
 * results are then within 1e-10 of themselves, far inside every tolerance.
 */
export function peerReferenceJson(): string {
  return `${JSON.stringify(peerReference(), (_, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(10)) : v))}\n`;
}

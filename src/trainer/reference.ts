// Float64 reference of one trainer update (src/trainer/trainer.ts singleUpdate): from
// given parameters, data batch and negative samples, one H step (ascent of
// L - l2 (mean H^2 + mean H'^2)) and then, with the updated H, one E step
// (descent of L + l2 (mean E^2 + mean E'^2), covariance term included), each a
// fresh optimiser's first step. CD mode: E weights +1/batch, -1/chains.
// Warm-up at iteration 0 when warmup > 0: only the L2 terms.

import type { DivergenceSpec, Numerics } from '../divergence/divergence';
import type { LabelSource } from './config';
import { optimizerStep64, type ValidOptimizerSpec } from '../optim/optim';
import { paramLayout, type MlpSpec } from '../mlp/params';
import { mulhilo32, philox4x32, randomBits, seedKey, u32ToUniform } from '../rng/philox';
import { objectives64 } from '../divergence/reference';
import { mlpBackwardParams64, mlpForward64 } from '../mlp/reference';
import { TRAINER_COUNTER, TRAINER_STREAM } from './layout';

export interface Update64Config {
  mode: 'fdiv' | 'cd';
  energy: MlpSpec;
  variational: MlpSpec | null;
  divergence: DivergenceSpec | null;
  numerics: Numerics;
  optimizerE: ValidOptimizerSpec;
  optimizerH: ValidOptimizerSpec | null;
  l2: number;
  warmup: number;
}

export interface Update64Result {
  hObjective: number;
  eObjective: number;
  meanEData: number;
  meanESamples: number;
  gradH: number[] | null;
  gradE: number[];
  paramsH: number[] | null;
  paramsE: number[];
}

const mean = (a: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / (to - from);
};

export function trainerUpdate64(
  c: Update64Config,
  input: { paramsE: ArrayLike<number>; paramsH?: ArrayLike<number> | null; data: ArrayLike<number>; samples: ArrayLike<number> },
): Update64Result {
  const dim = c.energy.inputDim;
  const batch = input.data.length / dim;
  const chains = input.samples.length / dim;
  const n = batch + chains;
  const x = [...Array.from(input.data), ...Array.from(input.samples)];
  const warming = c.warmup > 0;
  const layoutE = paramLayout(c.energy);
  const e = mlpForward64(layoutE, input.paramsE, x, n);
  const part = (i: number) => (i < batch ? batch : chains);
  const meanEData = mean(e, 0, batch);
  const meanESamples = mean(e, batch, n);

  if (c.mode === 'cd') {
    const wE = Array.from({ length: n }, (_, i) => (warming ? 0 : i < batch ? 1 / batch : -1 / chains) + (2 * c.l2 * e[i]) / part(i));
    const gradE = Array.from(mlpBackwardParams64(layoutE, input.paramsE, x, n, wE));
    const state = { theta: Array.from(input.paramsE), m: new Array(layoutE.size).fill(0), v: new Array(layoutE.size).fill(0), t: 0 };
    optimizerStep64(c.optimizerE, state, gradE);
    const obj = meanEData - meanESamples;
    return { hObjective: obj, eObjective: obj, meanEData, meanESamples, gradH: null, gradE, paramsH: null, paramsE: state.theta };
  }

  const layoutH = paramLayout(c.variational!);
  const paramsH0 = Array.from(input.paramsH!);
  const objectives = (paramsH: ArrayLike<number>) => {
    const h = mlpForward64(layoutH, paramsH, x, n);
    const v = Array.from(h, (hi, i) => hi + e[i]);
    return { h, o: objectives64(c.divergence!, c.numerics, v.slice(0, batch), v.slice(batch)) };
  };
  // H step.
  const first = objectives(paramsH0);
  const wH = [...first.o.wHData, ...first.o.wHModel].map((w, i) => (warming ? 0 : w) - (2 * c.l2 * first.h[i]) / part(i));
  const gradH = Array.from(mlpBackwardParams64(layoutH, paramsH0, x, n, wH));
  const stateH = { theta: paramsH0.slice(), m: new Array(layoutH.size).fill(0), v: new Array(layoutH.size).fill(0), t: 0 };
  optimizerStep64(c.optimizerH!, stateH, gradH, true);
  // E step with the updated H.
  const second = objectives(stateH.theta);
  const wE = [...second.o.wEData, ...second.o.wEModel].map((w, i) => (warming ? 0 : w) + (2 * c.l2 * e[i]) / part(i));
  const gradE = Array.from(mlpBackwardParams64(layoutE, input.paramsE, x, n, wE));
  const stateE = { theta: Array.from(input.paramsE), m: new Array(layoutE.size).fill(0), v: new Array(layoutE.size).fill(0), t: 0 };
  optimizerStep64(c.optimizerE, stateE, gradE);
  return {
    hObjective: first.o.hObjective,
    eObjective: second.o.eObjective,
    meanEData,
    meanESamples,
    gradH,
    gradE,
    paramsH: stateH.theta,
    paramsE: stateE.theta,
  };
}

export interface TrainerDraw64Input {
  seed: number;
  iteration: number;
  dim: number;
  /** The data set, [rows][dim]. */
  dataset: ArrayLike<number>;
  batch: number;
  chains: number;
  /** Replay rows holding samples, and the buffer ([capacity][dim]). */
  filled: number;
  replay: ArrayLike<number>;
  reuse: number;
  box: [number, number];
  /** A conditional model's classes: the last `classes` of a row's dim values are its one-hot label (default 0). */
  classes?: number;
  /** Where a restarted chain's label comes from (replay.labels; default 'batch'). */
  labels?: LabelSource;
}

/**
 * trainer_draw.wgsl's trn_data and trn_restart at one iteration: the data
 * batch (row i = dataset row floor(bits * rows / 2^32)) and each chain's
 * start (a replay row, or a fresh uniform point in the box), with the data
 * set's and replay buffer's values copied exactly, labels and all. `fresh[j]`
 * says which chains started fresh; their coordinates are lo + (hi - lo) u,
 * computed here in float64 from the f32 uniforms. A conditional model's chain
 * label, one-hot in the last `classes` values, is `labels[j]`: 'batch', that of
 * data row j % batch; 'keep', the replay row's, or for a fresh chain
 * floor(bits[2] * classes / 2^32) (-1 without classes).
 */
export function trainerDraw64(p: TrainerDraw64Input): { x: number[]; rows: number[]; state: number[]; fresh: boolean[]; labels: number[] } {
  const classes = p.classes ?? 0;
  const source = p.labels ?? 'batch';
  const moved = p.dim - classes;
  const labels: number[] = [];
  const rowsInSet = p.dataset.length / p.dim;
  const x: number[] = [];
  const rows: number[] = [];
  for (let i = 0; i < p.batch; i++) {
    const row = mulhilo32(randomBits(p.seed, i, p.iteration, TRAINER_STREAM.data)[0], rowsInSet)[0];
    rows.push(row);

    for (let k = 0; k < p.dim; k++) x.push(p.dataset[row * p.dim + k]);
  }
  const state: number[] = [];
  const fresh: boolean[] = [];
  const [lo, hi] = [Math.fround(p.box[0]), Math.fround(p.box[1])];
  for (let j = 0; j < p.chains; j++) {
    const bits = randomBits(p.seed, j, p.iteration, TRAINER_STREAM.replay);
    if (p.filled > 0 && u32ToUniform(bits[0]) < Math.fround(p.reuse)) {
      const row = mulhilo32(bits[1], p.filled)[0];
      for (let k = 0; k < p.dim; k++) state.push(p.replay[row * p.dim + k]);
      fresh.push(false);
    } else {
      fresh.push(true);
      for (let k = 0; k < moved; k++) {
        const words = philox4x32([j, p.iteration, TRAINER_STREAM.fresh, Math.floor(k / 4)], seedKey(p.seed));
        state.push(lo + (hi - lo) * u32ToUniform(words[k % 4]));
      }
      const drawn = mulhilo32(bits[2], Math.max(classes, 1))[0];
      for (let l = 0; l < classes; l++) state.push(l === drawn ? 1 : 0);
    }
    if (classes > 0 && source === 'batch') {
      const data = (j % p.batch) * p.dim + moved;
      for (let l = 0; l < classes; l++) state[j * p.dim + moved + l] = x[data + l];
    }
    const tail = state.slice(j * p.dim + moved, (j + 1) * p.dim);
    labels.push(classes > 0 ? tail.indexOf(1) : -1);
  }
  return { x, rows, state, fresh, labels };
}

/**
 * trainer_check.wgsl's trn_check then trn_advance on counters: `bit` is set
 * when any of `values` (f32 bit patterns) is not a finite number; then a set
 * bit is recorded with its iteration (the first time only) and cleared, the
 * replay ring moves on by `chains`, and the iteration advances.
 */
export function trainerCheck64(
  f32Bits: readonly number[],
  bit: number,
  counters: readonly number[],
  chains: number,
  capacity: number,
): { afterCheck: number[]; afterAdvance: number[] } {
  const view = new DataView(new ArrayBuffer(4));
  const finite = (b: number) => {
    view.setUint32(0, b >>> 0);
    return Number.isFinite(view.getFloat32(0));
  };
  const c = [...counters];
  const C = TRAINER_COUNTER;
  if (!f32Bits.every(finite)) c[C.bits] = (c[C.bits] | bit) >>> 0;
  const afterCheck = [...c];
  if (c[C.bits] !== 0 && c[C.badIter] === 0) {
    c[C.badIter] = c[C.iter] + 1;
    c[C.badBits] = c[C.bits];
  }
  c[C.bits] = 0;
  c[C.filled] = Math.min(c[C.filled] + chains, capacity);
  c[C.pos] = (c[C.pos] + chains) % capacity;
  c[C.iter] += 1;
  return { afterCheck, afterAdvance: c };
}

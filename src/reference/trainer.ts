// Float64 reference of one trainer update (src/trainer.ts singleUpdate): from
// given parameters, data batch and negative samples, one H step (ascent of
// L - l2 (mean H^2 + mean H'^2)) and then, with the updated H, one E step
// (descent of L + l2 (mean E^2 + mean E'^2), covariance term included), each a
// fresh optimiser's first step. CD mode: E weights +1/batch, -1/chains.
// Warm-up at iteration 0 when warmup > 0: only the L2 terms.

import type { DivergenceSpec, Numerics } from '../divergence';
import { optimizerStep64, type ValidOptimizerSpec } from '../optim';
import { paramLayout, type MlpSpec } from '../params';
import { objectives64 } from './divergences';
import { mlpBackwardParams64, mlpForward64 } from './mlp';

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

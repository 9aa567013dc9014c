// What a metrics point reads back, decoded: the training statistics, or the
// news that an iteration went non-finite. The readback buffer's layout is
// readbackLayout (src/trainer/layout.ts); TrainerGraph.metricsPoint fills it.

import { FebmError } from '../errors';
import type { ValidTrainerConfig } from './config';
import { CHECKED_QUANTITIES } from './graph';
import { readbackLayout, TRAINER_COUNTER, TRAINER_COUNTER_WORDS, TRAINER_METRIC, TRAINER_METRICS_WORDS, TRAINER_STAT, TRAINER_STATS_WORDS } from './layout';

/**
 * Training stopped at a non-finite value; the parameters are back at the last
 * metrics point. `quantities` lists every quantity that was non-finite at the
 * end of `iteration`, in pipeline order (the first is the likely origin).
 */
export class TrainingDivergedError extends FebmError {
  constructor(
    readonly iteration: number,
    readonly quantities: string[],
    /** The iteration whose parameters were restored. */
    readonly restoredIteration: number,
  ) {
    super(
      `training diverged: non-finite ${quantities[0] ?? 'values'} at iteration ${iteration}` +
        `${quantities.length > 1 ? ` (then also ${quantities.slice(1).join(', ')})` : ''}; ` +
        `parameters restored to those of iteration ${restoredIteration} (optimiser moments and replay buffer reset)`,
    );
  }
}

export interface TrainerMetrics {
  /** Iterations done when these were taken. */
  iteration: number;
  /** L before the H step (CD: mean E(data) - mean E(samples)). */
  hObjective: number;
  /** L of the E step, with the updated H (CD: as hObjective). */
  eObjective: number;
  /** The divergence estimate: eObjective (f-EBM); null for CD. */
  divergence: number | null;
  meanEData: number;
  meanESamples: number;
  meanG: number;
  meanC: number;
  /** Euclidean norm of the last iteration's E gradient (the one the optimiser used: objective plus L2 penalty). */
  gradNormE: number;
  /** The same for H (null for CD). */
  gradNormH: number | null;
  /** MALA: accepted / proposed moves of all chains since the previous metrics point; null for ULA and Du & Mordatch. */
  acceptance: number | null;
  /** Iterations per second since the previous metrics point of this run() call (wall clock, readback included). */
  itPerSecond: number;
  /** Always false in a returned record (a non-finite value throws). */
  nonFinite: boolean;
}

/** Parameters on the host, as of a metrics point whose NaN/inf flags were clear. */
export interface LastGoodParams {
  iteration: number;
  paramsE: Float32Array;
  paramsH: Float32Array | null;
}

/** A metrics point's readback, decoded. */
export type MetricsReading =
  | { ok: true; metrics: TrainerMetrics; params: LastGoodParams }
  | {
      ok: false;
      /** The first iteration that went non-finite. */
      iteration: number;
      quantities: string[];
      /** Iterations the GPU has counted (it goes on counting past the bad one until the read). */
      counted: number;
    };

/**
 * Decodes the readback of a metrics point (readbackLayout). `since`: the
 * iteration and time (ms) the rate counts from; `now`: the time of the read.
 */
export function decodeMetricsPoint(
  c: ValidTrainerConfig,
  sizes: { sizeE: number; sizeH: number },
  bytes: ArrayBuffer,
  since: { done: number; time: number },
  now: number,
): MetricsReading {
  const at = readbackLayout(sizes.sizeE, sizes.sizeH);
  const words = new Uint32Array(bytes, at.counters, TRAINER_COUNTER_WORDS);
  const C = TRAINER_COUNTER;
  if (words[C.badIter] !== 0) {
    const bits = words[C.badBits];
    return {
      ok: false, iteration: words[C.badIter] - 1, quantities: CHECKED_QUANTITIES.filter((_, i) => bits & (1 << i)), counted: words[C.iter],
    };
  }
  const s = new Float32Array(bytes, at.stats, TRAINER_STATS_WORDS);
  const t = new Float32Array(bytes, at.metrics, TRAINER_METRICS_WORDS);
  const seconds = (now - since.time) / 1000;
  const iteration = words[C.iter];
  const S = TRAINER_STAT;
  const T = TRAINER_METRIC;
  const metrics: TrainerMetrics = {
    iteration,
    hObjective: s[S.objH],
    eObjective: s[S.objE],
    divergence: c.mode === 'fdiv' ? s[S.objE] : null,
    meanEData: s[S.eData],
    meanESamples: s[S.eModel],
    meanG: s[S.meanG],
    meanC: s[S.meanC],
    gradNormE: t[T.gradNormE],
    gradNormH: c.mode === 'fdiv' ? t[T.gradNormH] : null,
    acceptance: t[T.acceptance] >= 0 ? t[T.acceptance] : null,
    itPerSecond: seconds > 0 ? (iteration - since.done) / seconds : 0,
    nonFinite: false,
  };
  const params: LastGoodParams = {
    iteration,
    paramsE: new Float32Array(bytes.slice(at.paramsE, at.paramsE + 4 * sizes.sizeE)),
    paramsH: sizes.sizeH > 0 ? new Float32Array(bytes.slice(at.paramsH, at.paramsH + 4 * sizes.sizeH)) : null,
  };
  return { ok: true, metrics, params };
}

// The layout of the trainer's small GPU buffers and its codes, read from the
// trainer's shaders (src/device/constants.ts): the counter words
// (trainer_common.wgsl TRN_*), the statistics slots (TRN_S_*), the modes
// (TRN_MODE_*), the Philox streams (TRN_STREAM_*), the label sources
// (TRN_LABELS_*), the metrics kernel's output
// slots (trainer_metrics.wgsl TM_*), and the readback buffer of a metrics point.

import { shaderCodes, shaderConstant } from '../device/constants';
import { LABEL_SOURCES, type TrainerMode } from './config';

/** Words of the trainer's counter buffer (u32). */
export const TRAINER_COUNTER = shaderCodes('trainer_common.wgsl', 'TRN_', ['iter', 'filled', 'pos', 'bits', 'badIter', 'badBits'] as const);
/** Slots of the trainer's statistics buffer (f32), rewritten every iteration. */
export const TRAINER_STAT = shaderCodes('trainer_common.wgsl', 'TRN_S_', ['objH', 'objE', 'eData', 'eModel', 'meanG', 'meanC'] as const);
/** TrnParams.mode. */
export const TRAINER_MODE = shaderCodes('trainer_common.wgsl', 'TRN_MODE_', ['fdiv', 'cd'] satisfies TrainerMode[]);
/** Philox streams of the data batch, replay restarts and fresh starts (counter (index, iteration, stream, block)). */
export const TRAINER_STREAM = shaderCodes('trainer_common.wgsl', 'TRN_STREAM_', ['data', 'replay', 'fresh'] as const);
/** TrnParams.labels: where a conditional model's restarted chain takes its label (replay.labels). */
export const TRAINER_LABELS = shaderCodes('trainer_common.wgsl', 'TRN_LABELS_', LABEL_SOURCES);
/** Slots of trainer_metrics.wgsl's output (f32). */
export const TRAINER_METRIC = shaderCodes('trainer_metrics.wgsl', 'TM_', ['gradNormE', 'gradNormH', 'acceptance'] as const);

/** Words of the counter, statistics and metrics buffers. */
export const TRAINER_COUNTER_WORDS = shaderConstant('trainer_common.wgsl', 'TRN_COUNTER_WORDS');
export const TRAINER_STATS_WORDS = shaderConstant('trainer_common.wgsl', 'TRN_STATS_WORDS');
export const TRAINER_METRICS_WORDS = shaderConstant('trainer_metrics.wgsl', 'TM_OUT_WORDS');

/** Entries of a checked quantity that one trn_check invocation watches (trainer_check.wgsl). */
export const TRAINER_CHECK_SPAN = shaderConstant('trainer_check.wgsl', 'TRN_CHECK_SPAN');

/** trn_check's invocations for a quantity of `count` entries. */
export function checkInvocations(count: number): number {
  return Math.ceil(count / TRAINER_CHECK_SPAN);
}

/** The readback buffer's layout (byte offsets): counters, statistics, metrics, then E's and H's parameters. */
export function readbackLayout(sizeE: number, sizeH: number) {
  const counters = 0;
  const stats = counters + 4 * TRAINER_COUNTER_WORDS;
  const metrics = stats + 4 * TRAINER_STATS_WORDS;
  const paramsE = metrics + 4 * TRAINER_METRICS_WORDS;
  const paramsH = paramsE + 4 * sizeE;
  return { counters, stats, metrics, paramsE, paramsH, size: paramsH + 4 * sizeH };
}

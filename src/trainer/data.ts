// The data a trainer takes, checked and laid out as the networks' input rows.
//
// Unconditional model (classes = 0): rows of x, [rows][energy.inputDim], used
// as they are. Class-conditional model (classes = k > 0): rows of x,
// [rows][energy.inputDim - k], with one integer label in [0, k - 1] per row;
// the trainer's data set on the GPU holds [x, onehot(label)] rows of
// energy.inputDim values, so the data batch, the chains and the replay buffer
// all carry rows of one width and a label travels with its row. The data's
// range of values (for replay.initBox and sampler.box 'data') is that of x.

import { ConfigError } from '../errors';
import type { ValidTrainerConfig } from './config';

/**
 * Rows of x (a Float32Array), or rows with their labels, as the data loaders
 * (src/data/) return them: { data, labels }.
 */
export type TrainerData = Float32Array | { data: Float32Array; labels?: ArrayLike<number> | null };

export interface TrainerRows {
  /** The networks' input rows, [count][energy.inputDim]: x, then the one-hot label for a conditional model. */
  rows: Float32Array;
  count: number;
  /** The smallest and largest value of x ([lo, lo + 1] when all are equal). */
  range: [number, number];
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : ArrayBuffer.isView(v) ? v.constructor.name : typeof v);

/**
 * Checks `data` against the configuration and returns the networks' rows.
 * Every failure is a ConfigError naming the field ('data', 'labels',
 * 'labels[i]') and what is allowed: unlabelled data for a conditional model,
 * labels for an unconditional one, a label count other than the rows, a label
 * that is not an integer in [0, classes - 1], rows of another width, a
 * non-finite value.
 */
export function trainerRows(data: TrainerData, c: Pick<ValidTrainerConfig, 'energy' | 'classes'>): TrainerRows {
  const k = c.classes;
  const inputDim = c.energy.inputDim;
  const dim = inputDim - k;
  const labelled = !(data instanceof Float32Array) && typeof data === 'object' && data !== null;
  const x = labelled ? (data as { data: unknown }).data : data;
  const labels = labelled ? (data as { labels?: ArrayLike<number> | null }).labels ?? null : null;
  const width = k > 0 ? `dim = energy.inputDim - classes = ${inputDim} - ${k} = ${dim}` : `dim = energy.inputDim = ${dim}`;
  if (!(x instanceof Float32Array) || x.length === 0 || x.length % dim !== 0) {
    const got = x instanceof Float32Array ? `length ${x.length}` : describe(x);
    throw new ConfigError('data', `must be a non-empty Float32Array of rows of ${width} values${k > 0 ? ' (and labels)' : ''}, got ${got}`);
  }
  const count = x.length / dim;
  if (count >= 2 ** 32) throw new ConfigError('data', 'must hold fewer than 2^32 rows');
  if (k === 0 && labels !== null) {
    throw new ConfigError(
      'labels',
      'were given but the model is unconditional (classes = 0): leave them out, or set classes to the number of classes ' +
        '(then energy.inputDim = the data\'s dimension + classes)',
    );
  }
  if (k > 0 && labels === null) {
    throw new ConfigError(
      'labels',
      `are required: the model is class-conditional (classes = ${k}); give the data as { data, labels } with one label in [0, ${k - 1}] per row`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) throw new ConfigError('data', `entry ${i} (row ${Math.floor(i / dim)}) is ${v}: every value must be finite`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(hi > lo)) hi = lo + 1;
  if (k === 0) return { rows: x, count, range: [lo, hi] };
  if (typeof labels!.length !== 'number' || typeof labels === 'string') throw new ConfigError('labels', `must be an array of integers, got ${describe(labels)}`);
  if (labels!.length !== count) throw new ConfigError('labels', `must hold one label per row: ${count} rows of ${dim} values, got ${labels!.length} labels`);
  return { rows: oneHotRows(x, labels!, dim, k), count, range: [lo, hi] };
}

/**
 * [x, onehot(label)] rows of dim + classes values from rows of x ([n][dim])
 * and n labels, each checked to be an integer in [0, classes - 1]
 * (ConfigError 'labels[i]').
 */
export function oneHotRows(x: ArrayLike<number>, labels: ArrayLike<number>, dim: number, classes: number): Float32Array {
  const n = labels.length;
  if (x.length !== n * dim) throw new ConfigError('labels', `must hold one label per row of ${dim} values: ${x.length / dim} rows, got ${n} labels`);
  const width = dim + classes;
  const out = new Float32Array(n * width);
  for (let r = 0; r < n; r++) {
    const y = labels[r];
    if (typeof y !== 'number' || !Number.isInteger(y) || y < 0 || y >= classes) {
      throw new ConfigError(`labels[${r}]`, `is ${y}: every label must be an integer in [0, ${classes - 1}] (classes = ${classes})`);
    }
    for (let j = 0; j < dim; j++) out[r * width + j] = x[r * dim + j];
    out[r * width + dim + y] = 1;
  }
  return out;
}

/**
 * The inverse of oneHotRows: x and the labels of [x, onehot(y)] rows.
 * ConfigError `field` when a row's last `classes` values are not one-hot.
 */
export function splitOneHotRows(rows: ArrayLike<number>, width: number, classes: number, field = 'data'): { x: Float32Array; labels: Int32Array } {
  const n = rows.length / width;
  const dim = width - classes;
  const x = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let label = -1;
    for (let l = 0; l < classes; l++) {
      const v = rows[r * width + dim + l];
      if (v === 1 && label < 0) label = l;
      else if (v !== 0) label = -2;
    }
    if (label < 0) throw new ConfigError(field, `row ${r}: its last ${classes} values (the label) must be one-hot: one 1, the others 0`);
    labels[r] = label;
    for (let j = 0; j < dim; j++) x[r * dim + j] = rows[r * width + j];
  }
  return { x, labels };
}

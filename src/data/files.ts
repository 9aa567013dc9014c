// One entry for every data file the library reads, chosen by the file's
// content, not its name: gzip (1f 8b: decompressed, then looked at again),
// NumPy .npy (93 'NUMPY', src/data/npy.ts), IDX (00 00 type n,
// src/data/idx.ts), otherwise text (CSV or JSON rows, src/data/load.ts).
// An optional second file holds one integer label per row (IDX, .npy, or a
// one-column CSV/JSON); a count that differs from the rows is refused with
// the offset (or line) of the labels' count.
//
// Gunzip uses the platform's DecompressionStream (every current browser,
// Node >= 18): native zlib, no dependency, and it checks gzip's CRC-32 and
// length, so a damaged or truncated .gz is refused rather than read short.
// The price is an async API (loadDataFile); parseDataBytes is the synchronous
// core for bytes that are not gzipped.

import { DataError, parseData, type LoadLimits, type ParsedData } from './load';
import { IDX_TYPES, parseIdxImages, parseIdxLabels, type ParsedLabels } from './idx';
import { NPY_MAGIC, parseNpyLabels, parseNpyRows } from './npy';

/** A file's name (for messages) and its bytes. */
export interface DataFile {
  name: string;
  bytes: Uint8Array;
}

export type DataFormat = 'csv' | 'json' | 'idx' | 'npy';

/** Rows with their origin and, when a labels file was given, one integer label per row. */
export interface LabelledData extends ParsedData {
  /** The shape of one row: [28, 28] for MNIST images, [dim] for flat rows. */
  shape: number[];
  /** One label per row, each in [0, 2^31 - 1]. */
  labels?: Int32Array;
  /** 1 + the largest label (0 without labels). */
  classes: number;
  format: DataFormat;
}

export interface DataFileOptions extends LoadLimits {
  /** Largest size a gzipped file may decompress to; default 2^31 - 1 bytes. */
  maxFileBytes?: number;
}

/** The largest file the loaders read (a typed array's practical size limit in browsers). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const isNpy = (b: Uint8Array) => b.length >= 6 && NPY_MAGIC.every((m, i) => b[i] === m);
const isIdx = (b: Uint8Array) => b.length >= 4 && b[0] === 0 && b[1] === 0 && IDX_TYPES[b[2]] !== undefined && b[3] > 0;

/** The format of (not gzipped) bytes, by their first bytes. */
export function detectFormat(bytes: Uint8Array): 'npy' | 'idx' | 'text' {
  return isNpy(bytes) ? 'npy' : isIdx(bytes) ? 'idx' : 'text';
}

/** Decompresses a gzip file (DecompressionStream); refuses damage, truncation and output beyond maxFileBytes. */
export async function gunzip(bytes: Uint8Array, options: { file?: string; maxFileBytes?: number } = {}): Promise<Uint8Array> {
  const { file } = options;
  const limit = options.maxFileBytes ?? MAX_FILE_BYTES;
  const pre = file ? `${file}: ` : '';
  if (typeof DecompressionStream === 'undefined') throw new DataError(`${pre}this platform has no DecompressionStream to read gzip; decompress the file first`, { file });
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new DataError(`${pre}decompresses to more than ${limit} bytes (maxFileBytes)`, { offset: limit, file });
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${pre}the gzip data is damaged or truncated (${(e as Error).message}) after ${total} decompressed bytes`, { offset: total, file });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function textOf(file: DataFile): string {
  const nul = file.bytes.indexOf(0);
  if (nul >= 0) {
    throw new DataError(
      `${file.name}: not a data file: neither gzip (1f 8b), .npy (93 'NUMPY'), IDX (00 00 type dims) nor text (a zero byte at byte ${nul})`,
      { offset: nul, file: file.name },
    );
  }
  return new TextDecoder().decode(file.bytes);
}

function withFile<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DataError && e.file === undefined) {
      throw new DataError(`${name}: ${e.message}`, { line: e.line, row: e.row, column: e.column, offset: e.offset, file: name });
    }
    throw e;
  }
}

function labelsOf(file: DataFile): ParsedLabels & { what: string } {
  const kind = detectFormat(file.bytes);
  if (kind === 'idx') return { ...parseIdxLabels(file.bytes, { file: file.name }), what: 'the count at byte 4' };
  if (kind === 'npy') {
    const p = parseNpyLabels(file.bytes, { file: file.name });
    return { ...p, what: `the shape at byte ${p.countOffset}` };
  }
  const parsed = withFile(file.name, () => parseData(textOf(file), { header: undefined }));
  if (parsed.dim !== 1) throw new DataError(`${file.name}: labels are one integer per line, but the rows have ${parsed.dim} values`, { line: 1, file: file.name });
  const labels = new Int32Array(parsed.rows);
  for (let i = 0; i < parsed.rows; i++) {
    const v = parsed.data[i];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new DataError(`${file.name}: label ${i} is ${v}, labels are integers in [0, 2147483647]`, { row: i, file: file.name });
    }
    labels[i] = v;
  }
  return { labels, countOffset: 0, what: 'its rows' };
}

/** Checks that labels match rows one for one and returns the labelled data. */
export function attachLabels(data: Omit<LabelledData, 'labels' | 'classes'>, parsed: ParsedLabels & { what?: string }, file: string): LabelledData {
  const { labels } = parsed;
  if (labels.length !== data.rows) {
    throw new DataError(`${file}: ${labels.length} labels for ${data.rows} rows of data (${parsed.what ?? 'the labels count'}): each row needs one label`, {
      offset: parsed.countOffset,
      file,
    });
  }
  let classes = 0;
  for (let i = 0; i < labels.length; i++) classes = Math.max(classes, labels[i] + 1);
  return { ...data, labels, classes };
}

/**
 * Rows (and labels) from files that are not gzipped, by content (see the
 * top of this file). Errors are DataError naming the file and the offset
 * (binary) or line (text).
 */
export function parseDataBytes(file: DataFile, options: LoadLimits & { labels?: DataFile } = {}): LabelledData {
  for (const f of [file, options.labels]) {
    if (f && isGzip(f.bytes)) throw new DataError(`${f.name}: gzip data: decompress it first (loadDataFile does)`, { offset: 0, file: f.name });
  }
  const limits: LoadLimits = { maxBytes: options.maxBytes, maxRows: options.maxRows, maxBytesName: options.maxBytesName };
  const kind = detectFormat(file.bytes);
  let rows: Omit<LabelledData, 'labels' | 'classes'>;
  if (kind === 'idx') rows = { ...parseIdxImages(file.bytes, { ...limits, file: file.name }), format: 'idx' };
  else if (kind === 'npy') rows = { ...parseNpyRows(file.bytes, { ...limits, file: file.name }), format: 'npy' };
  else {
    const text = textOf(file);
    const parsed = withFile(file.name, () => parseData(text, limits));
    const head = text.replace(/^\uFEFF/, '').trimStart();
    rows = { ...parsed, shape: [parsed.dim], format: head.startsWith('[') || head.startsWith('{') ? 'json' : 'csv' };
  }
  if (!options.labels) return { ...rows, classes: 0 };
  return attachLabels(rows, labelsOf(options.labels), options.labels.name);
}

/** parseDataBytes after decompressing gzipped files (either may be). */
export async function loadDataFile(file: DataFile, options: DataFileOptions & { labels?: DataFile } = {}): Promise<LabelledData> {
  const open = async (f: DataFile): Promise<DataFile> =>
    isGzip(f.bytes) ? { name: f.name, bytes: await gunzip(f.bytes, { file: f.name, maxFileBytes: options.maxFileBytes }) } : f;
  const main = await open(file);
  const labels = options.labels ? await open(options.labels) : undefined;
  return parseDataBytes(main, { ...options, labels });
}

// The IDX format of MNIST and Fashion-MNIST (`*-images-idx3-ubyte`,
// `*-labels-idx1-ubyte`; gzipped files are decompressed first, see
// src/data/files.ts):
//
//   bytes 0-1   0x00 0x00
//   byte  2     element type: 0x08 unsigned byte, 0x09 signed byte,
//               0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
//   byte  3     number of dimensions n (1 to 255)
//   bytes 4..   n sizes, each a big-endian uint32
//   then        the elements, big-endian, C order (last index fastest), and
//               nothing after them
//
// Images: n >= 2; dimension 0 counts the images and the others make one row
// (28 x 28 -> 784 values); unsigned bytes are scaled to [0, 1] by 1/255, other
// types taken as they are (src/data/elements.ts). Labels: n = 1 (or n = 2
// with a second size of 1), integer elements, each in [0, 2^31 - 1].
// Every refusal is a DataError with the byte offset it concerns (`offset`):
// a bad magic at 0, an unknown type at 2, a size of 0 at its field, a
// truncated file at its end, bytes after the data where they start, a bad
// value where it is.

import { DataError, checkLimits, type LoadLimits, type ParsedData } from './load';
import { ELEMENT_BYTES, toFloat32, toLabels, type ElementType } from './elements';

/** IDX element type codes (byte 2 of the magic). */
export const IDX_TYPES: Readonly<Record<number, ElementType>> = { 0x08: 'u8', 0x09: 'i8', 0x0b: 'i16', 0x0c: 'i32', 0x0d: 'f32', 0x0e: 'f64' };

const TYPE_NAMES: Record<string, string> = { u8: 'unsigned bytes', i8: 'signed bytes', i16: 'int16', i32: 'int32', f32: 'float32', f64: 'float64' };

export interface IdxHeader {
  type: ElementType;
  /** The sizes of every dimension. */
  dims: number[];
  /** Where the elements start (4 + 4 n). */
  dataOffset: number;
}

/** Rows from a binary file: `shape` is the shape of one row (28 x 28 for MNIST; [dim] for flat rows). */
export interface ArrayData extends ParsedData {
  shape: number[];
}

/** Options of the binary parsers: the size limits, and the file's name for messages. */
export interface BinaryOptions extends LoadLimits {
  file?: string;
}

const hex = (b: Uint8Array, from: number, to: number) =>
  Array.from(b.subarray(from, to), (x) => x.toString(16).padStart(2, '0')).join(' ');

/** What a file that is not IDX seems to be, for the message. */
export function sniffFormat(bytes: Uint8Array): string | null {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'a gzip file (decompress it first; loadDataFile does)';
  if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') return 'a NumPy .npy file';
  return null;
}

/** Reads and checks the header, and that the file holds exactly the elements it announces. */
export function readIdxHeader(bytes: Uint8Array, file?: string): IdxHeader {
  const pre = file ? `${file}: ` : '';
  const fail = (msg: string, offset: number): never => {
    throw new DataError(`${pre}${msg}`, { offset, file });
  };
  if (bytes.length < 4) fail(`truncated: an IDX header needs at least 4 bytes, the file has ${bytes.length}`, bytes.length);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const seems = sniffFormat(bytes);
    fail(`not an IDX file: bytes 0-1 are ${hex(bytes, 0, 2)}, an IDX file starts with 00 00${seems ? ` (this looks like ${seems})` : ''}`, 0);
  }
  const type = IDX_TYPES[bytes[2]];
  if (type === undefined) {
    fail(`not an IDX file: byte 2 (the element type) is 0x${hex(bytes, 2, 3)}, expected one of 08 (unsigned byte), 09 (signed byte), 0b (int16), 0c (int32), 0d (float32), 0e (float64)`, 2);
  }
  const n = bytes[3];
  if (n === 0) fail('byte 3 (the number of dimensions) is 0, expected 1 to 255', 3);
  const dataOffset = 4 + 4 * n;
  if (bytes.length < dataOffset) fail(`truncated: the header of ${n} dimensions needs ${dataOffset} bytes, the file has ${bytes.length}`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    if (d === 0) fail(`size ${i} (bytes ${4 + 4 * i}-${7 + 4 * i}) is 0: the file holds no data`, 4 + 4 * i);
    dims.push(d);
  }
  const size = ELEMENT_BYTES[type];
  const expected = dims.reduce((a, b) => a * b, 1) * size;
  const have = bytes.length - dataOffset;
  const shape = `${dims.join(' x ')} ${TYPE_NAMES[type]}`;
  if (have < expected) {
    const item = dims.length > 1 ? dims.slice(1).reduce((a, b) => a * b, 1) * size : size;
    fail(
      `truncated: the header announces ${shape} (${expected} bytes from byte ${dataOffset}), the file has ${have}; ` +
        `it ends inside item ${Math.floor(have / item)} of ${dims[0]}`,
      bytes.length,
    );
  }
  if (have > expected) {
    fail(`${have - expected} bytes after the data: the header announces ${shape}, which end at byte ${dataOffset + expected} (a wrong size in the header?)`, dataOffset + expected);
  }
  return { type, dims, dataOffset };
}

/**
 * An IDX file of images (or any rows): dimension 0 counts the rows, the
 * others make one row. `options.maxBytes`, `maxRows` are checked before any
 * value is converted.
 */
export function parseIdxImages(bytes: Uint8Array, options: BinaryOptions = {}): ArrayData {
  const { file } = options;
  const h = readIdxHeader(bytes, file);
  if (h.dims.length < 2) {
    throw new DataError(
      `${file ? `${file}: ` : ''}byte 3: an IDX file of 1 dimension (${h.dims[0]} values) holds labels, not images; images have 2 or more (count x rows x columns)`,
      { offset: 3, file },
    );
  }
  const rows = h.dims[0];
  const shape = h.dims.slice(1);
  const dim = shape.reduce((a, b) => a * b, 1);
  try {
    checkLimits(rows, dim, options);
  } catch (e) {
    throw new DataError(`${file ? `${file}: ` : ''}${(e as Error).message}`, { offset: 4, file });
  }
  const data = toFloat32({ bytes, offset: h.dataOffset, count: rows * dim, layout: { type: h.type, littleEndian: false }, file }, (i) => `image ${Math.floor(i / dim)}, value ${i % dim}`);
  return { data, rows, dim, shape };
}

/** Labels with the byte offset of the field that holds their count (for the count-mismatch message). */
export interface ParsedLabels {
  labels: Int32Array;
  countOffset: number;
}

/** An IDX file of labels: 1 dimension (or N x 1), integer elements in [0, 2^31 - 1]. */
export function parseIdxLabels(bytes: Uint8Array, options: { file?: string } = {}): ParsedLabels {
  const { file } = options;
  const h = readIdxHeader(bytes, file);
  if (h.dims.length > 2 || (h.dims.length === 2 && h.dims[1] !== 1)) {
    throw new DataError(`${file ? `${file}: ` : ''}byte 3: labels have 1 dimension (or N x 1), this file has ${h.dims.join(' x ')} (images?)`, { offset: 3, file });
  }
  const labels = toLabels(
    { bytes, offset: h.dataOffset, count: h.dims[0], layout: { type: h.type, littleEndian: false }, file },
    (i) => `label ${i}`,
    TYPE_NAMES[h.type],
    2,
  );
  return { labels, countOffset: 4 };
}

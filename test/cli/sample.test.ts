// The sample command's Node side (cli/sample.ts) without a GPU: arguments,
// the two starts (the replay buffer's newest rows in order; seeded noise in
// the checkpoint's initBox), and refusals before a browser starts.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initialChains, parseSampleArgs, prepareSample, recentReplayRows } from '../../cli/sample';
import { ConfigError } from '../../src/errors';
import { sampleCheckpoint, sampleSnapshot } from './sample-fixture';

function fieldOf(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  return null;
}

describe('sample: command line', () => {
  it('defaults and options in any order', () => {
    expect(parseSampleArgs(['c.febm'])).toEqual({ checkpoint: 'c.febm', n: 64, start: 'replay', seed: 0, out: 'out/sample' });
    expect(parseSampleArgs(['--steps', '60', '--start', 'noise', 'c.febm', '--n', '9', '--seed', '4', '--out', 'o'])).toEqual({
      checkpoint: 'c.febm', n: 9, steps: 60, start: 'noise', seed: 4, out: 'o',
    });
  });
  it('refuses bad arguments naming them', () => {
    expect(fieldOf(() => parseSampleArgs([]))).toBe('checkpoint');
    expect(fieldOf(() => parseSampleArgs(['a', 'b']))).toBe('checkpoint');
    expect(fieldOf(() => parseSampleArgs(['a', '--n', '1']))).toBe('--n');
    expect(fieldOf(() => parseSampleArgs(['a', '--steps', '0']))).toBe('--steps');
    expect(fieldOf(() => parseSampleArgs(['a', '--start', 'data']))).toBe('--start');
    expect(() => parseSampleArgs(['a', '--label', '3'])).toThrow(/--label/);
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

// The sample-quality score (src/score/score.ts) with the committed
// classifier against the held-out digits, on sets of known quality
// (experiments/digits/calibrate.ts, 500 samples, seed 0): the ordering that
// gives the score its meaning, with the measured values (docs/score.md) as
// bounds with margin, and the refusals.

import { describe, expect, it } from 'vitest';
import { calibrationSamples, digitScore, type CalibrationSet } from '../../experiments/digits/calibrate';
import type { SampleScore } from '../../src/score/score';

describe('the digit score against the held-out digits', () => {
  const { score, train } = digitScore();
  const n = 500;
  const scores = {} as Record<CalibrationSet, SampleScore>;
  for (const set of ['digits', 'noisy', 'noisy-raw', 'means', 'one-class', 'uniform'] as const) {
    const { rows, labels } = calibrationSamples(set, train, n, 0);
    scores[set] = score.score(rows, n, labels);
  }

  it('training digits: a small distance, every class 5-15%, mostly confident, classified as their label', () => {
    const s = scores.digits;
    expect(s.n).toBe(n);
    expect(s.frechet).toBeGreaterThan(0);
    expect(s.frechet).toBeLessThan(2.5); // measured 1.45
    expect(s.minShare).toBeGreaterThan(0.05);
    expect(s.maxShare).toBeLessThan(0.15);
    expect(s.histogram.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(s.confident).toBeGreaterThan(0.85); // measured 0.898
    expect(s.agreement).toBeGreaterThan(0.95); // measured 0.978
  });

  it('orders the sets as their quality: digits < noise added < clipped noise < class means < one class < uniform noise', () => {
    const f = (k: CalibrationSet) => scores[k].frechet;
    expect(f('digits')).toBeLessThan(f('noisy-raw'));
    expect(f('noisy-raw')).toBeLessThan(5); // measured 2.07: zero-mean noise mostly averages out in the first layer
    expect(f('noisy')).toBeGreaterThan(15); // measured 30.7: clipping to [0, 1] leaves a grey haze of mean 0.08
    expect(f('noisy')).toBeLessThan(f('means'));
    expect(f('means')).toBeGreaterThan(35); // measured 48.2
    expect(f('means')).toBeLessThan(f('one-class'));
    expect(f('one-class')).toBeGreaterThan(100); // measured 155
    expect(scores['one-class'].maxShare).toBeGreaterThan(0.9);
    expect(f('uniform')).toBeGreaterThan(300); // measured 394
    expect(scores.uniform.confident).toBeLessThan(0.5);
  });

  it('agreement falls to chance and below with wrong labels', () => {
    const { rows, labels } = calibrationSamples('digits', train, n, 0);
    const wrong = labels!.map((l) => (l + 1) % 10);
    expect(score.score(rows, n, wrong).agreement).toBeLessThan(0.05);
  });

  it('refuses too few samples, non-finite values and a label count that does not match', () => {
    const { rows } = calibrationSamples('digits', train, 4, 0);
    expect(() => score.score(rows, 1)).toThrow(/n: the score needs at least 2 samples/);
    expect(() => score.score(rows, 4, [1, 2])).toThrow(/labels: must hold one label per sample \(4\), got 2/);
    const bad = Float32Array.from(rows);
    bad[800] = NaN;
    expect(() => score.score(bad, 4)).toThrow(/samples: value 800 \(sample 1\) is not finite/);
  });
});

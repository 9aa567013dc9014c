// The sample-quality score of digit samples, computed by the project itself
// with its own classifier (src/score/classifier.ts), for a set of samples
// against a reference set (the held-out digits):
//
//   frechet     FID's recipe with our network: the Frechet distance between
//               Gaussians fitted (mean, covariance) to the classifier's
//               penultimate features (64 values) of the samples and of the
//               reference (src/score/frechet.ts). 0 for identical
//               statistics; it grows with both wrong content and wrong
//               variety. Its value depends on the number of samples (a
//               covariance from fewer rows is noisier, which adds to the
//               distance): compare scores of the same n. docs/score.md gives
//               the calibration.
//   histogram   the share of samples in each class (the classifier's most
//               probable class): coverage of the ten digits
//   confident   the share of samples whose most probable class has
//               probability >= CONFIDENT_PROBABILITY (0.9)
//   agreement   for a conditional model (labels given): the share of samples
//               classified as their label

import { ConfigError } from '../errors';
import { argmaxRows, DigitClassifier } from './classifier';
import { frechetDistance, gaussianOf, type Gaussian } from './frechet';

/** A sample is confident when its most probable class has at least this probability. */
export const CONFIDENT_PROBABILITY = 0.9;

export interface SampleScore {
  /** Samples scored. */
  n: number;
  /** Frechet distance in the classifier's penultimate features to the reference set. */
  frechet: number;
  /** Share of samples per class (sums to 1). */
  histogram: number[];
  /** The smallest and largest class share. */
  minShare: number;
  maxShare: number;
  /** Share of samples with max probability >= CONFIDENT_PROBABILITY. */
  confident: number;
  /** Conditional samples only: share classified as their label. */
  agreement?: number;
}

/** A classifier and the feature statistics of a reference set, computed once; score() then scores any set of samples. */
export class DigitScore {
  private constructor(readonly classifier: DigitClassifier, readonly reference: Gaussian) {}

  /** From a classifier and n reference rows (e.g. the held-out digits). */
  static create(classifier: DigitClassifier, referenceRows: ArrayLike<number>, n: number): DigitScore {
    const out = classifier.evaluate(referenceRows, n);
    return new DigitScore(classifier, gaussianOf(out.features, n, out.featureDim));
  }

  /** The score of n samples (row-major, classifier.inputDim values each); `labels` for a conditional model's samples. */
  score(samples: ArrayLike<number>, n: number, labels?: ArrayLike<number>): SampleScore {
    if (!Number.isInteger(n) || n < 2) throw new ConfigError('n', `the score needs at least 2 samples, got ${n}`);
    if (labels !== undefined && labels.length !== n) throw new ConfigError('labels', `must hold one label per sample (${n}), got ${labels.length}`);
    for (let i = 0; i < samples.length && i < n * this.classifier.inputDim; i++) {
      if (!Number.isFinite(samples[i])) throw new ConfigError('samples', `value ${i} (sample ${Math.floor(i / this.classifier.inputDim)}) is not finite: ${samples[i]}`);
    }
    const out = this.classifier.evaluate(samples, n);
    const C = out.classes;
    const predicted = argmaxRows(out.probs, n, C);
    const counts = new Array<number>(C).fill(0);
    let confident = 0;
    let agree = 0;
    for (let i = 0; i < n; i++) {
      counts[predicted[i]]++;
      if (out.probs[i * C + predicted[i]] >= CONFIDENT_PROBABILITY) confident++;
      if (labels && predicted[i] === labels[i]) agree++;
    }
    const histogram = counts.map((c) => c / n);
    const { distance } = frechetDistance(gaussianOf(out.features, n, out.featureDim), this.reference);
    return {
      n, frechet: distance, histogram, minShare: Math.min(...histogram), maxShare: Math.max(...histogram), confident: confident / n,
      ...(labels ? { agreement: agree / n } : {}),
    };
  }
}

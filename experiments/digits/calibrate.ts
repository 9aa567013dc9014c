// What the sample-quality score's values mean: the score (src/score/score.ts)
// of sets whose quality is known, against the held-out digits, at several
// sample counts (the Frechet distance depends on n). docs/score.md holds
// the table this prints:
//
//   node bin/febm.mjs experiments/digits/calibrate.ts [--n 250,500,1000,1996] [--seed S]
//
// Sets (n rows each, drawn with seeded generators, nothing shared with the
// held-out reference):
//   digits      training digits (a seeded random choice): what a model that
//               reproduced its training data would score
//   noisy       the same digits plus N(0, 0.2^2) per pixel, clipped to
//               [0, 1] (the sampler's box)
//   noisy-raw   the same noise, not clipped
//   means       each sample the mean image of its class (the training
//               digits' class means, in the training split's class
//               proportions): right classes, no variety, blurry strokes
//   one-class   only ones (the 902 training digits of class 1, repeated
//               beyond 902): a collapsed model
//   uniform     U[0, 1] per pixel: the chains' starting noise

import {
  DigitClassifier, DigitScore, seededNormal, seededUniform, selectRows, splitHeldOut, type ClassifierFile, type LabelledData, type SampleScore,
} from '../../src/index';
import classifierFile from '../../src/score/digit-classifier.json';
import { readMnistPackage } from './mnist';

export const CALIBRATION_SETS = ['digits', 'noisy', 'noisy-raw', 'means', 'one-class', 'uniform'] as const;
export type CalibrationSet = (typeof CALIBRATION_SETS)[number];

/** The committed classifier. */
export function committedClassifier(): DigitClassifier {
  return DigitClassifier.fromFile(classifierFile as unknown as ClassifierFile);
}

/** The score against the held-out digits, with the training digits the sets are drawn from. */
export function digitScore(): { score: DigitScore; train: LabelledData; heldOut: LabelledData } {
  const { train, heldOut } = splitHeldOut(readMnistPackage());
  return { score: DigitScore.create(committedClassifier(), heldOut.data, heldOut.rows), train, heldOut };
}

/** n training rows chosen by a seeded shuffle (distinct while there are enough, then the shuffle repeats). */
function choose(train: LabelledData, n: number, seed: number, keep: (label: number) => boolean = () => true): LabelledData {
  const idx = Array.from({ length: train.rows }, (_, i) => i).filter((i) => keep(train.labels![i]));
  const u = seededUniform(seed);
  for (let i = idx.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return selectRows(train, Array.from({ length: n }, (_, k) => idx[k % idx.length]));
}

/** The n rows (and their labels, where they have one) of a calibration set. */
export function calibrationSamples(set: CalibrationSet, train: LabelledData, n: number, seed = 0): { rows: Float32Array; labels?: Int32Array } {
  const D = train.dim;
  if (set === 'uniform') {
    const u = seededUniform(seed + 100);
    return { rows: Float32Array.from({ length: n * D }, () => u()) };
  }
  if (set === 'one-class') return { rows: choose(train, n, seed, (l) => l === 1).data };
  const picked = choose(train, n, seed);
  if (set === 'digits') return { rows: picked.data, labels: picked.labels };
  if (set === 'means') {
    const sums = new Float64Array(10 * D);
    const counts = new Array(10).fill(0);
    for (let r = 0; r < train.rows; r++) {
      const l = train.labels![r];
      counts[l]++;
      for (let i = 0; i < D; i++) sums[l * D + i] += train.data[r * D + i];
    }
    const rows = new Float32Array(n * D);
    for (let r = 0; r < n; r++) {
      const l = picked.labels![r];
      for (let i = 0; i < D; i++) rows[r * D + i] = sums[l * D + i] / counts[l];
    }
    return { rows, labels: picked.labels };
  }
  const g = seededNormal(seed + 200);
  const rows = Float32Array.from(picked.data, (v) => {
    const x = v + 0.2 * g();
    return set === 'noisy' ? Math.min(1, Math.max(0, x)) : x;
  });
  return { rows, labels: picked.labels };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function calibrationRow(set: CalibrationSet, s: SampleScore): string {
  return `| ${set} | ${s.n} | ${s.frechet.toFixed(2)} | ${pct(s.minShare)} / ${pct(s.maxShare)} | ${pct(s.confident)} | ${s.agreement === undefined ? '' : pct(s.agreement)} |`;
}

export async function main(_vite: unknown, argv: string[]): Promise<number> {
  let ns = [250, 500, 1000, 1996];
  let seed = 0;
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--n') ns = argv[i + 1].split(',').map(Number);
    else if (argv[i] === '--seed') seed = Number(argv[i + 1]);
    else {
      process.stderr.write(`${argv[i]}: unknown option (options: --n N,N,..., --seed S)\n`);
      return 2;
    }
  }
  const { score, train } = digitScore();
  process.stdout.write('| set | n | Frechet | smallest / largest class | confident | agreement |\n|---|---|---|---|---|---|\n');
  for (const set of CALIBRATION_SETS) {
    for (const n of ns) {
      const { rows, labels } = calibrationSamples(set, train, n, seed);
      process.stdout.write(`${calibrationRow(set, score.score(rows, n, labels))}\n`);
    }
  }
  return 0;
}

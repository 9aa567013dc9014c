// The sample-quality score (docs/score.md) off the page's main thread: a
// Web Worker holds the project's digit classifier and the feature
// statistics of the held-out digits, and scores sets of samples on request,
// so that the page never waits for it. Messages:
//   in:  { kind: 'init', heldOut, rows }          the held-out digits, once
//        { kind: 'score', id, samples, n, labels } n rows of 784 values, labels for a conditional model
//   out: { kind: 'ready', seconds }                the reference statistics are computed
//        { kind: 'score', id, score, seconds } or { kind: 'error', id, message }

import { DigitClassifier, DigitScore, type SampleScore } from '../src/index';
import classifierFile from '../src/score/digit-classifier.json';

export type ScoreRequest =
  | { kind: 'init'; heldOut: Float32Array; rows: number }
  | { kind: 'score'; id: number; samples: Float32Array; n: number; labels: Int32Array | null };

export type ScoreReply =
  | { kind: 'ready'; seconds: number }
  | { kind: 'score'; id: number; score: SampleScore; seconds: number }
  | { kind: 'error'; id: number; message: string };

let scorer: DigitScore | null = null;
const post = (m: ScoreReply) => (self as unknown as Worker).postMessage(m);

self.onmessage = (e: MessageEvent<ScoreRequest>) => {
  const m = e.data;
  const t0 = performance.now();
  try {
    if (m.kind === 'init') {
      scorer = DigitScore.create(DigitClassifier.fromFile(classifierFile), m.heldOut, m.rows);
      post({ kind: 'ready', seconds: (performance.now() - t0) / 1000 });
    } else {
      if (!scorer) throw new Error('the score worker has no reference yet');
      const score = scorer.score(m.samples, m.n, m.labels ?? undefined);
      post({ kind: 'score', id: m.id, score, seconds: (performance.now() - t0) / 1000 });
    }
  } catch (err) {
    post({ kind: 'error', id: m.kind === 'score' ? m.id : -1, message: (err as Error).message });
  }
};

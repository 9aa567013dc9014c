// The page's side of the score worker (demo/score-worker.ts): one worker per
// page, started when the digits are first used, given the held-out digits
// once; score() sends a set of samples and resolves with their score.
// Scores are asked for rarely (every SCORE_EVERY iterations, one at a time
// per model) and on the chains only (as many samples as chains), so the
// worker, which shares the machine's cores with the GPU, stays a small load.

import type { LabelledData, SampleScore } from '../src/index';
import type { ScoreReply, ScoreRequest } from './score-worker';

/** A model's chains are scored every this many iterations. */
export const SCORE_EVERY = 50;

export class ScoreClient {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (s: SampleScore) => void; reject: (e: Error) => void }>();
  /** Resolves when the worker holds the held-out digits' statistics. */
  readonly ready: Promise<number>;

  constructor(heldOut: LabelledData) {
    this.worker = new Worker(new URL('./score-worker.ts', import.meta.url), { type: 'module', name: 'febm-score' });
    let onReady: (seconds: number) => void = () => undefined;
    let onFail: (e: Error) => void = () => undefined;
    this.ready = new Promise<number>((resolve, reject) => {
      onReady = resolve;
      onFail = reject;
    });
    this.worker.onmessage = (e: MessageEvent<ScoreReply>) => {
      const m = e.data;
      if (m.kind === 'ready') onReady(m.seconds);
      else if (m.kind === 'error' && m.id < 0) onFail(new Error(`the score worker: ${m.message}`));
      else {
        const w = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.kind === 'score') w?.resolve(m.score);
        else w?.reject(new Error(`the score: ${m.message}`));
      }
    };
    this.worker.onerror = (e) => onFail(new Error(`the score worker failed: ${e.message}`));
    this.send({ kind: 'init', heldOut: heldOut.data.slice(), rows: heldOut.rows });
  }

  private send(m: ScoreRequest, transfer: Transferable[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** The score of n samples (rows of 784 values in [0, 1]); labels for a conditional model's samples. */
  async score(samples: Float32Array, n: number, labels: Int32Array | null): Promise<SampleScore> {
    await this.ready;
    const id = this.next++;
    return new Promise<SampleScore>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send({ kind: 'score', id, samples, n, labels }, [samples.buffer]);
    });
  }

  terminate(): void {
    this.worker.terminate();
  }
}

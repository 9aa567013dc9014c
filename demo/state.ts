// The demo page's state: everything that changes while the page runs, in one
// object, each field saying what it holds; and the queue that runs GPU work
// one task at a time (a frame, a rebuild, a step, a save or a load), so a
// settings change waits for the frame in flight.

import type { Gpu, ValidTrainerConfig } from '../src/index';
import type { DataSet } from './data';
import type { Digits } from './digits';
import type { Model } from './model';
import type { ScoreClient } from './score';
import type { ModelView } from './views';

export class DemoState {
  /** The device, once acquired (null before, or when there is no WebGPU). */
  gpu: Gpu | null = null;
  /** The models that train: A, and B in compare mode. */
  models: Model[] = [];
  /** One panel per model, made once and kept (a later model reuses its panel). */
  readonly views: ModelView[] = [];
  /** Training in animation frames. */
  running = false;
  /** The device was lost (the pictures and the kept parameters stay). */
  lost = false;
  /** The first models were built (for the browser test). */
  ready = false;
  /** The data the models train on. */
  data: DataSet | null = null;
  /** The built-in digits, once loaded (the first time they are chosen). */
  digits: Digits | null = null;
  /** The score worker (made with the digits). */
  scorer: ScoreClient | null = null;
  /** The Frechet distance of n real (training) digits, by n: the score plot's reference line. */
  readonly realFrechet = new Map<number, number>();
  /** The kind of data the form's settings are for (its defaults are written when the kind changes). */
  kind: 'points' | 'digits' = 'points';
  /** The last data file dropped or chosen. */
  fileSet: DataSet | null = null;
  /** Points drawn with the mouse, [x0, y0, x1, y1, ...]. */
  readonly drawn: number[] = [];
  /** Bumped when the drawing changes (part of the data's key). */
  drawVersion = 0;
  /** Bumped when a data file is read (part of the data's key). */
  fileVersion = 0;
  /** Host copies of the last good models, kept when the device is lost. */
  kept: { config: ValidTrainerConfig; model: Model }[] = [];
  /** The last error message shown (for the browser test). */
  lastError = '';
  /** Iterations per animation frame (the last valid setting). */
  ipf = 2;
  /** The key (configurations and data) of the models that run: a rebuild happens only when it changes. */
  builtKey = '';
  /** The model whose task failed last (for the message). */
  failedModel = 0;
  /** Bumped by every start, so that only the latest training loop runs. */
  loopId = 0;

  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every GPU task queued before it. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

/** The page's one state. */
export const state = new DemoState();

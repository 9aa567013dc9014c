// metrics.jsonl, the train command's record of a run: one JSON object per
// line, one line per metrics point (TrainerMetrics), in iteration order.
// Fields computed in Node for an iteration (the sample-quality score of a
// digit run's checkpoint, cli/images.ts) join that iteration's line, so a
// reader gets one row per metrics point (pandas.read_json(lines=True),
// jq) with the score where there is one:
//
//   {"iteration": 50, "hObjective": ..., ..., "score": {"n", "frechet", ...}}
//
// To let them join, a run that may add such fields holds each record back
// until the next record, fields for its iteration, or close(): a line
// appears one metrics point late (the checkpoint that scores an iteration
// always comes after that iteration's record and before the next). Fields
// for an iteration that has no record (a checkpoint between metrics points)
// get a line of their own, {"iteration", ...fields}. A held record is after
// the last checkpoint, so a resumed run would drop it anyway.

import type { TrainerMetrics } from '../src/index';
import { appendLines } from './files';

export type MetricsLine = { iteration: number } & Record<string, unknown>;

export class MetricsFile {
  private held: MetricsLine | null = null;
  private readonly seen = new Set<number>();

  /** `hold`: hold each record back so that fields of its iteration can join it (see the header). */
  constructor(readonly file: string, private readonly hold: boolean) {}

  /** A metrics point's record (a second record of an iteration is ignored). */
  add(m: TrainerMetrics | MetricsLine): void {
    if (this.seen.has(m.iteration)) return;
    this.seen.add(m.iteration);
    this.flush();
    if (this.hold) this.held = { ...m };
    else this.write({ ...m });
  }

  /** Fields for an iteration: joined to its held record, else on a line of their own. */
  attach(iteration: number, fields: Record<string, unknown>): void {
    if (this.held && this.held.iteration === iteration) {
      const line = { ...this.held, ...fields };
      this.held = null;
      this.write(line);
      return;
    }
    this.flush();
    this.seen.add(iteration);
    this.write({ iteration, ...fields });
  }

  /** Writes the held record, if any. */
  flush(): void {
    if (!this.held) return;
    const line = this.held;
    this.held = null;
    this.write(line);
  }

  close(): void {
    this.flush();
  }

  private write(line: MetricsLine): void {
    appendLines(this.file, [JSON.stringify(line)]);
  }
}

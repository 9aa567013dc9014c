// metrics.jsonl (cli/metrics.ts): one line per metrics point in iteration
// order; fields for an iteration (a digit run's score) join its line when
// records are held, and get a line of their own where no record is held.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MetricsFile } from '../../cli/metrics';
import { metricsUpTo } from '../../cli/train';

const record = (iteration: number) => ({ iteration, hObjective: iteration / 10 });
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

function file(): string {
  const f = join(mkdtempSync(join(tmpdir(), 'febm-metrics-')), 'metrics.jsonl');
  writeFileSync(f, '');
  return f;
}

describe('metrics.jsonl', () => {
  it('held records: the score joins the line of its iteration; a line appears when the next record, fields or close come', () => {
    const f = file();
    const m = new MetricsFile(f, true);
    m.add(record(10));
    expect(readFileSync(f, 'utf8')).toBe('');
    m.add(record(20));
    m.attach(20, { score: { frechet: 3 } });
    m.add(record(30));
    // A checkpoint between metrics points: its own line, after the record before it.
    m.attach(35, { score: { frechet: 2 } });
    m.add(record(40));
    m.add(record(40));
    m.attach(40, { score: { frechet: 1 }, freshScore: { frechet: 0.5 } });
    m.close();
    expect(lines(f)).toEqual([
      record(10),
      { ...record(20), score: { frechet: 3 } },
      record(30),
      { iteration: 35, score: { frechet: 2 } },
      { ...record(40), score: { frechet: 1 }, freshScore: { frechet: 0.5 } },
    ]);
    // What a resumed run keeps from the checkpoint at 35: the lines up to it, scores included.
    expect(metricsUpTo(readFileSync(f, 'utf8'), 35).map((l) => JSON.parse(l))).toEqual(lines(f).slice(0, 4));
  });

  it('without holding, every record is written as it comes', () => {
    const f = file();
    const m = new MetricsFile(f, false);
    m.add(record(10));
    expect(lines(f)).toEqual([record(10)]);
    m.add(record(20));
    m.close();
    expect(lines(f)).toEqual([record(10), record(20)]);
  });
});

// Node side of T0 (bench/WORKLOADS.md): the wall-clock cost of the 1-D
// reproduction with the authors' settings, as one JSON line. Call runT0 from
// bench/run.ts, or run `npm run reproduce -- --t0 [--iterations N] [name]`.

import type { JobHost } from '../../harness/host';
import type { T0Config, T0Result } from './t0.jobs';
/** A figure rounded to `digits` significant digits (as bench/timing.ts prints them). */
const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));

export interface T0Line {
  workload: 'T0';
  divergence: string;
  backend: string;
  /** Seconds for the whole run (iterations only; setup separately). */
  value: number;
  unit: 's';
  iterations: number;
  setup_s: number;
  mu: number;
  sigma: number;
  gflops: number;
  quick?: boolean;
}


/** Runs T0 on a job host (a page) and returns its JSON line (quick: fewer than 30,000 iterations). */
export async function runT0(host: Pick<JobHost, 'run'>, config: T0Config = {}): Promise<T0Line> {
  const r = await host.run<T0Result>('t0.t0', config);
  const line: T0Line = {
    workload: 'T0',
    divergence: r.divergence,
    backend: r.adapter.replace(' ', '/'),
    value: round(r.seconds),
    unit: 's',
    iterations: r.iterations,
    setup_s: round(r.setupSeconds, 3),
    mu: round(r.mu, 6),
    sigma: round(r.sigma, 6),
    gflops: round(r.gflops, 3),
  };
  if (r.iterations < 30_000) line.quick = true;
  return line;
}

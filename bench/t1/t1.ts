// T1 (bench/WORKLOADS.md), Node side: one f-EBM training iteration for our
// trainer and the peers, each implementation in its own harness page (the
// TensorFlow.js backends are page-wide singletons), returning one JSON line
// per implementation with its "impl", plus one diagnostic line with the
// seconds of each stage of our iteration. bench/run.ts and bench/t1/t1-main.ts
// call runT1(runner, options); the protocol is in bench/t1/t1.jobs.ts.
//
// Ours runs the full protocol (>= 5 blocks of >= 10 iterations); each peer
// gets `peerBudgetSeconds` of timed work and its line records how many blocks
// of how many iterations its median rests on. An implementation that fails
// its correctness check (or errs) gets a line with the error and no figure.

import type { HostProvider as Runner, JobHost as HarnessPage } from '../../harness/host';
import { preloadPeers } from '../l1/l1';
import { T1, T1_IMPLS, T1_SIZE, t1FlopsPerIteration, t1StageFlops, type T1Impl, type T1Size } from './t1-spec';
import type { T1JobConfig, T1JobResult } from './t1.jobs';
import { round } from '../timing';

export type T1Line = Record<string, string | number | boolean | null | Record<string, number>>;

export interface T1Options {
  /** Default: the workload's (T1_SIZE). */
  size?: T1Size;
  /** Implementations (default: ours and every peer). */
  impls?: T1Impl[];
  /** Blocks and iterations per block (default 5 and 10, the workload's protocol). */
  blocks?: number;
  blockIterations?: number;
  /** Seconds of timed work each peer may take (default 60). Ours always runs the full protocol. */
  peerBudgetSeconds?: number;
  /** Time our iteration's stages alone and emit the diagnostic line (default true). */
  stages?: boolean;
  /** Mark lines as a smoke test (figures not comparable with a full run). */
  quick?: boolean;
  onLine?: (line: T1Line) => void;
  log?: (message: string) => void;
}


/** --quick (a smoke test, not a figure): a smaller iteration, fewer and shorter blocks, short peer budgets. */
export const T1_QUICK: Pick<T1Options, 'size' | 'blocks' | 'blockIterations' | 'peerBudgetSeconds'> = {
  size: { width: 128, batch: 1024, chains: 1024, steps: 10 },
  blocks: 3,
  blockIterations: 2,
  peerBudgetSeconds: 15,
};

/** Runs T1; returns every line (also given to onLine as it comes). */
export async function runT1(runner: Runner, options: T1Options = {}): Promise<T1Line[]> {
  const size = options.size ?? T1_SIZE;
  const impls = options.impls ?? [...T1_IMPLS];
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const flops = t1FlopsPerIteration(size);
  const lines: T1Line[] = [];
  const emit = (line: T1Line) => {
    const full: T1Line = { workload: 'T1', ...line, ...(options.quick ? { quick: true } : {}) };
    lines.push(full);
    options.onLine?.(full);
  };
  if (impls.some((i) => i !== 'febm-gpu')) await preloadPeers(runner, log);

  for (const impl of impls) {
    const base = { impl, n: size.chains, batch: size.batch, steps: size.steps, width: size.width, unit: 'iterations/s' };
    const ours = impl === 'febm-gpu';
    const config: T1JobConfig = {
      impl, size, blocks: options.blocks ?? T1.blocks, blockIterations: options.blockIterations ?? T1.blockIterations,
      ...(ours ? { stages: options.stages ?? true } : { budgetSeconds: options.peerBudgetSeconds ?? 60 }),
    };
    let page: HarnessPage | null = null;
    try {
      page = await runner.open();
      const r = await page.run<T1JobResult>('t1.cell', config);
      emit({
        ...base,
        backend: r.backend,
        value: round(r.iterationsPerSecond),
        runs: r.seconds.length,
        block_iterations: r.blockIterations,
        protocol: r.protocol,
        median_block_s: round(r.secondsPerIteration * r.blockIterations),
        min_block_s: round(Math.min(...r.seconds)),
        max_block_s: round(Math.max(...r.seconds)),
        warmup_s: round(r.warmupSeconds),
        gflops: round((flops * r.iterationsPerSecond) / 1e9),
        flop_per_iteration: flops,
        check: `one update at B = N = ${r.check.batch} against float64`,
        check_errors: Object.fromEntries(Object.entries(r.check.errors).map(([k, v]) => [k, round(v, 2)])),
      });
      if (r.stageSeconds) {
        const sf = t1StageFlops(size);
        const s = r.stageSeconds;
        const total = Object.values(s).reduce((a, b) => a + b, 0);
        emit({
          impl, name: 'stages', n: size.chains, batch: size.batch, steps: size.steps, width: size.width, backend: r.backend,
          value: round(total), unit: 's',
          note: 'each stage of one iteration timed alone (one submit, median of 3); compare value with 1 / the iterations/s figure',
          stage_s: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)])),
          stage_gflops: { sample: round(sf.sample / s.sample / 1e9), hStep: round(sf.hStep / s.hStep / 1e9), eStep: round(sf.eStep / s.eStep / 1e9) },
        });
      }
    } catch (e) {
      const error = `${(e as Error).name}: ${(e as Error).message}`.slice(0, 400);
      log(`T1 ${impl} failed: ${error}`);
      emit({ ...base, value: null, error });
    } finally {
      await page?.close().catch(() => {});
    }
  }
  return lines;
}

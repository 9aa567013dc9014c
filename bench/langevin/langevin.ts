// The Langevin workloads (bench/WORKLOADS.md, L1 and L2), Node side: runs the
// sweep N x width of one workload for our fused sampler and the peers, each
// implementation in its own harness page (the TensorFlow.js backends are
// page-wide singletons), cheapest cells first, and returns one JSON line per
// figure with its "impl". bench/run.ts calls runLangevin(runner, L1 or L2,
// options).
//
// Time budget: on a CPU adapter (SwiftShader on 2 cores) the largest cells
// take far longer than a benchmark run can: a cell whose predicted run time
// (chain-steps of the cell / the best chain-steps-per-FLOP rate this impl
// showed on a measured cell, scaled by the MLP's FLOPs) exceeds
// `cellBudgetSeconds` is skipped and its line says so (value null, with the
// prediction); a cell that is run takes timed runs until `runs` are done or
// `cellBudgetSeconds` of timed runs are spent (at least one), and its line
// records how many runs the median rests on. An implementation that fails
// (its correctness check, or an error) gets one line with the error, and its
// remaining cells are skipped.

import type { HostProvider as Runner, JobHost as HarnessPage } from '../../harness/host';
import { LANGEVIN_IMPLS, type LangevinImpl, type LangevinJobConfig, type LangevinJobResult } from './langevin.jobs';
import { langevinFlopsPerChainStep, type LangevinWorkload } from './spec';
import type { MlpVariant } from '../../src/index';
import { round } from '../timing';

export type LangevinLine = Record<string, string | number | boolean | null>;

export interface LangevinOptions {
  /** Chain counts (default: the workload's sweep). */
  ns?: number[];
  /** Hidden widths (default: the workload's sweep). */
  widths?: number[];
  /** Implementations (default: ours and all peers). */
  impls?: LangevinImpl[];
  /** Timed runs per cell (default 5). */
  runs?: number;
  /** Seconds a cell may take (predicted or spent in timed runs; default 60). */
  cellBudgetSeconds?: number;
  /** Stop starting new cells for an implementation once it has spent this many seconds (default 900). */
  implBudgetSeconds?: number;
  /** Mark lines as a smoke test (figures not comparable with a full run). */
  quick?: boolean;
  /** false: ours on a device without the subgroups feature (plain weight loads). */
  subgroups?: boolean;
  /** Ours with this MLP kernel variant (default: the one chosen for the adapter). */
  variant?: MlpVariant;
  /** Called with each line as soon as it exists (e.g. to print it). */
  onLine?: (line: LangevinLine) => void;
  /** Progress messages. */
  log?: (message: string) => void;
}

/** Imports the peers' packages in throwaway pages until one succeeds (at most 3 tries; see preloadAll in bench/langevin/peers.ts); T1 uses it too. */
export async function preloadPeers(runner: Runner, log: (m: string) => void): Promise<void> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const page = await runner.open();
    try {
      await page.run('langevin.preload');
      return;
    } catch (e) {
      log(`loading the peers' packages failed (try ${attempt}): ${(e as Error).message}`);
    } finally {
      await page.close().catch(() => {});
    }
  }
}

/**
 * Runs a workload's sweep; returns every line (also given to onLine as it comes).
 * Lines: {"workload":"L1","impl","n","width","backend","value","unit":"chain-steps/s","runs",...}.
 */
export async function runLangevin(runner: Runner, workload: LangevinWorkload, options: LangevinOptions = {}): Promise<LangevinLine[]> {
  const ns = options.ns ?? workload.ns;
  const widths = options.widths ?? workload.widths;
  const impls = options.impls ?? [...LANGEVIN_IMPLS];
  const runs = options.runs ?? 5;
  const cellBudget = options.cellBudgetSeconds ?? 60;
  const implBudget = options.implBudgetSeconds ?? 900;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const lines: LangevinLine[] = [];
  const emit = (line: LangevinLine) => {
    const full: LangevinLine = { workload: workload.name, ...line, ...(options.quick ? { quick: true } : {}) };
    lines.push(full);
    options.onLine?.(full);
  };
  // Cheapest first, so that predictions come from measured smaller cells.
  const cells = ns.flatMap((n) => widths.map((width) => ({ n, width, flops: n * workload.steps * langevinFlopsPerChainStep(workload, width) })));
  cells.sort((a, b) => a.flops - b.flops);

  if (impls.some((i) => i !== 'febm-gpu')) await preloadPeers(runner, log);

  for (const impl of impls) {
    let page: HarnessPage | null = null;
    let flopsPerSecond = 0; // best measured FLOP rate of this impl
    let spent = 0;
    let failed: string | null = null;
    try {
      page = await runner.open();
      for (const c of cells) {
        // variant: the MLP kernels' variant ours ran (src/mlp/variant.ts), on every line; null for peers and cells not run.
        const base = { impl, n: c.n, width: c.width, unit: 'chain-steps/s', variant: null };
        if (failed) {
          emit({ ...base, value: null, skipped: `not run: ${failed}` });
          continue;
        }
        const predicted = flopsPerSecond > 0 ? c.flops / flopsPerSecond : null;
        if (predicted !== null && predicted > cellBudget) {
          emit({ ...base, value: null, skipped: `predicted ${round(predicted, 3)} s per run, over the cell budget of ${cellBudget} s`, predicted_s: round(predicted, 3) });
          continue;
        }
        if (spent > implBudget) {
          emit({ ...base, value: null, skipped: `implementation budget of ${implBudget} s spent` });
          continue;
        }
        const ours = impl === 'febm-gpu';
        const config: LangevinJobConfig = {
          workload: workload.name, impl, n: c.n, width: c.width, runs, budgetSeconds: cellBudget,
          ...(ours && options.subgroups === false ? { subgroups: false } : {}),
          ...(ours && options.variant ? { variant: options.variant } : {}),
        };
        const t0 = Date.now();
        try {
          const r = await page.run<LangevinJobResult>('langevin.cell', config);
          spent += (Date.now() - t0) / 1000;
          flopsPerSecond = Math.max(flopsPerSecond, c.flops / r.median);
          emit({
            ...base,
            backend: r.backend,
            value: round(r.chainStepsPerSecond),
            runs: r.runs,
            median_s: round(r.median),
            min_s: round(Math.min(...r.seconds)),
            max_s: round(Math.max(...r.seconds)),
            warmup_s: round(r.warmupSeconds),
            gflops: round((c.flops / r.median) / 1e9),
            steps: r.steps,
            check: r.check.what,
            check_rel_err: round(r.check.relError, 3),
            finite: r.finite,
            ...(r.subgroups === undefined ? {} : { subgroups: r.subgroups }),
            variant: r.variant ?? null,
          });
        } catch (e) {
          spent += (Date.now() - t0) / 1000;
          failed = `${(e as Error).name}: ${(e as Error).message}`.slice(0, 300);
          log(`${workload.name} ${impl} N=${c.n} w=${c.width} failed: ${failed}`);
          emit({ ...base, value: null, error: failed });
          // A failed page may be unusable (device lost, backend state): start a fresh one.
          await page.close().catch(() => {});
          page = await runner.open();
        }
      }
    } finally {
      await page?.close().catch(() => {});
    }
  }
  return lines;
}

// The training workloads (bench/WORKLOADS.md, T1 and T2), Node side: one
// f-EBM training iteration for our trainer and the peers, each
// implementation in its own harness page (the TensorFlow.js backends are
// page-wide singletons), returning one JSON line per implementation with its
// "impl", plus one diagnostic line with the seconds of each stage of our
// iteration. bench/run.ts and bench/training/main.ts call
// runTraining(runner, T1 or T2, options); the protocol is in
// bench/training/training.jobs.ts.
//
// Ours runs the full protocol (>= 5 blocks of >= 10 iterations); each peer
// gets `peerBudgetSeconds` of timed work and its line records how many blocks
// of how many iterations its median rests on. An implementation that fails
// its correctness check (or errs) gets a line with the error and no figure.

import type { HostProvider as Runner, JobHost as HarnessPage } from '../../harness/host';
import { preloadPeers } from '../langevin/langevin';
import { TRAINING, TRAINING_IMPLS, trainingFlopsPerIteration, trainingStageFlops, type TrainingImpl, type TrainingSize, type TrainingWorkload } from './spec';
import type { TrainingJobConfig, TrainingJobResult } from './training.jobs';
import { round } from '../timing';
import type { MlpVariant } from '../../src/index';

export type TrainingLine = Record<string, string | number | boolean | null | Record<string, number>>;

export interface TrainingOptions {
  /** Default: the workload's. */
  size?: TrainingSize;
  /** Implementations (default: ours and every peer). */
  impls?: TrainingImpl[];
  /** Blocks and iterations per block (default 5 and 10, the workload's protocol). */
  blocks?: number;
  blockIterations?: number;
  /** Seconds of timed work each peer may take (default 60). Ours always runs the full protocol. */
  peerBudgetSeconds?: number;
  /** Time our iteration's stages alone and emit the diagnostic line (default true). */
  stages?: boolean;
  /** Ours with this MLP kernel variant (default: the one chosen for the adapter). */
  variant?: MlpVariant;
  /** Mark lines as a smoke test (figures not comparable with a full run). */
  quick?: boolean;
  onLine?: (line: TrainingLine) => void;
  log?: (message: string) => void;
}


/** --quick (a smoke test, not a figure): a quarter of the batch and chains, K / 6, fewer and shorter blocks, short peer budgets. */
export function trainingQuick(w: TrainingWorkload): Pick<TrainingOptions, 'size' | 'blocks' | 'blockIterations' | 'peerBudgetSeconds'> {
  const s = w.size;
  return {
    size: { width: s.width, batch: Math.max(16, s.batch / 4), chains: Math.max(16, s.chains / 4), steps: Math.max(1, Math.round(s.steps / 6)) },
    blocks: 3,
    blockIterations: 2,
    peerBudgetSeconds: 15,
  };
}

/** Runs a training workload; returns every line (also given to onLine as it comes). */
export async function runTraining(runner: Runner, workload: TrainingWorkload, options: TrainingOptions = {}): Promise<TrainingLine[]> {
  const size = options.size ?? workload.size;
  const impls = options.impls ?? [...TRAINING_IMPLS];
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const flops = trainingFlopsPerIteration(workload, size);
  const lines: TrainingLine[] = [];
  const emit = (line: TrainingLine) => {
    const full: TrainingLine = { workload: workload.name, ...line, ...(options.quick ? { quick: true } : {}) };
    lines.push(full);
    options.onLine?.(full);
  };
  if (impls.some((i) => i !== 'febm-gpu')) await preloadPeers(runner, log);

  for (const impl of impls) {
    // variant: the MLP kernels' variant ours ran (src/mlp/variant.ts), on every line; null for peers and failures.
    const base = { impl, n: size.chains, batch: size.batch, steps: size.steps, width: size.width, unit: 'iterations/s', variant: null };
    const ours = impl === 'febm-gpu';
    const config: TrainingJobConfig = {
      workload: workload.name, impl, size, blocks: options.blocks ?? TRAINING.blocks, blockIterations: options.blockIterations ?? TRAINING.blockIterations,
      ...(ours ? { stages: options.stages ?? true, ...(options.variant ? { variant: options.variant } : {}) } : { budgetSeconds: options.peerBudgetSeconds ?? 60 }),
    };
    let page: HarnessPage | null = null;
    try {
      page = await runner.open();
      const r = await page.run<TrainingJobResult>('training.cell', config);
      emit({
        ...base,
        variant: r.variant ?? null,
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
        const sf = trainingStageFlops(workload, size);
        const s = r.stageSeconds;
        const total = Object.values(s).reduce((a, b) => a + b, 0);
        emit({
          impl, name: 'stages', n: size.chains, batch: size.batch, steps: size.steps, width: size.width, variant: r.variant ?? null, backend: r.backend,
          value: round(total), unit: 's',
          note: 'each stage of one iteration timed alone (one submit, median of 3); compare value with 1 / the iterations/s figure',
          stage_s: Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)])),
          stage_gflops: { sample: round(sf.sample / s.sample / 1e9), hStep: round(sf.hStep / s.hStep / 1e9), eStep: round(sf.eStep / s.eStep / 1e9) },
        });
      }
    } catch (e) {
      const error = `${(e as Error).name}: ${(e as Error).message}`.slice(0, 400);
      log(`${workload.name} ${impl} failed: ${error}`);
      emit({ ...base, value: null, error });
    } finally {
      await page?.close().catch(() => {});
    }
  }
  return lines;
}

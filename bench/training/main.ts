// The command line of a training workload run alone (bench/t1/t1-main.ts,
// bench/t2/t2-main.ts): [--quick] [--impl NAME]... [--peer-budget S]
// [--blocks B] [--block-iterations I] [--batch B] [--chains N] [--steps K]
// [--width W] [--no-stages] [--variant lanes|tiled] [--out FILE]. Runs the workload after the ALU
// peak (R0, bench/r0/r0.jobs.ts) in the same browser, and prints one JSON
// line per figure (the R0 line first), each with its fraction of that peak;
// with --out, also writes them to FILE. Sizes other than the workload's are
// for finding out, not figures.
import { writeFileSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import { Runner } from '../../harness/runner';
import type { AluJobResult } from '../r0/r0.jobs';
import { FULL_ALU } from '../run';
import { backendName, round } from '../timing';
import { runTraining, trainingQuick, type TrainingLine, type TrainingOptions } from './training';
import { TRAINING_IMPLS, type TrainingImpl, type TrainingWorkload } from './spec';
import { MLP_VARIANTS, type MlpVariant } from '../../src/index';

export async function trainingMain(vite: ViteDevServer, args: string[], workload: TrainingWorkload): Promise<number> {
  const opts: TrainingOptions = {};
  const size = { ...workload.size };
  let out: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = () => {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} takes a positive integer, got ${JSON.stringify(args[i])}`);
      return v;
    };
    try {
      if (a === '--quick') {
        const q = trainingQuick(workload);
        Object.assign(opts, q, { quick: true });
        Object.assign(size, q.size);
      } else if (a === '--impl') {
        const v = args[++i] as TrainingImpl;
        if (!TRAINING_IMPLS.includes(v)) throw new Error(`--impl takes one of ${TRAINING_IMPLS.join(', ')}, got ${JSON.stringify(v)}`);
        opts.impls = [...(opts.impls ?? []), v];
      } else if (a === '--peer-budget') opts.peerBudgetSeconds = num();
      else if (a === '--blocks') opts.blocks = num();
      else if (a === '--block-iterations') opts.blockIterations = num();
      else if (a === '--batch') size.batch = num();
      else if (a === '--chains') size.chains = num();
      else if (a === '--steps') size.steps = num();
      else if (a === '--width') size.width = num();
      else if (a === '--no-stages') opts.stages = false;
      else if (a === '--variant') {
        const v = args[++i] as MlpVariant;
        if (!MLP_VARIANTS.includes(v)) throw new Error(`--variant takes one of ${MLP_VARIANTS.join(', ')}, got ${JSON.stringify(v)}`);
        opts.variant = v;
      }
      else if (a === '--out') out = args[++i];
      else throw new Error(`unknown argument ${JSON.stringify(a)}`);
    } catch (e) {
      process.stderr.write(`${(e as Error).message}\n`);
      return 2;
    }
  }
  opts.size = size;
  const runner = await Runner.start({ vite });
  const lines: TrainingLine[] = [];
  const print = (l: TrainingLine) => {
    lines.push(l);
    process.stdout.write(`${JSON.stringify(l)}\n`);
  };
  try {
    const alu = await runner.run<AluJobResult>('r0.alu', FULL_ALU);
    print({ workload: 'R0', name: 'alu_peak', backend: backendName(alu.adapter), value: round(alu.gflops), unit: 'GFLOP/s', runs: alu.timing.runs });
    await runTraining(runner, workload, {
      ...opts,
      onLine: (l) => print({ ...l, of_alu_peak: typeof l.gflops === 'number' ? round(l.gflops / alu.gflops, 3) : null }),
    });
  } finally {
    await runner.close();
  }
  if (out) writeFileSync(out, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return lines.some((l) => 'error' in l) ? 1 : 0;
}

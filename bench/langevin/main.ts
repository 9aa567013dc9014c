// The command line of a Langevin workload run alone (bench/l1/l1-main.ts,
// bench/l2/l2-main.ts): [--quick] [--impl NAME]... [--n N]... [--width W]...
// [--runs R] [--cell-budget S] [--impl-budget S] [--no-subgroups] [--variant lanes|tiled] [--out FILE].
// Prints one JSON line per figure; with --out, also writes them to FILE.
import { writeFileSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import { Runner } from '../../harness/runner';
import { runLangevin, type LangevinLine, type LangevinOptions } from './langevin';
import { LANGEVIN_IMPLS, type LangevinImpl } from './langevin.jobs';
import type { LangevinWorkload } from './spec';
import { MLP_VARIANTS, type MlpVariant } from '../../src/index';

/** --quick: the two cheapest chain counts and widths of the sweep, 3 runs, 20 s per cell (a smoke test). */
export function quickCells(w: LangevinWorkload): Pick<LangevinOptions, 'ns' | 'widths' | 'runs' | 'cellBudgetSeconds'> {
  return { ns: w.ns.slice(0, 2), widths: w.widths.slice(0, 2), runs: 3, cellBudgetSeconds: 20 };
}

export async function langevinMain(vite: ViteDevServer, args: string[], workload: LangevinWorkload): Promise<number> {
  const opts: LangevinOptions = {};
  let out: string | null = null;
  const list = <T>(v: T[] | undefined, x: T) => [...(v ?? []), x];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => args[++i];
    if (a === '--quick') {
      Object.assign(opts, { quick: true, ...quickCells(workload) });
    } else if (a === '--impl') {
      const v = next() as LangevinImpl;
      if (!LANGEVIN_IMPLS.includes(v)) {
        process.stderr.write(`--impl takes one of ${LANGEVIN_IMPLS.join(', ')}\n`);
        return 2;
      }
      opts.impls = list(opts.impls, v);
    } else if (a === '--n') opts.ns = list(opts.quick ? undefined : opts.ns, Number(next()));
    else if (a === '--width') opts.widths = list(opts.quick ? undefined : opts.widths, Number(next()));
    else if (a === '--runs') opts.runs = Number(next());
    else if (a === '--cell-budget') opts.cellBudgetSeconds = Number(next());
    else if (a === '--impl-budget') opts.implBudgetSeconds = Number(next());
    else if (a === '--no-subgroups') opts.subgroups = false;
    else if (a === '--variant') {
      const v = next() as MlpVariant;
      if (!MLP_VARIANTS.includes(v)) {
        process.stderr.write(`--variant takes one of ${MLP_VARIANTS.join(', ')}\n`);
        return 2;
      }
      opts.variant = v;
    }
    else if (a === '--out') out = next();
    else {
      process.stderr.write(`unknown argument ${JSON.stringify(a)}\n`);
      return 2;
    }
  }
  const runner = await Runner.start({ vite });
  const lines: LangevinLine[] = [];
  try {
    await runLangevin(runner, workload, { ...opts, onLine: (l) => { lines.push(l); process.stdout.write(`${JSON.stringify(l)}\n`); } });
  } finally {
    await runner.close();
  }
  if (out) writeFileSync(out, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return lines.some((l) => 'error' in l) ? 1 : 0;
}

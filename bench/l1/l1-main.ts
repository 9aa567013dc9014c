// `node bin/febm.mjs bench/l1/l1-main.ts [--quick] [--impl NAME]... [--n N]... [--width W]... [--runs R] [--cell-budget S] [--no-subgroups] [--out FILE]`:
// runs L1 alone (bench/l1/l1.ts) and prints one JSON line per figure; with --out, also writes them to FILE.
// `npm run bench` runs it with the other workloads (bench/run.ts calls runL1).
import { writeFileSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import { Runner } from '../../harness/runner';
import { runL1, type L1Line, type L1Options } from './l1';
import { L1_IMPLS, type L1Impl } from './l1.jobs';

export async function main(vite: ViteDevServer, args: string[]): Promise<number> {
  const opts: L1Options = {};
  let out: string | null = null;
  const list = <T>(v: T[] | undefined, x: T) => [...(v ?? []), x];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = () => args[++i];
    if (a === '--quick') {
      Object.assign(opts, { quick: true, ns: [1024, 4096], widths: [64, 128], runs: 3, cellBudgetSeconds: 20 });
    } else if (a === '--impl') {
      const v = next() as L1Impl;
      if (!L1_IMPLS.includes(v)) {
        process.stderr.write(`--impl takes one of ${L1_IMPLS.join(', ')}\n`);
        return 2;
      }
      opts.impls = list(opts.impls, v);
    } else if (a === '--n') opts.ns = list(opts.quick ? undefined : opts.ns, Number(next()));
    else if (a === '--width') opts.widths = list(opts.quick ? undefined : opts.widths, Number(next()));
    else if (a === '--runs') opts.runs = Number(next());
    else if (a === '--cell-budget') opts.cellBudgetSeconds = Number(next());
    else if (a === '--impl-budget') opts.implBudgetSeconds = Number(next());
    else if (a === '--no-subgroups') opts.subgroups = false;
    else if (a === '--out') out = next();
    else {
      process.stderr.write(`unknown argument ${JSON.stringify(a)}\n`);
      return 2;
    }
  }
  const runner = await Runner.start({ vite });
  const lines: L1Line[] = [];
  try {
    await runL1(runner, { ...opts, onLine: (l) => { lines.push(l); process.stdout.write(`${JSON.stringify(l)}\n`); } });
  } finally {
    await runner.close();
  }
  if (out) writeFileSync(out, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return lines.some((l) => 'error' in l) ? 1 : 0;
}

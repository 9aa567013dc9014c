// `npm run bench [-- --quick] [-- --only r0|mlp]`: runs the benchmark jobs
// (bench/*.jobs.ts) one at a time in one headless Chromium, prints one JSON
// line per measurement (bench/WORKLOADS.md), writes them all to
// bench/results/latest.jsonl, and prints a summary table.
//
// --quick: fewer runs and smaller sizes, a smoke test only (lines carry
// "quick": true and figures are not comparable with a full run).
// --only r0|mlp: one group of figures (fractions of the ALU peak need r0).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViteDevServer } from 'vite';
import { Runner, type HarnessPage } from '../harness/runner';
import { runL1 } from './l1';
import type { AdapterDescription } from '../src/device';
import type { MlpJobConfig, MlpJobResult } from './mlp.jobs';
import type { AluJobConfig, AluJobResult, MatmulJobConfig, MatmulJobResult } from './r0.jobs';

type Group = 'r0' | 'mlp' | 'l1';
const GROUPS: Group[] = ['r0', 'mlp', 'l1'];

interface Plan {
  alu: AluJobConfig;
  matmuls: MatmulJobConfig[];
  /** The matmul the MLP figure is compared with (its shape is the MLP's layer product). */
  mlpShapedMatmul: number;
  mlp: MlpJobConfig;
}

// Full run: each timed run takes roughly 0.2-2 s on SwiftShader with 2 cores.
const FULL: Plan = {
  // 4096 invocations x 2048 iterations x 64 FLOP x 6 dispatches = 3.2 GFLOP per run (0.3 s at 11 GFLOP/s).
  alu: { invocations: 4096, iterations: 2048, dispatches: 6, runs: 7 },
  matmuls: [
    // 2.1 GFLOP per dispatch (0.3 s at 6.5 GFLOP/s with the best tile, 2 s with 4x4):
    // one dispatch per run, the minimum of runs.
    { m: 1024, k: 1024, n: 1024, dispatches: 1, runs: 5 },
    // 134 MFLOP per dispatch, 8 per run (0.2 s at 6 GFLOP/s).
    { m: 4096, k: 128, n: 128, dispatches: 8, runs: 7 },
  ],
  mlpShapedMatmul: 1,
  // 275 MFLOP per dispatch.
  mlp: { batch: 4096, width: 128, dispatches: 4, runs: 7 },
};

const QUICK: Plan = {
  alu: { invocations: 4096, iterations: 256, dispatches: 2, runs: 3 },
  matmuls: [
    { m: 256, k: 256, n: 256, dispatches: 1, runs: 3 },
    { m: 4096, k: 128, n: 128, dispatches: 1, runs: 3 },
  ],
  mlpShapedMatmul: 1,
  mlp: { batch: 4096, width: 128, dispatches: 1, runs: 3 },
};

export type BenchLine = Record<string, string | number | boolean | null | Record<string, number>>;

export function backendName(a: AdapterDescription): string {
  const name = [a.vendor, a.architecture].filter(Boolean).join('/');
  return name || a.description || 'unknown';
}

const round = (v: number, digits = 4) => Number(v.toPrecision(digits));

function parseArgs(args: string[]): { quick: boolean; only: Group[] } | string {
  let quick = false;
  let only = GROUPS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? args[++i] : a.slice('--only='.length);
      if (!GROUPS.includes(v as Group)) return `--only takes one of ${GROUPS.join(', ')}, got ${JSON.stringify(v)}`;
      only = [v as Group];
    } else return `unknown argument ${JSON.stringify(a)}`;
  }
  return { quick, only };
}

export async function main(vite: ViteDevServer, args: string[]): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    process.stderr.write(`${parsed}\nusage: npm run bench -- [--quick] [--only r0|mlp|l1]\n`);
    return 2;
  }
  const { quick, only } = parsed;
  const plan = quick ? QUICK : FULL;
  const lines: BenchLine[] = [];
  const emit = (line: BenchLine) => {
    if (quick) line.quick = true;
    lines.push(line);
    process.stdout.write(`${JSON.stringify(line)}\n`);
  };
  let failures = 0;
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      failures++;
      process.stderr.write(`bench: ${what} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      return undefined;
    }
  };

  const started = Date.now();
  const runner = await Runner.start({ vite });
  let page: HarnessPage | undefined;
  let aluPeak: number | undefined;
  /** By index into plan.matmuls; absent where not run or failed. */
  const matmulFigures: ({ name: string; gflops: number } | undefined)[] = [];
  try {
    page = await runner.page();
    const p = page;

    if (only.includes('r0')) {
      const alu = await attempt('R0 alu_peak', () => p.run<AluJobResult>('bench/r0.alu', plan.alu));
      if (alu) {
        aluPeak = alu.gflops;
        emit({
          workload: 'R0', name: 'alu_peak', backend: backendName(alu.adapter),
          value: round(alu.gflops), unit: 'GFLOP/s', runs: alu.timing.runs,
          dispatches: alu.timing.dispatches, seconds: round(alu.timing.median),
        });
      }
      for (const [index, cfg] of plan.matmuls.entries()) {
        const name = `matmul_${cfg.m}x${cfg.k}x${cfg.n}`;
        const mm = await attempt(`R0 ${name}`, () => p.run<MatmulJobResult>('bench/r0.matmul', cfg));
        if (!mm) continue;
        matmulFigures[index] = { name, gflops: mm.best.gflops };
        emit({
          workload: 'R0', name, m: cfg.m, k: cfg.k, n: cfg.n, kernel: mm.best.tile,
          backend: backendName(mm.adapter), value: round(mm.best.gflops), unit: 'GFLOP/s', runs: mm.best.timing.runs,
          dispatches: mm.best.timing.dispatches, seconds: round(mm.best.timing.median),
          tiles: Object.fromEntries(mm.results.map((r) => [r.tile, round(r.gflops)])),
        });
      }
    }

    if (only.includes('mlp')) {
      const mlp = await attempt('MLP inputGrad', () => p.run<MlpJobResult>('bench/mlp.inputGrad', plan.mlp));
      if (mlp) {
        const ref = matmulFigures[plan.mlpShapedMatmul];
        emit({
          workload: 'MLP', impl: 'febm-gpu', n: plan.mlp.batch, width: plan.mlp.width,
          backend: backendName(mlp.adapter), value: round(mlp.gflops), unit: 'GFLOP/s', runs: mlp.timing.runs,
          dispatches: mlp.timing.dispatches, seconds: round(mlp.timing.median),
          samples_per_s: round(mlp.samplesPerSecond),
          of_alu_peak: aluPeak ? round(mlp.gflops / aluPeak, 3) : null,
          of_matmul: ref ? round(mlp.gflops / ref.gflops, 3) : null,
          matmul_ref: ref ? ref.name : null,
        });
      }
    }
    if (only.includes('l1')) {
      // Peers are slow on an emulated adapter: each cell and each peer gets a
      // time budget, and every line records how many runs it rests on.
      await attempt('L1', () =>
        runL1(runner, {
          quick,
          ...(quick ? { ns: [1024], widths: [64], runs: 3 } : {}),
          cellBudgetSeconds: quick ? 20 : 60,
          implBudgetSeconds: quick ? 60 : 200,
          onLine: (line) => emit({ ...line, of_alu_peak: aluPeak && typeof line.gflops === 'number' ? round(line.gflops / aluPeak, 3) : null }),
        }),
      );
    }
  } finally {
    await page?.close().catch(() => {});
    await runner.close();
  }

  const dir = join(vite.config.root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.jsonl');
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

  // Summary: figure, value, fraction of the ALU peak measured in this run.
  const rows = lines.map((l) => {
    const figure = l.workload === 'R0' ? `R0 ${l.name}${l.kernel ? ` (${l.kernel})` : ''}` : `${l.workload} ${l.impl} n=${l.n} w=${l.width}`;
    const value = typeof l.value === 'number' ? l.value : NaN;
    if (l.workload === 'L1') {
      const gflops = typeof l.gflops === 'number' ? l.gflops : NaN;
      return [figure, `${Math.round(value)} ${l.unit} (${gflops.toFixed(3)} GFLOP/s, ${l.runs} runs)`, aluPeak ? `${(100 * gflops / aluPeak).toFixed(1)}%` : '-'];
    }
    const extra = l.workload === 'MLP' ? `  ${l.samples_per_s} samples/s` : '';
    return [figure, `${value.toFixed(3)} ${l.unit}${extra}`, aluPeak ? `${(100 * value / aluPeak).toFixed(1)}%` : '-'];
  });
  const header = ['figure', 'value', 'of ALU peak'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  process.stdout.write(`\n${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(fmt).join('\n')}\n`);
  // Ratios: our L1 figure over each peer's in the same cell of the same run.
  const ours = lines.filter((l) => l.workload === 'L1' && l.impl === 'febm-gpu' && typeof l.value === 'number');
  for (const o of ours) {
    const peers = lines.filter((l) => l.workload === 'L1' && l.impl !== 'febm-gpu' && l.n === o.n && l.width === o.width && typeof l.value === 'number');
    if (peers.length) {
      process.stdout.write(`L1 n=${o.n} w=${o.width}: febm-gpu is ${peers.map((p) => `${((o.value as number) / (p.value as number)).toFixed(2)}x ${p.impl}`).join(', ')}\n`);
    }
  }
  process.stdout.write(`${lines.length} lines written to ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick: smoke test, not a figure)' : ''}\n`);
  return failures === 0 && lines.length > 0 ? 0 : 1;
}

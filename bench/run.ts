// `febm-gpu bench [options]` (in the repository: `npm run bench -- ...`;
// cli/bench.ts makes the command of it): runs the benchmark jobs
// (bench/*/*.jobs.ts) one at a time in one headless Chromium, prints one JSON
// line per measurement (bench/WORKLOADS.md), writes them all to --out
// (default out/bench/latest.jsonl), and prints a summary table with our
// figures as fractions of the ALU peak and as ratios to the peers of the
// same run.
//
// Groups: r0, mlp, l1, l2, t1, t2 by default; t0 (the 1-D experiment's 30,000
// iterations, roughly 20 minutes on SwiftShader by itself, estimated from a
// 300-iteration run) only when asked for, with --only t0 or --all.
// --quick: fewer runs and smaller sizes, a smoke test only (lines carry
// "quick": true and figures are not comparable with a full run; T0 runs 300
// iterations instead of 30,000).
// --only GROUP: that group (repeatable). The ALU peak (R0's first figure) is
// measured whatever the groups, as the scale of their figures.
// --n N, --width W (repeatable): only these cells of the L1 and L2 sweeps;
// --l1-n, --l1-width, --l2-n, --l2-width: the same for one of them (so that
// one run can time L1's and L2's headline cells).
// --variant lanes|tiled: our MLP kernels in that variant (src/mlp/variant.ts;
// default: the one chosen for the adapter). Every line has a "variant" field:
// the variant ours ran, null for peers and for R0.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_HOST, HOST_OPTION, hostArg, type HostKind, type HostProvider, type JobHost } from '../harness/host';
import { ConfigError } from '../src/index';
import { MLP_VARIANTS, type MlpVariant } from '../src/index';
import { runLangevin } from './langevin/langevin';
import { quickCells } from './langevin/main';
import type { LangevinWorkload } from './langevin/spec';
import { L1 } from './l1/l1-spec';
import { L2 } from './l2/l2-spec';
import { runT0 } from '../experiments/oned/t0';
import { runTraining, trainingQuick } from './training/training';
import type { TrainingWorkload } from './training/spec';
import { T1 } from './t1/t1-spec';
import { T2 } from './t2/t2-spec';
import type { MlpJobConfig, MlpJobResult } from './r0/mlp-kernels.jobs';
import type { AluJobConfig, AluJobResult, LoadJobResult, MatmulJobConfig, MatmulJobResult } from './r0/r0.jobs';
import { backendName, round } from './timing';

type Group = 'r0' | 'mlp' | 'l1' | 'l2' | 't0' | 't1' | 't2';
const GROUPS: Group[] = ['r0', 'mlp', 'l1', 'l2', 't1', 't2', 't0'];
const DEFAULT_GROUPS: Group[] = ['r0', 'mlp', 'l1', 'l2', 't1', 't2'];
const LANGEVIN: [Group, LangevinWorkload][] = [['l1', L1], ['l2', L2]];
const TRAINING_WORKLOADS: [Group, TrainingWorkload][] = [['t1', T1], ['t2', T2]];

interface Plan {
  alu: AluJobConfig;
  /** R0's load rate (bench/r0/bench_load.wgsl), measured with the ALU peak. */
  loads: AluJobConfig;
  matmuls: MatmulJobConfig[];
  /** The matmul the MLP figure is compared with (its shape is the MLP's layer product). */
  mlpShapedMatmul: number;
  mlp: MlpJobConfig;
  /** T0: iterations of the 1-D experiment (the workload: 30,000). */
  t0Iterations: number;
}

// Full run: each timed run takes roughly 0.2-2 s on SwiftShader with 2 cores.
const FULL: Plan = {
  // 4096 invocations x 8192 iterations x 64 FLOP x 6 dispatches = 12.9 GFLOP per run (0.26 s at 50 GFLOP/s).
  alu: { invocations: 4096, iterations: 8192, dispatches: 6, runs: 7 },
  // 4096 invocations x 4096 iterations x 16 loads = 268 M loads per run (0.26 s at 1 G loads/s).
  loads: { invocations: 4096, iterations: 4096, dispatches: 1, runs: 7 },
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
  t0Iterations: 30_000,
};

/** The full run's ALU peak job (also bench/training/main.ts's). */
export const FULL_ALU = FULL.alu;

const QUICK: Plan = {
  alu: { invocations: 4096, iterations: 256, dispatches: 2, runs: 3 },
  loads: { invocations: 4096, iterations: 64, dispatches: 1, runs: 3 },
  matmuls: [
    { m: 256, k: 256, n: 256, dispatches: 1, runs: 3 },
    { m: 4096, k: 128, n: 128, dispatches: 1, runs: 3 },
  ],
  mlpShapedMatmul: 1,
  mlp: { batch: 4096, width: 128, dispatches: 1, runs: 3 },
  t0Iterations: 300,
};

export type BenchLine = Record<string, string | number | boolean | null | Record<string, number>>;


/** The command's options: the one source of the parser and of --help (cli/bench.ts). */
export const BENCH_OPTIONS = {
  quick: { type: 'boolean', default: false, help: 'fewer runs and smaller sizes: a smoke test, not a figure (lines carry "quick": true)' },
  only: { type: 'string', value: GROUPS.join('|'), multiple: true, help: 'run only this group (the ALU peak is always measured)', default: DEFAULT_GROUPS.join(',') },
  all: { type: 'boolean', default: false, help: `every group (${GROUPS.join(', ')}; t0 takes about 20 minutes on SwiftShader)` },
  n: { type: 'string', value: 'N', multiple: true, help: 'only these chain counts of the L1 and L2 sweeps', default: 'the sweep' },
  width: { type: 'string', value: 'W', multiple: true, help: 'only these widths of the L1 and L2 sweeps', default: 'the sweep' },
  'l1-n': { type: 'string', value: 'N', multiple: true, help: 'only these chain counts of the L1 sweep (before --n)', default: '--n' },
  'l1-width': { type: 'string', value: 'W', multiple: true, help: 'only these widths of the L1 sweep (before --width)', default: '--width' },
  'l2-n': { type: 'string', value: 'N', multiple: true, help: 'only these chain counts of the L2 sweep (before --n)', default: '--n' },
  'l2-width': { type: 'string', value: 'W', multiple: true, help: 'only these widths of the L2 sweep (before --width)', default: '--width' },
  variant: { type: 'string', value: MLP_VARIANTS.join('|'), help: 'our MLP kernels in this variant (every line names the one that ran)', default: 'chosen for the adapter' },
  out: { type: 'string', value: 'FILE', help: 'write every JSON line here too', default: join('out', 'bench', 'latest.jsonl') },
  ...HOST_OPTION,
} as const;

/** Cells of the Langevin sweeps: for both workloads, or for one (l1ns, ...), which wins. */
export interface BenchCells { ns?: number[]; widths?: number[]; l1ns?: number[]; l1widths?: number[]; l2ns?: number[]; l2widths?: number[] }

export interface BenchArgs {
  quick: boolean;
  only: Group[];
  cells: BenchCells;
  variant?: MlpVariant;
  out: string;
  /** Where the jobs run; on the Node host (no page) only febm-gpu is measured: the peers need a page. */
  host: HostKind;
}

/** The benchmark's arguments from the parsed command line; ConfigError naming the flag. */
export function benchArgs(values: Record<string, string | boolean | string[] | undefined>): BenchArgs {
  const list = (v: unknown): string[] => (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []);
  const ints = (flag: string): number[] | undefined => {
    const vs = list(values[flag]);
    if (vs.length === 0) return undefined;
    return vs.map((t) => {
      const v = Number(t);
      if (t.trim() === '' || !Number.isInteger(v) || v < 1) throw new ConfigError(`--${flag}`, `must be an integer >= 1, got ${JSON.stringify(t)}`);
      return v;
    });
  };
  let only: Group[] = [];
  for (const g of list(values.only)) {
    if (!GROUPS.includes(g as Group)) throw new ConfigError('--only', `must be one of ${GROUPS.join(', ')}, got ${JSON.stringify(g)}`);
    only = [...new Set([...only, g as Group])];
  }
  if (values.all === true) only = [...GROUPS];
  const out = typeof values.out === 'string' ? values.out : BENCH_OPTIONS.out.default;
  if (out === '') throw new ConfigError('--out', 'needs a file name');
  const cells: BenchCells = {
    ns: ints('n'), widths: ints('width'), l1ns: ints('l1-n'), l1widths: ints('l1-width'), l2ns: ints('l2-n'), l2widths: ints('l2-width'),
  };
  let variant: MlpVariant | undefined;
  if (values.variant !== undefined) {
    if (!MLP_VARIANTS.includes(values.variant as MlpVariant)) throw new ConfigError('--variant', `must be one of ${MLP_VARIANTS.join(', ')}, got ${JSON.stringify(values.variant)}`);
    variant = values.variant as MlpVariant;
  }
  const host = hostArg(values) ?? DEFAULT_HOST;
  return { quick: values.quick === true, only: only.length ? only : DEFAULT_GROUPS, cells, ...(variant ? { variant } : {}), out, host };
}

/** What the benchmark needs from the command line (cli/command.ts's CommandEnv). */
export interface BenchEnv {
  startHost(options?: { log?: (line: string) => void; kind?: HostKind }): Promise<HostProvider>;
  out(text: string): void;
}

/** Runs the benchmark; the exit code: 0 every measurement done, 1 some failed. */
export async function runBench(parsed: BenchArgs, env: BenchEnv): Promise<number> {
  const { quick, only, cells, variant, out } = parsed;
  const plan = quick ? QUICK : FULL;
  const lines: BenchLine[] = [];
  const emit = (line: BenchLine) => {
    if (quick) line.quick = true;
    if (!('variant' in line)) line.variant = null;
    lines.push(line);
    env.out(`${JSON.stringify(line)}\n`);
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
  const runner = await env.startHost({ kind: parsed.host });
  // The peers (TensorFlow.js, jax-js) need a page: on the Node host only ours is measured.
  const impls = parsed.host === 'node' ? { impls: ['febm-gpu' as const] } : {};
  let page: JobHost | undefined;
  let aluPeak: number | undefined;
  /** By index into plan.matmuls; absent where not run or failed. */
  const matmulFigures: ({ name: string; gflops: number } | undefined)[] = [];
  try {
    page = await runner.open();
    const p = page;

    // The ALU peak: R0's first figure, and the scale of every group's figures (measured whatever --only says).
    {
      const alu = await attempt('R0 alu_peak', () => p.run<AluJobResult>('r0.alu', plan.alu));
      if (alu) {
        aluPeak = alu.gflops;
        emit({
          workload: 'R0', name: 'alu_peak', backend: backendName(alu.adapter),
          value: round(alu.gflops), unit: 'GFLOP/s', runs: alu.timing.runs,
          dispatches: alu.timing.dispatches, seconds: round(alu.timing.median),
        });
      }
      // The load rate beside it: how many multiply-adds one lane-indexed load costs on this adapter.
      const loads = await attempt('R0 load_rate', () => p.run<LoadJobResult>('r0.loads', plan.loads));
      if (loads) {
        emit({
          workload: 'R0', name: 'load_rate', backend: backendName(loads.adapter),
          value: round(loads.gloads), unit: 'Gload/s', runs: loads.timing.runs,
          dispatches: loads.timing.dispatches, seconds: round(loads.timing.median),
          fma_per_load: aluPeak ? round(aluPeak / 2 / loads.gloads) : null,
        });
      }
    }
    if (only.includes('r0')) {
      for (const [index, cfg] of plan.matmuls.entries()) {
        const name = `matmul_${cfg.m}x${cfg.k}x${cfg.n}`;
        const mm = await attempt(`R0 ${name}`, () => p.run<MatmulJobResult>('r0.matmul', cfg));
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
      const mlp = await attempt('MLP inputGrad', () => p.run<MlpJobResult>('mlp-kernels.inputGrad', { ...plan.mlp, ...(variant ? { variant } : {}) }));
      if (mlp) {
        const ref = matmulFigures[plan.mlpShapedMatmul];
        emit({
          workload: 'MLP', impl: 'febm-gpu', n: plan.mlp.batch, width: plan.mlp.width, variant: mlp.variant,
          backend: backendName(mlp.adapter), value: round(mlp.gflops), unit: 'GFLOP/s', runs: mlp.timing.runs,
          dispatches: mlp.timing.dispatches, seconds: round(mlp.timing.median),
          samples_per_s: round(mlp.samplesPerSecond),
          of_alu_peak: aluPeak ? round(mlp.gflops / aluPeak, 3) : null,
          of_matmul: ref ? round(mlp.gflops / ref.gflops, 3) : null,
          matmul_ref: ref ? ref.name : null,
        });
      }
    }
    for (const [group, workload] of LANGEVIN) {
      if (!only.includes(group)) continue;
      const cellNs = (group === 'l1' ? cells.l1ns : cells.l2ns) ?? cells.ns;
      const cellWidths = (group === 'l1' ? cells.l1widths : cells.l2widths) ?? cells.widths;
      // Peers are slow on an emulated adapter: each cell and each peer gets a
      // time budget, and every line records how many runs it rests on.
      await attempt(workload.name, () =>
        runLangevin(runner, workload, {
          quick,
          ...impls,
          ...(quick ? { ...quickCells(workload), ns: [workload.ns[0]], widths: [workload.widths[0]] } : {}),
          ...(cellNs ? { ns: cellNs } : {}),
          ...(cellWidths ? { widths: cellWidths } : {}),
          cellBudgetSeconds: quick ? 20 : 60,
          implBudgetSeconds: quick ? 60 : 200,
          ...(variant ? { variant } : {}),
          onLine: (line) => emit({ ...line, of_alu_peak: aluPeak && typeof line.gflops === 'number' ? round(line.gflops / aluPeak, 3) : null }),
        }),
      );
    }
    if (only.includes('t0')) {
      const t0 = await attempt('T0', () => runT0(p, { iterations: plan.t0Iterations }));
      if (t0) emit({ ...t0, of_alu_peak: aluPeak ? round(t0.gflops / aluPeak, 3) : null } as unknown as BenchLine);
    }
    for (const [group, workload] of TRAINING_WORKLOADS) {
      if (!only.includes(group)) continue;
      // Ours runs the full protocol (5 blocks of 10 iterations); each peer gets
      // a time budget, and its line records how many blocks of how many
      // iterations it rests on.
      await attempt(workload.name, () =>
        runTraining(runner, workload, {
          quick,
          ...impls,
          ...(quick ? trainingQuick(workload) : {}),
          ...(variant ? { variant } : {}),
          onLine: (line) => emit({ ...line, of_alu_peak: aluPeak && typeof line.gflops === 'number' ? round(line.gflops / aluPeak, 3) : null }),
        }),
      );
    }
  } finally {
    await page?.close().catch(() => {});
    await runner.close();
  }

  const file = out;
  mkdirSync(dirname(file) || '.', { recursive: true });
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

  // Summary: figure, value, fraction of the ALU peak measured in this run.
  const num = (v: unknown) => (typeof v === 'number' ? v : NaN);
  const ofPeak = (gflops: number) => (aluPeak && Number.isFinite(gflops) ? `${(100 * gflops / aluPeak).toFixed(1)}%` : '-');
  const rows = lines.map((l) => {
    const value = num(l.value);
    const gflops = num(l.gflops);
    switch (l.workload) {
      case 'R0':
        if (l.unit !== 'GFLOP/s') return [`R0 ${l.name}`, `${value.toFixed(3)} ${l.unit}${l.fma_per_load ? ` (one load ~ ${l.fma_per_load} FMAs)` : ''}`, '-'];
        return [`R0 ${l.name}${l.kernel ? ` (${l.kernel})` : ''}`, `${value.toFixed(3)} ${l.unit}`, ofPeak(value)];
      case 'MLP':
        return [`MLP ${l.impl} n=${l.n} w=${l.width}`, `${value.toFixed(3)} ${l.unit}  ${l.samples_per_s} samples/s`, ofPeak(value)];
      case 'L1':
      case 'L2':
        return [`${l.workload} ${l.impl} n=${l.n} w=${l.width}`, l.value === null ? `- (${l.error ?? l.skipped})` : `${Math.round(value)} ${l.unit} (${gflops.toFixed(3)} GFLOP/s, ${l.runs} runs)`, ofPeak(gflops)];
      case 'T0':
        return [`T0 ${l.divergence} ${l.iterations} iterations`, `${value.toFixed(1)} s (mu ${l.mu}, sigma ${l.sigma}, ${gflops.toFixed(3)} GFLOP/s)`, ofPeak(gflops)];
      case 'T1':
      case 'T2':
        if (l.name === 'stages') {
          const st = l.stage_s as Record<string, number>;
          return [`${l.workload} ${l.impl} stages alone`, Object.entries(st).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') + ' s', '-'];
        }
        return [
          `${l.workload} ${l.impl} n=${l.n} w=${l.width}`,
          l.value === null ? `- (${l.error})` : `${value.toFixed(4)} ${l.unit} (${gflops.toFixed(3)} GFLOP/s, ${l.runs} blocks of ${l.block_iterations})`,
          ofPeak(gflops),
        ];
      default:
        return [`${l.workload} ${l.impl ?? l.name ?? ''}`, `${value} ${l.unit}`, '-'];
    }
  });
  const header = ['figure', 'value', 'of ALU peak'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const fmt = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  env.out(`\n${fmt(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.map(fmt).join('\n')}\n`);
  // Ratios: our figure over each peer's in the same cell of the same run (higher is better).
  for (const workload of ['L1', 'L2', 'T1', 'T2']) {
    const figures = lines.filter((l) => l.workload === workload && l.name !== 'stages' && typeof l.value === 'number');
    for (const o of figures.filter((l) => l.impl === 'febm-gpu')) {
      const peers = figures.filter((l) => l.impl !== 'febm-gpu' && l.n === o.n && l.width === o.width);
      if (peers.length) {
        env.out(`${workload} n=${o.n} w=${o.width}: febm-gpu is ${peers.map((p) => `${((o.value as number) / (p.value as number)).toFixed(2)}x ${p.impl}`).join(', ')}\n`);
      }
    }
  }
  env.out(`${lines.length} lines written to ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ' (--quick: smoke test, not a figure)' : ''}\n`);
  return failures === 0 && lines.length > 0 ? 0 : 1;
}

// `npm run reproduce -- [divergence...] [--iterations N] [--optimizer sgd|adam]
//   [--lr X] [--lr-final Y] [--seed S] [--numerics authors|stable] [--out DIR] [--t0]`
//
// Trains the paper's 1-D experiment on the GPU, headless, for every divergence
// (or those named: kl, reverse_kl, jensen_shannon, squared_hellinger, pearson,
// neyman, alpha(-1), ...), compares the learned (mu, sigma) with the exact
// optimum computed in float64 (src/reference/optimum.ts), and writes, as each
// divergence finishes, DIR/<name>.json and two SVG plots; at the end a
// markdown table (printed and DIR/table.md) and DIR/results.json.
// --t0: WORKLOADS.md's T0 instead (Jensen-Shannon, authors' settings, 30,000
// iterations), with the adapter's ALU peak measured in the same page.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ViteDevServer } from 'vite';
import { Runner } from '../harness/runner';
import { describeDivergence, parseDivergence, type DivergenceSpec } from '../src/divergence';
import { onedFlopsPerIteration, type OnedConfig, type OnedResult } from '../src/experiments/oned';
import { exactOptimum } from '../src/reference/optimum';
import type { AluJobResult } from '../bench/r0.jobs';
import { linePlot, logDataDensity, logGaussian } from './plots';

const ALL = ['kl', 'reverse_kl', 'jensen_shannon', 'squared_hellinger', 'pearson', 'neyman', 'alpha(-1)', 'alpha(-0.5)', 'alpha(0.5)', 'alpha(0.9)'];
/** A planning figure only: the 1-D iteration's rate on SwiftShader (2 CPU cores) was 1-3 GFLOP/s. */
const PLANNING_GFLOPS = 2;

interface Args {
  divergences: DivergenceSpec[];
  iterations: number;
  optimizer: 'sgd' | 'adam';
  lr: number;
  /** Linear decay of the learning rate to this value over the run (default: constant). */
  lrFinal: number | null;
  seed: number;
  numerics: 'authors' | 'stable';
  out: string;
  t0: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { divergences: [], iterations: 30_000, optimizer: 'sgd', lr: 1e-3, lrFinal: null, seed: 0, numerics: 'authors', out: 'out/reproduce', t0: false };
  let lrGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${v} needs a value`);
      return argv[++i];
    };
    if (v === '--iterations') a.iterations = Number(next());
    else if (v === '--optimizer') {
      const o = next();
      if (o !== 'sgd' && o !== 'adam') throw new Error(`--optimizer: sgd or adam, got ${o}`);
      a.optimizer = o;
    } else if (v === '--lr') {
      a.lr = Number(next());
      lrGiven = true;
    } else if (v === '--lr-final') a.lrFinal = Number(next());
    else if (v === '--seed') a.seed = Number(next());
    else if (v === '--numerics') {
      const n = next();
      if (n !== 'authors' && n !== 'stable') throw new Error(`--numerics: authors or stable, got ${n}`);
      a.numerics = n;
    } else if (v === '--out') a.out = next();
    else if (v === '--t0') a.t0 = true;
    else if (v.startsWith('--')) throw new Error(`unknown option ${v}`);
    else a.divergences.push(parseDivergence(v, `divergence "${v}"`));
  }
  if (a.optimizer === 'adam' && !lrGiven) a.lr = 1e-2;
  if (a.t0) Object.assign(a, { divergences: [parseDivergence('jensen_shannon')], iterations: 30_000, optimizer: 'sgd', lr: 1e-3, lrFinal: null, numerics: 'authors' });
  if (a.divergences.length === 0) a.divergences = ALL.map((d) => parseDivergence(d));
  return a;
}

const fileName = (label: string) => label.replace(/[()]/g, '_').replace(/_+$/, '').replace(/[^a-z0-9_.-]/gi, '_');

function plots(r: OnedResult, optimum: { mu: number; sigma: number }) {
  const x = r.curve.x;
  const density = linePlot(
    `${r.divergence}: data density and the learned model`,
    x,
    [
      { label: 'data p', color: '#222', y: x.map((v) => Math.exp(logDataDensity(v))) },
      { label: `learned N(${r.mu.toFixed(3)}, ${Math.abs(r.sigma).toFixed(3)}^2)`, color: '#1f6fd1', y: x.map((v) => Math.exp(logGaussian(v, r.mu, r.sigma))) },
      { label: `optimum N(${optimum.mu.toFixed(3)}, ${optimum.sigma.toFixed(3)}^2)`, color: '#d1651f', dash: true, y: x.map((v) => Math.exp(logGaussian(v, optimum.mu, optimum.sigma))) },
    ],
    'density',
  );
  const ratio = linePlot(
    `${r.divergence}: learned H + E against the true log(p / q_theta)`,
    x,
    [
      { label: 'true log(p / q_theta)', color: '#222', y: x.map((v) => logDataDensity(v) - logGaussian(v, r.mu, r.sigma)) },
      { label: 'learned H + E', color: '#1f6fd1', y: x.map((v, i) => r.curve.h[i] + 0.5 * ((v - r.mu) / r.sigma) ** 2) },
    ],
    'log ratio',
  );
  return { density, ratio };
}

export async function main(vite: ViteDevServer, argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nusage: npm run reproduce -- [divergence...] [--iterations N] [--optimizer sgd|adam] [--lr X] [--lr-final Y] [--seed S] [--numerics authors|stable] [--out DIR] [--t0]\n`);
    return 2;
  }
  mkdirSync(args.out, { recursive: true });
  const batch = 1000;
  const gflop = (onedFlopsPerIteration(batch) * args.iterations) / 1e9;
  process.stdout.write(
    `${args.divergences.length} divergence(s) x ${args.iterations} iterations x ${(onedFlopsPerIteration(batch) / 1e6).toFixed(0)} MFLOP = ` +
      `${(gflop * args.divergences.length).toFixed(0)} GFLOP: about ${((gflop * args.divergences.length) / PLANNING_GFLOPS / 60).toFixed(0)} min at ` +
      `${PLANNING_GFLOPS} GFLOP/s (emulated adapter; a real GPU is far faster). Each result is written as soon as it is done.\n`,
  );
  const runner = await Runner.start({ vite });
  const rows: Record<string, unknown>[] = [];
  try {
    const page = await runner.page();
    let aluPeak: number | null = null;
    if (args.t0) {
      const alu = await page.run<AluJobResult>('bench/r0.alu', { invocations: 4096, iterations: 2048, dispatches: 6, runs: 7 });
      aluPeak = alu.gflops;
    }
    for (const spec of args.divergences) {
      const label = describeDivergence(spec);
      const optimum = exactOptimum(spec);
      const config: OnedConfig = {
        divergence: spec,
        numerics: args.numerics,
        iterations: args.iterations,
        seed: args.seed,
        batch,
        optimizer: { kind: args.optimizer, lr: args.lr, ...(args.lrFinal === null ? {} : { lrFinal: args.lrFinal, decaySteps: args.iterations - 1 }) },
        traceEvery: Math.max(1, Math.floor(args.iterations / 200)),
      };
      const r = await page.run<OnedResult>('reproduce.train', config);
      const sigma = Math.abs(r.sigma);
      const distance = Math.max(Math.abs(r.mu - optimum.mu), Math.abs(sigma - optimum.sigma));
      const row = {
        divergence: label, mu: r.mu, sigma, optimumMu: optimum.mu, optimumSigma: optimum.sigma, distance,
        iterations: r.iterations, optimizer: `${args.optimizer} lr ${args.lr}${args.lrFinal === null ? '' : ` to ${args.lrFinal}`}`, numerics: r.numerics, seconds: r.seconds, gflops: r.gflops,
        adapter: r.adapter,
      };
      rows.push(row);
      const name = fileName(label);
      const { density, ratio } = plots(r, optimum);
      writeFileSync(join(args.out, `${name}.json`), `${JSON.stringify({ ...row, trace: r.trace, curve: r.curve, metrics: r.metrics }, null, 2)}\n`);
      writeFileSync(join(args.out, `${name}-density.svg`), density);
      writeFileSync(join(args.out, `${name}-ratio.svg`), ratio);
      process.stdout.write(`${label}: mu ${r.mu.toFixed(4)} sigma ${sigma.toFixed(4)} (optimum ${optimum.mu.toFixed(4)}, ${optimum.sigma.toFixed(4)}; distance ${distance.toFixed(4)}) in ${r.seconds.toFixed(0)} s\n`);
      if (args.t0) {
        const line = {
          workload: 'T0', impl: 'febm-gpu', divergence: label, backend: r.adapter, value: round(r.seconds), unit: 's',
          iterations: r.iterations, mu: round(r.mu), sigma: round(sigma), gflops: round(r.gflops),
          of_alu_peak: aluPeak ? round(r.gflops / aluPeak) : null, alu_peak: aluPeak ? round(aluPeak) : null,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        writeFileSync(join(args.out, 't0.jsonl'), `${JSON.stringify(line)}\n`);
      }
    }
    await page.close();
  } finally {
    await runner.close();
  }
  const table = [
    '| divergence | mu | sigma | optimum mu | optimum sigma | distance | iterations | optimiser | numerics | seconds |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r: any) =>
      `| ${r.divergence} | ${r.mu.toFixed(4)} | ${r.sigma.toFixed(4)} | ${r.optimumMu.toFixed(4)} | ${r.optimumSigma.toFixed(4)} | ${r.distance.toFixed(4)} | ${r.iterations} | ${r.optimizer} | ${r.numerics} | ${r.seconds.toFixed(0)} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  writeFileSync(join(args.out, 'table.md'), `${table}\n`);
  writeFileSync(join(args.out, 'results.json'), `${JSON.stringify(rows, null, 2)}\n`);
  return 0;
}

const round = (v: number) => Math.round(v * 1e4) / 1e4;

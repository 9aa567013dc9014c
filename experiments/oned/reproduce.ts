// `febm-gpu reproduce [names...] [options]` (in the repository: `npm run
// reproduce -- ...`; cli/reproduce.ts makes the command of it): the paper's
// 1-D experiment on the GPU, headless, for every divergence (or those named),
// each compared with the exact optimum of D_f(p || N(mu, sigma^2))
// (experiments/oned/optimum.ts).
//
// Names: kl reverse_kl jensen_shannon squared_hellinger pearson neyman, and
// alpha(a) / alpha:a / alpha=a. Default: all of them, with alpha -1, -0.5,
// 0.5, 0.9 and 2. The options, their defaults and what was found with them
// are REPRODUCE_OPTIONS below (`febm-gpu reproduce --help` prints them).
// It says its expected time up front (from a short calibration run), prints a
// progress line per divergence (iteration, mu, sigma, time left) and a
// markdown table at the end.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST_OPTION, hostArg, type HostKind, type HostProvider } from '../../harness/host';
import {
  ConfigError, describeDivergence, parseDivergence, validateNumerics, validateOptimizer, type DivergenceSpec, type Numerics,
  type OptimizerSpec,
} from '../../src/index';
import type { OnedConfig, OnedResult } from './oned';
import { densityPlot, ratioPlot } from './plots';
import { exactCriticTheta64 } from './reference';
import { exactOptimum, type Optimum1D } from './optimum';
import { runT0 } from './t0';

export const DEFAULT_DIVERGENCES = [
  'kl', 'reverse_kl', 'jensen_shannon', 'squared_hellinger', 'pearson', 'neyman',
  'alpha(-1)', 'alpha(-0.5)', 'alpha(0.5)', 'alpha(0.9)', 'alpha(2)',
];

export interface ReproduceOptions {
  divergences: DivergenceSpec[];
  iterations: number;
  /** theta's starting point (default: the experiment's, (0, 1)). */
  init?: { mu: number; sigma: number };
  /** H's optimiser, and theta's unless optimizerE is set. */
  optimizer: OptimizerSpec;
  optimizerE?: OptimizerSpec;
  batch: number;
  numerics: Numerics;
  seed: number;
  out: string;
  t0: boolean;
  exactCritic: boolean;
  /** H's L2 output penalty (OnedConfig.l2H); default 0. */
  l2H: number;
  /** H steps per iteration (OnedConfig.hSteps); default 1. */
  hSteps: number;
  /** Where the jobs run (--host; default the command line's). */
  host?: HostKind;
}

/**
 * The command's options: the one source of the parser and of --help
 * (cli/reproduce.ts; the shape of cli/command.ts's OptionSpec).
 */
export const REPRODUCE_OPTIONS = {
  iterations: { type: 'string', value: 'N', help: 'iterations per divergence', default: '2000 with adam, 30000 with sgd' },
  optimizer: { type: 'string', value: 'adam|sgd', help: 'the optimiser of H and theta', default: 'adam' },
  lr: { type: 'string', value: 'X', help: 'learning rate', default: "1e-2 (adam) or 1e-3 (sgd, the authors')" },
  'lr-final': { type: 'string', value: 'X', help: 'adam: linear decay from lr to this over the run; sgd: constant', default: 'lr/10 (adam), lr (sgd)' },
  'lr-e': { type: 'string', value: 'X', help: "theta's learning rate, if different from H's (decays by the same factor)" },
  'warmup-e': {
    type: 'string', value: 'N',
    help: "theta's learning rate rises linearly over its first N steps (H's does not), so that H can follow where the first steps are noisy",
  },
  init: {
    type: 'string', value: 'MU,SIGMA', default: "0,1 (the paper's)",
    help: "theta's starting point. Pearson chi^2 and alpha >= 2 need sigma > 1 for D_f to be finite (and sigma^2 > 1.5 for the sample " +
      'estimate of E_q[c(v)] to have a finite variance), so (0, 1) is a degenerate start for them',
  },
  beta1: { type: 'string', value: 'X', help: "Adam's beta1", default: 0.9 },
  beta2: {
    type: 'string', value: 'X', default: 0.999,
    help: "Adam's beta2. From (0, 1) Pearson chi^2's gradients are heavy-tailed: one rare sample's square held in v for ~1000 steps " +
      'shrinks every later step; a short memory (0.9) lets theta through',
  },
  'beta2-e': { type: 'string', value: 'X', help: "theta's beta2, if different from H's" },
  'clip-rms': {
    type: 'string', value: 'X', default: '0 (off)',
    help: "Adam's per-element gradient clipping (the authors' image optimiser: 3) on H and theta: each element to +-(X RMS + clip-add), " +
      'RMS from the second moment before the step',
  },
  'clip-add': { type: 'string', value: 'X', help: 'the additive part of that bound', default: 0.1 },
  'clip-rms-e': {
    type: 'string', value: 'X', default: '0 (off)',
    help: "theta's clipping alone (H keeps --clip-rms). Pearson chi^2 from (0, 1) reaches its optimum with --beta2 0.9 --clip-rms-e 1 " +
      '--l2-h 1e-3; what each of these options did in measured runs is in docs/results-1d.md',
  },
  'l2-h': {
    type: 'string', value: 'X', default: 0,
    help: "L2 penalty on H's outputs, X (mean_data H^2 + mean_model H^2) subtracted from the objective omega ascends (the authors' output penalty)",
  },
  'h-steps': { type: 'string', value: 'N', help: "H steps per iteration, each on the iteration's samples, before theta's one (1 to 100)", default: 1 },
  batch: { type: 'string', value: 'N', help: 'data and model samples per iteration', default: 1000 },
  numerics: { type: 'string', value: 'authors|stable', help: 'the divergence numerics', default: 'stable' },
  seed: { type: 'string', value: 'N', help: 'the seed', default: 0 },
  out: { type: 'string', value: 'DIR', help: 'one JSON per divergence as soon as it is done, two SVG plots per divergence, results.md with the table', default: 'out/reproduce' },
  'exact-critic': {
    type: 'boolean', default: false,
    help: "instead: theta's updates alone in float64 on the CPU (no browser), with the exact critic v = log p - log q_theta in place of H and " +
      "the same samples, optimiser and schedule: what the optimiser does with theta's noisy gradients, apart from H's errors; prints (mu, sigma) every tenth of the run",
  },
  t0: { type: 'boolean', default: false, help: "instead: the T0 benchmark (authors' settings, 30,000 iterations unless --iterations; the first name, default jensen_shannon)" },
  ...HOST_OPTION,
} as const;

function numberArg(flag: string, text: string | undefined, integer: boolean): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new ConfigError(flag, `needs ${integer ? 'an integer' : 'a number'}, got ${JSON.stringify(text)}`);
  }
  return v;
}

/**
 * The experiment's options from the parsed command line (util.parseArgs
 * values by option name, and the divergence names); ConfigError naming the
 * flag on anything wrong.
 */
export function reproduceOptions(values: Record<string, string | boolean | string[] | undefined>, names: string[]): ReproduceOptions {
  const flags: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string') flags[`--${k}`] = v;
  const t0 = values.t0 === true;
  const exactCritic = values['exact-critic'] === true;
  const kind = flags['--optimizer'] ?? 'adam';
  if (kind !== 'adam' && kind !== 'sgd') throw new ConfigError('--optimizer', `must be adam or sgd, got ${JSON.stringify(kind)}`);
  const iterations = flags['--iterations'] ? numberArg('--iterations', flags['--iterations'], true) : kind === 'adam' ? 2000 : 30_000;
  const lr = flags['--lr'] ? numberArg('--lr', flags['--lr'], false) : kind === 'adam' ? 1e-2 : 1e-3;
  const lrFinal = flags['--lr-final'] ? numberArg('--lr-final', flags['--lr-final'], false) : kind === 'adam' ? lr / 10 : lr;
  const optimizer: OptimizerSpec = { kind, lr, lrFinal, decaySteps: lrFinal === lr ? 0 : iterations };
  if (flags['--beta1'] !== undefined) optimizer.beta1 = numberArg('--beta1', flags['--beta1'], false);
  if (flags['--beta2'] !== undefined) optimizer.beta2 = numberArg('--beta2', flags['--beta2'], false);
  let optimizerE: OptimizerSpec | undefined;
  if (flags['--lr-e'] !== undefined) {
    const lrE = numberArg('--lr-e', flags['--lr-e'], false);
    optimizerE = { ...optimizer, lr: lrE, lrFinal: (lrFinal / lr) * lrE };
  }
  if (flags['--warmup-e'] !== undefined) {
    const warmupSteps = numberArg('--warmup-e', flags['--warmup-e'], true);
    const base = optimizerE ?? optimizer;
    // The decay follows the warm-up and still ends at the last iteration.
    optimizerE = { ...base, warmupSteps, decaySteps: base.decaySteps ? Math.max(1, iterations - warmupSteps) : 0 };
  }
  if (flags['--beta2-e'] !== undefined) optimizerE = { ...(optimizerE ?? optimizer), beta2: numberArg('--beta2-e', flags['--beta2-e'], false) };
  // The authors' per-element clipping of Adam (validateOptimizer checks the values, naming the flag).
  const nonNegative = (flag: string): number => {
    const v = numberArg(flag, flags[flag], false);
    if (!(v >= 0)) throw new ConfigError(flag, `must be a number >= 0 (0: off), got ${v}`);
    return v;
  };
  if (flags['--clip-rms'] !== undefined || flags['--clip-add'] !== undefined) {
    if (kind !== 'adam') throw new ConfigError(flags['--clip-rms'] !== undefined ? '--clip-rms' : '--clip-add', `applies to adam only, got --optimizer ${kind}`);
    const clip: Partial<OptimizerSpec> = {};
    if (flags['--clip-rms'] !== undefined) clip.clipRms = nonNegative('--clip-rms');
    if (flags['--clip-add'] !== undefined) clip.clipAdd = nonNegative('--clip-add');
    Object.assign(optimizer, clip);
    if (optimizerE) Object.assign(optimizerE, clip);
  }
  if (flags['--clip-rms-e'] !== undefined) {
    if (kind !== 'adam') throw new ConfigError('--clip-rms-e', `applies to adam only, got --optimizer ${kind}`);
    optimizerE = { ...(optimizerE ?? optimizer), clipRms: nonNegative('--clip-rms-e') };
  }
  let init: { mu: number; sigma: number } | undefined;
  if (flags['--init'] !== undefined) {
    const parts = flags['--init'].split(',');
    if (parts.length !== 2) throw new ConfigError('--init', `needs MU,SIGMA, got ${JSON.stringify(flags['--init'])}`);
    init = { mu: numberArg('--init', parts[0], false), sigma: numberArg('--init', parts[1], false) };
    if (!(init.sigma > 0)) throw new ConfigError('--init', `needs SIGMA > 0, got ${init.sigma}`);
  }
  const l2H = flags['--l2-h'] !== undefined ? nonNegative('--l2-h') : 0;
  const hSteps = flags['--h-steps'] !== undefined ? numberArg('--h-steps', flags['--h-steps'], true) : 1;
  if (hSteps < 1 || hSteps > 100) throw new ConfigError('--h-steps', `must be an integer in [1, 100], got ${hSteps}`);
  const divergences = (names.length ? names : t0 ? ['jensen_shannon'] : DEFAULT_DIVERGENCES).map((n) => parseDivergence(n));
  return {
    divergences,
    iterations,
    optimizer,
    ...(optimizerE ? { optimizerE } : {}),
    ...(init ? { init } : {}),
    batch: flags['--batch'] ? numberArg('--batch', flags['--batch'], true) : 1000,
    numerics: validateNumerics(flags['--numerics'] ?? REPRODUCE_OPTIONS.numerics.default, '--numerics'),
    seed: flags['--seed'] ? numberArg('--seed', flags['--seed'], true) : 0,
    out: flags['--out'] ?? REPRODUCE_OPTIONS.out.default,
    t0,
    exactCritic,
    l2H,
    hSteps,
    ...(values.host !== undefined ? { host: hostArg(values) } : {}),
  };
}

/** --exact-critic: theta's updates alone with the exact critic, in float64 (experiments/oned/reference.ts). */
function runExactCritic(opts: ReproduceOptions, log: (line: string) => void, env: Pick<ReproduceEnv, 'out'>): number {
  for (const d of opts.divergences) {
    const label = describeDivergence(d);
    const optimum = exactOptimum(d);
    const optimizer = validateOptimizer(opts.optimizerE ?? opts.optimizer, '--optimizer');
    const t0 = performance.now();
    const { path } = exactCriticTheta64(d, optimizer, { iterations: opts.iterations, batch: opts.batch, seed: opts.seed, init: opts.init });
    const every = Math.max(1, Math.round(opts.iterations / 10));
    const points = path.flatMap(([mu, sigma], i) => ((i + 1) % every === 0 || i + 1 === path.length ? [`${i + 1}: (${mu.toFixed(4)}, ${sigma.toFixed(4)})`] : []));
    const [mu, sigma] = path[path.length - 1];
    log(`${label}, exact critic, ${optimizerLabel(optimizer)}, batch ${opts.batch} + ${opts.batch}, seed ${opts.seed}: ${points.join('  ')}`);
    env.out(`${label}: mu ${mu.toFixed(4)} sigma ${sigma.toFixed(4)}, optimum (${optimum.mu.toFixed(4)}, ${optimum.sigma.toFixed(4)}), ` +
      `distance ${Math.hypot(mu - optimum.mu, sigma - optimum.sigma).toFixed(4)}, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  return 0;
}

const fileLabel = (label: string): string => label.replace(/[()]/g, (c) => (c === '(' ? '_' : '')).replace(/[^A-Za-z0-9_.-]/g, '_');

const fmtTime = (s: number): string => (s < 90 ? `${s.toFixed(0)} s` : s < 5400 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);

export interface ReproduceRow {
  divergence: string;
  mu: number;
  sigma: number;
  optimumMu: number;
  optimumSigma: number;
  distance: number;
  iterations: number;
  optimizer: string;
  seconds: number;
}

/** The markdown table of the rows. */
export function markdownTable(rows: ReproduceRow[], numerics: string): string {
  const head = '| divergence | learned mu | learned sigma | optimum mu | optimum sigma | distance | iterations | optimizer | seconds |';
  const sep = '|---|---:|---:|---:|---:|---:|---:|---|---:|';
  const body = rows.map((r) =>
    `| ${r.divergence} | ${r.mu.toFixed(4)} | ${r.sigma.toFixed(4)} | ${r.optimumMu.toFixed(4)} | ${r.optimumSigma.toFixed(4)} | ` +
      `${r.distance.toFixed(4)} | ${r.iterations} | ${r.optimizer} | ${r.seconds.toFixed(0)} |`,
  );
  return [`Numerics: ${numerics}. Distance: Euclidean in (mu, sigma).`, '', head, sep, ...body].join('\n');
}

function optimizerLabel(o: OptimizerSpec, e?: OptimizerSpec): string {
  const one = (x: OptimizerSpec) => `${x.warmupSteps ? `0->` : ''}${x.lr}${x.decaySteps ? `->${x.lrFinal}` : ''}`;
  const beta1 = o.beta1 !== undefined && o.kind === 'adam' ? ` b1 ${o.beta1}` : '';
  const beta2 = o.beta2 !== undefined && o.kind === 'adam' ? ` b2 ${o.beta2}` : '';
  const beta2E = e?.beta2 !== undefined && e.beta2 !== o.beta2 && e.kind === 'adam' ? ` (E b2 ${e.beta2})` : '';
  const clip = (x: OptimizerSpec) => (x.clipRms ? `${x.clipRms} RMS + ${x.clipAdd ?? 0.1}` : 'off');
  const clipH = o.clipRms || o.clipAdd !== undefined ? ` clip ${clip(o)}` : '';
  const clipE = e && clip(e) !== clip(o) ? ` (E clip ${clip(e)})` : '';
  return `${o.kind} lr ${e ? `H ${one(o)}, E ${one(e)}` : one(o)}${beta1}${beta2}${beta2E}${clipH}${clipE}`;
}

/** H's L2 output penalty and H steps per iteration, where not the defaults. */
function hLabel(opts: ReproduceOptions): string {
  return `${opts.l2H > 0 ? `, H l2 ${opts.l2H}` : ''}${opts.hSteps > 1 ? `, ${opts.hSteps} H steps` : ''}`;
}

/** What the experiment needs from the command line (cli/command.ts's CommandEnv). */
export interface ReproduceEnv {
  startHost(options?: { log?: (line: string) => void; kind?: HostKind }): Promise<HostProvider>;
  log(line: string): void;
  out(text: string): void;
}

/** Runs the experiment (or T0, or the exact-critic runs) and returns the exit code (0 done). */
export async function runReproduce(opts: ReproduceOptions, env: ReproduceEnv, explicitIterations: boolean): Promise<number> {
  const log = env.log;
  if (opts.exactCritic) {
    if (opts.l2H > 0 || opts.hSteps > 1) log('--exact-critic has no H: --l2-h and --h-steps do not apply');
    return runExactCritic(opts, log, env);
  }
  const runner = await env.startHost({ kind: opts.host, log: (line) => { if (!line.startsWith('[page debug]')) log(line); } });
  try {
    if (opts.t0) {
      const config = { divergence: opts.divergences[0], iterations: explicitIterations ? opts.iterations : 30_000, seed: opts.seed };
      log(`T0: ${describeDivergence(config.divergence)}, SGD lr 1e-3, batch 1000 + 1000, authors' numerics, ${config.iterations} iterations`);
      const page = await runner.open();
      const cal = await page.run<{ secondsPerIteration: number }>('reproduce.calibrate', {
        divergence: config.divergence, numerics: 'authors', optimizer: { kind: 'sgd', lr: 1e-3 }, iterations: 20,
      });
      log(`expected time: ${fmtTime(cal.secondsPerIteration * config.iterations)} (${(1000 * cal.secondsPerIteration).toFixed(1)} ms per iteration)`);
      const line = await runT0(page, config);
      env.out(`${JSON.stringify(line)}\n`);
      await page.close();
      return 0;
    }
    mkdirSync(opts.out, { recursive: true });
    const labels = opts.divergences.map(describeDivergence);
    log(`1-D experiment: ${labels.join(', ')}; ${opts.iterations} iterations each, ${optimizerLabel(opts.optimizer, opts.optimizerE)}${hLabel(opts)}, ` +
      `batch ${opts.batch} + ${opts.batch}, ${opts.numerics} numerics, seed ${opts.seed}; results in ${opts.out}`);
    const optima = new Map<string, Optimum1D>();
    for (const [i, d] of opts.divergences.entries()) optima.set(labels[i], exactOptimum(d));
    const page = await runner.open();
    const base = (d: DivergenceSpec): OnedConfig => ({
      divergence: d, numerics: opts.numerics, iterations: opts.iterations, optimizer: opts.optimizer,
      ...(opts.optimizerE ? { optimizerE: opts.optimizerE } : {}), ...(opts.init ? { init: opts.init } : {}), batch: opts.batch,
      seed: opts.seed, traceEvery: Math.max(1, Math.round(opts.iterations / 200)),
      ...(opts.l2H > 0 ? { l2H: opts.l2H } : {}), ...(opts.hSteps > 1 ? { hSteps: opts.hSteps } : {}),
    });
    const cal = await page.run<{ secondsPerIteration: number; setupSeconds: number }>('reproduce.calibrate', { ...base(opts.divergences[0]), iterations: 20 });
    const expected = opts.divergences.length * (opts.iterations * cal.secondsPerIteration + 2 * cal.setupSeconds + 1);
    log(`expected time: ${fmtTime(expected)} (${(1000 * cal.secondsPerIteration).toFixed(1)} ms per iteration here)`);
    const rows: ReproduceRow[] = [];
    const t0 = performance.now();
    for (const [i, d] of opts.divergences.entries()) {
      const label = labels[i];
      const optimum = optima.get(label)!;
      log(`[${i + 1}/${opts.divergences.length}] ${label}: exact optimum mu ${optimum.mu.toFixed(4)} sigma ${optimum.sigma.toFixed(4)}`);
      const r = await page.run<OnedResult>('reproduce.train', { ...base(d), progressSeconds: 15 });
      const distance = Math.hypot(r.mu - optimum.mu, Math.abs(r.sigma) - optimum.sigma);
      const row: ReproduceRow = {
        divergence: label, mu: r.mu, sigma: Math.abs(r.sigma), optimumMu: optimum.mu, optimumSigma: optimum.sigma, distance,
        iterations: r.iterations, optimizer: optimizerLabel(opts.optimizer, opts.optimizerE) + hLabel(opts), seconds: r.seconds,
      };
      rows.push(row);
      const name = fileLabel(label);
      writeFileSync(join(opts.out, `${name}.json`), `${JSON.stringify({ ...r, optimum, distance }, null, 1)}\n`);
      const plot = { label, mu: r.mu, sigma: r.sigma, curve: r.curve };
      writeFileSync(join(opts.out, `${name}-density.svg`), densityPlot(plot, optimum));
      writeFileSync(join(opts.out, `${name}-ratio.svg`), ratioPlot(plot));
      const spent = (performance.now() - t0) / 1000;
      const left = (spent / (i + 1)) * (opts.divergences.length - i - 1);
      log(`[${i + 1}/${opts.divergences.length}] ${label}: mu ${r.mu.toFixed(4)} sigma ${Math.abs(r.sigma).toFixed(4)}, ` +
        `distance to the optimum ${distance.toFixed(4)}, ${r.seconds.toFixed(0)} s; written ${join(opts.out, `${name}.json`)}; about ${fmtTime(left)} left`);
      writeFileSync(join(opts.out, 'results.md'), `${markdownTable(rows, opts.numerics)}\n`);
    }
    await page.close();
    env.out(`\n${markdownTable(rows, opts.numerics)}\n`);
    return 0;
  } finally {
    await runner.close();
  }
}

// `febm-gpu bench`: the benchmark workloads (their logic, options and
// defaults live in bench/run.ts; this makes the command of it).

import { BENCH_OPTIONS, benchArgs, runBench } from '../bench/run';
import type { Command } from './command';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'measure the adapter and the kernels against the peers; one JSON line per figure',
  usage: 'bench [options]',
  description: [
    'Runs the benchmark workloads (R0: the adapter ALU peak and matmuls; MLP; L1 and L2: the Langevin sampler',
    'on a 2-D and an MNIST-sized energy; T1 and T2: a training iteration on each; T0: the 1-D reproduction)',
    'one at a time in one headless Chromium, each peer',
    '(TensorFlow.js webgpu and wasm, jax-js) checked against float64 before it is timed, and prints one',
    'JSON line per figure and a summary with fractions of the ALU peak and ratios to the peers.',
  ].join('\n'),
  options: BENCH_OPTIONS,
  positionals: { max: 0, what: 'nothing' },
  onInterrupt: 'exit',
  run(p, env) {
    return runBench(benchArgs(p.values), env);
  },
};

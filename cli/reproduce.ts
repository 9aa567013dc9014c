// `febm-gpu reproduce`: the paper's 1-D experiment (its logic, options and
// defaults live in experiments/oned/reproduce.ts; this makes the command of it).

import { REPRODUCE_OPTIONS, reproduceOptions, runReproduce, type ReproduceOptions } from '../experiments/oned/reproduce';
import { parseCommandLine, type Command } from './command';

/** The experiment's options from a command line (ConfigError naming the flag). */
export function parseReproduceArgs(argv: string[]): ReproduceOptions {
  const p = parseCommandLine(reproduceCommand, argv);
  return reproduceOptions(p.values, p.positionals);
}

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "the paper's 1-D experiment for every divergence, against its exact optimum",
  usage: 'reproduce [divergence...] [options]',
  description: [
    "Trains the paper's 1-D experiment (a Gaussian N(mu, sigma^2) against a mixture, with a variational",
    'network H) on the GPU for every divergence, or those named, and compares the end point with the exact',
    'optimum of D_f(p || q). Names: kl reverse_kl jensen_shannon squared_hellinger pearson neyman, and',
    "alpha(a) (also alpha:a, alpha=a); default: all of them, with alpha -1, -0.5, 0.5, 0.9 and 2.",
  ].join('\n'),
  options: REPRODUCE_OPTIONS,
  positionals: { max: Infinity, what: 'divergence names' },
  onInterrupt: 'exit',
  run(p, env) {
    return runReproduce(reproduceOptions(p.values, p.positionals), env, p.values.iterations !== undefined);
  },
};

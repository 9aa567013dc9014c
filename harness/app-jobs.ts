// The applications' job files: the command line's, the benchmarks' and the
// paper's experiments'. The jobs page (harness/main.ts) and the Node host
// (harness/node-host.ts) run the same ones.
import type { JobModules } from './jobs';

export const APP_JOBS: JobModules = import.meta.glob(['../bench/**/*.jobs.ts', '../cli/*.jobs.ts', '../experiments/**/*.jobs.ts']);

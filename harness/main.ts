// The applications' jobs page (harness/index.html): the jobs of the command
// line, the benchmarks and the paper's experiments.
import { serveJobs } from './page';

serveJobs(import.meta.glob(['../bench/**/*.jobs.ts', '../cli/*.jobs.ts', '../experiments/**/*.jobs.ts']));

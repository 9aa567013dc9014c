// The applications' jobs page (harness/index.html): the jobs of the command
// line, the benchmarks and the paper's experiments.
import { APP_JOBS } from './app-jobs';
import { serveJobs } from './page';

serveJobs(APP_JOBS);

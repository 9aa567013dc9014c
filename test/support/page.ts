// The tests' jobs page (test/support/index.html): the applications' jobs and
// every test's page side (test/**/*.jobs.ts).
import { serveJobs } from '../../harness/page';
import { TEST_JOB_MODULES } from './job-modules';

serveJobs(TEST_JOB_MODULES);

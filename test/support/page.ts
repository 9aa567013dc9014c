// The tests' jobs page (test/support/index.html): the applications' jobs and
// every test's page side (test/**/*.jobs.ts).
import { serveJobs } from '../../harness/page';

serveJobs(import.meta.glob(['../../bench/**/*.jobs.ts', '../../cli/*.jobs.ts', '../../experiments/**/*.jobs.ts', '../**/*.jobs.ts']));

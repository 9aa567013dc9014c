// Every job file the tests may run: the applications' and the tests' own
// (test/**/*.jobs.ts). The tests' jobs page (test/support/page.ts) and the
// Node host of the tests (test/support/gpu.ts) run the same ones.
import type { JobModules } from '../../harness/jobs';

export const TEST_JOB_MODULES: JobModules = import.meta.glob([
  '../../bench/**/*.jobs.ts', '../../cli/*.jobs.ts', '../../experiments/**/*.jobs.ts', '../**/*.jobs.ts',
]);

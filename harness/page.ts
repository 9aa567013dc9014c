// The jobs page: runs a job by name with a JSON config and returns its JSON
// result or a serialised error. A page entry (harness/main.ts for the
// applications' jobs, test/support/page.ts for the tests' too) hands it the
// job modules it may run; harness/jobs.ts says how a name finds its job.

import type { HarnessApi, JobOutcome } from './protocol';
import { makeContext } from './job';
import { runJob, type JobModules } from './jobs';

export type { JobModules };

declare global {
  interface Window {
    febmHarness: HarnessApi;
    febmProgress?: (p: { job: string; message: string; fraction?: number; data?: unknown }) => void;
  }
}

/** Makes this page run the given job modules (window.febmHarness, which the runner calls). */
export function serveJobs(modules: JobModules): void {
  window.febmHarness = {
    jobs: () => Object.keys(modules),
    run(name: string, config: unknown): Promise<JobOutcome> {
      const ctx = makeContext(name, (message, fraction, data) => window.febmProgress?.({ job: name, message, fraction, data }));
      return runJob(modules, name, config, ctx);
    },
  };
}

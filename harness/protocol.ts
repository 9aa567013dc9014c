// What crosses between Node and the harness page.

export interface JobProgress {
  job: string;
  message: string;
  /** 0..1 where known. */
  fraction?: number;
  /** Structured data for a caller that listens (RunnerOptions.onProgress), e.g. a metrics record. */
  data?: unknown;
}

export interface JobFailure {
  name: string;
  message: string;
  stack?: string;
  /** Extra fields of the thrown error (e.g. LimitError's limit, needed, available). */
  fields?: Record<string, unknown>;
}

export type JobOutcome = { ok: true; result: unknown } | { ok: false; error: JobFailure };

/** The page's side: window.febmHarness. */
export interface HarnessApi {
  /** Runs a job; `runId` names the run for stop(). */
  run(job: string, config: unknown, runId?: string): Promise<JobOutcome>;
  /** Asks a running job to stop (its JobContext.signal aborts); false if no such run is going. */
  stop(runId: string): boolean;
  jobs(): string[];
}

/** Rethrown in Node with the job error's name, message and fields (from the page, or the Node host). */
export class PageJobError extends Error {
  readonly fields: Record<string, unknown>;
  constructor(readonly job: string, failure: JobFailure, where = 'page') {
    super(failure.message);
    this.name = failure.name;
    this.fields = failure.fields ?? {};
    if (failure.stack) this.stack = `${failure.name}: ${failure.message}\n    [in ${where}, job ${job}]\n${failure.stack}`;
  }
}

// The interface the command line (cli/) and the benchmarks use to run jobs,
// whatever runs them. A job is an export of a `*.jobs.ts` module, named
// "file.export", called with a JobContext (harness/job.ts) and a JSON config,
// returning a JSON result. Where it runs is a host:
//   - chromium: a page of one headless Chromium driven by Puppeteer
//     (harness/runner.ts: Runner opens pages, each a HarnessPage);
//   - node: this Node process on Dawn's WebGPU, no browser
//     (harness/node-host.ts: NodeHostProvider opens NodeHosts);
// the command's --host option chooses (cli/hosts.ts).
//
// Large inputs and outputs never travel inside the config or the result
// (JSON; through Puppeteer that means one message): the caller offers bytes
// to the host and puts the returned BlobRef in the config; the job reads
// them with ctx.input(ref). A job hands bytes back with ctx.output(bytes),
// which returns a BlobRef to put in its result or progress data; the caller
// reads them with take(ref). In the Chromium host the bytes go through the
// runner's own HTTP server on 127.0.0.1 (harness/blobs.ts), so a page fetches
// 188 MB of data as one binary response and never holds a base64 copy.

import { ConfigError } from '../src/index';
import type { JobProgress } from './protocol';

/** Bytes held by a host for a job: put it in a job's config or result as it is (plain JSON). */
export interface BlobRef {
  /** The host's name for the bytes (opaque to the caller and the job). */
  blob: string;
  bytes: number;
}

export interface RunOptions {
  /** Hears every progress report of this run (JobContext.progress), instead of the log. */
  onProgress?: (p: JobProgress) => void;
  /**
   * Aborting asks the job to stop: its JobContext.signal aborts. A job that
   * watches it stops at its next safe point and returns what it has (e.g. the
   * trainer's checkpoint of the last completed iteration); one that does not
   * runs to its end.
   */
  signal?: AbortSignal;
}

/** One place where jobs run, one after another (a page; a GPU context). */
export interface JobHost {
  /** Runs a job ("file.export") with a JSON config; a job's error is rethrown with its name, message and fields (PageJobError). */
  run<T = unknown>(job: string, config?: unknown, options?: RunOptions): Promise<T>;
  /** Holds bytes (or a file's bytes) for jobs to read with ctx.input; the host keeps them until release or close. */
  offer(source: Uint8Array | { file: string }): Promise<BlobRef>;
  /** The bytes a job handed back with ctx.output; they are released. */
  take(ref: BlobRef): Promise<Uint8Array>;
  /** Forgets offered bytes. */
  release(ref: BlobRef): Promise<void>;
  /** Ends this place (its GPU device, page or context). */
  close(): Promise<void>;
}

/** The host kinds the command line knows: headless Chromium, or this Node process on Dawn (harness/node-host.ts). */
export type HostKind = 'chromium' | 'node';

/** A started host: opens fresh places to run jobs (a new page each), and shuts everything down. */
export interface HostProvider {
  readonly kind: HostKind;
  /** What runs the jobs, in words (e.g. the browser's path), for the log. */
  readonly description: string;
  open(): Promise<JobHost>;
  close(): Promise<void>;
}

export const HOST_KINDS: readonly HostKind[] = ['chromium', 'node'];

/** The command line's default host (docs/hosts.md: the host of the demo and of the benchmark peers). */
export const DEFAULT_HOST: HostKind = 'chromium';

/** The --host option of the commands that run jobs: one source for its parser and --help. */
export const HOST_OPTION = {
  host: {
    type: 'string', value: HOST_KINDS.join('|'), default: DEFAULT_HOST,
    help: 'where the jobs run: headless Chromium, or this Node process on Dawn (npm webgpu) with no browser',
  },
} as const;

/** The --host value, checked; ConfigError naming the flag. */
export function hostArg(values: Record<string, unknown>): HostKind | undefined {
  const v = values.host;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(HOST_KINDS as readonly string[]).includes(v)) {
    throw new ConfigError('--host', `must be one of ${HOST_KINDS.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return v as HostKind;
}

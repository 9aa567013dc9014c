// The jobs page: runs a job by name with a JSON config and returns its JSON
// result or a serialised error. A page entry (harness/main.ts for the
// applications' jobs, test/support/page.ts for the tests' too) hands it the
// job modules it may run. Job "device.lose" is the export `lose` of the file
// device.jobs.ts; where two folders hold a file of that name, the job names
// the folder too: "sampler/sampler.sample".

import type { HarnessApi, JobFailure, JobOutcome } from './protocol';
import { makeContext, type Job, type JobBytes } from './job';
import type { BlobRef } from './host';
import { BLOB_ROUTE } from './blob-route';

export type JobModules = Record<string, () => Promise<unknown>>;

/** The module of a job file: "mlp", or with its folder where two folders have one ("test/mlp/mlp"). */
function moduleFor(modules: JobModules, file: string): (() => Promise<unknown>) | undefined {
  const keys = Object.keys(modules).filter((k) => k.endsWith(`/${file}.jobs.ts`));
  if (keys.length > 1) {
    throw new Error(`job file ${file} is ambiguous (${keys.map((k) => k.replace(/^(\.\.\/)+/, '')).join(', ')}): name its folder too`);
  }
  return keys.length === 1 ? modules[keys[0]] : undefined;
}

function serialise(e: unknown): JobFailure {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) {
      if (['number', 'string', 'boolean'].includes(typeof v)) fields[k] = v;
    }
    return { name: e.name, message: e.message, stack: e.stack, fields };
  }
  return { name: 'Error', message: String(e) };
}

declare global {
  interface Window {
    febmHarness: HarnessApi;
    febmProgress?: (p: { job: string; message: string; fraction?: number; data?: unknown }) => void;
  }
}

/** Bytes through the runner's server (harness/blobs.ts): one binary request each way, never base64. */
const pageBytes: JobBytes = {
  async input(ref: BlobRef): Promise<Uint8Array> {
    const res = await fetch(`${BLOB_ROUTE}${encodeURIComponent(ref.blob)}`, { cache: 'no-store' });
    if (!res.ok) throw new Error(`input ${ref.blob}: ${res.status} ${await res.text()}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.byteLength !== ref.bytes) throw new Error(`input ${ref.blob}: ${bytes.byteLength} bytes arrived, ${ref.bytes} were offered`);
    return bytes;
  },
  async output(bytes: Uint8Array): Promise<BlobRef> {
    const res = await fetch(BLOB_ROUTE, { method: 'POST', body: bytes as Uint8Array<ArrayBuffer>, headers: { 'content-type': 'application/octet-stream' } });
    if (!res.ok) throw new Error(`output of ${bytes.byteLength} bytes: ${res.status} ${await res.text()}`);
    return (await res.json()) as BlobRef;
  },
};

/** Makes this page run the given job modules (window.febmHarness, which the runner calls). */
export function serveJobs(modules: JobModules): void {
  const running = new Map<string, AbortController>();
  window.febmHarness = {
    jobs: () => Object.keys(modules),
    stop(runId: string): boolean {
      const c = running.get(runId);
      c?.abort();
      return c !== undefined;
    },
    async run(name: string, config: unknown, runId?: string): Promise<JobOutcome> {
      const controller = new AbortController();
      if (runId !== undefined) running.set(runId, controller);
      try {
        const dot = name.lastIndexOf('.');
        const file = name.slice(0, dot);
        const fn = name.slice(dot + 1);
        const load = dot < 0 ? undefined : moduleFor(modules, file);
        if (!load) throw new Error(`no job module ${file}.jobs.ts (jobs are "<file>.<export>")`);
        const mod = (await load()) as Record<string, Job>;
        const job = mod[fn];
        if (typeof job !== 'function') throw new Error(`${file}.jobs.ts exports no job ${fn}`);
        const ctx = makeContext(name, (message, fraction, data) => window.febmProgress?.({ job: name, message, fraction, data }), controller.signal, pageBytes);
        return { ok: true, result: await job(ctx, config) };
      } catch (e) {
        return { ok: false, error: serialise(e) };
      } finally {
        if (runId !== undefined) running.delete(runId);
      }
    },
  };
}

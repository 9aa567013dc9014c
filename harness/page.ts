// The jobs page: runs a job by name with a JSON config and returns its JSON
// result or a serialised error. A page entry (harness/main.ts for the
// applications' jobs, test/support/page.ts for the tests' too) hands it the
// job modules it may run; harness/jobs.ts says how a name finds its job.

import type { HarnessApi, JobOutcome } from './protocol';
import { makeContext, type JobBytes } from './job';
import { runJob, type JobModules } from './jobs';
import type { BlobRef } from './host';
import { BLOB_ROUTE } from './blob-route';

export type { JobModules };

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
        const ctx = makeContext(name, (message, fraction, data) => window.febmProgress?.({ job: name, message, fraction, data }), controller.signal, pageBytes);
        return await runJob(modules, name, config, ctx);
      } finally {
        if (runId !== undefined) running.delete(runId);
      }
    },
  };
}

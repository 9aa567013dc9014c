// The context a job gets from its host (the harness page, or another host of
// harness/host.ts).

import { requestGpu, type Gpu, type GpuOptions } from '../src/index';
import type { BlobRef } from './host';

export interface JobContext {
  /** The page's shared GPU (pipelines stay cached between jobs); a lost one is replaced. */
  gpu(): Promise<Gpu>;
  /** A new GPU of its own, with options (e.g. limits); the caller destroys it. */
  freshGpu(options?: GpuOptions): Promise<Gpu>;
  /** Reports progress to the terminal that runs the job; `data` (JSON) goes to a listening caller (RunOptions.onProgress). */
  progress(message: string, fraction?: number, data?: unknown): void;
  /** Aborts when the caller asks the job to stop (RunOptions.signal): stop at the next safe point and return what there is. */
  signal: AbortSignal;
  /** The bytes the caller offered (JobHost.offer) and named in the config. */
  input(ref: BlobRef): Promise<Uint8Array>;
  /** Hands bytes to the caller, who reads them with JobHost.take: put the returned ref in the result or progress data. */
  output(bytes: Uint8Array): Promise<BlobRef>;
}

export type Job = (ctx: JobContext, config: any) => Promise<unknown>;

/** How a host moves bytes between the caller and its jobs. */
export interface JobBytes {
  input(ref: BlobRef): Promise<Uint8Array>;
  output(bytes: Uint8Array): Promise<BlobRef>;
}

let shared: Promise<Gpu> | null = null;

export function makeContext(
  name: string,
  report: (message: string, fraction?: number, data?: unknown) => void,
  signal: AbortSignal,
  bytes: JobBytes,
): JobContext {
  return {
    async gpu() {
      if (shared) {
        const g = await shared.catch(() => null);
        if (!g || g.isLost) shared = null;
      }
      shared ??= requestGpu();
      shared.catch(() => (shared = null));
      return shared;
    },
    freshGpu: (options) => requestGpu(options),
    progress: (message, fraction, data) => report(`[${name}] ${message}`, fraction, data),
    signal,
    input: (ref) => bytes.input(ref),
    output: (b) => bytes.output(b),
  };
}

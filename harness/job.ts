// The context a job gets inside the harness page.

import { requestGpu, type Gpu, type GpuOptions } from '../src/index';

export interface JobContext {
  /** The page's shared GPU (pipelines stay cached between jobs); a lost one is replaced. */
  gpu(): Promise<Gpu>;
  /** A new GPU of its own, with options (e.g. limits); the caller destroys it. */
  freshGpu(options?: GpuOptions): Promise<Gpu>;
  /** Reports progress to the terminal that runs the job; `data` (JSON) goes to a listening caller (RunnerOptions.onProgress). */
  progress(message: string, fraction?: number, data?: unknown): void;
}

export type Job = (ctx: JobContext, config: any) => Promise<unknown>;

let shared: Promise<Gpu> | null = null;

export function makeContext(name: string, report: (message: string, fraction?: number, data?: unknown) => void): JobContext {
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
  };
}

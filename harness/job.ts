// The context a job gets from its host (the harness page, or the Node process
// of harness/node-host.ts; both implement harness/host.ts).

import { requestGpu, type Gpu, type GpuOptions } from '../src/index';
import type { BlobRef } from './host';

export interface JobContext {
  /** The host's shared GPU (pipelines stay cached between jobs); a lost one is replaced. */
  gpu(): Promise<Gpu>;
  /** A new GPU of its own, with options (e.g. limits); the caller destroys it. */
  freshGpu(options?: GpuOptions): Promise<Gpu>;
  /** The host's GPU object (the page's navigator.gpu, or Dawn's in Node), e.g. to look at the adapter itself. */
  gpuObject(): GPU;
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

/** Where a host's jobs get their devices: one shared device, and fresh ones on request. */
export class Devices {
  private shared: Promise<Gpu> | null = null;

  /** `defaults`: options of every device (the Node host's GPU object). */
  constructor(private readonly defaults: GpuOptions = {}) {}

  async gpu(): Promise<Gpu> {
    if (this.shared) {
      const g = await this.shared.catch(() => null);
      if (!g || g.isLost) this.shared = null;
    }
    this.shared ??= requestGpu(this.defaults);
    this.shared.catch(() => (this.shared = null));
    return this.shared;
  }

  /** The GPU object devices come from: the given one, else the page's navigator.gpu. */
  gpuObject(): GPU {
    const gpu = this.defaults.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
    if (!gpu) throw new Error('this host has no GPU object (no navigator.gpu, none given)');
    return gpu;
  }

  fresh(options: GpuOptions = {}): Promise<Gpu> {
    return requestGpu({ ...this.defaults, ...options });
  }

  /** Destroys the shared device, if any. */
  async close(): Promise<void> {
    const g = await this.shared?.catch(() => null);
    this.shared = null;
    if (g && !g.isLost) g.destroy();
  }
}

/** The page's devices (the page's navigator.gpu). */
const pageDevices = new Devices();

export function makeContext(
  name: string,
  report: (message: string, fraction?: number, data?: unknown) => void,
  signal: AbortSignal,
  bytes: JobBytes,
  devices: Devices = pageDevices,
): JobContext {
  return {
    gpu: () => devices.gpu(),
    freshGpu: (options) => devices.fresh(options),
    gpuObject: () => devices.gpuObject(),
    progress: (message, fraction, data) => report(`[${name}] ${message}`, fraction, data),
    signal,
    input: (ref) => bytes.input(ref),
    output: (b) => bytes.output(b),
  };
}

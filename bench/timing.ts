// The timing protocol of every benchmark (bench/WORKLOADS.md), page side:
// pipelines and buffers exist before timing (the caller builds them); one run
// records `dispatches` passes into one compute pass of one encoder, copies
// `readbackBytes` of a result buffer into a staging buffer allocated up front,
// submits once, and ends when mapAsync of that staging buffer resolves.
// Untimed warm-up runs come first; the figure is the median run.

import type { AdapterDescription, Gpu, Pass } from '../src/index';

export interface TimingOptions {
  /** Passes (dispatches) recorded per run, all in one submit. */
  dispatches: number;
  /** Timed runs (the median is reported). */
  runs: number;
  /** Untimed runs before timing (default 1). */
  warmup?: number;
  /** Called after each timed run with its index and seconds. */
  onRun?: (index: number, seconds: number) => void;
}

export interface Timing {
  /** Seconds of each timed run, in order. */
  seconds: number[];
  median: number;
  runs: number;
  dispatches: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Times `pass` as described above; `readback` is the buffer whose first `readbackBytes` end each run on the host. */
export async function timeRuns(gpu: Gpu, pass: Pass, readback: GPUBuffer, readbackBytes: number, options: TimingOptions): Promise<Timing> {
  const { dispatches, runs, warmup = 1 } = options;
  if (!(dispatches >= 1 && runs >= 1)) throw new Error(`dispatches and runs must be >= 1, got ${dispatches} and ${runs}`);
  const device = gpu.device;
  const bytes = Math.max(4, Math.ceil(Math.min(readbackBytes, readback.size) / 4) * 4);
  const staging = device.createBuffer({ label: 'timing staging', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const lost = gpu.lost.then((e) => Promise.reject(e));
  lost.catch(() => {});
  const once = async () => {
    const encoder = device.createCommandEncoder();
    const cp = encoder.beginComputePass();
    for (let d = 0; d < dispatches; d++) pass(cp);
    cp.end();
    encoder.copyBufferToBuffer(readback, 0, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await Promise.race([staging.mapAsync(GPUMapMode.READ), lost]);
    staging.unmap();
  };
  try {
    gpu.check();
    for (let w = 0; w < warmup; w++) await once();
    gpu.check();
    const seconds: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await once();
      const s = (performance.now() - t0) / 1000;
      seconds.push(s);
      options.onRun?.(r, s);
    }
    gpu.check();
    return { seconds, median: median(seconds), runs, dispatches };
  } finally {
    staging.destroy();
  }
}

/** A figure rounded to `digits` significant digits, as the benchmarks print it. */
export const round = (v: number, digits = 4): number => Number(v.toPrecision(digits));

/** The adapter as the benchmarks' `backend` field names it: vendor/architecture. */
export function backendName(a: AdapterDescription): string {
  return [a.vendor, a.architecture].filter(Boolean).join('/') || a.description || 'unknown';
}

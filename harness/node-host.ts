// The Node host: runs the same job modules as the harness page, in this Node
// process, on a GPU object (Dawn's by default, harness/dawn.ts), with no
// browser. It implements harness/host.ts as the Chromium runner does: a
// NodeHostProvider opens places to run jobs (NodeHost, each with a device of
// its own, as each Chromium page has), jobs are found by the same names
// (harness/jobs.ts), configs and results cross as JSON as they do across the
// page boundary, bytes are handed over in this process (no copy, no server),
// and a job's error is rethrown as a PageJobError of the same name.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Devices, makeContext, type JobBytes } from './job';
import { runJob, type JobModules } from './jobs';
import { loadDawn, type DawnOptions } from './dawn';
import { PageJobError, type JobProgress } from './protocol';
import type { BlobRef, HostProvider, JobHost, RunOptions } from './host';

export interface NodeHostOptions extends DawnOptions {
  /** The job files this host may run (an import.meta.glob, e.g. harness/app-jobs.ts). */
  modules: JobModules;
  /** The GPU object to use (default: Dawn's, loaded by loadDawn). */
  gpu?: GPU;
  /** Where progress lines go when no listener hears them (default: stderr). */
  log?: (line: string) => void;
}

/** What a job returns or is given, as it would cross the page boundary (JSON: typed arrays become objects, Infinity null). */
const asJson = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

/** One place to run jobs in this process: a device of its own, bytes held in memory. */
export class NodeHost implements JobHost {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly bytes: JobBytes = {
    input: async (ref) => {
      const b = this.blobs.get(ref.blob);
      if (!b) throw new Error(`input ${ref.blob}: no such bytes on this host`);
      return b;
    },
    output: async (b) => this.hold(b),
  };

  constructor(
    private readonly modules: JobModules,
    private readonly devices: Devices,
    private readonly log: (line: string) => void,
  ) {}

  /** A place of its own (tests, the GPU kit): Dawn loaded unless a GPU object is given. */
  static async start(options: NodeHostOptions): Promise<NodeHost> {
    const gpu = options.gpu ?? (await loadDawn(options));
    return new NodeHost(options.modules, new Devices({ gpu }), options.log ?? ((line: string) => process.stderr.write(`${line}\n`)));
  }

  private hold(bytes: Uint8Array): BlobRef {
    const blob = randomUUID();
    this.blobs.set(blob, bytes);
    return { blob, bytes: bytes.byteLength };
  }

  /** Runs a job ("file.export") with a JSON config; rethrows its error as a PageJobError of the same name. */
  async run<T = unknown>(job: string, config: unknown = {}, options: RunOptions = {}): Promise<T> {
    const report = (message: string, fraction?: number, data?: unknown) => {
      const p: JobProgress = { job, message, fraction, data: asJson(data) };
      if (options.onProgress) return options.onProgress(p);
      const pct = fraction === undefined ? '' : ` ${(100 * fraction).toFixed(0)}%`;
      this.log(`${message}${pct}`);
    };
    const controller = new AbortController();
    const stop = () => controller.abort();
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      const ctx = makeContext(job, report, controller.signal, this.bytes, this.devices);
      const outcome = await runJob(this.modules, job, asJson(config), ctx);
      if (!outcome.ok) throw new PageJobError(job, outcome.error, 'the Node host');
      return asJson(outcome.result) as T;
    } finally {
      options.signal?.removeEventListener('abort', stop);
    }
  }

  async offer(source: Uint8Array | { file: string }): Promise<BlobRef> {
    return this.hold(source instanceof Uint8Array ? source : new Uint8Array(readFileSync(source.file)));
  }

  async take(ref: BlobRef): Promise<Uint8Array> {
    const b = this.blobs.get(ref.blob);
    if (!b) throw new Error(`taking ${ref.blob}: no such bytes on this host`);
    this.blobs.delete(ref.blob);
    return b;
  }

  async release(ref: BlobRef): Promise<void> {
    this.blobs.delete(ref.blob);
  }

  /** Forgets the bytes and destroys this place's device. */
  async close(): Promise<void> {
    this.blobs.clear();
    await this.devices.close();
  }
}

/** The Node host as the command line starts it: Dawn loaded once, a NodeHost per open(). */
export class NodeHostProvider implements HostProvider {
  readonly kind = 'node';
  private readonly open_: NodeHost[] = [];

  private constructor(
    private readonly gpu: GPU,
    private readonly modules: JobModules,
    private readonly log: (line: string) => void,
    readonly description: string,
  ) {}

  static async start(options: NodeHostOptions): Promise<NodeHostProvider> {
    const gpu = options.gpu ?? (await loadDawn(options));
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    return new NodeHostProvider(gpu, options.modules, log, options.gpu ? 'Node, the given GPU object' : 'Node on Dawn (npm webgpu)');
  }

  async open(): Promise<NodeHost> {
    const host = new NodeHost(this.modules, new Devices({ gpu: this.gpu }), this.log);
    this.open_.push(host);
    return host;
  }

  async close(): Promise<void> {
    await Promise.all(this.open_.splice(0).map((h) => h.close()));
  }
}

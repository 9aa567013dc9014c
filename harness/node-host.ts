// The Node host: runs the same job modules as the harness page, in this Node
// process, on a GPU object (Dawn's by default, harness/dawn.ts), with no
// browser. Same calls as a HarnessPage (run(job, config, { onProgress })),
// same job names (harness/jobs.ts), configs and results through JSON as in
// the page, and a job's error rethrown as a PageJobError of the same name.

import { Devices, makeContext } from './job';
import { runJob, type JobModules } from './jobs';
import { loadDawn, type DawnOptions } from './dawn';
import { PageJobError, type JobProgress } from './protocol';
import type { JobPage, ProgressListener } from './runner';

export interface NodeHostOptions extends DawnOptions {
  /** The job files this host may run (an import.meta.glob). */
  modules: JobModules;
  /** The GPU object to use (default: Dawn's, loaded by loadDawn). */
  gpu?: GPU;
  /** Where progress lines go when no listener hears them (default: stderr). */
  log?: (line: string) => void;
  onProgress?: ProgressListener;
}

/** What a job returns or is given, as it would cross the page boundary (JSON: typed arrays become objects, Infinity null). */
const asJson = <T>(value: T): T => (value === undefined ? value : JSON.parse(JSON.stringify(value)));

export class NodeHost {
  onProgress: ProgressListener | undefined;
  readonly kind = 'node';

  private constructor(
    private readonly modules: JobModules,
    private readonly devices: Devices,
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: NodeHostOptions): Promise<NodeHost> {
    const gpu = options.gpu ?? (await loadDawn(options));
    const host = new NodeHost(options.modules, new Devices({ gpu }), options.log ?? ((line) => process.stderr.write(`${line}\n`)));
    host.onProgress = options.onProgress;
    return host;
  }

  /** Runs a job ("file.export") with a JSON config; rethrows its error as a PageJobError of the same name. */
  async run<T = unknown>(job: string, config: unknown = {}, options: { onProgress?: ProgressListener } = {}): Promise<T> {
    const listener = options.onProgress ?? this.onProgress;
    const report = (message: string, fraction?: number, data?: unknown) => {
      const p: JobProgress = { job, message, fraction, data: asJson(data) };
      if (listener) return listener(p);
      const pct = fraction === undefined ? '' : ` ${(100 * fraction).toFixed(0)}%`;
      this.log(`${message}${pct}`);
    };
    const outcome = await runJob(this.modules, job, asJson(config), makeContext(job, report, this.devices));
    if (!outcome.ok) throw new PageJobError(job, outcome.error, 'the Node host');
    return asJson(outcome.result) as T;
  }

  /** As Runner.page(): here every page is this host, and closing one ends nothing. */
  async page(): Promise<JobPage> {
    return { run: (job, config, options) => this.run(job, config, options), close: async () => {} };
  }

  /** Destroys the shared device. */
  close(): Promise<void> {
    return this.devices.close();
  }
}

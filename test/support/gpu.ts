// GPU tests call the job functions of a *.jobs.ts file as if they were local:
//
//   const gpu = useGpu();
//   const { out } = await gpu.mlp.forward({ spec, batch, params, x });
//   expectClose(out, mlpForward64(layout, params, x, batch), 2e-5);
//
// The call is typed by the job module itself (config and result), and runs
// on the host of the Vitest project: in the headless Chromium page (project
// `gpu`, through Puppeteer) or in this Node process on Dawn (project
// `gpu-node`). Either way the job's config and result cross as JSON, and a
// host without an adapter fails the test (NoAdapterError), never skips it.
//
// JOB_FILES lists the job files the tests call, each with its module's type
// and its job name (harness/jobs.ts; test/layout/job-files.test.ts checks that
// each name finds the file its type comes from).

import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import type { JobContext } from '../../harness/job';
import { NodeHost } from '../../harness/node-host';
import { HarnessPage } from '../../harness/runner';
import type { JobHost } from '../../harness/host';
import { relativeError as relativeError64 } from '../../src/stats';
import { TEST_JOB_MODULES } from './job-modules';

/** The jobs page of the tests: the applications' jobs and the tests' own. */
export const TEST_JOBS_PAGE = '/test/support/index.html';

export type HostKind = 'chromium' | 'node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The host the GPU tests of this project run on. */
    febmHost: HostKind;
  }
}

/** A job file: its module's type, and the name jobs of it go by ("mlp" in "mlp.forward"). */
export interface JobFile<M> {
  readonly name: string;
  /** Type only: the module whose job functions the tests call. */
  readonly module?: M;
}

const jobFile = <M>(name: string): JobFile<M> => ({ name });

export const JOB_FILES = {
  device: jobFile<typeof import('../device/device.jobs')>('device'),
  divergence: jobFile<typeof import('../divergence/divergence.jobs')>('divergence'),
  grid: jobFile<typeof import('../grid/grid.jobs')>('grid'),
  mlp: jobFile<typeof import('../mlp/mlp.jobs')>('mlp'),
  oned: jobFile<typeof import('../oned/oned.jobs')>('oned'),
  optim: jobFile<typeof import('../optim/optim.jobs')>('optim'),
  philox: jobFile<typeof import('../rng/philox.jobs')>('philox'),
  r0Kernels: jobFile<typeof import('../bench/r0-kernels.jobs')>('r0-kernels'),
  sampler: jobFile<typeof import('../sampler/sampler.jobs')>('sampler'),
  trainerKernels: jobFile<typeof import('../trainer/kernels.jobs')>('kernels'),
  quality: jobFile<typeof import('../trainer/quality.jobs')>('quality'),
  trainer: jobFile<typeof import('../trainer/trainer.jobs')>('trainer'),
  langevin: jobFile<typeof import('../../bench/langevin/langevin.jobs')>('langevin'),
  training: jobFile<typeof import('../../bench/training/training.jobs')>('training'),
  reproduce: jobFile<typeof import('../../experiments/oned/reproduce.jobs')>('reproduce'),
  train: jobFile<typeof import('../../cli/train.jobs')>('train'),
  transfer: jobFile<typeof import('../cli/transfer.jobs')>('transfer'),
  lifted: jobFile<typeof import('../examples/lifted.jobs')>('lifted'),
};

/** The job functions of a module as the test calls them: without the context, returning the result. */
export type JobsOf<M> = {
  [K in keyof M as M[K] extends (ctx: JobContext, ...args: never[]) => Promise<unknown> ? K : never]: M[K] extends (
    ctx: JobContext,
    ...args: infer A
  ) => Promise<infer R>
    ? (...args: A) => Promise<R>
    : never;
};

export type { JobHost };

export type GpuJobs = { [F in keyof typeof JOB_FILES]: JobsOf<NonNullable<(typeof JOB_FILES)[F]['module']>> } & {
  /** The host itself (e.g. for code that takes a page: runTraining). */
  readonly host: JobHost;
  readonly kind: HostKind;
};

/** Opens a host of the given kind for a test file; `close` ends it. */
export async function openHost(kind: HostKind): Promise<{ host: JobHost; close: () => Promise<void> }> {
  if (kind === 'node') {
    const host = await NodeHost.start({ modules: TEST_JOB_MODULES, log: (line) => console.log(line) });
    return { host, close: () => host.close() };
  }
  const browser: Browser = await puppeteer.connect({ browserWSEndpoint: inject('febmBrowser') });
  const page = await HarnessPage.open(browser, inject('febmOrigin'), { log: (line) => console.log(line), jobsPage: TEST_JOBS_PAGE });
  return {
    host: page,
    close: async () => {
      await page.close();
      await browser.disconnect();
    },
  };
}

/** A typed view of a host: gpu.<file>.<job>(config). */
export function jobsOn(host: () => JobHost, kind: () => HostKind): GpuJobs {
  const files = new Map<string, unknown>();
  return new Proxy({} as GpuJobs, {
    get(_, key) {
      if (key === 'host') return host();
      if (key === 'kind') return kind();
      if (typeof key !== 'string' || !(key in JOB_FILES)) return undefined;
      let file = files.get(key);
      if (!file) {
        const name = JOB_FILES[key as keyof typeof JOB_FILES].name;
        file = new Proxy({}, {
          get: (__, fn) => (typeof fn === 'string' && fn !== 'then' ? (config?: unknown) => host().run(`${name}.${fn}`, config) : undefined),
        });
        files.set(key, file);
      }
      return file;
    },
  });
}

/** One host for the test file (the project's: inject('febmHost')), opened before its tests and closed after. */
export function useGpu(): GpuJobs {
  let opened: { host: JobHost; close: () => Promise<void> } | undefined;
  const kind = (): HostKind => inject('febmHost');
  beforeAll(async () => {
    opened = await openHost(kind());
  });
  afterAll(async () => opened?.close());
  return jobsOn(() => {
    if (!opened) throw new Error('the GPU host is not open: call useGpu() at the top of a describe block or file');
    return opened.host;
  }, kind);
}

/** relativeError of src/stats.ts, with a length mismatch an error (a test bug, not a numeric one). */
export function relativeError(gpu: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-6): number {
  if (gpu.length !== ref.length) throw new Error(`length ${gpu.length} != reference length ${ref.length}`);
  return relativeError64(gpu, ref, floor);
}

/** The GPU's values against the float64 reference: relative error (to the largest reference value) below tol. */
export function expectClose(gpu: ArrayLike<number>, ref: ArrayLike<number>, tol: number, what = 'GPU against float64'): number {
  const err = relativeError(gpu, ref);
  expect(err, `${what}: relative error ${err.toExponential(2)}, tolerance ${tol}`).toBeLessThan(tol);
  return err;
}

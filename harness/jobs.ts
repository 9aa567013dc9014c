// Finding and running a job, the same way on every host (the page of
// harness/page.ts, the Node process of harness/node-host.ts). A job
// "device.lose" is the export `lose` of the file device.jobs.ts; where two
// folders hold a file of that name, the job names the folder too:
// "sampler/sampler.sample". Configs and results cross as JSON on every host.

import type { JobFailure, JobOutcome } from './protocol';
import type { Job, JobContext } from './job';

/** Job files by path (an `import.meta.glob` of `*.jobs.ts`), each loaded on first use. */
export type JobModules = Record<string, () => Promise<unknown>>;

/** The module of a job file: "mlp", or with its folder where two folders have one ("test/mlp/mlp"). */
function moduleFor(modules: JobModules, file: string): (() => Promise<unknown>) | undefined {
  const keys = Object.keys(modules).filter((k) => k.endsWith(`/${file}.jobs.ts`));
  if (keys.length > 1) {
    throw new Error(`job file ${file} is ambiguous (${keys.map((k) => k.replace(/^(\.\.\/)+/, '')).join(', ')}): name its folder too`);
  }
  return keys.length === 1 ? modules[keys[0]] : undefined;
}

/** The path (as the glob gives it) of the file that a job name's file part resolves to, or undefined. */
export function jobFilePath(modules: JobModules, file: string): string | undefined {
  const keys = Object.keys(modules).filter((k) => k.endsWith(`/${file}.jobs.ts`));
  return keys.length === 1 ? keys[0] : undefined;
}

/** The job function of a name "<file>.<export>"; an Error naming what is missing. */
export async function findJob(modules: JobModules, name: string): Promise<Job> {
  const dot = name.lastIndexOf('.');
  const file = name.slice(0, dot);
  const fn = name.slice(dot + 1);
  const load = dot < 0 ? undefined : moduleFor(modules, file);
  if (!load) throw new Error(`no job module ${file}.jobs.ts (jobs are "<file>.<export>")`);
  const mod = (await load()) as Record<string, Job>;
  const job = mod[fn];
  if (typeof job !== 'function') throw new Error(`${file}.jobs.ts exports no job ${fn}`);
  return job;
}

export function serialise(e: unknown): JobFailure {
  if (e instanceof Error) {
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) {
      if (['number', 'string', 'boolean'].includes(typeof v)) fields[k] = v;
    }
    return { name: e.name, message: e.message, stack: e.stack, fields };
  }
  return { name: 'Error', message: String(e) };
}

/** Runs a job by name and returns its outcome; never throws. */
export async function runJob(modules: JobModules, name: string, config: unknown, ctx: JobContext): Promise<JobOutcome> {
  try {
    const job = await findJob(modules, name);
    return { ok: true, result: await job(ctx, config) };
  } catch (e) {
    return { ok: false, error: serialise(e) };
  }
}

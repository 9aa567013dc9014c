// `febm-gpu job <file.export> [config.json | '{"inline": "json"}'] [--out result.json]`
// (in the repository: `npm run job -- ...`): runs one job of the jobs page
// (the command line's, the benchmarks' and the experiments' *.jobs.ts)
// headless and prints its JSON result.

import { readFileSync } from 'node:fs';
import { ConfigError } from '../src/index';
import { HOST_OPTION, hostArg } from './hosts';
import { EXIT, stringArg, type Command } from './command';
import { writeFileAtomic } from './files';

/** The job's config: inline JSON (starting with "{") or a JSON file; ConfigError naming the argument. */
export function jobConfig(arg: string | undefined): unknown {
  if (arg === undefined) return {};
  const inline = arg.trim().startsWith('{');
  let text: string;
  try {
    text = inline ? arg : readFileSync(arg, 'utf8');
  } catch (e) {
    throw new ConfigError('config', `cannot be read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError('config', `${inline ? 'the inline config' : arg} is not JSON: ${(e as Error).message}`);
  }
}

export const jobCommand: Command = {
  name: 'job',
  summary: 'run one job of the jobs page (e.g. device.adapter) and print its JSON result',
  usage: 'job <file.export> [config.json | JSON] [options]',
  description: [
    'Runs one job headless and prints its JSON result. A job is an export of a *.jobs.ts module of the',
    'jobs page, named "<file>.<export>" (e.g. device.adapter, train.train, l1.cell); its config is a',
    'JSON file or inline JSON starting with "{" (default {}).',
  ].join('\n'),
  options: {
    out: { type: 'string', value: 'FILE', help: 'also write the result to FILE' },
    ...HOST_OPTION,
  },
  positionals: { max: 2, what: 'job and config' },
  onInterrupt: 'exit',
  async run(p, env) {
    const [job, configArg] = p.positionals;
    if (!job) throw new ConfigError('job', 'needs a job name "<file>.<export>", e.g. device.adapter');
    if (!/^[\w/-]+\.\w+$/.test(job)) throw new ConfigError('job', `must be "<file>.<export>", got ${JSON.stringify(job)}`);
    const config = jobConfig(configArg);
    const outFile = stringArg(p, 'out');
    const provider = await env.startHost({ kind: hostArg(p.values) });
    const host = await provider.open();
    try {
      const result = await host.run(job, config, { signal: env.signal });
      const text = JSON.stringify(result, null, 2);
      env.out(`${text}\n`);
      if (outFile) writeFileAtomic(outFile, `${text}\n`);
      return EXIT.done;
    } finally {
      await host.close().catch(() => {});
    }
  },
};

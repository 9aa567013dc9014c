// `npm run job -- <job> [config.json | '{"inline":"json"}'] [--out result.json]`:
// runs one harness job headless and prints its JSON result.

import { readFileSync, writeFileSync } from 'node:fs';
import type { ViteDevServer } from 'vite';
import { Runner } from '../harness/runner';

export async function main(vite: ViteDevServer, argv: string[]): Promise<number> {
  const out = argv.indexOf('--out');
  const outFile = out >= 0 ? argv[out + 1] : undefined;
  const args = out >= 0 ? [...argv.slice(0, out), ...argv.slice(out + 2)] : argv;
  const [job, configArg] = args;
  if (!job) {
    process.stderr.write('usage: npm run job -- <file.job> [config.json | JSON] [--out result.json]\n');
    return 2;
  }
  const config = configArg === undefined ? {} : JSON.parse(configArg.trim().startsWith('{') ? configArg : readFileSync(configArg, 'utf8'));
  const runner = await Runner.start({ vite });
  try {
    const result = await runner.run(job, config);
    const text = JSON.stringify(result, null, 2);
    process.stdout.write(`${text}\n`);
    if (outFile) writeFileSync(outFile, `${text}\n`);
    return 0;
  } finally {
    await runner.close();
  }
}

// The GPU kit's benchmark program (bundled by kit/build.ts into kit.mjs; the
// kit's run.sh starts it): on the Node host (Dawn, no browser) it prints the
// adapter as a JSON line, then runs the benchmark (bench/run.ts: every
// workload the bench has, febm-gpu's figures) and prints every figure as a
// JSON line on stdout; the summary goes to stderr.
//
//   node kit.mjs [--results DIR] [bench options: --quick, --only GROUP, --n N, --width W]
//
// Dawn: FEBM_DAWN_NODE names the dawn.node (run.sh sets it), FEBM_DAWN_FLAGS
// adds flags (harness/dawn.ts).
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_JOBS } from '../harness/app-jobs';
import { loadDawn } from '../harness/dawn';
import { NodeHostProvider } from '../harness/node-host';
import { benchArgs, runBench } from '../bench/run';
import { benchCommand } from '../cli/bench';
import { parseCommandLine } from '../cli/command';
import { requestGpu } from '../src/index';

/** The VERSION file the kit's build writes beside kit.mjs (the commit it was built from). */
function kitVersion(): string | null {
  try {
    return readFileSync(new URL('./VERSION', import.meta.url), 'utf8').trim();
  } catch {
    return null;
  }
}

async function main(argv: string[]): Promise<number> {
  const at = argv.indexOf('--results');
  const resultsDir = at >= 0 ? argv[at + 1] : 'results';
  const args = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  let parsed;
  try {
    parsed = benchArgs(parseCommandLine(benchCommand, [...args, '--host', 'node', '--out', join(resultsDir, 'latest.jsonl')]).values);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\nusage: kit.mjs [--results DIR] [--quick] [--only GROUP]... [--all] [--n N]... [--width W]...\n`);
    return 2;
  }
  const gpuObject = await loadDawn();
  // The adapter first: every later line is a figure of it.
  const gpu = await requestGpu({ gpu: gpuObject });
  const limits = gpu.limits;
  process.stdout.write(`${JSON.stringify({
    kind: 'adapter', host: 'node', ...gpu.adapter, subgroups: gpu.subgroups, node: process.version, platform: `${process.platform}-${process.arch}`,
    limits: {
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup, maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize,
    },
    date: new Date().toISOString(),
    kit: kitVersion(),
  })}\n`);
  gpu.destroy();
  mkdirSync(resultsDir, { recursive: true });
  // Figures on stdout, one JSON line each; the summary (the lines that are not JSON) on stderr.
  return runBench(parsed, {
    startHost: () => NodeHostProvider.start({ modules: APP_JOBS, gpu: gpuObject }),
    out: (text) => (text.startsWith('{') ? process.stdout : process.stderr).write(text),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);

// The `febm-gpu` command: `febm-gpu <command> [arguments]`, one of
// cli/commands.ts (train, reproduce, bench, job). It parses the arguments
// (cli/command.ts), starts the host that runs the jobs when the command asks
// for one, turns Ctrl-C and SIGTERM into a clean stop, and maps what happened
// to the exit code (0 done, 1 stopped by the run, 2 refused, 130 interrupted).
//
// Launchers (bin/febm-gpu.mjs): in the repository the sources run through
// Vite, which also serves the jobs page; an installed package runs the build
// (dist/cli/febm-gpu.js) and serves the prebuilt page (dist/page/) itself.

import type { HostProvider } from '../harness/host';
import type { PageServer } from '../harness/runner';
import { commandHelp, EXIT, EXIT_CODES_HELP, parseCommandLine, type Command, type CommandEnv } from './command';
import { COMMANDS } from './commands';
import { DEFAULT_HOST, startHost } from './hosts';

export interface Platform {
  /** Starts the server of the jobs page (Vite over the sources, or the prebuilt page). */
  pageServer(): Promise<PageServer>;
}

export interface MainIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether err is a terminal (progress lines are rewritten in place). */
  tty?: boolean;
}

const processIo: MainIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), tty: process.stderr.isTTY };

/** Errors that mean "refused" (exit 2): the input was wrong, or what is needed to run is missing. */
const REFUSED = new Set(['ConfigError', 'DataError', 'CheckpointError', 'BrowserNotFoundError']);

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: febm-gpu <command> [arguments]',
    '',
    'Train energy-based models with any f-divergence on the GPU (WebGPU, in a headless Chromium).',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "`febm-gpu <command> --help` lists a command's options and their defaults.",
    '',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** Runs `febm-gpu ...argv` and returns the exit code. */
export async function main(argv: string[], platform: Platform, io: MainIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(mainHelp());
    return name === undefined ? EXIT.refused : EXIT.done;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`febm-gpu: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')}; febm-gpu --help)\n`);
    return EXIT.refused;
  }
  let parsed;
  try {
    parsed = parseCommandLine(command, rest);
  } catch (e) {
    io.err(`febm-gpu ${command.name}: ${(e as Error).message} (febm-gpu ${command.name} --help)\n`);
    return EXIT.refused;
  }
  if (parsed.values.help) {
    io.out(commandHelp(command));
    return EXIT.done;
  }
  return runCommand(command, parsed, platform, io);
}

async function runCommand(command: Command, parsed: ReturnType<typeof parseCommandLine>, platform: Platform, io: MainIo): Promise<number> {
  const hosts: HostProvider[] = [];
  const closeHosts = () => Promise.all(hosts.splice(0).map((h) => h.close().catch(() => {})));
  const controller = new AbortController();
  let interrupted!: () => void;
  const interruption = new Promise<number>((resolve) => {
    interrupted = () => resolve(EXIT.interrupted);
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      io.err(`\n${signal}: stopping${command.onInterrupt === 'checkpoint' ? ' after the iteration under way and writing the checkpoint' : ''} (again to quit at once)\n`);
      controller.abort();
      if (command.onInterrupt === 'exit') interrupted();
    } else {
      io.err(`${signal}: quitting\n`);
      void closeHosts().finally(() => process.exit(EXIT.interrupted));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const env: CommandEnv = {
    async startHost(options = {}) {
      if (controller.signal.aborted) throw new Error('interrupted');
      const host = await startHost(options.kind ?? DEFAULT_HOST, () => platform.pageServer(), options);
      hosts.push(host);
      return host;
    },
    signal: controller.signal,
    log: (line) => io.err(`${io.tty ? '\r\x1b[K' : ''}${line}\n`),
    progress: (line) => io.err(io.tty ? `\r\x1b[K${line}` : `${line}\n`),
    out: (text) => io.out(text),
  };
  try {
    const work = command.run(parsed, env);
    // A command that stops itself (train) is awaited; the others end at the first signal.
    const code = await (command.onInterrupt === 'exit' ? Promise.race([work, interruption]) : work);
    if (code !== EXIT.interrupted) return code;
    work.catch(() => {});
    return EXIT.interrupted;
  } catch (e) {
    if (controller.signal.aborted) return EXIT.interrupted;
    const err = e as Error;
    if (REFUSED.has(err.name)) {
      io.err(`febm-gpu ${command.name}: ${err.name}: ${err.message}\n`);
      return EXIT.refused;
    }
    io.err(`febm-gpu ${command.name}: ${err.stack ?? `${err.name}: ${err.message}`}\n`);
    return EXIT.stopped;
  } finally {
    await closeHosts();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// What a subcommand of `febm-gpu` is (cli/main.ts dispatches to them): its
// options, each with its default and meaning (the one source of both the
// parser and --help), and a run function. To add one, write a Command and
// list it in cli/commands.ts.
//
// Exit codes, the same for every subcommand:
//   0    done
//   1    stopped by the run (training diverged or the device was lost; a
//        benchmark or job failed)
//   2    refused: bad arguments, configuration, data or checkpoint (nothing ran)
//   130  interrupted (Ctrl-C or SIGTERM; `train` first writes its checkpoint)

import { parseArgs } from 'node:util';
import { ConfigError } from '../src/index';
import type { HostKind, HostProvider } from '../harness/host';

export const EXIT = { done: 0, stopped: 1, refused: 2, interrupted: 130 } as const;

export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0    done',
  '  1    stopped by the run (diverged, device lost, a benchmark or job failed)',
  '  2    refused: bad arguments, configuration, data or checkpoint',
  '  130  interrupted (Ctrl-C or SIGTERM; train writes its checkpoint first)',
].join('\n');

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's name in --help (e.g. 'N', 'DIR'). */
  value?: string;
  /** May be given more than once (the values are collected). */
  multiple?: boolean;
  /** The default, as --help shows it (undefined: none). Commands read their defaults from here. */
  default?: string | number | boolean;
  help: string;
}

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** What a command gets from the dispatcher. */
export interface CommandEnv {
  /** Starts the host that runs jobs (default: headless Chromium and the page server; `kind` from --host); the dispatcher closes it on exit. */
  startHost(options?: { log?: (line: string) => void; kind?: HostKind }): Promise<HostProvider>;
  /** Aborts on the first Ctrl-C or SIGTERM. */
  signal: AbortSignal;
  /** Status lines (stderr). */
  log(line: string): void;
  /** A progress line, rewritten in place on a terminal (stderr). */
  progress(line: string): void;
  /** Results (stdout). */
  out(text: string): void;
}

export interface Command {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** The synopsis after `febm-gpu `, e.g. 'train [config.json] [options]'. */
  usage: string;
  /** What the command does and writes, for --help. */
  description: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments it takes, and what they are (for the error). */
  positionals: { max: number; what: string };
  /**
   * 'checkpoint': the command stops cleanly itself on env.signal (train);
   * 'exit': the dispatcher ends it at once on the first Ctrl-C.
   */
  onInterrupt: 'checkpoint' | 'exit';
  run(args: Parsed, env: CommandEnv): Promise<number>;
}

const flag = (name: string, o: OptionSpec) => `--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;

const HELP_WIDTH = 100;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** `febm-gpu <command> --help`: usage, description, every option with its default, exit codes. */
export function commandHelp(c: Command): string {
  const rows = Object.entries(c.options).map(([name, o]) => {
    const def = o.default === undefined ? '' : ` (default: ${o.default})`;
    const more = o.multiple ? ' (repeatable)' : '';
    return [flag(name, o), `${o.help}${more}${def}`];
  });
  rows.push(['--help', 'print this help']);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.flatMap(([f, h]) => wrap(h, HELP_WIDTH - width - 4).map((line, i) => `  ${(i === 0 ? f : '').padEnd(width)}  ${line}`));
  return [`Usage: febm-gpu ${c.usage}`, '', c.description, '', 'Options:', ...lines, '', EXIT_CODES_HELP, ''].join('\n');
}

/** The option list of an unknown-option error. */
export const optionList = (c: Command): string => [...Object.entries(c.options).map(([n, o]) => flag(n, o)), '--help'].join(', ');

/**
 * Parses a command's arguments with util.parseArgs (strict). Anything wrong is
 * a ConfigError naming the argument: an unknown option (with the list of
 * options), a missing or ambiguous value, too many positionals. `--help`
 * comes back as values.help.
 */
export function parseCommandLine(c: Command, argv: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = { help: { type: 'boolean' } };
  for (const [name, o] of Object.entries(c.options)) options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}) };
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as Parsed;
  } catch (e) {
    const err = e as Error & { code?: string };
    const name = /'(-[^' ]+)/.exec(err.message)?.[1] ?? 'arguments';
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new ConfigError(name, `unknown option (options: ${optionList(c)})`);
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const o = c.options[name.replace(/^--/, '')];
      throw new ConfigError(name, o?.type === 'boolean' ? 'takes no value' : `needs a value (${flag(name.replace(/^--/, ''), o ?? { type: 'string', help: '' })})`);
    }
    throw new ConfigError(name, err.message);
  }
  if (parsed.values.help) return parsed;
  if (parsed.positionals.length > c.positionals.max) {
    throw new ConfigError(
      c.positionals.max === 0 ? 'arguments' : c.positionals.what,
      `takes at most ${c.positionals.max} (${c.positionals.what}), got ${parsed.positionals.map((p) => JSON.stringify(p)).join(' ')}`,
    );
  }
  return parsed;
}

const valueOf = (args: Parsed, name: string, fallback: unknown): unknown => args.values[name] ?? fallback;

/** An option's value as an integer in [lo, hi], or `fallback` where not given; ConfigError naming the flag. */
export function intArg(args: Parsed, name: string, lo: number, hi: number, fallback?: number): number | undefined {
  const v = valueOf(args, name, fallback);
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < lo || n > hi) throw new ConfigError(`--${name}`, `must be an integer in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

/** An option's value as a finite number in [lo, hi], or `fallback` where not given. */
export function numberArg(args: Parsed, name: string, lo: number, hi: number, fallback?: number): number | undefined {
  const v = valueOf(args, name, fallback);
  if (v === undefined) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n < lo || n > hi) throw new ConfigError(`--${name}`, `must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  return n;
}

/** An option's string value, or `fallback`; an empty string is refused. */
export function stringArg(args: Parsed, name: string, fallback?: string): string | undefined {
  const v = valueOf(args, name, fallback);
  if (v === undefined) return undefined;
  if (v === '') throw new ConfigError(`--${name}`, 'needs a value, got ""');
  return String(v);
}

/** One of `choices`, or `fallback`. */
export function choiceArg<T extends string>(args: Parsed, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = valueOf(args, name, fallback);
  if (v === undefined) return undefined;
  if (!choices.includes(v as T)) throw new ConfigError(`--${name}`, `must be one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

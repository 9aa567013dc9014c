// The febm-gpu command's dispatcher and parser (cli/main.ts, cli/command.ts)
// without a browser: help texts, refusals and their exit codes. Nothing here
// may start a host: the platform's page server throws if asked.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHelp, EXIT, parseCommandLine } from '../../cli/command';
import { COMMANDS } from '../../cli/commands';
import { main, type Platform } from '../../cli/main';
import { ConfigError } from '../../src/index';

const noServer: Platform = {
  pageServer: () => {
    throw new Error('a host was started');
  },
};

async function febm(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, noServer, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('febm-gpu: the commands and their help', () => {
  it('--help lists every command and the exit codes; no command is refused with the same list', async () => {
    const r = await febm('--help');
    expect(r.code).toBe(EXIT.done);
    for (const c of COMMANDS) expect(r.out).toContain(`  ${c.name} `);
    expect(r.out).toMatch(/0 +done[\s\S]*1 +stopped by the run[\s\S]*2 +refused[\s\S]*130 +interrupted/);
    const none = await febm();
    expect(none.code).toBe(EXIT.refused);
    expect(none.err).toContain('Commands:');
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s --help lists every option with its default', async (name, c) => {
    const r = await febm(name, '--help');
    expect(r.code).toBe(EXIT.done);
    expect(r.out).toBe(commandHelp(c));
    const flat = r.out.replace(/\n +/g, ' ');
    for (const [option, spec] of Object.entries(c.options)) {
      expect(r.out, option).toMatch(new RegExp(`^  --${option}\\b`, 'm'));
      if (spec.default !== undefined) expect(flat, option).toContain(`(default: ${spec.default})`);
    }
    expect(r.out).toMatch(/130 +interrupted/);
  });

  it('refuses an unknown command, an unknown option (naming the options), a missing value and extra arguments with 2', async () => {
    expect((await febm('fly')).code).toBe(EXIT.refused);
    const unknown = await febm('bench', '--fast');
    expect(unknown.code).toBe(EXIT.refused);
    expect(unknown.err).toContain('--fast: unknown option (options: --quick, --only r0|mlp|l1|l2|t1|t2|t0, --all, --n N, --width W, --l1-n N, --l1-width W, --l2-n N, --l2-width W, --variant lanes|tiled, --out FILE, --host chromium|node, --help)');
    expect((await febm('train', '--iterations')).err).toContain('--iterations: needs a value');
    expect((await febm('train', 'a.json', 'b.json')).err).toContain('config: takes at most 1');
    expect((await febm('bench', 'extra')).code).toBe(EXIT.refused);
    expect((await febm('bench', '--quick=yes')).err).toContain('--quick: takes no value');
  });

  it('refuses bad values before any host starts: train config, bench groups, reproduce flags, job names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-command-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ sampler: { kind: 'ula', steps: 0, eta: 0.01 } }));
    const train = await febm('train', join(dir, 'bad.json'));
    expect(train.code).toBe(EXIT.refused);
    expect(train.err).toContain('ConfigError: sampler.steps: must be an integer in [1, 10000], got 0');
    const bench = await febm('bench', '--only', 'r9');
    expect(bench.code).toBe(EXIT.refused);
    expect(bench.err).toContain('--only: must be one of r0, mlp, l1, l2, t1, t2, t0, got "r9"');
    expect((await febm('bench', '--n', '0')).err).toContain('--n: must be an integer >= 1');
    expect((await febm('reproduce', '--optimizer', 'rmsprop')).err).toContain('--optimizer: must be adam or sgd');
    expect((await febm('job')).err).toContain('job: needs a job name');
    expect((await febm('job', 'device.adapter', '{not json')).err).toContain('config: the inline config is not JSON');
  });

  it('parses repeated and --flag=value options with util.parseArgs', () => {
    const bench = COMMANDS.find((c) => c.name === 'bench')!;
    expect(parseCommandLine(bench, ['--only', 'l1', '--only=t1', '--n', '1024'])).toMatchObject({ values: { only: ['l1', 't1'], n: ['1024'] }, positionals: [] });
    expect(() => parseCommandLine(bench, ['-q'])).toThrow(ConfigError);
  });
});

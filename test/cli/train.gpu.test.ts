// The `febm-gpu train` command as a user runs it: real processes of
// bin/febm-gpu.mjs, each with its own Chromium. A run stopped with SIGINT
// mid-run writes the checkpoint of its last completed iteration and exits
// with 130; resumed, it ends with the same checkpoint, byte for byte, the
// same pictures and the same metrics records (apart from the measured it/s)
// as a run that was never stopped, in the same files.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/checkpoint/format';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'febm-gpu.mjs');

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs `febm-gpu ...args`; `onLine` hears each stderr line (progress lines included) with the process. */
function febm(args: string[], onLine?: (line: string, kill: (signal: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine?.(line, (signal) => child.kill(signal));
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

const ITERATIONS = 1500;
const CONFIG = {
  energy: { inputDim: 2, hidden: [8], activation: 'silu' },
  variational: { inputDim: 2, hidden: [8], activation: 'tanh' },
  batch: 16,
  sampler: { kind: 'ula', steps: 2, eta: 0.01 },
  replay: { capacity: 64 },
  metricsEvery: 10,
  // Chunks of 3 iterations: the stop lands between metrics points.
  iterationsPerSubmit: 3,
  seed: 4,
  data: { toy: 'rings', count: 300, seed: 1 },
  iterations: ITERATIONS,
  picture: { size: 16, scale: 1 },
};

const withoutRate = (file: string) =>
  readFileSync(file, 'utf8').trim().split('\n').map((l) => {
    const { itPerSecond: _rate, ...rest } = JSON.parse(l);
    return rest;
  });

describe('febm-gpu train: interrupted with SIGINT, resumed, as if never stopped', () => {
  it('exits 130 with the checkpoint of the last completed iteration; --resume ends byte for byte where the uninterrupted run ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'febm-interrupt-'));
    const config = join(dir, 'run.json');
    writeFileSync(config, JSON.stringify(CONFIG));
    const whole = join(dir, 'whole');
    const stopped = join(dir, 'stopped');

    const a = await febm(['train', config, '--out', whole]);
    expect(a.code, a.stderr).toBe(0);

    // Checkpoints every 0.1 s (at metrics points) on the way: writing them changes nothing either.
    let signalled = false;
    const b = await febm(['train', config, '--out', stopped, '--checkpoint-minutes', '0.0017'], (line, kill) => {
      const m = / iteration (\d+)\/\d+ /.exec(line);
      if (!signalled && m && Number(m[1]) >= 300) {
        signalled = true;
        kill('SIGINT');
      }
    });
    expect(signalled).toBe(true);
    expect(b.code, b.stderr).toBe(130);
    expect(b.stderr).toMatch(/SIGINT: stopping after the iteration under way and writing the checkpoint/);
    const periodic = [...b.stderr.matchAll(/^checkpoint at iteration (\d+):/gm)].map((m) => Number(m[1]));
    console.log(`periodic checkpoints at iterations ${periodic.join(', ')}`);
    expect(periodic.length).toBeGreaterThan(0);
    for (const i of periodic) expect(i % CONFIG.metricsEvery).toBe(0);
    const at = decodeCheckpoint(readFileSync(join(stopped, 'checkpoint.febm'))).iteration;
    console.log(`stopped at iteration ${at} of ${ITERATIONS}`);
    expect(b.stderr).toContain(`interrupted at iteration ${at}`);
    expect(at).toBeGreaterThanOrEqual(300);
    expect(at).toBeLessThan(ITERATIONS);
    // The metrics written so far are the uninterrupted run's first records.
    const before = withoutRate(join(stopped, 'metrics.jsonl'));
    expect(before.at(-1).iteration).toBeLessThanOrEqual(at);
    expect(before).toEqual(withoutRate(join(whole, 'metrics.jsonl')).slice(0, before.length));

    // No --out: the resumed run writes into the checkpoint's folder, continuing its files.
    const c = await febm(['train', '--resume', join(stopped, 'checkpoint.febm')]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toContain(`resuming ${join(stopped, 'checkpoint.febm')} to iteration ${ITERATIONS}`);

    const finalWhole = readFileSync(join(whole, 'checkpoint.febm'));
    expect(decodeCheckpoint(finalWhole).iteration).toBe(ITERATIONS);
    expect(Buffer.compare(readFileSync(join(stopped, 'checkpoint.febm')), finalWhole)).toBe(0);
    for (const png of ['density.png', 'samples.png']) expect(Buffer.compare(readFileSync(join(stopped, png)), readFileSync(join(whole, png))), png).toBe(0);
    const metrics = withoutRate(join(stopped, 'metrics.jsonl'));
    expect(metrics.map((m) => m.iteration)).toEqual(Array.from({ length: ITERATIONS / 10 }, (_, i) => 10 * (i + 1)));
    expect(metrics).toEqual(withoutRate(join(whole, 'metrics.jsonl')));
  }, 300_000);
});

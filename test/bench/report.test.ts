// The benchmark tables of docs/benchmarks.md are what `npm run bench:report`
// makes of the committed bench/results/*.jsonl, and the report computes its
// fractions and ratios from the lines of one run only.
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPercent, formatRatio, formatValue, generatedDoc, parseResults, renderRun, RESULTS_DIR, updateDoc, type ResultLine } from '../../bench/report';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

describe('npm run bench:report', () => {
  it('docs/benchmarks.md holds exactly the tables the committed results make (else: npm run bench:report)', () => {
    const { current, generated } = generatedDoc(ROOT);
    expect(current).toBe(generated);
  });

  const run: ResultLine[] = [
    { workload: 'R0', name: 'alu_peak', backend: 'gpu', value: 8, unit: 'GFLOP/s', runs: 7 },
    { workload: 'L1', impl: 'febm-gpu', n: 4096, width: 128, backend: 'gpu', value: 60000, unit: 'chain-steps/s', gflops: 4, runs: 5 },
    { workload: 'L1', impl: 'peer-a', n: 4096, width: 128, backend: 'gpu', value: 2000, unit: 'chain-steps/s', gflops: 0.1, runs: 1 },
    { workload: 'L1', impl: 'peer-b', n: 4096, width: 128, backend: 'cpu', value: 80000, unit: 'chain-steps/s', gflops: 5.6, runs: 5 },
    // Another cell: compared with nothing of the first.
    { workload: 'L1', impl: 'febm-gpu', n: 1024, width: 128, backend: 'gpu', value: 30000, unit: 'chain-steps/s', gflops: 2, runs: 5 },
    { workload: 'L1', impl: 'peer-a', n: 1024, width: 128, backend: 'gpu', value: null, unit: 'chain-steps/s', skipped: 'over budget', runs: 0 },
  ];

  it('gives each figure its fraction of the same run\'s ALU peak and ours its ratio to each peer of the same cell', () => {
    const text = renderRun('x.jsonl', run);
    expect(text).toContain('ALU peak (R0) of this run: 8 GFLOP/s, median of 7 runs.');
    const row = (impl: string, n: number) => text.split('\n').find((l) => l.startsWith(`| ${impl} | N = ${n},`))!;
    // 4 / 8 = 50%; 60,000 / 2,000 = 30x; 60,000 / 80,000 = 0.75x.
    expect(row('febm-gpu', 4096)).toBe('| febm-gpu | N = 4096, width 128 | 60,000 chain-steps/s | 4.00 | 50% | 5 | 30.0x peer-a, 0.75x peer-b |  |');
    expect(row('peer-a', 4096)).toContain('| 0.100 | 1.3% | 1 |');
    // The second cell's peer was skipped: no ratio, and the note says why.
    expect(row('febm-gpu', 1024)).toBe('| febm-gpu | N = 1024, width 128 | 30,000 chain-steps/s | 2.00 | 25% | 5 |  |  |');
    expect(row('peer-a', 1024)).toContain('skipped: over budget');
  });

  it('gives no fraction where the run measured no ALU peak', () => {
    const text = renderRun('x.jsonl', run.slice(1, 4));
    expect(text).toContain('No ALU peak (R0) was measured in this run');
    expect(text).toContain('| febm-gpu | 60,000 chain-steps/s | 4.00 | - | 5 | 30.0x peer-a, 0.75x peer-b |');
  });

  it('fills every block, keeps the prose, and names a results file without a block or a block without a file', () => {
    const doc = 'intro\n<!-- bench-report: a.jsonl -->\nold\n<!-- /bench-report -->\nmiddle\n<!-- bench-report: b.jsonl -->\n<!-- /bench-report -->\nend\n';
    const runs = new Map([['a.jsonl', run], ['b.jsonl', run.slice(0, 3)]]);
    const out = updateDoc(doc, runs);
    expect(out.startsWith(`intro\n<!-- bench-report: a.jsonl -->\nResults: [\`${RESULTS_DIR}/a.jsonl\`]`)).toBe(true);
    expect(out).not.toContain('old');
    expect(out).toContain('<!-- /bench-report -->\nmiddle\n');
    expect(out.endsWith('<!-- /bench-report -->\nend\n')).toBe(true);
    expect(updateDoc(out, runs)).toBe(out);
    expect(() => updateDoc(doc, new Map([...runs, ['c.jsonl', run]]))).toThrow(`${RESULTS_DIR}/c.jsonl has no block`);
    expect(() => updateDoc(doc, new Map([['a.jsonl', run]]))).toThrow('has a block for b.jsonl, which is not a results file');
  });

  it('names the file and line of a line that is not a benchmark line', () => {
    expect(() => parseResults('x.jsonl', '{"workload":"L1"}\n{oops\n')).toThrow(`${RESULTS_DIR}/x.jsonl line 2: not JSON`);
    expect(() => parseResults('x.jsonl', '\n[1]\n')).toThrow(`${RESULTS_DIR}/x.jsonl line 2: not a benchmark line`);
  });

  it('formats figures, fractions and ratios', () => {
    expect([formatValue(53240), formatValue(0.1874), formatValue(0.005546), formatValue(6.0661), formatValue(1973)]).toEqual([
      '53,240', '0.1874', '0.005546', '6.066', '1,973',
    ]);
    expect([formatPercent(0.589), formatPercent(0.0182), formatPercent(1)]).toEqual(['59%', '1.8%', '100%']);
    expect([formatRatio(32.31), formatRatio(1.171), formatRatio(0.875)]).toEqual(['32.3x', '1.17x', '0.88x']);
  });
});

// `npm run bench:report [-- --check]`: writes the benchmark tables of
// docs/benchmarks.md from the committed results, bench/results/*.jsonl, so
// that the tables cannot drift from the data. Each results file has one block
// in the document, between
//   <!-- bench-report: <file>.jsonl -->
//   <!-- /bench-report -->
// and the command replaces what lies between the two markers; the prose
// around the blocks is the document's own. A block holds one table per
// workload of that file: every figure with its GFLOP/s, its fraction of the
// ALU peak measured in the same file (R0's alu_peak line), and, for our
// figures, the ratio to each peer's figure of the same file and the same
// sizes. It fails, naming the file, when a results file has no block or a
// block names no results file. --check changes nothing and exits 1 when the
// document differs from what it would write (test/bench/report.test.ts runs
// the same comparison).

import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One JSON line of a results file (fields as bench/run.ts, bench/langevin/langevin.ts and bench/training/training.ts write them). */
export type ResultLine = Record<string, unknown>;

export const DOC = 'docs/benchmarks.md';
export const RESULTS_DIR = 'bench/results';
const OURS = 'febm-gpu';

const BLOCK_RE = /<!-- bench-report: ([^\s>]+) -->\n[\s\S]*?<!-- \/bench-report -->/g;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** A figure for a table: thousands separated from 1,000 on, four significant digits below. */
export function formatValue(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(4)).toString();
}

const formatGflops = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** A fraction as a percentage: whole percent from 10% on, one decimal below. */
export function formatPercent(fraction: number): string {
  const p = 100 * fraction;
  return p >= 10 ? `${p.toFixed(0)}%` : `${p.toFixed(1)}%`;
}

/** Our figure over a peer's: one decimal from 10 on, two below. */
export function formatRatio(r: number): string {
  return r >= 10 ? `${r.toFixed(1)}x` : `${r.toFixed(2)}x`;
}

/** The figure's GFLOP/s: its `gflops` field, or its value where that is in GFLOP/s. */
function gflopsOf(l: ResultLine): number | null {
  return num(l.gflops) ?? (l.unit === 'GFLOP/s' ? num(l.value) : null);
}

/** The sizes that make two lines of a workload the same cell. */
const CELL_KEYS = ['n', 'batch', 'width', 'steps', 'm', 'k'] as const;
// A run of ours without subgroups (--no-subgroups) is its own cell: peers have no such switch.
const cellOf = (l: ResultLine): string =>
  CELL_KEYS.map((k) => (l[k] === undefined ? '' : String(l[k]))).join('/') + (l.subgroups === false ? '/no-subgroups' : '');

function describeCell(l: ResultLine): string {
  const parts: string[] = [];
  if (l.batch !== undefined) parts.push(`B = ${l.batch}`);
  if (l.n !== undefined) parts.push(`N = ${l.n}`);
  if (l.steps !== undefined) parts.push(`K = ${l.steps}`);
  if (l.width !== undefined) parts.push(`width ${l.width}`);
  if (l.subgroups === false) parts.push('without subgroups');
  return parts.join(', ');
}

function runsOf(l: ResultLine): string {
  const runs = num(l.runs);
  if (runs === null) return '-';
  const blocks = num(l.block_iterations);
  const text = blocks === null ? String(runs) : `${runs} x ${blocks}`;
  return l.protocol === 'budget' ? `${text} (time budget)` : text;
}

function noteOf(l: ResultLine): string {
  const notes: string[] = [];
  if (typeof l.error === 'string') notes.push(`error: ${l.error}`);
  if (typeof l.skipped === 'string') notes.push(`skipped: ${l.skipped}`);
  if (l.quick === true) notes.push('--quick (smoke test)');
  return notes.join('; ').replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function r0Table(lines: ResultLine[], peak: number | null): string {
  const hasTiles = lines.some((l) => typeof l.tiles === 'object' && l.tiles !== null);
  const rows = lines.map((l) => {
    const v = num(l.value);
    const name = `${String(l.name)}${l.kernel ? ` (${String(l.kernel)} tiles)` : ''}`;
    const tiles = (l.tiles ?? {}) as Record<string, number>;
    const note = Object.entries(tiles).map(([t, g]) => `${t} ${formatGflops(g)}`).join(', ');
    const gflops = l.unit === 'GFLOP/s';
    const perLoad = typeof l.fma_per_load === 'number' ? ` (one load costs ${formatValue(l.fma_per_load)} multiply-adds at the ALU peak)` : '';
    const row = [name, v === null ? '-' : `${formatValue(v)} ${String(l.unit)}${perLoad}`, v !== null && peak && gflops ? formatPercent(v / peak) : '-', runsOf(l)];
    return hasTiles ? [...row, note] : row;
  });
  return table(['R0 figure', 'value', 'of ALU peak', 'runs', ...(hasTiles ? ['GFLOP/s by register tile'] : [])], rows);
}

function t0Table(lines: ResultLine[], peak: number | null): string {
  const rows = lines.map((l) => {
    const g = gflopsOf(l);
    const v = num(l.value);
    return [
      String(l.divergence ?? '-'), String(l.iterations ?? '-'), v === null ? '-' : `${formatValue(v)} s`,
      num(l.setup_s) === null ? '-' : `${formatValue(num(l.setup_s)!)} s`,
      num(l.mu) === null ? '-' : `(${num(l.mu)!.toFixed(4)}, ${num(l.sigma)!.toFixed(4)})`,
      g === null ? '-' : formatGflops(g), g !== null && peak ? formatPercent(g / peak) : '-',
    ];
  });
  return table(['T0 divergence', 'iterations', 'wall time', 'setup', 'final (mu, sigma)', 'GFLOP/s', 'of ALU peak'], rows);
}

/** L1, T1, MLP, L2, T2...: one row per figure, cells in order of first appearance, ours first in each. */
function figureTable(workload: string, lines: ResultLine[], peak: number | null): string {
  const figures = lines.filter((l) => l.name !== 'stages');
  const cells = [...new Set(figures.map(cellOf))];
  const peersOf = (cell: string) => figures.filter((l) => cellOf(l) === cell && l.impl !== OURS && num(l.value) !== null);
  const maxPeers = Math.max(0, ...cells.map((c) => peersOf(c).length));
  const hasNotes = figures.some((l) => noteOf(l) !== '');
  // One cell: its sizes are said once, above the table.
  const oneCell = cells.length === 1 && figures.length > 0;
  const rows: string[][] = [];
  for (const cell of cells) {
    const inCell = figures.filter((l) => cellOf(l) === cell);
    inCell.sort((a, b) => Number(b.impl === OURS) - Number(a.impl === OURS));
    for (const l of inCell) {
      const v = num(l.value);
      const g = gflopsOf(l);
      let ratios = '';
      if (l.impl === OURS && v !== null && maxPeers > 0) {
        ratios = peersOf(cell).map((p) => `${formatRatio(v / num(p.value)!)} ${String(p.impl)}`).join(', ');
      }
      const row = [
        String(l.impl ?? l.name ?? '-'), ...(oneCell ? [] : [describeCell(l)]), v === null ? '-' : `${formatValue(v)} ${String(l.unit)}`,
        g === null ? '-' : formatGflops(g), g !== null && peak ? formatPercent(g / peak) : '-', runsOf(l),
      ];
      if (maxPeers > 0) row.push(ratios);
      if (hasNotes) row.push(noteOf(l));
      rows.push(row);
    }
  }
  const header = [`${workload} impl`, ...(oneCell ? [] : ['sizes']), 'value', 'GFLOP/s', 'of ALU peak', 'runs'];
  if (maxPeers > 0) header.push('febm-gpu / peer');
  if (hasNotes) header.push('note');
  const sizes = oneCell ? describeCell(figures[0]) : '';
  return `${sizes ? `${workload}, ${sizes}:\n\n` : ''}${table(header, rows)}`;
}

/** The stages line of T1 (each stage of our iteration timed alone) as a sentence. */
function stagesSentence(l: ResultLine): string {
  const seconds = (l.stage_s ?? {}) as Record<string, number>;
  const gflops = (l.stage_gflops ?? {}) as Record<string, number>;
  const parts = Object.entries(seconds).map(
    ([stage, s]) => `${stage} ${formatValue(s)} s${gflops[stage] !== undefined ? ` (${formatGflops(gflops[stage])} GFLOP/s)` : ''}`,
  );
  return `Stages of ${String(l.impl)}'s iteration, each timed alone: ${parts.join(', ')}; ${formatValue(num(l.value) ?? NaN)} s together.`;
}

/** The generated part of one results file's block. */
export function renderRun(file: string, lines: ResultLine[]): string {
  const alu = lines.find((l) => l.workload === 'R0' && l.name === 'alu_peak');
  const peak = alu ? num(alu.value) : null;
  const backends = [...new Set(lines.map((l) => l.backend).filter((b): b is string => typeof b === 'string'))];
  const out: string[] = [
    `Results: [\`${RESULTS_DIR}/${file}\`](../${RESULTS_DIR}/${file}), ${lines.length} lines; adapters: ${backends.join(', ') || 'not recorded'}.`,
  ];
  if (peak === null) out.push('No ALU peak (R0) was measured in this run, so no figure is given as a fraction of it.');
  const workloads = [...new Set(lines.map((l) => String(l.workload)))];
  for (const w of workloads) {
    const of = lines.filter((l) => String(l.workload) === w);
    if (w === 'R0') {
      if (of.length === 1 && of[0] === alu && peak !== null) {
        out.push(`ALU peak (R0) of this run: ${formatValue(peak)} GFLOP/s${num(alu.runs) !== null ? `, median of ${alu.runs} runs` : ''}.`);
      } else out.push(r0Table(of, peak));
    } else if (w === 'T0') out.push(t0Table(of, peak));
    else {
      out.push(figureTable(w, of, peak));
      for (const s of of.filter((l) => l.name === 'stages')) out.push(stagesSentence(s));
    }
  }
  return out.join('\n\n');
}

/** Parses a results file (one JSON object a line; blank lines allowed); the error names the file and line. */
export function parseResults(file: string, text: string): ResultLine[] {
  const lines: ResultLine[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new Error(`${RESULTS_DIR}/${file} line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (typeof v !== 'object' || v === null || typeof (v as ResultLine).workload !== 'string') {
      throw new Error(`${RESULTS_DIR}/${file} line ${i + 1}: not a benchmark line (an object with a "workload")`);
    }
    lines.push(v as ResultLine);
  });
  return lines;
}

/**
 * The document with every block regenerated from `runs` (file name -> its
 * lines). Throws, naming them, when a file has no block, a block names a
 * file that is not in `runs`, or a file has two blocks.
 */
export function updateDoc(doc: string, runs: Map<string, ResultLine[]>): string {
  const seen = new Map<string, number>();
  for (const m of doc.matchAll(BLOCK_RE)) seen.set(m[1], (seen.get(m[1]) ?? 0) + 1);
  const problems: string[] = [];
  for (const file of runs.keys()) {
    if (!seen.has(file)) problems.push(`${RESULTS_DIR}/${file} has no block in ${DOC} (add "<!-- bench-report: ${file} -->" and "<!-- /bench-report -->" where its tables belong)`);
  }
  for (const [file, count] of seen) {
    if (!runs.has(file)) problems.push(`${DOC} has a block for ${file}, which is not a results file in ${RESULTS_DIR}/`);
    if (count > 1) problems.push(`${DOC} has ${count} blocks for ${file}`);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return doc.replace(BLOCK_RE, (_, file: string) => `<!-- bench-report: ${file} -->\n${renderRun(file, runs.get(file)!)}\n<!-- /bench-report -->`);
}

/** The results files of bench/results/ (tracked, or new and not ignored by git), by name. */
export function readResults(root: string): Map<string, ResultLine[]> {
  const names = execSync(`git ls-files --cached --others --exclude-standard -- ${RESULTS_DIR}`, { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(RESULTS_DIR.length + 1))
    .filter((f) => !f.includes('/'))
    .sort();
  return new Map(names.map((f) => [f, parseResults(f, readFileSync(join(root, RESULTS_DIR, f), 'utf8'))]));
}

/** The document as the committed results make it. */
export function generatedDoc(root: string): { current: string; generated: string } {
  const current = readFileSync(join(root, DOC), 'utf8');
  return { current, generated: updateDoc(current, readResults(root)) };
}

export async function main(vite: { config: { root: string } }, args: string[]): Promise<number> {
  const check = args.includes('--check');
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length) {
    process.stderr.write(`unknown argument ${JSON.stringify(unknown[0])}\nusage: npm run bench:report [-- --check]\n`);
    return 2;
  }
  const root = vite.config.root;
  let doc: { current: string; generated: string };
  try {
    doc = generatedDoc(root);
  } catch (e) {
    process.stderr.write(`bench:report: ${(e as Error).message}\n`);
    return 1;
  }
  const blocks = [...doc.generated.matchAll(BLOCK_RE)].length;
  if (doc.generated === doc.current) {
    process.stdout.write(`${DOC}: up to date (${blocks} results files)\n`);
    return 0;
  }
  if (check) {
    process.stderr.write(`${DOC} differs from the tables of ${RESULTS_DIR}/*.jsonl: run npm run bench:report\n`);
    return 1;
  }
  writeFileSync(join(root, DOC), doc.generated);
  process.stdout.write(`${DOC}: tables rewritten from ${blocks} results files\n`);
  return 0;
}

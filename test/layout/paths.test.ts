// No file of the repository names a path that a clone does not have. Scans
// every tracked (or new, not ignored) text file for repository paths: words
// that start with a top folder of the repository (`src/...`, `docs/...`, a
// leading `./` or `/` allowed), and, in Markdown, the targets of relative
// links (resolved from the file's folder). A path passes when it is a file
// or a folder of the repository, a module specifier of one (extension left
// out), or an output that git ignores (`out/`, `dist/`). Globs (`*`, `**`, `{a,b}`) and placeholders (`<name>`)
// must match at least one path of the repository.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

const files = execSync('git ls-files --cached --others --exclude-standard', { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '');

/** The files scanned: text a reader or a compiler reads; raw benchmark results and the lock file are data. */
const SCANNED = files.filter(
  (f) => /\.(md|ts|mts|mjs|cjs|wgsl|html|json)$/.test(f) && !f.startsWith('bench/results/') && f !== 'package-lock.json',
);

/**
 * Top folders: those of the repository, and names a path is likely to start
 * with even where no such folder exists yet (a reference to them is checked
 * all the same). Build and run outputs (dist/, out/) are ignored by git and
 * pass as outputs.
 */
const TOP = [
  ...new Set([
    ...files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]),
    'docs', 'bench', 'src', 'shaders', 'test', 'demo', 'cli', 'experiments', 'harness', 'examples', 'bin', 'scripts', 'tools',
  ]),
].filter((t) => !['node_modules', 'dist', 'out'].includes(t));

const fileSet = new Set(files);
const dirSet = new Set(files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));

const escapeRe = (s: string) => s.replace(/[.+^$()|[\]\\]/g, '\\$&');

/** A glob or placeholder path as a regular expression over repository paths. */
function pattern(path: string): RegExp {
  let re = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (path.startsWith('**', i)) {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '<') {
      const end = path.indexOf('>', i);
      re += '[^/]+';
      i = end < 0 ? path.length : end;
    } else if (ch === '{') {
      const end = path.indexOf('}', i);
      const options = path.slice(i + 1, end < 0 ? path.length : end).split(',');
      re += `(?:${options.map(escapeRe).join('|')})`;
      i = end < 0 ? path.length : end;
    } else re += escapeRe(ch);
  }
  return new RegExp(`^${re}/?$`);
}

/** Whether git ignores a path (an output of a command: out/, dist/). */
function ignored(path: string): boolean {
  try {
    execSync(`git check-ignore -q --no-index -- ${JSON.stringify(path)}`, { cwd: ROOT, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether a repository path exists (see the header for what counts). */
export function exists(raw: string): boolean {
  const path = raw.replace(/\/+$/, '');
  if (path === '' || path === '.') return true;
  if (/[*<{]/.test(path)) {
    const re = pattern(path);
    return files.some((f) => re.test(f)) || [...dirSet].some((d) => re.test(d));
  }
  if (fileSet.has(path) || dirSet.has(path)) return true;
  // Module specifiers and job module names leave the extension out (`src/trainer/trainer`, `test/mlp/mlp`).
  if (fileSet.has(`${path}/index.ts`) || files.some((f) => f.startsWith(`${path}.`))) return true;
  return ignored(path);
}

const TOP_RE = new RegExp(
  // Not inside a longer word, path or URL (a relative `../src/x` is not a root path).
  `(?<![\\w.\\-/@:~$])(?:\\./|/)?((?:${TOP.map(escapeRe).join('|')})/(?:[\\w.\\-/*{},]|<[\\w-]+>)*)`,
  'g',
);

/** Repository paths named in a text: root paths anywhere, and relative Markdown link targets resolved from `file`. */
export function namedPaths(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(TOP_RE)) {
    // Sentence punctuation after a path is not part of it; a placeholder or brace group keeps its closing character.
    let p = m[1].replace(/[.,:;]+$/, '');
    if (p.includes('{') && !p.includes('}')) p = p.slice(0, p.indexOf('{'));
    if (!p.includes('{')) p = p.split(',')[0];
    out.push(p);
  }
  if (file.endsWith('.md')) {
    for (const m of text.matchAll(/\]\(\s*([^)\s#]+)(?:#[^)\s]*)?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1];
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('/')) continue; // URLs
      out.push(normalize(join(dirname(file), decodeURI(target))));
    }
  }
  return out;
}

describe('paths named in the repository', () => {
  it('scans the files it should', () => {
    for (const f of ['README.md', 'src/index.ts', 'shaders/mlp.wgsl', 'package.json', 'test/layout/paths.test.ts']) {
      expect(SCANNED, f).toContain(f);
    }
    expect(SCANNED.some((f) => f.startsWith('bench/results/'))).toBe(false);
  });

  it('recognises paths, globs, placeholders and links', () => {
    // Paths that must not exist are built at run time, so that this file names none.
    const none = (dir: string) => `${dir}/nothing-${'here'}.ts`;
    expect(namedPaths('x.ts', 'see `src/trainer/config.ts`, and src/mlp/. Or shaders/*.wgsl, and <p>harness/runner.ts.</p>')).toEqual([
      'src/trainer/config.ts', 'src/mlp/', 'shaders/*.wgsl', 'harness/runner.ts',
    ]);
    expect(namedPaths('x.ts', "import a from '../../src/x'; http://127.0.0.1:5173/demo/ a/src/b")).toEqual([]);
    const doc = `${'docs'}/x.md`;
    expect(namedPaths(doc, '[the trainer](../src/trainer/trainer.ts) [web](https://x.org/src/y) [here](#top)')).toEqual([
      'src/trainer/trainer.ts',
    ]);
    expect(exists('src/trainer/trainer.ts')).toBe(true);
    expect(exists('src/trainer/trainer')).toBe(true);
    expect(exists('test/mlp/mlp')).toBe(true); // a job module: test/mlp/mlp.jobs.ts
    expect(exists('src/trainer/')).toBe(true);
    expect(exists('test/**/*.gpu.test.ts')).toBe(true);
    expect(exists('src/<concept>/reference.ts')).toBe(true);
    expect(exists('shaders/{mlp,optim}.wgsl')).toBe(true);
    expect(exists('out/train/checkpoint.febm')).toBe(true); // an output: git ignores it
    expect(exists(none('src/trainer'))).toBe(false);
    expect(exists(none('docs'))).toBe(false);
    expect(exists(none('src/<concept>'))).toBe(false);
    expect(exists(`shaders/{mlp,${'nothing'}}.wgsl`)).toBe(true); // one of the options is enough
  });

  it('every path a file names exists', () => {
    const missing: string[] = [];
    for (const file of SCANNED) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const p of new Set(namedPaths(file, text))) if (!exists(p)) missing.push(`${file}: ${p}`);
    }
    expect(missing).toEqual([]);
  });
});

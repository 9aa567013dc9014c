// The layout's dependency rule (README, "How it is laid out"): the library
// (src/) uses only its own files, the shaders and its declared dependencies;
// applications use the library, the host and the experiments, never each
// other; nothing but the tests uses the tests. Read from every static import,
// dynamic import and import.meta.glob of the repository's code.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(new URL(import.meta.url).pathname), '..', '..');

/** Top-level folders each part of the repository may import from (besides itself and npm packages). */
const MAY_USE: Record<string, string[]> = {
  src: ['shaders'],
  harness: ['src'],
  experiments: ['src', 'shaders', 'harness'],
  bench: ['src', 'shaders', 'harness', 'experiments'],
  // The febm-gpu command dispatches to the experiment's and the benchmark's commands.
  cli: ['src', 'shaders', 'harness', 'experiments', 'bench'],
  demo: ['src', 'shaders'],
  // The launcher runs the sources through Vite (harness/vite-server.mjs), or an installed package's build (dist/).
  bin: ['harness', 'dist'],
  // An example of lifting the kernels uses none of the repository's code (its page loads the build's kernel files by URL).
  examples: [],
  // The GPU kit bundles the benchmark and, by the list in vite.config.ts, the kernel tests.
  kit: ['src', 'shaders', 'harness', 'bench', 'experiments', 'cli', 'vite.config'],
};
/** The demo's digits mode starts from the image experiment's recipe, a data file (no code). */
const DEMO_DATA = { from: 'demo', files: ['experiments/digits/preset.json'] };
/** The hosts find the applications' job files by glob (harness/app-jobs.ts). */
const JOBS_PAGE = { file: 'harness/app-jobs.ts', mayUse: ['bench', 'cli', 'experiments'] };
/** npm packages the library may import: its dependencies, nothing Node-only (the command's are optional dependencies). */
const LIBRARY_PACKAGES = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});

const code = execSync('git ls-files --cached --others --exclude-standard', { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.startsWith('node_modules/') && !f.endsWith('.d.ts'));

/** Every module specifier a file names: imports, re-exports, dynamic imports and glob patterns. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|[;\s])(?:import|export)\s[^;'"]*?from\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/(?:^|[;\s])import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/import\.meta\.glob\(\s*(\[[^\]]*\]|['"][^'"]+['"])/g)) {
    for (const s of m[1].matchAll(/['"]([^'"]+)['"]/g)) out.push(s[1]);
  }
  return out;
}

const top = (path: string) => path.split('/')[0];

describe('the dependency rule', () => {
  const edges = code.flatMap((file) =>
    specifiers(readFileSync(join(ROOT, file), 'utf8')).map((spec) => ({
      file,
      spec,
      target: spec.startsWith('.') ? normalize(join(dirname(file), spec.split('?')[0])) : null,
    })),
  );

  it('reads the imports of every part', () => {
    for (const part of ['src', 'harness', 'experiments', 'bench', 'cli', 'demo', 'test']) {
      expect(edges.some((e) => top(e.file) === part), part).toBe(true);
    }
  });

  it('each part imports only the parts it may use', () => {
    const wrong = edges
      .filter((e) => e.target !== null && top(e.file) !== 'test' && top(e.file) in MAY_USE)
      .filter((e) => {
        const from = top(e.file);
        const to = top(e.target!);
        if (to === from) return false;
        if (e.file === JOBS_PAGE.file && JOBS_PAGE.mayUse.includes(to)) return false;
        if (from === DEMO_DATA.from && DEMO_DATA.files.includes(e.target!)) return false;
        return !MAY_USE[from].includes(to);
      })
      .map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it("the other parts use the library through its two entry points (src/index.ts, src/kernels.ts)", () => {
    const entries = ['src/index.ts', 'src/kernels.ts'];
    // Data the library ships but does not import (so that its bundle does not carry them): the score's classifier weights.
    const assets = ['src/score/digit-classifier.json'];
    const wrong = edges
      .filter((e) => e.target !== null && top(e.file) !== 'src' && top(e.file) !== 'test' && top(e.target) === 'src')
      .filter((e) => !assets.includes(e.target!))
      .filter((e) => !entries.includes(e.target!.endsWith('.ts') ? e.target! : `${e.target}.ts`))
      .map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('nothing outside test/ uses the tests', () => {
    const wrong = edges.filter((e) => e.target !== null && top(e.file) !== 'test' && top(e.target) === 'test').map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('the library imports no package but its dependencies (it runs in a page and in Node)', () => {
    const wrong = edges
      .filter((e) => top(e.file) === 'src' && e.target === null)
      .filter((e) => !LIBRARY_PACKAGES.some((p) => e.spec === p || e.spec.startsWith(`${p}/`)))
      .map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });
});

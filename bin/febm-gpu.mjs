#!/usr/bin/env node
// The `febm-gpu` command (package.json "bin"; cli/main.ts). In the repository
// (the TypeScript sources beside this file) it runs them through Vite, which
// also serves the jobs page; in an installed package, which has neither
// TypeScript nor Vite, it runs the build: dist/cli/febm-gpu.js and the
// prebuilt page in dist/page/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
let code = 1;
try {
  if (existsSync(join(root, 'cli', 'main.ts')) && existsSync(join(root, 'harness', 'vite-server.mjs'))) {
    const { startVite } = await import('../harness/vite-server.mjs');
    const vite = await startVite();
    try {
      const { runFromSource } = await vite.ssrLoadModule('/cli/platforms.ts');
      code = await runFromSource(vite, argv);
    } finally {
      await vite.close();
    }
  } else {
    const { runInstalled } = await import('../dist/cli/febm-gpu.js');
    code = await runInstalled(argv);
  }
} catch (e) {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
}
process.exit(code);

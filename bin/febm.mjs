#!/usr/bin/env node
// Entry point of the headless commands. Node 20 cannot run TypeScript, so this
// starts the Vite server that serves the harness pages and loads the
// TypeScript command through it: `node bin/febm.mjs <module.ts> [args]`, where
// the module exports main(vite, args) -> exit code.
import { startVite } from '../harness/vite-server.mjs';

const vite = await startVite();
let code = 1;
try {
  const [entry, ...args] = process.argv.slice(2);
  const mod = await vite.ssrLoadModule(`/${entry}`);
  code = await mod.main(vite, args);
} catch (e) {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
} finally {
  await vite.close();
}
process.exit(code);

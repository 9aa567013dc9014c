// The Vite server that serves the harness and demo pages from the sources on
// 127.0.0.1 at a free port. Plain JavaScript so that the launchers in bin/
// (Node without TypeScript) and harness/runner.ts share it.
//
// Vite runs in middleware mode behind a plain Node HTTP server: routes
// mounted later (mount; the runner's byte store) answer before Vite's own,
// and Vite installs no SIGTERM or stdin handler of its own (it would end the
// process before a training run saves its checkpoint).
import { createServer as createHttpServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { INSECURE_HOST } from './names.mjs';

export { INSECURE_HOST };

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where a Vite server keeps its HTTP server and mounted handlers: a property
 * under a global symbol, because this file may be loaded twice (by Node, and
 * through Vite's own module loader by the TypeScript that runs in it).
 */
const STATE = Symbol.for('febm-gpu.vite-server');

export async function startVite() {
  const vite = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    appType: 'mpa',
    server: { middlewareMode: true, allowedHosts: [INSECURE_HOST], hmr: false, watch: null },
  });
  const handlers = [];
  const http = createHttpServer((req, res) => {
    const run = (i) => (i < handlers.length ? handlers[i](req, res, () => run(i + 1)) : vite.middlewares(req, res));
    run(0);
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  vite[STATE] = { http, handlers };
  const close = vite.close.bind(vite);
  vite.close = async () => {
    http.closeAllConnections();
    await Promise.all([close(), new Promise((resolve) => http.close(() => resolve()))]);
  };
  return vite;
}

/** Adds a connect-style handler (req, res, next) ahead of Vite's own, to a server made by startVite. */
export function mount(vite, handler) {
  const s = vite[STATE];
  if (!s) throw new Error('mount: not a server made by startVite');
  s.handlers.push(handler);
}

export function serverOrigin(vite) {
  const address = vite[STATE]?.http.address();
  if (!address || typeof address === 'string') throw new Error('the Vite server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

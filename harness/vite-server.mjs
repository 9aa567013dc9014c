// The Vite server that serves the harness and demo pages on 127.0.0.1 at a
// free port. Plain JavaScript so that bin/febm.mjs (Node without TypeScript)
// and harness/runner.ts share it.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The host name mapped to 127.0.0.1 in the browser to give a page a non-secure context. */
export const INSECURE_HOST = 'febm-insecure.test';

export async function startVite() {
  const vite = await createServer({
    root: ROOT,
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    clearScreen: false,
    server: { host: '127.0.0.1', port: 0, allowedHosts: [INSECURE_HOST], hmr: false, watch: null },
  });
  await vite.listen();
  return vite;
}

export function serverOrigin(vite) {
  const address = vite.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite server has no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

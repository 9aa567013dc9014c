// Where the command's jobs page comes from, for the two launchers of
// bin/febm-gpu.mjs: the repository's sources through Vite (which also loaded
// this code), or an installed package's prebuilt page (dist/page/, written
// by the build) served by a small static server.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ViteDevServer } from 'vite';
import { BlobStore } from '../harness/blobs';
import { vitePageServer } from '../harness/runner';
import { startStaticServer } from '../harness/static-server';
import { main } from './main';

/** In the repository: the pages from the sources, served by the launcher's Vite server. */
export function runFromSource(vite: ViteDevServer, argv: string[]): Promise<number> {
  return main(argv, { pageServer: () => vitePageServer(vite) });
}

/** In an installed package (the build's dist/cli/febm-gpu.js): the prebuilt page beside it. */
export function runInstalled(argv: string[]): Promise<number> {
  const page = join(dirname(fileURLToPath(import.meta.url)), '..', 'page');
  return main(argv, {
    async pageServer() {
      const blobs = new BlobStore();
      const server = await startStaticServer(page, blobs);
      return { origin: server.origin, blobs, close: () => server.close() };
    },
  });
}

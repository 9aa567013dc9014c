// The runner's byte store, behind its HTTP server (Vite's in the repository,
// harness/static-server.ts in an installed package): how large inputs reach a
// page and large outputs leave it (harness/host.ts, BlobRef).
//   GET    /febm-blob/<id>   the bytes (application/octet-stream), streamed
//                            from the file where a file was offered
//   POST   /febm-blob/       stores the request body; answers {"blob", "bytes"}
//   DELETE /febm-blob/<id>   forgets them
// Ids are random UUIDs; the servers listen on 127.0.0.1 only.

import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';

import { BLOB_ROUTE } from './blob-route';

export { BLOB_ROUTE };

type Entry = { bytes: Uint8Array } | { file: string; size: number };

export class BlobStore {
  private readonly entries = new Map<string, Entry>();

  /** Holds bytes, or a file's bytes (read when fetched); returns the id. */
  put(source: Uint8Array | { file: string }): { blob: string; bytes: number } {
    const blob = randomUUID();
    if (source instanceof Uint8Array) {
      this.entries.set(blob, { bytes: source });
      return { blob, bytes: source.byteLength };
    }
    const size = statSync(source.file).size;
    this.entries.set(blob, { file: source.file, size });
    return { blob, bytes: size };
  }

  has(blob: string): boolean {
    return this.entries.has(blob);
  }

  delete(blob: string): void {
    this.entries.delete(blob);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Connect-style middleware (Vite's server.middlewares, or called directly by
   * the static server): answers the blob routes, passes anything else to next.
   */
  readonly handle = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const url = req.url ?? '';
    if (!url.startsWith(BLOB_ROUTE)) return next();
    const blob = decodeURIComponent(url.slice(BLOB_ROUTE.length).split('?')[0]);
    const fail = (status: number, message: string) => {
      res.statusCode = status;
      res.setHeader('content-type', 'text/plain');
      res.end(message);
    };
    if (req.method === 'POST' && blob === '') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', (e) => fail(400, e.message));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const stored = this.put(new Uint8Array(body.buffer, body.byteOffset, body.byteLength));
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(stored));
      });
      return;
    }
    const entry = this.entries.get(blob);
    if (!entry) return fail(404, `no blob ${blob}`);
    if (req.method === 'DELETE') {
      this.entries.delete(blob);
      res.statusCode = 204;
      res.end();
      return;
    }
    if (req.method !== 'GET') return fail(405, `${req.method} is not allowed on ${BLOB_ROUTE}`);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('cache-control', 'no-store');
    if ('bytes' in entry) {
      res.setHeader('content-length', String(entry.bytes.byteLength));
      res.end(entry.bytes);
    } else {
      res.setHeader('content-length', String(entry.size));
      createReadStream(entry.file).on('error', (e) => res.destroy(e)).pipe(res);
    }
  };
}

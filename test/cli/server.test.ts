// The installed command's page server (harness/static-server.ts) and the
// runner's byte store (harness/blobs.ts), over HTTP without a browser.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../../harness/blobs';
import { startStaticServer, type StaticServer } from '../../harness/static-server';

let root: string;
let blobs: BlobStore;
let server: StaticServer;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'febm-static-'));
  mkdirSync(join(root, 'harness'));
  writeFileSync(join(root, 'harness', 'index.html'), '<!doctype html><p>jobs</p>');
  writeFileSync(join(root, 'a.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(join(tmpdir(), 'febm-outside.txt'), 'secret');
  blobs = new BlobStore();
  server = await startStaticServer(root, blobs);
});
afterAll(() => server.close());

describe('the static page server', () => {
  it('serves the folder with content types, nothing outside it, only GET and HEAD', async () => {
    const page = await fetch(`${server.origin}/harness/index.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('jobs');
    expect((await fetch(`${server.origin}/a.wasm`)).headers.get('content-type')).toBe('application/wasm');
    expect((await fetch(`${server.origin}/missing.js`)).status).toBe(404);
    expect(await (await fetch(`${server.origin}/harness/`)).text()).toContain('jobs');
    // A path that climbs out of the folder (sent raw: fetch would normalise it) finds nothing.
    const up = (...parts: string[]) => `/${[...parts, 'febm-outside.txt'].join('/')}`;
    for (const path of [up('..'), up('harness', '..', '..'), up('%2e%2e')]) {
      const status = await new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(server.origin);
        request({ hostname, port, path }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject).end();
      });
      expect([403, 404], path).toContain(status);
    }
    expect((await fetch(`${server.origin}/harness/index.html`, { method: 'PUT', body: 'x' })).status).toBe(405);
  });
});

describe('the byte store', () => {
  it('serves offered bytes and files by id, stores a POST body, forgets on DELETE', async () => {
    const bytes = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 255);
    const a = blobs.put(bytes);
    expect(a.bytes).toBe(100_000);
    const got = new Uint8Array(await (await fetch(`${server.origin}/febm-blob/${a.blob}`)).arrayBuffer());
    expect(Buffer.compare(got, bytes)).toBe(0);
    const file = join(root, 'a.wasm');
    const f = blobs.put({ file });
    expect(f.bytes).toBe(4);
    expect(Array.from(new Uint8Array(await (await fetch(`${server.origin}/febm-blob/${f.blob}`)).arrayBuffer()))).toEqual([0, 97, 115, 109]);
    const posted = await (await fetch(`${server.origin}/febm-blob/`, { method: 'POST', body: new Uint8Array([1, 2, 3]) })).json();
    expect(posted.bytes).toBe(3);
    expect(blobs.has(posted.blob)).toBe(true);
    expect((await fetch(`${server.origin}/febm-blob/${posted.blob}`, { method: 'DELETE' })).status).toBe(204);
    expect(blobs.has(posted.blob)).toBe(false);
    expect((await fetch(`${server.origin}/febm-blob/${posted.blob}`)).status).toBe(404);
    expect((await fetch(`${server.origin}/febm-blob/${a.blob}`, { method: 'PUT' })).status).toBe(405);
  });
});

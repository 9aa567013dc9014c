// The headless runner, the one piece of code that tests, command-line jobs and
// benchmarks use, and the Chromium host of harness/host.ts: serves the pages
// on 127.0.0.1 (a free port; Vite from the sources in the repository, a
// prebuilt folder in an installed package), launches one headless Chromium
// with the flags WebGPU needs, runs named jobs inside the harness page,
// streams progress and console to the terminal, hands bytes to and from jobs
// through its server (harness/blobs.ts), and returns each job's JSON result.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page, PuppeteerNode } from 'puppeteer-core';
import type { ViteDevServer } from 'vite';
import { BlobStore, BLOB_ROUTE } from './blobs';
import { BrowserNotFoundError, chromiumArgs, resolveBrowser } from './browser';
import type { BlobRef, HostProvider, JobHost, RunOptions } from './host';
import { PageJobError, type JobOutcome, type JobProgress } from './protocol';

import { INSECURE_HOST } from './names.mjs';

export { INSECURE_HOST };

/** A server of the jobs page with the byte store's routes. */
export interface PageServer {
  readonly origin: string;
  readonly blobs: BlobStore;
  close(): Promise<void>;
}

const storeOfVite = new WeakMap<ViteDevServer, BlobStore>();

/**
 * A Vite server from harness/vite-server.mjs as the page server, with a byte
 * store mounted on first use; `owned`: closing it closes Vite.
 */
export async function vitePageServer(vite: ViteDevServer, owned = false): Promise<PageServer> {
  const { mount, serverOrigin } = await import('./vite-server.mjs');
  let blobs = storeOfVite.get(vite);
  if (!blobs) {
    blobs = new BlobStore();
    mount(vite, blobs.handle);
    storeOfVite.set(vite, blobs);
  }
  return { origin: serverOrigin(vite), blobs, close: async () => { if (owned) await vite.close(); } };
}

/**
 * Puppeteer, loaded when a runner starts: an optional dependency of the
 * package (the command needs it, the library does not).
 */
async function loadPuppeteer(): Promise<PuppeteerNode> {
  try {
    return (await import('puppeteer-core')).default;
  } catch (e) {
    throw new BrowserNotFoundError(
      `the headless runner needs the package puppeteer-core (an optional dependency of febm-gpu): npm install puppeteer-core (${(e as Error).message})`,
    );
  }
}

export interface RunnerOptions {
  /** Start Chromium with WebGPU enabled (default true); without it, headless Chromium has no adapter. */
  webgpu?: boolean;
  /** Reuse a running Vite server instead of starting one. */
  vite?: ViteDevServer;
  /** Serve the pages with this server (e.g. harness/static-server.ts over a prebuilt page); the runner closes it. */
  server?: PageServer;
  /** Where progress and page console lines go (default: stderr). */
  log?: (line: string) => void;
  /** The jobs page pages open (default JOBS_PAGE; the tests use test/support/index.html). */
  jobsPage?: string;
}

/** The applications' jobs page. */
export const JOBS_PAGE = '/harness/index.html';

/** Hears every progress report of a page's jobs; with it, progress lines are not logged. */
export type ProgressListener = (p: JobProgress) => void;

export interface PageOptions {
  /** Open the harness through a non-secure origin (for testing that error). */
  insecure?: boolean;
  log?: (line: string) => void;
  onProgress?: ProgressListener;
  /** The jobs page to open (default JOBS_PAGE). */
  jobsPage?: string;
  /** The server's byte store where it lives in this process (faster offers: a file is not copied); otherwise bytes go over HTTP. */
  blobs?: BlobStore;
}

/** A harness page in a browser: runs jobs one after another (the Chromium JobHost). */
export class HarnessPage implements JobHost {
  /** Hears the progress reports instead of the log, while set (PageOptions.onProgress, or per run). */
  onProgress: ProgressListener | undefined;

  constructor(readonly page: Page, readonly origin: string, private readonly blobs?: BlobStore) {}

  static async open(browser: Browser, url: string, options: PageOptions = {}): Promise<HarnessPage> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const page = await browser.newPage();
    const harness = new HarnessPage(page, url, options.blobs);
    harness.onProgress = options.onProgress;
    page.on('console', (m) => log(`[page ${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => log(`[page error] ${e instanceof Error ? e.message : String(e)}`));
    await page.exposeFunction('febmProgress', (p: JobProgress) => {
      if (harness.onProgress) return harness.onProgress(p);
      const pct = p.fraction === undefined ? '' : ` ${(100 * p.fraction).toFixed(0)}%`;
      log(`${p.message}${pct}`);
    });
    await page.goto(`${url}${options.jobsPage ?? JOBS_PAGE}`, { waitUntil: 'load' });
    await page.waitForFunction(() => 'febmHarness' in window, { timeout: 120_000 });
    return harness;
  }

  /**
   * Runs a job ("file.export") with a JSON config; rethrows a page error as a
   * PageJobError of the same name. `onProgress` hears this run's progress reports.
   */
  async run<T = unknown>(job: string, config: unknown = {}, options: RunOptions = {}): Promise<T> {
    const previous = this.onProgress;
    if (options.onProgress) this.onProgress = options.onProgress;
    const runId = randomUUID();
    const stop = () => {
      this.page.evaluate((id) => window.febmHarness.stop(id), runId).catch(() => {});
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      const pending = this.page.evaluate((name, cfg, id) => window.febmHarness.run(name, cfg, id), job, config as never, runId);
      // Stopped before it began: the stop follows the start (the page handles calls in order).
      if (options.signal?.aborted) stop();
      const outcome = (await pending) as JobOutcome;
      if (!outcome.ok) throw new PageJobError(job, outcome.error);
      return outcome.result as T;
    } finally {
      options.signal?.removeEventListener('abort', stop);
      this.onProgress = previous;
    }
  }

  async offer(source: Uint8Array | { file: string }): Promise<BlobRef> {
    if (this.blobs) return this.blobs.put(source);
    const body = source instanceof Uint8Array ? source : new Uint8Array(readFileSync(source.file));
    const res = await fetch(`${this.origin}${BLOB_ROUTE}`, { method: 'POST', body: body as Uint8Array<ArrayBuffer> });
    if (!res.ok) throw new Error(`offering ${body.byteLength} bytes: ${res.status} ${await res.text()}`);
    return (await res.json()) as BlobRef;
  }

  async take(ref: BlobRef): Promise<Uint8Array> {
    const res = await fetch(`${this.origin}${BLOB_ROUTE}${encodeURIComponent(ref.blob)}`);
    if (!res.ok) throw new Error(`taking ${ref.blob}: ${res.status} ${await res.text()}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    await this.release(ref);
    if (bytes.byteLength !== ref.bytes) throw new Error(`taking ${ref.blob}: ${bytes.byteLength} bytes, ${ref.bytes} expected`);
    return bytes;
  }

  async release(ref: BlobRef): Promise<void> {
    if (this.blobs) return this.blobs.delete(ref.blob);
    await fetch(`${this.origin}${BLOB_ROUTE}${encodeURIComponent(ref.blob)}`, { method: 'DELETE' });
  }

  /** Whether the page has navigator.gpu and a secure context (read without running a job). */
  environment(): Promise<{ secure: boolean; gpu: boolean }> {
    return this.page.evaluate(() => ({ secure: window.isSecureContext, gpu: 'gpu' in navigator }));
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

export class Runner implements HostProvider {
  readonly kind = 'chromium';

  private constructor(
    readonly browser: Browser,
    readonly server: PageServer,
    private readonly userDataDir: string,
    readonly browserPath: string,
    private readonly log: (line: string) => void,
    readonly jobsPage: string,
  ) {}

  static async start(options: RunnerOptions = {}): Promise<Runner> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const puppeteer = await loadPuppeteer();
    const { path } = await resolveBrowser();
    let server = options.server;
    if (!server) {
      const vite = options.vite ?? (await (await import('./vite-server.mjs')).startVite());
      server = await vitePageServer(vite, !options.vite);
    }
    const userDataDir = mkdtempSync(join(tmpdir(), 'febm-chromium-'));
    try {
      const browser = await puppeteer.launch({
        executablePath: path,
        headless: true,
        args: chromiumArgs({ webgpu: options.webgpu ?? true, userDataDir, insecureHost: INSECURE_HOST }),
        // No limit on one protocol call: a job is one page.evaluate, and jobs
        // like T0 or the authors' 30,000-iteration reproduction run for well
        // over half an hour on an emulated adapter (they report progress).
        protocolTimeout: 0,
        // The command line handles Ctrl-C and SIGTERM itself (a training run
        // saves its checkpoint first); Chromium runs in its own process group,
        // so the terminal's signal does not reach it either.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      return new Runner(browser, server, userDataDir, path, log, options.jobsPage ?? JOBS_PAGE);
    } catch (e) {
      await server.close();
      rmSync(userDataDir, { recursive: true, force: true });
      throw e;
    }
  }

  get origin(): string {
    return this.server.origin;
  }

  get description(): string {
    return `Chromium ${this.browserPath}`;
  }

  /** The origin of the harness through the non-secure host name. */
  get insecureOrigin(): string {
    return this.origin.replace('127.0.0.1', INSECURE_HOST);
  }

  page(options: PageOptions = {}): Promise<HarnessPage> {
    const url = options.insecure ? this.insecureOrigin : this.origin;
    return HarnessPage.open(this.browser, url, {
      log: options.log ?? this.log, onProgress: options.onProgress, jobsPage: options.jobsPage ?? this.jobsPage, blobs: this.server.blobs,
    });
  }

  /** A fresh page (HostProvider.open). */
  open(): Promise<HarnessPage> {
    return this.page();
  }

  /** Runs one job in a fresh page and closes the page. */
  async run<T = unknown>(job: string, config: unknown = {}): Promise<T> {
    const page = await this.page();
    try {
      return await page.run<T>(job, config);
    } finally {
      await page.close();
    }
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
    await this.server.close();
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

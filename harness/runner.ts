// The headless runner, the one piece of code that tests, command-line jobs and
// benchmarks use: serves the pages with Vite on 127.0.0.1 (a free port),
// launches one headless Chromium with the flags WebGPU needs, runs named jobs
// inside the harness page, streams progress and console to the terminal, and
// returns each job's JSON result.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import type { ViteDevServer } from 'vite';
import { chromiumArgs, resolveBrowser } from './browser';
import { PageJobError, type JobOutcome, type JobProgress } from './protocol';
import { INSECURE_HOST, serverOrigin, startVite } from './vite-server.mjs';

export { INSECURE_HOST };

export interface RunnerOptions {
  /** Start Chromium with WebGPU enabled (default true); without it, headless Chromium has no adapter. */
  webgpu?: boolean;
  /** Reuse a running Vite server instead of starting one. */
  vite?: ViteDevServer;
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
}

/** What runs jobs one after another: a harness page, or the Node host (harness/node-host.ts). */
export type JobPage = Pick<HarnessPage, 'run' | 'close'>;

/** What gives job pages: the Runner (a page of its Chromium each), or the Node host (itself). */
export interface PageSource {
  page(): Promise<JobPage>;
}

/** A harness page in a browser: runs jobs one after another. */
export class HarnessPage {
  /** Hears the progress reports instead of the log, while set (PageOptions.onProgress, or per run). */
  onProgress: ProgressListener | undefined;

  constructor(readonly page: Page) {}

  static async open(browser: Browser, url: string, options: PageOptions = {}): Promise<HarnessPage> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const page = await browser.newPage();
    const harness = new HarnessPage(page);
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
  async run<T = unknown>(job: string, config: unknown = {}, options: { onProgress?: ProgressListener } = {}): Promise<T> {
    const previous = this.onProgress;
    if (options.onProgress) this.onProgress = options.onProgress;
    try {
      const outcome = (await this.page.evaluate(
        (name, cfg) => window.febmHarness.run(name, cfg),
        job,
        config as never,
      )) as JobOutcome;
      if (!outcome.ok) throw new PageJobError(job, outcome.error);
      return outcome.result as T;
    } finally {
      this.onProgress = previous;
    }
  }

  /** Whether the page has navigator.gpu and a secure context (read without running a job). */
  environment(): Promise<{ secure: boolean; gpu: boolean }> {
    return this.page.evaluate(() => ({ secure: window.isSecureContext, gpu: 'gpu' in navigator }));
  }

  close(): Promise<void> {
    return this.page.close();
  }
}

export class Runner {
  private constructor(
    readonly browser: Browser,
    readonly vite: ViteDevServer,
    readonly origin: string,
    private readonly ownsVite: boolean,
    private readonly userDataDir: string,
    readonly browserPath: string,
    private readonly log: (line: string) => void,
    readonly jobsPage: string,
  ) {}

  static async start(options: RunnerOptions = {}): Promise<Runner> {
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    const { path } = resolveBrowser();
    const vite = options.vite ?? (await startVite());
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
      });
      return new Runner(browser, vite, serverOrigin(vite), !options.vite, userDataDir, path, log, options.jobsPage ?? JOBS_PAGE);
    } catch (e) {
      if (!options.vite) await vite.close();
      throw e;
    }
  }

  /** The origin of the harness through the non-secure host name. */
  get insecureOrigin(): string {
    return this.origin.replace('127.0.0.1', INSECURE_HOST);
  }

  page(options: PageOptions = {}): Promise<HarnessPage> {
    const url = options.insecure ? this.insecureOrigin : this.origin;
    return HarnessPage.open(this.browser, url, { log: options.log ?? this.log, onProgress: options.onProgress, jobsPage: options.jobsPage ?? this.jobsPage });
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
    if (this.ownsVite) await this.vite.close();
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}

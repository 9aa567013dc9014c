// GPU tests run their kernels in the harness page (real WebGPU adapter) and
// compare the results here, in Node, against the float64 references.
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, inject } from 'vitest';
import { HarnessPage } from '../../harness/runner';
import { relativeError as relativeError64 } from '../../src/stats';

/** The jobs page of the tests: the applications' jobs and the tests' own. */
export const TEST_JOBS_PAGE = '/test/support/index.html';

/** Opens one harness page for the test file; `page()` gives it to tests. */
export function useHarness(options: { insecure?: boolean } = {}): () => HarnessPage {
  let browser: Browser;
  let page: HarnessPage;
  beforeAll(async () => {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('febmBrowser') });
    const origin = options.insecure ? inject('febmInsecureOrigin') : inject('febmOrigin');
    page = await HarnessPage.open(browser, origin, { log: (line) => console.log(line), jobsPage: TEST_JOBS_PAGE });
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });
  return () => page;
}

/** relativeError of src/stats.ts, with a length mismatch an error (a test bug, not a numeric one). */
export function relativeError(gpu: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-6): number {
  if (gpu.length !== ref.length) throw new Error(`length ${gpu.length} != reference length ${ref.length}`);
  return relativeError64(gpu, ref, floor);
}

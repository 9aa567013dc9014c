// Page-level GPU tests (the device layer in a browser, the demo) use a
// harness page of the headless Chromium directly; kernel tests use
// test/support/gpu.ts, which runs on either host.
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, inject } from 'vitest';
import { HarnessPage } from '../../harness/runner';
import { TEST_JOBS_PAGE } from './gpu';

export { TEST_JOBS_PAGE, relativeError } from './gpu';

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

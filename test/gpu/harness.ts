// GPU tests run their kernels in the harness page (real WebGPU adapter) and
// compare the results here, in Node, against the float64 references.
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, inject } from 'vitest';
import { HarnessPage } from '../../harness/runner';

/** Opens one harness page for the test file; `page()` gives it to tests. */
export function useHarness(options: { insecure?: boolean } = {}): () => HarnessPage {
  let browser: Browser;
  let page: HarnessPage;
  beforeAll(async () => {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('febmBrowser') });
    const origin = options.insecure ? inject('febmInsecureOrigin') : inject('febmOrigin');
    page = await HarnessPage.open(browser, origin, { log: (line) => console.log(line) });
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });
  return () => page;
}

/** max_i |a_i - b_i| / max(max_i |b_i|, floor): error relative to the reference's scale. */
export function relativeError(gpu: ArrayLike<number>, ref: ArrayLike<number>, floor = 1e-6): number {
  if (gpu.length !== ref.length) throw new Error(`length ${gpu.length} != reference length ${ref.length}`);
  let err = 0;
  let scale = floor;
  for (let i = 0; i < ref.length; i++) {
    if (!Number.isFinite(gpu[i])) return Infinity;
    err = Math.max(err, Math.abs(gpu[i] - ref[i]));
    scale = Math.max(scale, Math.abs(ref[i]));
  }
  return err / scale;
}

// The demo page in the test browser, shared by the demo's GPU test files:
// a page in a context of its own (downloads into a folder), page errors and
// warnings logged, main-thread tasks over 50 ms recorded in window.longTasks
// (to show that training does not freeze the page); and the page's state,
// polled until a condition holds, and the grey-level variance of a canvas.
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer';
import { inject } from 'vitest';

export type DemoState = ReturnType<Window['febmDemo']['state']>;

export interface DemoPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** A new page (not yet navigated) whose downloads go to `downloads`. */
export async function openDemoPage(downloads: string): Promise<DemoPage> {
  const browser = await puppeteer.connect({ browserWSEndpoint: inject('febmBrowser') });
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } });
  const page = await context.newPage();
  await page.setViewport({ width: 1360, height: 900 });
  page.on('pageerror', (e) => console.log('[page error]', e));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') console.log(`[page ${m.type()}] ${m.text()}`);
  });
  await page.evaluateOnNewDocument(() => {
    const w = window as unknown as { longTasks: number[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push(Math.round(e.duration));
    }).observe({ type: 'longtask', buffered: true });
  });
  return {
    browser, context, page,
    close: async () => {
      await page.close();
      await context.close();
      await browser.disconnect();
    },
  };
}

export const demoState = (page: Page): Promise<DemoState> => page.evaluate(() => window.febmDemo.state());

/** Polls the page's state until `fn` holds; an Error naming `what` and the last state after `timeout` ms. */
export async function untilState(page: Page, fn: (s: DemoState) => boolean, what: string, timeout: number): Promise<DemoState> {
  const end = Date.now() + timeout;
  for (;;) {
    const s = await demoState(page);
    if (fn(s)) return s;
    if (Date.now() > end) throw new Error(`waited ${timeout / 1000} s for ${what}; state ${JSON.stringify({ ...s, metrics: undefined })}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Variance of the grey level of a canvas's pixels (0 for a blank picture). */
export const pixelVariance = (page: Page, selector: string): Promise<number> =>
  page.$eval(selector, (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let s = 0;
    let s2 = 0;
    const n = d.length / 4;
    for (let i = 0; i < d.length; i += 4) {
      const g = (d[i] + d[i + 1] + d[i + 2]) / 3;
      s += g;
      s2 += g * g;
    }
    return s2 / n - (s / n) ** 2;
  });

// The demo page in a real browser: it acquires the adapter, draws a density
// that is not blank, and reports bad settings next to nothing else breaking.
import { mkdirSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

describe('demo page', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('febmBrowser') });
    page = await browser.newPage();
    page.on('pageerror', (e) => console.log('[page error]', e));
    await page.goto(`${inject('febmOrigin')}/demo/`);
  });
  afterAll(async () => {
    await page?.close();
    await browser?.disconnect();
  });

  const pixelVariance = () =>
    page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('#density')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let s = 0;
      let s2 = 0;
      const n = d.length / 4;
      for (let i = 0; i < d.length; i += 4) {
        s += d[i];
        s2 += d[i] * d[i];
      }
      return s2 / n - (s / n) ** 2;
    });

  it('draws a density that is not blank and names the adapter', async () => {
    await page.waitForFunction(() => document.querySelector('#status')!.textContent!.includes('adapter:'), { timeout: 120_000 });
    expect(await pixelVariance()).toBeGreaterThan(10);
    mkdirSync('out', { recursive: true });
    await page.screenshot({ path: 'out/demo.png' });
  });

  it('refuses a bad seed with the field name and keeps the page working', async () => {
    await page.$eval('#seed', (el) => ((el as HTMLInputElement).value = '-3'));
    await page.click('#draw');
    await page.waitForFunction(() => document.querySelector('#status')!.textContent!.includes('seed:'));
    expect(await page.$eval('#status', (el) => el.className)).toBe('error');
    await page.$eval('#seed', (el) => ((el as HTMLInputElement).value = '7'));
    await page.click('#draw');
    await page.waitForFunction(() => document.querySelector('#status')!.textContent!.includes('adapter:'), { timeout: 120_000 });
  });
});

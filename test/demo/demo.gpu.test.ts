// The demo page (demo/) in a real browser, as a person would use it: it
// finds the adapter, trains with one click while the metrics move and the
// heatmaps fill, refuses a bad setting next to its field and keeps training,
// switches divergence and data set, saves a checkpoint and loads it back into
// the same picture, writes a screenshot (the README's picture, see SCREENSHOT), refuses a
// malformed data file with its line, keeps the last good model when the
// device is lost, and explains what to do on a page without WebGPU.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoState, openDemoPage, pixelVariance, untilState, type DemoPage, type DemoState } from './page';

// The screenshot goes to out/ (not tracked), so that a test run leaves the
// working tree clean; FEBM_SCREENSHOT=docs/demo.png updates the README's picture.
const SCREENSHOT = process.env.FEBM_SCREENSHOT ?? 'out/demo.png';

/** Iterations trained before the checkpoint is saved (and the screenshot taken): the ring shows by then. */
const TRAIN_TO = 150;
/** The page reads metrics every this many iterations (demo/settings.ts METRICS_EVERY). */
const METRICS_EVERY = 10;

describe('demo page', () => {
  let demo: DemoPage;
  let context: BrowserContext;
  let page: Page;
  const downloads = mkdtempSync(join(tmpdir(), 'febm-demo-'));
  const t0 = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);

  beforeAll(async () => {
    demo = await openDemoPage(downloads);
    ({ page, context } = demo);
    await page.goto(`${inject('febmOrigin')}/demo/`);
  });
  afterAll(async () => {
    await demo?.close();
    rmSync(downloads, { recursive: true, force: true });
  });

  const state = () => demoState(page);
  const until = (fn: (s: DemoState) => boolean, what: string, timeout = 120_000) => untilState(page, fn, what, timeout);
  const variance = (selector: string) => pixelVariance(page, selector);

  const setField = async (id: string, value: string) => {
    await page.$eval(`#${id}`, (el, v) => {
      (el as HTMLInputElement).value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  };

  const downloaded = async (suffix: string, timeout = 30_000): Promise<string> => {
    const end = Date.now() + timeout;
    while (Date.now() < end) {
      const f = readdirSync(downloads).find((n) => n.endsWith(suffix));
      if (f) return join(downloads, f);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no ${suffix} file was downloaded to ${downloads}`);
  };

  let savedIteration = 0;
  let checkpoint = '';

  it('names the adapter, trains with one click, the metrics move and the heatmaps are not blank', async () => {
    await page.click('#start');
    await until((s) => s.phase === 'running' || s.phase === 'error', 'training to start');
    expect(await page.$eval('#gpu-status', (e) => e.textContent)).toContain('adapter:');
    await until((s) => s.iterations[0] > 0 || s.error !== '', 'the first iterations');
    log('kernels compiled, training');
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
    await until((s) => s.iterations[0] >= TRAIN_TO || s.error !== '', `${TRAIN_TO} iterations`);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    log(`main-thread tasks over 50 ms while training: ${longTasks.length ? longTasks.join(', ') + ' ms' : 'none'}`);
    // No freeze: every frame's host work (submits, one readback, drawing) is short.
    expect(Math.max(0, ...longTasks)).toBeLessThan(500);
    const s = await state();
    expect(s.error).toBe('');
    log(`iteration ${s.iterations[0]}: ${await page.$eval('.model .stats', (e) => e.textContent)}`);
    // Metrics only at metrics points: the frames do not wait for the GPU in between.
    expect(s.metricsIterations[0].length).toBeGreaterThanOrEqual(TRAIN_TO / METRICS_EVERY - 1);
    for (const it of s.metricsIterations[0]) expect(it % METRICS_EVERY).toBe(0);
    const m = s.metrics[0];
    expect(m.at(-1)!.eObjective).not.toBe(m[0].eObjective);
    // It learned something: lower energy on the data than on the samples.
    expect(m.at(-1)!.meanEData).toBeLessThan(m.at(-1)!.meanESamples);
    expect(s.lastGood[0]).toBeGreaterThan(0);
    expect(await variance('.model .density')).toBeGreaterThan(50);
    expect(await variance('.model .ratio')).toBeGreaterThan(20);
    expect(await variance('.model .samples')).toBeGreaterThan(20);
  });

  it('saves a checkpoint and writes the screenshot of the README', async () => {
    await page.click('#pause');
    await until((s) => !s.running, 'pause');
    // Let the frame in flight finish, then keep the picture to compare after loading.
    await new Promise((r) => setTimeout(r, 500));
    savedIteration = (await state()).iterations[0];
    await page.$eval('.model .density', (c) => {
      const cv = c as HTMLCanvasElement;
      (window as unknown as { savedPixels: number[] }).savedPixels = Array.from(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data);
    });
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.click('#save');
    checkpoint = await downloaded('.febm');
    const bytes = readFileSync(checkpoint);
    log(`saved ${checkpoint} (${bytes.length} bytes) at iteration ${savedIteration}`);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('FEBMCKPT');
    expect(checkpoint).toContain(`it${savedIteration}`);
  });

  it('refuses a bad setting next to its field and keeps training', async () => {
    await page.click('#start');
    await setField('lrE', 'fast');
    await page.waitForFunction(() => document.querySelector('.field-error[data-for="lrE"]')!.textContent !== '');
    expect(await page.$eval('.field-error[data-for="lrE"]', (e) => e.textContent)).toContain('optimizerE.lr');
    const before = (await state()).iterations[0];
    await until((s) => s.iterations[0] >= before + 2, 'training to go on after the refused setting');
    await setField('lrE', '0.01');
    await setField('alpha', '1');
    await setField('divergence', 'alpha');
    await page.waitForFunction(() => document.querySelector('.field-error[data-for="alpha"]')!.textContent !== '');
    expect(await page.$eval('.field-error[data-for="alpha"]', (e) => e.textContent)).toContain('other than 0 and 1');
    const s = await state();
    expect(s.titles[0]).toContain('Jensen-Shannon');
    // Restoring the learning rate named the running model again: it was not rebuilt.
    expect(s.iterations[0]).toBeGreaterThanOrEqual(before + 2);
  });

  it('switches the divergence, then the data set', async () => {
    await setField('alpha', '-0.5');
    await until((s) => s.titles[0].startsWith('alpha = -0.5') && s.iterations[0] >= 4, 'the alpha = -0.5 model to train');
    expect(await page.$eval('.field-error[data-for="alpha"]', (e) => e.textContent)).toBe('');
    expect(await variance('.model .density')).toBeGreaterThan(10);
    await page.select('#dataset', 'two_moons');
    await until((s) => s.titles[0].includes('half circles') && s.iterations[0] >= 4, 'the two-moons model to train');
    expect(await variance('.model .density')).toBeGreaterThan(10);
    log(`two moons: ${await page.$eval('.model .stats', (e) => e.textContent)}`);
  });

  it('stops at a non-finite value with the last good parameters and says what to change', async () => {
    await setField('lrE', '1e30');
    await until((s) => !s.running, 'training to stop on a non-finite value', 60_000);
    expect(await page.$eval('.model .model-message', (e) => e.textContent)).toMatch(/training diverged: non-finite .* at iteration \d+.*Lower the learning rates/);
    expect((await state()).error).toContain('infinite or NaN');
    await setField('lrE', '0.01');
    await page.click('#start');
  });

  it('loads the checkpoint back: same settings, iteration and picture', async () => {
    await page.click('#pause');
    await until((s) => !s.running, 'pause');
    await page.select('#dataset', '8gaussians');
    await until((s) => s.titles[0].includes('8 Gaussians') && s.iterations[0] === 0, 'a fresh 8-Gaussian model');
    const input = await page.$('#load-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(checkpoint);
    await page.waitForFunction(() => document.querySelector('#message')!.textContent!.startsWith('loaded'), { timeout: 60_000 });
    const s = await state();
    expect(s.iterations[0]).toBe(savedIteration);
    expect(s.titles[0]).toContain('Jensen-Shannon');
    expect(await page.$eval('#divergence', (e) => (e as HTMLSelectElement).value)).toBe('jensen_shannon');
    const diff = await page.$eval('.model .density', (c) => {
      const cv = c as HTMLCanvasElement;
      const now = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      const saved = (window as unknown as { savedPixels: number[] }).savedPixels;
      let max = 0;
      for (let i = 0; i < now.length; i++) max = Math.max(max, Math.abs(now[i] - saved[i]));
      return max;
    });
    expect(diff).toBeLessThanOrEqual(1);
  });

  it('refuses a malformed data file with its line, and exports a PNG', async () => {
    const bad = join(downloads, 'ragged.csv');
    writeFileSync(bad, 'x,y\n1,2\n3\n');
    const input = await page.$('#data-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(bad);
    await page.waitForFunction(() => document.querySelector('#data-error')!.textContent !== '');
    expect(await page.$eval('#data-error', (e) => e.textContent)).toMatch(/ragged\.csv: .*line 3/);
    await page.click('#export');
    const png = readFileSync(await downloaded('.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  });

  it('keeps the pictures and the last good parameters when the device is lost', async () => {
    await page.click('#start');
    const at = (await state()).iterations[0];
    await until((s) => s.iterations[0] >= at + 2, 'training before the loss');
    await page.evaluate(() => window.febmDemo.loseDevice());
    await until((s) => s.lost, 'the page to notice the loss', 30_000);
    const s = await state();
    expect(s.running).toBe(false);
    expect(s.lastGood[0]).toBeGreaterThanOrEqual(savedIteration);
    expect(await page.$eval('#message', (e) => e.textContent)).toContain('lost');
    expect(await page.$('#message-action')).not.toBeNull();
    expect(await page.$eval('#start', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    expect(await variance('.model .density')).toBeGreaterThan(50);
  });

  it('says what is missing and what to do without WebGPU (a non-secure page)', async () => {
    const insecure = await context.newPage();
    try {
      await insecure.goto(`${inject('febmInsecureOrigin')}/demo/`);
      await insecure.waitForFunction(() => document.body.dataset.phase === 'no-gpu', { timeout: 60_000 });
      const text = await insecure.$eval('#gpu-status', (e) => e.textContent!);
      expect(text).toContain('secure context');
      expect(text).toContain('What to do: Open the page from http://127.0.0.1');
      expect(await insecure.$eval('#start', (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    } finally {
      await insecure.close();
    }
  });

  afterAll(() => {
    if (!existsSync(SCREENSHOT)) console.log(`${SCREENSHOT} was not written`);
  });
});

// The demo page's image mode in a real browser: the built-in MNIST digits
// (bundled, nothing fetched from elsewhere), training with one click while
// the metrics and the score move and the page stays responsive, the grid of
// the chains' samples (not blank), another method, a class-conditional model
// shown for one label, two methods side by side, a checkpoint saved and
// loaded back into the same picture; then images from files (an .npy of
// 12 x 20 images in [-1, 1], Debian's Fashion-MNIST IDX; not the digits: no
// score) and a file that is neither points nor images, refused.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodeNpy } from '../../src/data/npy';
import { demoState, openDemoPage, pixelVariance, untilState, type DemoPage, type DemoState } from './page';

// A screenshot of the page in image mode goes to out/ (not tracked); FEBM_DIGITS_SCREENSHOT names another file.
const SCREENSHOT = process.env.FEBM_DIGITS_SCREENSHOT ?? 'out/demo-digits.png';

/**
 * Iterations before the first checks: past the second score point (demo/score.ts
 * SCORE_EVERY = 50); FEBM_DIGITS_ITERATIONS trains longer (for a picture).
 */
const TRAIN_TO = Number(process.env.FEBM_DIGITS_ITERATIONS ?? 60);

describe('demo page: digits', () => {
  let demo: DemoPage;
  let page: Page;
  const downloads = mkdtempSync(join(tmpdir(), 'febm-digits-'));
  const t0 = Date.now();
  const log = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${line}`);
  const requests: string[] = [];

  beforeAll(async () => {
    demo = await openDemoPage(downloads);
    ({ page } = demo);
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${inject('febmOrigin')}/demo/`);
    await page.waitForFunction(() => window.febmDemo?.state().ready, { timeout: 300_000 });
  });
  afterAll(async () => {
    await demo?.close();
    rmSync(downloads, { recursive: true, force: true });
  });

  const state = () => demoState(page);
  const until = (fn: (s: DemoState) => boolean, what: string, timeout = 180_000) => untilState(page, fn, what, timeout);
  const variance = (selector: string) => pixelVariance(page, selector);
  const pixels = (selector: string) =>
    page.$eval(selector, (c) => {
      const cv = c as HTMLCanvasElement;
      return Array.from(cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data);
    });
  const setField = async (id: string, value: string | boolean) => {
    await page.$eval(`#${id}`, (el, v) => {
      if (typeof v === 'boolean') (el as HTMLInputElement).checked = v;
      else (el as HTMLInputElement).value = v;
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
  const stats = (i = 0) => page.$$eval('.model .stats', (e, k) => e[k as number].textContent, i);

  it('trains on the built-in digits: the metrics and the score move, the grid is not blank, the page stays responsive', async () => {
    await setField('dataset', 'mnist');
    await until((s) => s.titles[0]?.includes('MNIST') && s.ready, 'the digits model', 300_000);
    log('digits model built');
    // The digits' own settings (the preset's sampler, small networks).
    expect(await page.$eval('#sampler', (e) => (e as HTMLSelectElement).value)).toBe('du-mordatch');
    expect(await page.$eval('.model .density', (e) => e.closest('figure')!.hidden)).toBe(true);
    await page.click('#start');
    await until((s) => s.iterations[0] > 0 || s.error !== '', 'the first iterations');
    await page.evaluate(() => ((window as unknown as { longTasks: number[] }).longTasks = []));
    const t = Date.now();
    const s = await until(
      (x) => (x.iterations[0] >= TRAIN_TO && x.scores[0].length >= 2 && x.scores[0].at(-1)!.iteration >= TRAIN_TO - 10) || x.error !== '',
      `${TRAIN_TO} iterations and their score`,
      Math.max(180_000, TRAIN_TO * 1000),
    );
    log(`${s.iterations[0]} iterations in ${((Date.now() - t) / 1000).toFixed(1)} s: ${await stats()}`);
    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    log(`main-thread tasks over 50 ms while training: ${longTasks.length ? longTasks.join(', ') + ' ms' : 'none'}`);
    expect(Math.max(0, ...longTasks)).toBeLessThan(500);
    expect(s.error).toBe('');
    const m = s.metrics[0];
    expect(m.at(-1)!.eObjective).not.toBe(m[0].eObjective);
    const [first, second] = s.scores[0];
    log(`scores: ${s.scores[0].map((x) => `${x.iteration}: ${x.frechet.toFixed(1)} (n ${x.n}, ${(100 * x.confident).toFixed(0)}%)`).join(', ')}`);
    expect(first.iteration).toBe(0);
    expect(second.iteration).toBeGreaterThanOrEqual(50);
    for (const x of s.scores[0]) expect(Number.isFinite(x.frechet)).toBe(true);
    // The chains leave the uniform noise they start from.
    expect(second.frechet).toBeLessThan(first.frechet);
    expect(await variance('.model .digits')).toBeGreaterThan(100);
    expect(await variance('.model .score')).toBeGreaterThan(20);
    // Nothing came from outside the page's own server.
    const origin = inject('febmOrigin');
    expect(requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:'))).toEqual([]);
  }, Math.max(180_000, TRAIN_TO * 1500));

  let checkpoint = '';
  let savedIteration = 0;
  let savedPixels: number[] = [];

  it('saves a checkpoint of the digits model', async () => {
    await page.click('#pause');
    await until((s) => !s.running, 'pause');
    await new Promise((r) => setTimeout(r, 500));
    savedIteration = (await state()).iterations[0];
    savedPixels = await pixels('.model .digits');
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await page.click('#save');
    checkpoint = await downloaded('.febm');
    expect(readFileSync(checkpoint).subarray(0, 8).toString('latin1')).toBe('FEBMCKPT');
    log(`saved at iteration ${savedIteration}`);
  });

  it('switches the method to contrastive divergence', async () => {
    await setField('mode', 'cd');
    await page.click('#start');
    await until((s) => s.titles[0].startsWith('contrastive divergence') && s.iterations[0] >= 5, 'the CD model to train');
    expect(await variance('.model .digits')).toBeGreaterThan(100);
    log(`CD: ${await stats()}`);
  });

  it('trains a class-conditional model and shows the samples of the chosen label', async () => {
    await setField('label', '3');
    const c = await until((s) => s.classes[0] === 10 && s.iterations[0] >= 5 && s.scores[0].length > 0, 'the conditional model to train and be scored');
    // A conditional model's score has the share of samples classified as their label.
    expect(c.scores[0][0].agreement).not.toBeNull();
    expect(c.scores[0][0].agreement).toBeGreaterThanOrEqual(0);
    await page.waitForFunction(() => document.querySelector('.model figure:not([hidden]) figcaption')!.textContent!.includes('label 3'));
    expect(await variance('.model .digits')).toBeGreaterThan(100);
    // Another label shows other chains without a rebuild.
    const at = (await state()).iterations[0];
    await setField('label', '7');
    await page.waitForFunction(() => document.querySelector('.model figure:not([hidden]) figcaption')!.textContent!.includes('label 7'));
    expect((await state()).iterations[0]).toBeGreaterThanOrEqual(at);
    log(`conditional: ${await stats()}`);
  });

  it('compares two methods side by side on the digits', async () => {
    await setField('label', 'none');
    await setField('mode', 'fdiv');
    await setField('modeB', 'cd');
    await setField('compare', true);
    await until((s) => s.titles.length === 2 && s.iterations.every((i) => i >= 5), 'both models to train');
    const s = await state();
    expect(s.titles[0]).toContain('Jensen-Shannon');
    expect(s.titles[1]).toContain('contrastive divergence');
    expect(await variance('.model[data-model="B"] .digits')).toBeGreaterThan(100);
    log(`compare: A ${await stats(0)} | B ${await stats(1)}`);
  });

  it('loads the checkpoint back: the same iteration and grid', async () => {
    await page.click('#pause');
    await until((s) => !s.running, 'pause');
    const input = await page.$('#load-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(checkpoint);
    await page.waitForFunction(() => document.querySelector('#message')!.textContent!.startsWith('loaded'), { timeout: 120_000 });
    const s = await state();
    expect(s.iterations).toEqual([savedIteration]);
    expect(s.titles[0]).toContain('Jensen-Shannon');
    expect(s.titles[0]).toContain('MNIST');
    const now = await pixels('.model .digits');
    expect(now.length).toBe(savedPixels.length);
    let max = 0;
    for (let i = 0; i < now.length; i++) max = Math.max(max, Math.abs(now[i] - savedPixels[i]));
    expect(max).toBeLessThanOrEqual(1);
  });

  it('trains on images from a file: an .npy of 12 x 20 images in [-1, 1], shown as a grid without a score', async () => {
    await page.click('#pause');
    await until((s) => !s.running, 'pause');
    await setField('compare', false);
    // 240 images of 12 x 20 pixels: bars at a random row, values in [-1, 1] (not the digits' [0, 1]).
    const [rows, h, w] = [240, 12, 20];
    const values = new Float32Array(rows * h * w).fill(-1);
    for (let i = 0; i < rows; i++) for (let x = 0; x < w; x++) values[i * h * w + ((i * 7) % h) * w + x] = 1;
    const file = join(downloads, 'bars.npy');
    writeFileSync(file, encodeNpy(values, [rows, h, w]));
    const input = await page.$('#data-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    const built = await until((s) => s.titles[0]?.includes('bars.npy') && s.ready, 'the model of the file', 300_000);
    expect(built.titles[0]).toContain('bars.npy (240 images of 12 x 20)');
    expect(built.inputDims).toEqual([h * w]);
    expect(built.boxes).toEqual([[-1, 1]]);
    expect(built.classes).toEqual([0]);
    expect(await page.$eval('.model .digits', (e) => e.closest('figure')!.hidden)).toBe(false);
    expect(await page.$eval('.model .score', (e) => e.closest('figure')!.hidden)).toBe(true);
    expect(await page.$eval('.model .density', (e) => e.closest('figure')!.hidden)).toBe(true);
    await page.click('#start');
    const s = await until((x) => x.iterations[0] >= 10 || x.error !== '', '10 iterations on the file');
    expect(s.error).toBe('');
    expect(s.scores[0]).toEqual([]);
    expect(await variance('.model .digits')).toBeGreaterThan(100);
    log(`file images: ${await stats()}`);
    await page.click('#pause');
    await until((x) => !x.running, 'pause');
  });

  it("trains on Debian's Fashion-MNIST IDX file (gzipped, 10,000 images of 28 x 28 in [0, 1])", async () => {
    const file = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
    if (!existsSync(file)) throw new Error(`needs ${file}: apt-get install dataset-fashion-mnist (.ci/run installs it)`);
    const input = await page.$('#data-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    const built = await until((s) => s.titles[0]?.includes('t10k-images') && s.ready, 'the model of the IDX file', 300_000);
    expect(built.titles[0]).toContain('t10k-images-idx3-ubyte.gz (10000 images of 28 x 28)');
    expect(built.inputDims).toEqual([784]);
    expect(built.boxes).toEqual([[0, 1]]);
    await page.click('#start');
    const s = await until((x) => x.iterations[0] >= 5 || x.error !== '', '5 iterations on Fashion-MNIST');
    expect(s.error).toBe('');
    expect(await variance('.model .digits')).toBeGreaterThan(100);
    log(`Fashion-MNIST: ${await stats()}`);
    await page.click('#pause');
    await until((x) => !x.running, 'pause');
  }, 300_000);

  it('refuses a file whose rows are neither 2-D points nor images, saying what it can train on', async () => {
    const file = join(downloads, 'five.csv');
    writeFileSync(file, Array.from({ length: 20 }, (_, i) => [i, 1, 2, 3, 4].join(',')).join('\n'));
    const input = await page.$('#data-file');
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(file);
    await page.waitForFunction(() => document.querySelector('#data-error')!.textContent!.includes('five.csv'));
    const message = await page.$eval('#data-error', (e) => e.textContent);
    expect(message).toMatch(/five\.csv: the page trains on 2-D points or on grey-scale images .* but the rows have 5 values \(5\); train on them from the command line/);
    // The model of the last good data goes on.
    expect((await state()).titles[0]).toContain('t10k-images');
  });
});

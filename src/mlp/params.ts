// Parameter packing: every weight and bias of one MLP lives in one flat f32
// buffer. The same layout serves gradients and optimiser state, so a kernel
// needs one binding per role, whatever the depth.
//
// Layer l (l = 0..L, L = number of hidden layers) maps sizes[l] -> sizes[l+1]
// with sizes = [inputDim, ...hidden, 1]. Its weight matrix is stored row-major,
// one row per output unit, with rows and columns padded to a multiple of 4 so
// kernels can load 4x4 blocks as vec4s; the bias follows, padded to 4 too.
// Padding holds zeros: padded units have zero weights and bias, every
// activation maps 0 to 0, so padding never changes a result.

import { packedLayers, roundUp4, type LayerLayout } from './layout';
import { ConfigError } from '../errors';
import { seededUniform } from '../rng/random';
import { shaderCodes } from '../device/constants';
import { integer, oneOf } from '../validate';

export type Activation = 'silu' | 'tanh' | 'relu' | 'leaky_relu';
export const ACTIVATIONS: readonly Activation[] = ['silu', 'tanh', 'relu', 'leaky_relu'];
/** The WGSL activation code for each activation (shaders/activations.wgsl ACT_*). */
export const ACTIVATION_CODE: Record<Activation, number> = shaderCodes('activations.wgsl', 'ACT_', ACTIVATIONS);

/** Hidden layers, widths and input features the MLP kernels take (every pass, every kernel variant). */
export const MAX_DEPTH = 4;
export const MAX_WIDTH = 1024;
export const MAX_INPUT_DIM = 4096;

/** An MLP with scalar linear output: inputDim -> hidden[0] -> ... -> hidden[L-1] -> 1. */
export interface MlpSpec {
  inputDim: number;
  hidden: number[];
  activation: Activation;
}

export type { LayerLayout };

export interface ParamLayout {
  spec: MlpSpec;
  layers: LayerLayout[];
  /** Total f32 elements, padding included. */
  size: number;
  /** Number of real (unpadded) parameters. */
  count: number;
  /** The widest layer input or output, padded to 4. */
  maxPadded: number;
}

export { roundUp4 };

/**
 * Validates a spec: inputDim 1 to MAX_INPUT_DIM, 1 to MAX_DEPTH hidden layers
 * of 1 to MAX_WIDTH units. Sizes that fit these may still exceed a device's
 * buffer limits at a given batch: MlpProgram.create checks those.
 */
export function validateMlpSpec(spec: MlpSpec, field = 'mlp'): MlpSpec {
  if (spec === null || typeof spec !== 'object') throw new ConfigError(field, 'must be an object');
  integer(`${field}.inputDim`, spec.inputDim, 1, MAX_INPUT_DIM);
  if (!Array.isArray(spec.hidden) || spec.hidden.length < 1 || spec.hidden.length > MAX_DEPTH) {
    throw new ConfigError(`${field}.hidden`, `must list 1 to ${MAX_DEPTH} hidden widths, got ${JSON.stringify(spec.hidden)}`);
  }
  // A plain loop, not forEach: holes in a sparse array must be reported too.
  for (let i = 0; i < spec.hidden.length; i++) integer(`${field}.hidden[${i}]`, spec.hidden[i], 1, MAX_WIDTH);
  oneOf(`${field}.activation`, spec.activation, ACTIVATIONS);
  return spec;
}

export function paramLayout(input: MlpSpec): ParamLayout {
  validateMlpSpec(input);
  // A copy: later changes to the caller's object must not change the layout.
  const spec: MlpSpec = { inputDim: input.inputDim, hidden: [...input.hidden], activation: input.activation };
  return { spec, ...packedLayers([spec.inputDim, ...spec.hidden, 1]) };
}

/** Dense per-layer weights: W[j][k] (fanOut rows of fanIn) and b[j]. */
export interface DenseLayer {
  W: number[][];
  b: number[];
}

export function packParams(layout: ParamLayout, dense: DenseLayer[]): Float32Array {
  if (dense.length !== layout.layers.length) {
    throw new ConfigError('layers', `expected ${layout.layers.length} layers, got ${dense.length}`);
  }
  const out = new Float32Array(layout.size);
  layout.layers.forEach((L, l) => {
    const { W, b } = dense[l];
    if (W.length !== L.fanOut || b.length !== L.fanOut || W.some((row) => row.length !== L.fanIn)) {
      throw new ConfigError(`layers[${l}]`, `must be ${L.fanOut}x${L.fanIn} weights and ${L.fanOut} biases`);
    }
    for (let j = 0; j < L.fanOut; j++) {
      for (let k = 0; k < L.fanIn; k++) out[L.weightOffset + j * L.inStride + k] = W[j][k];
      out[L.biasOffset + j] = b[j];
    }
  });
  return out;
}

export function unpackParams(layout: ParamLayout, flat: ArrayLike<number>): DenseLayer[] {
  if (flat.length !== layout.size) {
    throw new ConfigError('params', `expected ${layout.size} packed values, got ${flat.length}`);
  }
  return layout.layers.map((L) => ({
    W: Array.from({ length: L.fanOut }, (_, j) =>
      Array.from({ length: L.fanIn }, (_, k) => flat[L.weightOffset + j * L.inStride + k]),
    ),
    b: Array.from({ length: L.fanOut }, (_, j) => flat[L.biasOffset + j]),
  }));
}

/**
 * PyTorch's default nn.Linear initialisation: W and b uniform in
 * [-1/sqrt(fanIn), 1/sqrt(fanIn)], from a seed. Padding stays zero.
 */
export function initParams(layout: ParamLayout, seed: number): Float32Array {
  const u = seededUniform(seed);
  const out = new Float32Array(layout.size);
  for (const L of layout.layers) {
    const bound = 1 / Math.sqrt(L.fanIn);
    for (let j = 0; j < L.fanOut; j++) {
      for (let k = 0; k < L.fanIn; k++) out[L.weightOffset + j * L.inStride + k] = (2 * u() - 1) * bound;
    }
    for (let j = 0; j < L.fanOut; j++) out[L.biasOffset + j] = (2 * u() - 1) * bound;
  }
  return out;
}

/** FLOPs per sample: forward, and each backward product (to inputs, to parameters), 2ab per layer. */
export function mlpFlopsPerSample(spec: MlpSpec): number {
  const sizes = [spec.inputDim, ...spec.hidden, 1];
  let f = 0;
  for (let l = 0; l + 1 < sizes.length; l++) f += 2 * sizes[l] * sizes[l + 1];
  return f;
}

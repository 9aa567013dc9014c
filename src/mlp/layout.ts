// The MLP kernels' layout formulas (shaders/mlp*.wgsl and the Langevin
// sampler on an MLP energy), in one small module without imports: where each
// layer's weights and biases sit in the packed parameter buffer, where each
// layer's activations sit in the scratch buffer, and the values of the
// MlpLayout uniform. The library computes its layouts with these functions
// (src/mlp/params.ts, src/mlp/program.ts); the build ships this module alone
// beside the standalone kernels (dist/wgsl/mlp-layout.js), for projects that
// lift the kernels without the library. The constants the formulas need are
// the WGSL's (MLP_CHAINS, MLP_TILE_J4, MLP_TILE_K4; MLP_TILED_S for the tiled
// variant, shaders/mlp_tiled.wgsl): the library reads them from the shaders, a
// lifted kernel's JSON interface lists them ("constants").

/** One linear layer in the packed parameter buffer. */
export interface LayerLayout {
  fanIn: number;
  fanOut: number;
  /** fanIn rounded up to a multiple of 4: the stride between rows of W. */
  inStride: number;
  /** fanOut rounded up to a multiple of 4: rows stored (and bias entries). */
  outPadded: number;
  /** Offset (in f32 elements) of W[0][0]; W[j][k] is at weightOffset + j * inStride + k. */
  weightOffset: number;
  /** Offset of b[0]; b[j] is at biasOffset + j. */
  biasOffset: number;
}

/** The packed parameters of a network with layer sizes [inputDim, ...hidden, 1]. */
export interface PackedLayers {
  layers: LayerLayout[];
  /** Total f32 elements, padding included (the buffer holds size * 4 bytes, zeros in the padding). */
  size: number;
  /** Number of real (unpadded) parameters. */
  count: number;
  /** The widest layer input or output, padded to 4. */
  maxPadded: number;
}

/** The WGSL constants the scratch formulas use (their values: the kernel's "constants"). */
export interface MlpLayoutConstants {
  /** Samples per invocation (mlp.wgsl). */
  MLP_CHAINS: number;
  /**
   * Rows and columns (in blocks of 4) of one tile of the parameter-gradient
   * reduce (mlp_param_grad.wgsl). Only that kernel reads the tiles: without
   * them blockCount and every blockBase are 0.
   */
  MLP_TILE_J4?: number;
  MLP_TILE_K4?: number;
  /**
   * Samples per workgroup tile of the tiled variant (mlp_tiled.wgsl). Given:
   * the tiled variant's scratch, which pads the batch to whole tiles and keeps
   * no copy of the input (its layer 0 reads x), and has no reduce tiles.
   */
  MLP_TILED_S?: number;
}

export interface ScratchLayout {
  /** Which variant of the kernels the layout is for: 'lanes' (mlp.wgsl) or 'tiled' (mlp_tiled.wgsl). */
  variant: 'lanes' | 'tiled';
  /** Invocations per workgroup (the MLP_GROUP override) the layout was made for (lanes). */
  group: number;
  /** The batch rounded up to whole workgroups of MLP_CHAINS * group samples (lanes) or whole MLP_TILED_S tiles (tiled). */
  batchPadded: number;
  /** Per linear layer, vec4 indices of its h, g (act'(z)) and d regions and its first gradient tile. */
  layers: { hBase: number; gBase: number; dBase: number; blockBase: number }[];
  /** Scratch size in vec4s (the buffer holds vec4s * 16 bytes). */
  vec4s: number;
  /** Tiles of the parameter-gradient reduce (its dispatch: blockCount invocations). */
  blockCount: number;
}

/** The uniform structs the functions of this module fill, by WGSL struct name. */
export const FILLED_STRUCTS = { MlpLayout: 'mlpLayoutValues' } as const;

export const roundUp4 = (n: number): number => Math.ceil(n / 4) * 4;

function positiveInteger(name: string, v: number, hi = 2 ** 31): void {
  if (!Number.isInteger(v) || v < 1 || v > hi) throw new RangeError(`${name} must be an integer in [1, ${hi}], got ${v}`);
}

/**
 * Packed parameters: layer l maps sizes[l] -> sizes[l + 1]; its weight matrix
 * is stored row-major, one row per output unit, rows and columns padded to a
 * multiple of 4 (so kernels load 4x4 blocks as vec4s), then its bias, padded
 * to 4. Padding holds zeros.
 */
export function packedLayers(sizes: readonly number[]): PackedLayers {
  if (sizes.length < 2) throw new RangeError(`sizes must list at least an input and an output size, got [${sizes.join(', ')}]`);
  sizes.forEach((n, i) => positiveInteger(`sizes[${i}]`, n));
  const layers: LayerLayout[] = [];
  let offset = 0;
  let count = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const inStride = roundUp4(fanIn);
    const outPadded = roundUp4(fanOut);
    const weightOffset = offset;
    const biasOffset = weightOffset + outPadded * inStride;
    offset = biasOffset + outPadded;
    count += fanIn * fanOut + fanOut;
    layers.push({ fanIn, fanOut, inStride, outPadded, weightOffset, biasOffset });
  }
  return { layers, size: offset, count, maxPadded: Math.max(...sizes.map(roundUp4)) };
}

/**
 * The scratch buffer for `batch` samples in workgroups of `group` invocations:
 * per layer three regions of [units4][batchPadded] vec4s (h: the layer's
 * input, g: act'(z) of hidden layers, d: the backward deltas), one after the
 * other, and the first tile of each layer's parameter-gradient reduce. With
 * k.MLP_TILED_S (the tiled variant): the batch padded to whole tiles, no h
 * region for layer 0 and no reduce tiles.
 */
export function scratchRegions(layers: readonly LayerLayout[], batch: number, group: number, k: MlpLayoutConstants): ScratchLayout {
  positiveInteger('batch', batch);
  positiveInteger('group', group, 256);
  const tiled = k.MLP_TILED_S !== undefined;
  const perGroup = tiled ? k.MLP_TILED_S! : k.MLP_CHAINS * group;
  const batchPadded = Math.ceil(batch / perGroup) * perGroup;
  let next = 0;
  let blocks = 0;
  const region = (units4: number) => {
    const base = next;
    next += units4 * batchPadded;
    return base;
  };
  const regions = layers.map((L, l) => {
    const hidden = l + 1 < layers.length;
    const r = {
      hBase: tiled && l === 0 ? 0 : region(L.inStride / 4),
      gBase: hidden ? region(L.outPadded / 4) : 0,
      dBase: region(L.outPadded / 4),
      blockBase: blocks,
    };
    // Reduce tiles: MLP_TILE_J4 x MLP_TILE_K4 blocks of 4x4 weights, plus a bias tile per row tile.
    if (!tiled && k.MLP_TILE_J4 !== undefined && k.MLP_TILE_K4 !== undefined) {
      blocks += Math.ceil(L.outPadded / 4 / k.MLP_TILE_J4) * (Math.ceil(L.inStride / 4 / k.MLP_TILE_K4) + 1);
    }
    return r;
  });
  return { variant: tiled ? 'tiled' : 'lanes', group, batchPadded, layers: regions, vec4s: next, blockCount: blocks };
}

/**
 * The members of the MlpLayout uniform (mlp.wgsl), by member path
 * ("layers.2.h_base"), for a network of `layers` over `batch` samples of
 * `inputDim` features: write each at the offset the kernel's JSON interface
 * gives (structs.MlpLayout), as u32. Offsets in the uniform are in vec4 units.
 */
export function mlpLayoutValues(layers: readonly LayerLayout[], scratch: ScratchLayout, inputDim: number, batch: number): Record<string, number> {
  const values: Record<string, number> = {
    batch,
    batch_padded: scratch.batchPadded,
    input_dim: inputDim,
    layer_count: layers.length,
    block_count: scratch.blockCount,
  };
  layers.forEach((L, l) => {
    const s = scratch.layers[l];
    values[`layers.${l}.w_offset`] = L.weightOffset / 4;
    values[`layers.${l}.b_offset`] = L.biasOffset / 4;
    values[`layers.${l}.in4`] = L.inStride / 4;
    values[`layers.${l}.out4`] = L.outPadded / 4;
    values[`layers.${l}.h_base`] = s.hBase;
    values[`layers.${l}.g_base`] = s.gBase;
    values[`layers.${l}.d_base`] = s.dBase;
    values[`layers.${l}.block_base`] = s.blockBase;
  });
  return values;
}

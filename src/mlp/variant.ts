// The MLP kernels' variants and how one is chosen for an adapter. Its own
// module (no imports) so that the device layer can take a variant as an
// option without importing the MLP programs.
//
//   lanes  shaders/mlp.wgsl and its kernels: few invocations, 8 samples each,
//          whole passes (and whole Langevin runs) in one dispatch. For
//          CPU-emulated adapters, where a load costs tens of FMAs (R0's load_rate) and
//          workgroup memory and subgroups are emulated.
//   tiled  shaders/mlp_tiled.wgsl: one dispatch per layer, workgroups of 64
//          cooperating on 32 x 32 output tiles staged in workgroup memory,
//          4 x 4 register tiles. For GPUs, which need thousands of
//          invocations and keep hot data on chip.

export const MLP_VARIANTS = ['lanes', 'tiled'] as const;
export type MlpVariant = (typeof MLP_VARIANTS)[number];

/** What the choice reads from an adapter (src/device/device.ts AdapterDescription). */
export interface AdapterTraits {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
}

/** Adapters that run on the CPU (fallback adapters may not say so): SwiftShader, Mesa's llvmpipe/lavapipe, Microsoft's WARP. */
const CPU_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render/i;

/**
 * The variant for an adapter: 'lanes' on a CPU implementation of WebGPU
 * (isFallbackAdapter, or a known CPU driver by name), where it is the faster
 * by far; 'tiled' on every GPU.
 */
export function chooseMlpVariant(a: AdapterTraits): MlpVariant {
  const cpu = a.isFallbackAdapter || CPU_ADAPTER.test(`${a.vendor} ${a.architecture} ${a.description}`);
  return cpu ? 'lanes' : 'tiled';
}

// mlp_weights_subgroup.wgsl: the MLP library's weight-block loads shared
// across a subgroup; same functions as mlp_weights.wgsl, which the host
// replaces with this file on a device with the `subgroups` feature and a
// subgroup size of at least 4 (src/device/device.ts).
// Library file: no bindings, no entry point; uses mlp.wgsl's mlp_theta and
// MlpBlocks4.
//
// Why: every invocation of a workgroup reads the same weights, and on a
// CPU-emulated adapter (SwiftShader, subgroups of 4) loading them in every
// invocation cost as if the addresses differed: 16 vec4 loads per four
// blocks for each invocation. Here invocation r (r = 0..3 of its subgroup,
// the others repeat r mod 4) loads column r of each block, 4 loads, and
// subgroupBroadcast hands every column to every invocation. A first version
// of this took L1 (width 128) from 4.21 s to 3.86 s per run; the bound, with
// the forward weight loads replaced by constants, was 3.71 s.
// Contract: every invocation of the subgroup reaches each call (the MLP
// kernels return only whole workgroups early, see mlp_workgroup_sample).

enable subgroups;

// This invocation's column r, from its index among the subgroup's invocations.
fn mlp_weight_share() -> u32 {
  return subgroupExclusiveAdd(1u) % 4u;
}

// Column r of every invocation's block, as the whole 4x4 block.
fn mlp_gather_columns(column: vec4<f32>) -> mat4x4<f32> {
  return mat4x4<f32>(subgroupBroadcast(column, 0u), subgroupBroadcast(column, 1u),
                     subgroupBroadcast(column, 2u), subgroupBroadcast(column, 3u));
}

// The four blocks mlp_block(base + q * step, stride), q = 0..3, whose column
// r is mlp_theta[base + q * step + r * stride].
fn mlp_blocks4(base: u32, step: u32, stride: u32, share: u32) -> MlpBlocks4 {
  let o = base + share * stride;
  return MlpBlocks4(mlp_gather_columns(mlp_theta[o]), mlp_gather_columns(mlp_theta[o + step]),
                    mlp_gather_columns(mlp_theta[o + 2u * step]), mlp_gather_columns(mlp_theta[o + 3u * step]));
}

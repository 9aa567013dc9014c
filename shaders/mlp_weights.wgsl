// mlp_weights.wgsl: how the MLP library (mlp.wgsl) loads the weight blocks of
// its register tiles. This version: every invocation loads every block it
// uses. mlp_weights_subgroup.wgsl has the same functions with the loads
// shared across a subgroup; the host composes that one instead on a device
// with the WebGPU `subgroups` feature (src/device/device.ts, Gpu.subgroups).
// Library file: no bindings, no entry point; uses mlp.wgsl's mlp_theta,
// mlp_block and MlpBlocks4.

// This invocation's part of the shared loads (none here).
fn mlp_weight_share() -> u32 {
  return 0u;
}

// The four blocks mlp_block(base + q * step, stride), q = 0..3. `share` is
// mlp_weight_share()'s value, taken once per pass.
fn mlp_blocks4(base: u32, step: u32, stride: u32, share: u32) -> MlpBlocks4 {
  return MlpBlocks4(mlp_block(base, stride), mlp_block(base + step, stride),
                    mlp_block(base + 2u * step, stride), mlp_block(base + 3u * step, stride));
}

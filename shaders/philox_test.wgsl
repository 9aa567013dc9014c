// philox_test.wgsl: test-only kernel checking shaders/philox.wgsl against
// src/philox.ts. Compose as philox.wgsl + '\n' + philox_test.wgsl (this file
// uses the library's functions and does not define them).
//
// Entry point: philox_test_main, @workgroup_size(64); one invocation per chain
// index c = global_invocation_id.x, for c < params.count (dispatch
// ceil(count / 64) workgroups along x; count <= 65535 * 64).
//
// Bindings (group 0):
//   @binding(0) var<uniform> params: PhiloxTestParams, 32 bytes:
//       offset 0 seed_lo, 4 seed_hi, 8 step, 12 stream, 16 count, 20..31 padding
//       (all u32).
//   @binding(1) var<storage, read_write> out_bits: array<vec4<u32>>, count
//       entries (16 bytes each): out_bits[c] = philox4x32_10(
//       (c, step, stream, 0), (seed_lo, seed_hi)); compare bit for bit with
//       randomBits(seed, c, step, stream).
//   @binding(2) var<storage, read_write> out_normals: array<vec4<f32>>, count
//       entries: out_normals[c] = rng_normal4(seed, c, step, stream); compare
//       with normals4(seed, c, step, stream) within NORMAL_ABS_TOLERANCE.

struct PhiloxTestParams {
  seed_lo: u32,
  seed_hi: u32,
  step: u32,
  stream: u32,
  count: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

@group(0) @binding(0) var<uniform> params: PhiloxTestParams;
@group(0) @binding(1) var<storage, read_write> out_bits: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> out_normals: array<vec4<f32>>;

@compute @workgroup_size(64)
fn philox_test_main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= params.count) {
    return;
  }
  let seed = vec2<u32>(params.seed_lo, params.seed_hi);
  out_bits[c] = rng_bits4(seed, c, params.step, params.stream);
  out_normals[c] = rng_normal4(seed, c, params.step, params.stream);
}

// philox_test.wgsl: test-only kernel checking shaders/philox.wgsl against
// src/rng/philox.ts (test/rng/philox.gpu.test.ts).
// requires: common.wgsl, philox.wgsl
//
// Entry point: philox_test_main, @workgroup_size(64). Invocation j =
// gid.x + gid.y * num_workgroups.x * 64 (a 1-D dispatch, or the same grid
// folded into 2-D: any shape with at least ceil(count / 64) workgroups works),
// handles chain index c = first_chain + j for j < count, and writes entry j of
// each output.
//
// Bindings (group 0):
//   0 uniform            philox_test_params: PhiloxTestParams (all u32):
//       seed_lo, seed_hi (the seed's 32-bit halves), step, stream, count
//       (entries to write), first_chain (chain index of entry 0), padding.
//   1 storage read_write philox_test_bits: array<vec4<u32>>, count entries:
//       entry j = philox4x32_10((c, step, stream, 0), (seed_lo, seed_hi));
//       compare bit for bit with randomBits(seed, c, step, stream).
//   2 storage read_write philox_test_normals: array<vec4<f32>>, count entries:
//       entry j = rng_normal4(seed, c, step, stream); compare with
//       normals4(seed, c, step, stream) within NORMAL_ABS_TOLERANCE.
//   3 storage read_write philox_test_uniforms: array<vec4<f32>>, count
//       entries: entry j = rng_uniform4(seed, c, step, stream); compare bit for
//       bit with uniforms4(seed, c, step, stream).

struct PhiloxTestParams {
  seed_lo: u32,
  seed_hi: u32,
  step: u32,
  stream: u32,
  count: u32,
  first_chain: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> philox_test_params: PhiloxTestParams;
@group(0) @binding(1) var<storage, read_write> philox_test_bits: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> philox_test_normals: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> philox_test_uniforms: array<vec4<f32>>;

@compute @workgroup_size(64)
fn philox_test_main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let j = fold_index(gid, groups, 64u);
  let p = philox_test_params;
  if (j >= p.count) {
    return;
  }
  let c = p.first_chain + j;
  let seed = vec2<u32>(p.seed_lo, p.seed_hi);
  philox_test_bits[j] = rng_bits4(seed, c, p.step, p.stream);
  philox_test_normals[j] = rng_normal4(seed, c, p.step, p.stream);
  philox_test_uniforms[j] = rng_uniform4(seed, c, p.step, p.stream);
}

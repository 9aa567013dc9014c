// divergence_test.wgsl: test-only kernel that evaluates the divergence library
// (divergence.wgsl) on given values of v, for comparison with the float64
// references (test/divergence/divergence.gpu.test.ts).
// requires: divergence.wgsl
//
// Bindings (group 0):
//   0 uniform            div_test: DivTestParams  count, divergence code, numerics mode, alpha
//   1 storage read       div_test_v: array<f32>        v, [count]
//   2 storage read_write div_test_out: array<vec4<f32>>  (g(v), c(v), g'(v), c'(v)), [count]
//   3 storage read_write div_test_hit: array<u32>     div_bound_hit flags, [count]:
//                        bit 0 set by div_data (g, g'), bit 1 by div_model (c, c')
// Entry point div_test_main, @workgroup_size(64): one invocation per value,
// dispatch ceil(count / 64) workgroups along x (count <= 65535 * 64).

struct DivTestParams {
  count: u32,
  code: u32,
  mode: u32,
  alpha: f32,
}

@group(0) @binding(0) var<uniform> div_test: DivTestParams;
@group(0) @binding(1) var<storage, read> div_test_v: array<f32>;
@group(0) @binding(2) var<storage, read_write> div_test_out: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> div_test_hit: array<u32>;

@compute @workgroup_size(64)
fn div_test_main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= div_test.count) { return; }
  let v = div_test_v[i];
  let gd = div_data(div_test.code, div_test.mode, div_test.alpha, v);
  let hit_g = div_bound_hit;
  let cm = div_model(div_test.code, div_test.mode, div_test.alpha, v);
  let hit_c = div_bound_hit;
  div_test_out[i] = vec4<f32>(gd.x, cm.x, gd.y, cm.y);
  div_test_hit[i] = select(0u, 1u, hit_g) | select(0u, 2u, hit_c);
}

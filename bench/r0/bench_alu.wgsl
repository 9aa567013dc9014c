// bench_alu.wgsl: R0 ALU peak (bench/WORKLOADS.md). Arithmetic only: each
// invocation runs `alu.iterations` rounds of one vec4 fused multiply-add on
// each of ALU_ACCUMULATORS independent vec4 accumulators held in registers,
// then makes one store that depends on every accumulator, so the compiler can
// drop none of the work. No other memory traffic (the uniform is read once,
// before the loop).
//
// The loop body holds ALU_UNROLL rounds (a last loop takes the remaining
// iterations % ALU_UNROLL one at a time): on a CPU implementation such as
// SwiftShader every value carried from one iteration of a loop to the next
// costs a few instructions per iteration (the lanes' activity mask is merged
// into it), so a body of one round measured the loop, not the arithmetic
// (about a quarter of the figure; the commit that unrolled it has both).
//
// Entry point: alu_peak, @workgroup_size(64); dispatch (x, y) workgroups with
// 64 * x * y = the length of alu_out (the invocation index is
// gid.x + gid.y * 64 * x, common.wgsl's fold_index; there is no bounds check).
// requires: common.wgsl
//
// Bindings (group 0):
//   0 uniform            alu: AluParams, 48 bytes:
//       offset  0 iterations: u32   loop rounds
//       offset  4..15                padding
//       offset 16 mul: vec4<f32>    multiplier m
//       offset 32 add: vec4<f32>    addend c
//   1 storage read_write alu_out: array<f32>, one f32 per invocation.
//
// Computes, for invocation i with s = f32(i % 1024) / 1024 and accumulator
// j = 0..7 starting at a_j = s + j / 8 + (0, 0.25, 0.5, 0.75):
//   repeat iterations times: a_j = fma(a_j, m, c)   (componentwise)
//   alu_out[i] = sum over j and components of a_j
// (summed as ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)), then the
// four components). With 0 < m < 1 the values approach c / (1 - m) and stay
// normal (no denormals, which are slow on CPUs).
// FLOP count: invocations * iterations * ALU_ACCUMULATORS * 4 lanes * 2.

const ALU_ACCUMULATORS: u32 = 8u;
// Rounds per iteration of the main loop (see above).
const ALU_UNROLL: u32 = 16u;

struct AluParams {
  iterations: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  mul: vec4<f32>,
  add: vec4<f32>,
}

@group(0) @binding(0) var<uniform> alu: AluParams;
@group(0) @binding(1) var<storage, read_write> alu_out: array<f32>;

@compute @workgroup_size(64)
fn alu_peak(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, 64u);
  let m = alu.mul;
  let c = alu.add;
  let n = alu.iterations;
  let s = vec4<f32>(f32(i % 1024u) / 1024.0) + vec4<f32>(0.0, 0.25, 0.5, 0.75);
  var a0 = s;
  var a1 = s + 0.125;
  var a2 = s + 0.25;
  var a3 = s + 0.375;
  var a4 = s + 0.5;
  var a5 = s + 0.625;
  var a6 = s + 0.75;
  var a7 = s + 0.875;
  // ALU_UNROLL (16) rounds per iteration, written out: two lines per round.
  for (var t = 0u; t < n / ALU_UNROLL; t++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  for (var t = 0u; t < n % ALU_UNROLL; t++) {
    a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
    a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
  }
  let total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  alu_out[i] = (total.x + total.y) + (total.z + total.w);
}

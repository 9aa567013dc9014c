// bench_load.wgsl: R0 load rate (bench/WORKLOADS.md). Loads only: each
// invocation reads `lr.iterations * LOAD_UNROLL` f32 values of lr_table at
// indices that differ from lane to lane (neighbouring invocations read
// neighbouring values, the pattern a GPU serves best), adds them up and
// stores the sum, so the compiler can drop none of the loads. The table is
// small (a power of two that fits a CPU core's L1 cache, as a GPU keeps such
// data in its caches too): the figure is the cost of issuing a load, not of
// the memory behind it.
//
// Why: kernels are designed from the ratio of arithmetic to loads an adapter
// sustains. On SwiftShader a load whose index differs between lanes becomes
// a per-lane gather costing tens of multiply-adds; on a GPU a coalesced load
// from cache costs about as much as one. R0's alu_peak divided by this rate
// (bench/run.ts writes it as fma_per_load) is that ratio for the adapter.
//
// Entry point: load_rate, @workgroup_size(64); dispatch (x, y) workgroups
// with 64 * x * y = the length of lr_out (the invocation index is
// gid.x + gid.y * 64 * x, common.wgsl's fold_index; no bounds check).
// requires: common.wgsl
//
// Bindings (group 0):
//   0 uniform            lr: LoadParams, 16 bytes:
//       offset 0 iterations: u32   loop iterations, LOAD_UNROLL loads each
//       offset 4 mask: u32         table length - 1 (the length a power of two)
//       offset 8..15               padding
//   1 storage read       lr_table: array<f32>, mask + 1 values
//   2 storage read_write lr_out: array<f32>, one f32 per invocation
//
// Computes, for invocation i:
//   lr_out[i] = sum over r = 0 .. iterations * LOAD_UNROLL - 1 of
//               lr_table[(r * 64 + i) & mask]
// summed in order of r (bench/r0/kernels.ts loadReference).
// Loads: invocations * iterations * LOAD_UNROLL per dispatch.

// Loads per iteration of the loop, written out (a value carried from one
// iteration to the next costs a few instructions per iteration on a CPU
// implementation, see bench_alu.wgsl).
const LOAD_UNROLL: u32 = 16u;

struct LoadParams {
  iterations: u32,
  mask: u32,
  pad0: u32,
  pad1: u32,
}

@group(0) @binding(0) var<uniform> lr: LoadParams;
@group(0) @binding(1) var<storage, read> lr_table: array<f32>;
@group(0) @binding(2) var<storage, read_write> lr_out: array<f32>;

@compute @workgroup_size(64)
fn load_rate(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = fold_index(gid, groups, 64u);
  let n = lr.iterations;
  let mask = lr.mask;
  var acc = 0.0;
  for (var t = 0u; t < n; t++) {
    let b = t * (LOAD_UNROLL * 64u) + i;
    acc += lr_table[b & mask];
    acc += lr_table[(b + 64u) & mask];
    acc += lr_table[(b + 128u) & mask];
    acc += lr_table[(b + 192u) & mask];
    acc += lr_table[(b + 256u) & mask];
    acc += lr_table[(b + 320u) & mask];
    acc += lr_table[(b + 384u) & mask];
    acc += lr_table[(b + 448u) & mask];
    acc += lr_table[(b + 512u) & mask];
    acc += lr_table[(b + 576u) & mask];
    acc += lr_table[(b + 640u) & mask];
    acc += lr_table[(b + 704u) & mask];
    acc += lr_table[(b + 768u) & mask];
    acc += lr_table[(b + 832u) & mask];
    acc += lr_table[(b + 896u) & mask];
    acc += lr_table[(b + 960u) & mask];
  }
  lr_out[i] = acc;
}

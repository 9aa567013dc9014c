// common.wgsl: two helpers every kernel family needs, written once.
//
// Library file: no entry point, no bindings. Its global names: fold_index,
// finite_f32.

// The index of an invocation (or, with size 1, of a workgroup) in a 1-D
// dispatch of `size`-wide workgroups that the host folded into 2-D, x fastest,
// because it needs more than the per-dimension limit of workgroups
// (src/device/device.ts dispatchSize). gid: global_invocation_id (or
// workgroup_id), groups: num_workgroups. A plain 1-D dispatch gives gid.x.
fn fold_index(gid: vec3<u32>, groups: vec3<u32>, size: u32) -> u32 {
  return gid.x + gid.y * groups.x * size;
}

// Whether v is a finite f32 (neither NaN nor infinite), tested on its bits:
// WGSL lets an implementation assume there are no NaNs or infinities, so
// v != v and comparisons with infinity are unreliable.
fn finite_f32(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) < 0x7f800000u;
}

// divergence_custom_default.wgsl: the default user code for divergence.wgsl.
//
// Not a library to `require`: the host (src/divergence/loss.ts, divergenceUserCode)
// composes it in as user code whenever a shader that uses divergence.wgsl is
// built for a built-in divergence, so that divergence.wgsl's calls to the
// custom_ functions always resolve and the shader compiles. No bindings, no
// entry point. The stubs return 0; they are never evaluated, because the
// host refuses the custom code (DIV_CUSTOM) without the user's WGSL.
//
// User code replacing it defines the same three functions, on u > 0:
//   fn custom_f(u: f32) -> f32     f(u), convex, f(1) = 0
//   fn custom_df(u: f32) -> f32    f'(u)
//   fn custom_d2f(u: f32) -> f32   f''(u)
// and may add helpers (prefix them custom_ too, to keep global names unique).

fn custom_f(u: f32) -> f32 { return 0.0; }
fn custom_df(u: f32) -> f32 { return 0.0; }
fn custom_d2f(u: f32) -> f32 { return 0.0; }

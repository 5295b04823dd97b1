// Prepended to every kernel, after the constants (WG, TILE, KMAX, ACT_*, …) and the uniform structs that
// runtime/gpu/kernels.ts declares once for TypeScript and WGSL. Elementwise kernels run WG invocations per
// workgroup over a 2-D grid of workgroups (the x dimension is capped at 65535), so one invocation = one flat
// output index.

fn flat_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.y * nwg.x + wid.x) * WG + lid;
}

// `slope` is the PReLU slope of the channel (ignored for the other activations).
fn activate(v: f32, act: u32, slope: f32) -> f32 {
  if (act == ACT_NONE || v >= 0.0) { return v; }
  if (act == ACT_RELU) { return 0.0; }
  return v * slope;
}

// The same for four values of one channel.
fn activate4(v: vec4<f32>, act: u32, slope: f32) -> vec4<f32> {
  if (act == ACT_RELU) { return max(v, vec4<f32>(0.0)); }
  if (act == ACT_PRELU) { return select(v, v * slope, v < vec4<f32>(0.0)); }
  return v;
}

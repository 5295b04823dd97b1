// Prepended to every kernel. Elementwise kernels run WG invocations per workgroup over a 2-D grid of
// workgroups (the x dimension is capped at 65535), so one invocation = one flat output index.
const WG: u32 = 64u;

const ACT_NONE: u32 = 0u;
const ACT_RELU: u32 = 1u;
const ACT_PRELU: u32 = 2u;

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

// Uniforms of the convolution kernels (conv2d, conv3x3_vec4, depthwise3x3): one layout for all three, written in
// this order by runtime/gpu/plan.ts. Weight, bias and slope offsets are in floats into the packed weights buffer.
struct ConvParams {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  in_size: u32,
  out_size: u32,
  kernel: u32,
  stride: u32,
  pad: u32,
  groups: u32,      // 1: dense; in_channels = out_channels: depthwise
  act: u32,
  weight: u32,
  bias: u32,
  alpha: u32,
}

// Uniforms of the 1×1 / fully connected kernels (pointwise, pointwise_vec4, fully_connected), likewise.
struct MatmulParams {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  pixels: u32,      // per face; 1 for the fully connected layer
  act: u32,
  has_residual: u32,
  weight: u32,
  bias: u32,
  alpha: u32,
}

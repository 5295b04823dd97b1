// Dense 3×3 convolution (the stem), padding 1, for output channel counts that are multiples of 4.
// Each invocation computes one output pixel for all output channels: it gathers the C×3×3 input patch once
// into registers, then for every quad of output channels accumulates vec4 weights (stored [C·3·3][O] by
// runtime/gpu/weights-layout.ts). conv2d.wgsl handles other shapes. CPU reference: runtime/cpu/conv.ts.

struct Params {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  in_size: u32,
  out_size: u32,
  kernel: u32,      // always 3 here; the fields mirror conv2d.wgsl so one uniform layout serves both
  stride: u32,
  pad: u32,
  depthwise: u32,
  act: u32,
  weight: u32,      // offsets in floats, multiples of 4
  bias: u32,
  alpha: u32,
}

// The stem reads RGB; 3 channels × 9 taps.
const MAX_TAPS: u32 = 27u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let out_plane = P.out_size * P.out_size;
  if (i >= P.batch * out_plane) { return; }
  let pixel = i % out_plane;
  let n = i / out_plane;
  let ox = pixel % P.out_size;
  let oy = pixel / P.out_size;

  var taps_in: array<f32, MAX_TAPS>;
  let in_plane = P.in_size * P.in_size;
  let taps = P.in_channels * 9u;
  for (var t = 0u; t < taps; t++) {
    let c = t / 9u;
    let ky = (t / 3u) % 3u;
    let kx = t % 3u;
    // Unsigned wrap-around makes the padding row/column fail the bounds test.
    let iy = oy * P.stride + ky - P.pad;
    let ix = ox * P.stride + kx - P.pad;
    var v = 0.0;
    if (iy < P.in_size && ix < P.in_size) { v = x[(n * P.in_channels + c) * in_plane + iy * P.in_size + ix]; }
    taps_in[t] = v;
  }

  let groups = P.out_channels / 4u;
  for (var g = 0u; g < groups; g++) {
    var acc = weights[P.bias / 4u + g];
    for (var t = 0u; t < taps; t++) {
      acc += taps_in[t] * weights[P.weight / 4u + t * groups + g];
    }
    var slope = vec4<f32>(0.0);
    if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g]; }
    let base = (n * P.out_channels + g * 4u) * out_plane + pixel;
    y[base] = activate(acc.x, P.act, slope.x);
    y[base + out_plane] = activate(acc.y, P.act, slope.y);
    y[base + 2u * out_plane] = activate(acc.z, P.act, slope.z);
    y[base + 3u * out_plane] = activate(acc.w, P.act, slope.w);
  }
}

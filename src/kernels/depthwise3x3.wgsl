// 3×3 depthwise convolution, padding 1, stride 1 or 2: the depthwise half of every block.
// Each invocation computes 4 horizontally adjacent outputs of one (face, channel, row), loading the channel's
// 9 weights, bias and slope once for all four. conv2d.wgsl handles other kernel sizes (the global depthwise
// pooling). CPU reference: runtime/cpu/conv.ts.

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
  weight: u32,
  bias: u32,
  alpha: u32,
}

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let quads = (P.out_size + 3u) / 4u;
  let rows = P.batch * P.out_channels * P.out_size;
  if (i >= rows * quads) { return; }
  let ox0 = (i % quads) * 4u;
  let row = i / quads;                 // (n·C + c)·out_size + oy
  let oy = row % P.out_size;
  let nc = row / P.out_size;           // n·C + c
  let c = nc % P.out_channels;

  var w: array<f32, 9>;
  for (var t = 0u; t < 9u; t++) { w[t] = weights[P.weight + c * 9u + t]; }
  let bias = weights[P.bias + c];
  var acc = vec4<f32>(bias);
  let in_base = nc * P.in_size * P.in_size;
  for (var ky = 0u; ky < 3u; ky++) {
    let iy = oy * P.stride + ky - P.pad;
    if (iy >= P.in_size) { continue; }
    let in_row = in_base + iy * P.in_size;
    for (var kx = 0u; kx < 3u; kx++) {
      let wk = w[ky * 3u + kx];
      for (var j = 0u; j < 4u; j++) {
        let ix = (ox0 + j) * P.stride + kx - P.pad;
        if (ix < P.in_size) { acc[j] += wk * x[in_row + ix]; }
      }
    }
  }
  var slope = 0.0;
  if (P.act == ACT_PRELU) { slope = weights[P.alpha + c]; }
  let out_row = row * P.out_size;
  for (var j = 0u; j < 4u; j++) {
    if (ox0 + j < P.out_size) { y[out_row + ox0 + j] = activate(acc[j], P.act, slope); }
  }
}

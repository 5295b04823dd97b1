// 3×3 depthwise convolution, padding 1, stride 1 or 2: the depthwise half of every block.
// Each invocation computes 4 horizontally adjacent outputs of one (face, channel, row) as one vec4: per kernel
// row it loads the input segment the four outputs share (6 values at stride 1, 9 at stride 2) once, into named
// values (no indexed private arrays, which SwiftShader's JIT keeps in memory). conv2d.wgsl handles other
// kernel sizes (the global depthwise pooling). Maps may be rectangular: in_size/out_size are heights, *_width
// widths. CPU reference: runtime/cpu/conv.ts.

@group(0) @binding(0) var<uniform> P: ConvParams;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let quads = (P.out_width + 3u) / 4u;
  let rows = P.batch * P.out_channels * P.out_size;
  if (i >= rows * quads) { return; }
  let ox0 = (i % quads) * 4u;
  let row = i / quads;                 // (n·C + c)·out_size + oy
  let oy = row % P.out_size;
  let nc = row / P.out_size;           // n·C + c
  let c = nc % P.out_channels;

  let w = P.weight + c * 9u;
  var acc = vec4<f32>(weights[P.bias + c]);
  let in_base = nc * P.in_size * P.in_width;
  // Input column of the quad's first tap; unsigned wrap-around makes a left padding column fail bounds tests.
  let first = ox0 * P.stride - P.pad;
  for (var ky = 0u; ky < 3u; ky++) {
    let iy = oy * P.stride + ky - P.pad;
    if (iy >= P.in_size) { continue; }
    let in_row = in_base + iy * P.in_width;
    let k0 = weights[w + ky * 3u];
    let k1 = weights[w + ky * 3u + 1u];
    let k2 = weights[w + ky * 3u + 2u];
    let v0 = pixel(in_row, first);
    let v1 = pixel(in_row, first + 1u);
    let v2 = pixel(in_row, first + 2u);
    let v3 = pixel(in_row, first + 3u);
    let v4 = pixel(in_row, first + 4u);
    let v5 = pixel(in_row, first + 5u);
    if (P.stride == 1u) {
      acc += k0 * vec4<f32>(v0, v1, v2, v3) + k1 * vec4<f32>(v1, v2, v3, v4) + k2 * vec4<f32>(v2, v3, v4, v5);
    } else {
      let v6 = pixel(in_row, first + 6u);
      let v7 = pixel(in_row, first + 7u);
      let v8 = pixel(in_row, first + 8u);
      acc += k0 * vec4<f32>(v0, v2, v4, v6) + k1 * vec4<f32>(v1, v3, v5, v7) + k2 * vec4<f32>(v2, v4, v6, v8);
    }
  }
  var slope = 0.0;
  if (P.act == ACT_PRELU) { slope = weights[P.alpha + c]; }
  let out = activate4(acc, P.act, slope);
  let out_row = row * P.out_width + ox0;
  y[out_row] = out.x;
  if (ox0 + 1u < P.out_width) { y[out_row + 1u] = out.y; }
  if (ox0 + 2u < P.out_width) { y[out_row + 2u] = out.z; }
  if (ox0 + 3u < P.out_width) { y[out_row + 3u] = out.w; }
}

// Input value at column `ix` of the row starting at `row`, zero outside the map (padding).
fn pixel(row: u32, ix: u32) -> f32 {
  return select(0.0, x[row + min(ix, P.in_width - 1u)], ix < P.in_width);
}

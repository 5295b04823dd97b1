// 3×3 depthwise convolution, padding 1, stride 1 or 2, one output column per invocation: it walks down the
// column of one (face, channel) with the 3×3 input window in registers, so each output row loads only the
// input row(s) it adds (3 values at stride 1, 6 at stride 2) and the nine weights are loaded once.
// Consecutive invocations take consecutive columns, so their loads and stores are consecutive addresses,
// which software adapters (SwiftShader, llvmpipe: invocations as SIMD lanes) turn into vector accesses where
// depthwise3x3.wgsl's four-outputs-per-invocation segments are gathers. depthwise3x3.wgsl has four times the
// invocations, which a large GPU at small batches needs: on hardware adapters the two are timed at load
// (runtime/gpu/kernel-choice.ts). Maps may be rectangular (in_size and out_size are heights, *_width widths).
// CPU reference: runtime/cpu/conv.ts.

@group(0) @binding(0) var<uniform> P: ConvParams;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i >= P.batch * P.out_channels * P.out_width) { return; }
  let ox = i % P.out_width;
  let nc = i / P.out_width;            // n·C + c
  let c = nc % P.out_channels;

  let w = P.weight + c * 9u;
  let top = vec3<f32>(weights[w], weights[w + 1u], weights[w + 2u]);
  let mid = vec3<f32>(weights[w + 3u], weights[w + 4u], weights[w + 5u]);
  let bot = vec3<f32>(weights[w + 6u], weights[w + 7u], weights[w + 8u]);
  let bias = weights[P.bias + c];
  var slope = 0.0;
  if (P.act == ACT_PRELU) { slope = weights[P.alpha + c]; }

  let in_base = nc * P.in_size * P.in_width;
  // Input column of the left tap; unsigned wrap-around makes the left padding column fail bounds tests.
  let first = ox * P.stride - P.pad;
  // The window's rows oy·stride − 1 (t), oy·stride (m), oy·stride + 1 (b); the row above the map is padding.
  var t = vec3<f32>(0.0);
  var m = row_taps(in_base, 0u, first);
  var out = nc * P.out_size * P.out_width + ox;
  for (var oy = 0u; oy < P.out_size; oy++) {
    let iy = oy * P.stride;
    let b = row_taps(in_base, iy + 1u, first);
    y[out] = activate(bias + dot(top, t) + dot(mid, m) + dot(bot, b), P.act, slope);
    out += P.out_width;
    if (P.stride == 1u) {
      t = m;
      m = b;
    } else {
      t = b;
      m = row_taps(in_base, iy + 2u, first);
    }
  }
}

// The three input values at columns ix … ix + 2 of row iy, zero outside the map (padding).
fn row_taps(in_base: u32, iy: u32, ix: u32) -> vec3<f32> {
  if (iy >= P.in_size) { return vec3<f32>(0.0); }
  let row = in_base + iy * P.in_width;
  return vec3<f32>(pixel(row, ix), pixel(row, ix + 1u), pixel(row, ix + 2u));
}

fn pixel(row: u32, ix: u32) -> f32 {
  return select(0.0, x[row + min(ix, P.in_width - 1u)], ix < P.in_width);
}

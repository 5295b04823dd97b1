// Dense 3×3 convolution (the stem), padding 1, for output channel counts that are multiples of 16 and
// output widths that are multiples of 4. It is pointwise_vec4.wgsl's scheme with the im2col matrix gathered
// on the fly: each invocation computes 16 output channels × 4 horizontally adjacent pixels; for each of the
// C·3·3 taps it gathers the 4 input values once (zero outside the map) and multiplies them by four vec4s of
// weights (stored [C·3·3][O] by runtime/gpu/weights-layout.ts). conv2d.wgsl handles other shapes.
// CPU reference: runtime/cpu/conv.ts.

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

/** Output-channel quads per invocation (16 channels). */
const QUADS_OUT: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let quads = P.out_size * P.out_size / 4u;
  let groups = P.out_channels / 4u;
  let blocks = groups / QUADS_OUT;
  if (i >= P.batch * blocks * quads) { return; }
  let q = i % quads;
  let g0 = ((i / quads) % blocks) * QUADS_OUT;
  let n = i / (quads * blocks);
  let oy = (q * 4u) / P.out_size;
  let ox0 = (q * 4u) % P.out_size;

  var acc: array<vec4<f32>, 16>;   // acc[o] holds 4 pixels of output channel g0·4 + o
  let in_plane = P.in_size * P.in_size;
  var wi = P.weight / 4u + g0;
  for (var c = 0u; c < P.in_channels; c++) {
    let plane = (n * P.in_channels + c) * in_plane;
    for (var ky = 0u; ky < 3u; ky++) {
      // Unsigned wrap-around makes the padding row and column fail the bounds tests.
      let iy = oy * P.stride + ky - P.pad;
      for (var kx = 0u; kx < 3u; kx++) {
        var xv = vec4<f32>(0.0);
        if (iy < P.in_size) {
          for (var j = 0u; j < 4u; j++) {
            let ix = (ox0 + j) * P.stride + kx - P.pad;
            if (ix < P.in_size) { xv[j] = x[plane + iy * P.in_size + ix]; }
          }
        }
        for (var k = 0u; k < QUADS_OUT; k++) {
          let wv = weights[wi + k];
          acc[4u * k] += wv.x * xv;
          acc[4u * k + 1u] += wv.y * xv;
          acc[4u * k + 2u] += wv.z * xv;
          acc[4u * k + 3u] += wv.w * xv;
        }
        wi += groups;
      }
    }
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  for (var k = 0u; k < QUADS_OUT; k++) {
    let bias = weights[P.bias / 4u + g0 + k];
    var slope = vec4<f32>(0.0);
    if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g0 + k]; }
    for (var j = 0u; j < 4u; j++) {
      let v = acc[4u * k + j] + bias[j];
      var out = v;
      if (P.act == ACT_RELU) { out = max(v, vec4<f32>(0.0)); }
      if (P.act == ACT_PRELU) { out = select(v, v * slope[j], v < vec4<f32>(0.0)); }
      y[base + (4u * k + j) * quads] = out;
    }
  }
}

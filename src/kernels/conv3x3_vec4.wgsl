// Dense 3×3 convolution (the stem), padding 1, stride 1 or 2, for output channel counts that are multiples of
// 16 and output widths that are multiples of 4. It is pointwise_vec4.wgsl's scheme with the im2col matrix
// gathered on the fly: each invocation computes 16 output channels × 4 horizontally adjacent pixels; per input
// channel and kernel row it loads the row segment its four pixels' three kx taps share once (6 values at
// stride 1, 9 at stride 2; zero outside the map), then multiplies each tap's 4 values by four vec4s of weights
// (stored [C·3·3][O] by runtime/gpu/weights-layout.ts). Loading the segment once instead of 4 values per tap
// halves the input loads (SwiftShader: 126–141 → 91–116 ms for the stem at batch 64). The three taps are
// calls of `taps` with the accumulators by pointer, which the compilers inline into registers; a kx loop
// choosing the tap's vector with select() lost the gain. conv2d.wgsl handles other shapes. Maps may be
// rectangular (the detector's): in_size/out_size are heights, in_width/out_width widths.
// CPU reference: runtime/cpu/conv.ts.

@group(0) @binding(0) var<uniform> P: ConvParams;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let quads = P.out_size * P.out_width / 4u;
  let groups = P.out_channels / 4u;
  let blocks = groups / QUADS_OUT;
  if (i >= P.batch * blocks * quads) { return; }
  let q = i % quads;
  let g0 = ((i / quads) % blocks) * QUADS_OUT;
  let n = i / (quads * blocks);
  let oy = (q * 4u) / P.out_width;
  let ox0 = (q * 4u) % P.out_width;

  // Named accumulators, unrolled, for the reason given in pointwise_vec4.wgsl (SwiftShader's JIT).
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0); var a5 = vec4<f32>(0.0); var a6 = vec4<f32>(0.0); var a7 = vec4<f32>(0.0);
  var a8 = vec4<f32>(0.0); var a9 = vec4<f32>(0.0); var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0);
  var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0); var a14 = vec4<f32>(0.0); var a15 = vec4<f32>(0.0);
  let in_plane = P.in_size * P.in_width;
  var wi = P.weight / 4u + g0;
  // Input column of the quad's first tap; unsigned wrap-around makes the padding row and column fail bounds tests.
  let first = ox0 * P.stride - P.pad;
  for (var c = 0u; c < P.in_channels; c++) {
    let plane = (n * P.in_channels + c) * in_plane;
    for (var ky = 0u; ky < 3u; ky++) {
      let iy = oy * P.stride + ky - P.pad;
      // The row segment the quad's three kx taps share, loaded once (6 values at stride 1, 9 at stride 2).
      let row = plane + min(iy, P.in_size - 1u) * P.in_width;
      let ok = iy < P.in_size;
      let v0 = tap(row, first, ok);
      let v1 = tap(row, first + 1u, ok);
      let v2 = tap(row, first + 2u, ok);
      let v3 = tap(row, first + 3u, ok);
      let v4 = tap(row, first + 4u, ok);
      let v5 = tap(row, first + 5u, ok);
      var x0 = vec4<f32>(v0, v1, v2, v3);
      var x1 = vec4<f32>(v1, v2, v3, v4);
      var x2 = vec4<f32>(v2, v3, v4, v5);
      if (P.stride == 2u) {
        let v6 = tap(row, first + 6u, ok);
        let v7 = tap(row, first + 7u, ok);
        let v8 = tap(row, first + 8u, ok);
        x0 = vec4<f32>(v0, v2, v4, v6);
        x1 = vec4<f32>(v1, v3, v5, v7);
        x2 = vec4<f32>(v2, v4, v6, v8);
      }
      taps(wi, x0, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      taps(wi + groups, x1, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      taps(wi + 2u * groups, x2, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      wi += 3u * groups;
    }
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  epilogue(base, quads, g0, a0, a1, a2, a3);
  epilogue(base + 4u * quads, quads, g0 + 1u, a4, a5, a6, a7);
  epilogue(base + 8u * quads, quads, g0 + 2u, a8, a9, a10, a11);
  epilogue(base + 12u * quads, quads, g0 + 3u, a12, a13, a14, a15);
}

// Bias and activation for the four output channels of quad `g`, 4 pixels each, then the stores.
fn epilogue(base: u32, stride: u32, g: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  let bias = weights[P.bias / 4u + g];
  var slope = vec4<f32>(0.0);
  if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g]; }
  y[base] = activate4(v0 + bias.x, P.act, slope.x);
  y[base + stride] = activate4(v1 + bias.y, P.act, slope.y);
  y[base + 2u * stride] = activate4(v2 + bias.z, P.act, slope.z);
  y[base + 3u * stride] = activate4(v3 + bias.w, P.act, slope.w);
}

// Input value at column `ix` of `row`, zero outside the map (padding).
fn tap(row: u32, ix: u32, ok: bool) -> f32 {
  return select(0.0, x[row + min(ix, P.in_width - 1u)], ok && ix < P.in_width);
}

// One tap: its 4 input values `xv` times the four weight vec4s of the invocation's 16 output channels at `wi`.
fn taps(wi: u32, xv: vec4<f32>, a0: ptr<function, vec4<f32>>, a1: ptr<function, vec4<f32>>, a2: ptr<function, vec4<f32>>,
        a3: ptr<function, vec4<f32>>, a4: ptr<function, vec4<f32>>, a5: ptr<function, vec4<f32>>, a6: ptr<function, vec4<f32>>,
        a7: ptr<function, vec4<f32>>, a8: ptr<function, vec4<f32>>, a9: ptr<function, vec4<f32>>, a10: ptr<function, vec4<f32>>,
        a11: ptr<function, vec4<f32>>, a12: ptr<function, vec4<f32>>, a13: ptr<function, vec4<f32>>, a14: ptr<function, vec4<f32>>,
        a15: ptr<function, vec4<f32>>) {
  let w0 = weights[wi];
  let w1 = weights[wi + 1u];
  let w2 = weights[wi + 2u];
  let w3 = weights[wi + 3u];
  *a0 += w0.x * xv; *a1 += w0.y * xv; *a2 += w0.z * xv; *a3 += w0.w * xv;
  *a4 += w1.x * xv; *a5 += w1.y * xv; *a6 += w1.z * xv; *a7 += w1.w * xv;
  *a8 += w2.x * xv; *a9 += w2.y * xv; *a10 += w2.z * xv; *a11 += w2.w * xv;
  *a12 += w3.x * xv; *a13 += w3.y * xv; *a14 += w3.z * xv; *a15 += w3.w * xv;
}

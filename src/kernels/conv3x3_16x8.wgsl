// Dense 3×3 convolution (the stem), padding 1, stride 1 or 2, for output channel counts that are multiples of
// 16 and output widths that are multiples of 4. It is pointwise_vec4.wgsl's scheme with the im2col matrix
// gathered on the fly: each invocation computes 16 output channels × 8 pixels, two quads of 4 horizontally
// adjacent pixels (accumulators a… and b…; the second quad starts the next row where the width is not a
// multiple of 8, and is past the map for the last invocation of an odd count). Per input channel and kernel
// row, each quad loads the row segment its three kx taps share once (6 values at stride 1, 9 at stride 2; zero
// outside the map), and each tap's four weight vec4s (stored [C·3·3][O] by runtime/gpu/weights-layout.ts) are
// loaded once for both quads. The taps are calls with the accumulators by pointer, which the compilers inline
// into registers; a kx loop choosing the tap's vector with select() was slower. Measured on the student's stem
// alone at batch 64: the shared segment took SwiftShader from 126–141 to 91–116 ms with one quad per
// invocation, and the second quad from 92–115 to 80–97 ms (llvmpipe 9.6 → 7.3 ms); 8 channels × 8 pixels was
// no faster, and 8 × 16 ran SwiftShader's compiler out of memory. conv2d.wgsl handles other shapes. Maps may be
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
  let pairs = (quads + 1u) / 2u;
  let groups = P.out_channels / 4u;
  let blocks = groups / QUADS_OUT;
  if (i >= P.batch * blocks * pairs) { return; }
  let q = (i % pairs) * 2u;
  let g0 = ((i / pairs) % blocks) * QUADS_OUT;
  let n = i / (pairs * blocks);
  let has_b = q + 1u < quads;

  // Named accumulators, for the reason given in pointwise_vec4.wgsl (SwiftShader's JIT).
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0); var a5 = vec4<f32>(0.0); var a6 = vec4<f32>(0.0); var a7 = vec4<f32>(0.0);
  var a8 = vec4<f32>(0.0); var a9 = vec4<f32>(0.0); var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0);
  var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0); var a14 = vec4<f32>(0.0); var a15 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0); var b1 = vec4<f32>(0.0); var b2 = vec4<f32>(0.0); var b3 = vec4<f32>(0.0);
  var b4 = vec4<f32>(0.0); var b5 = vec4<f32>(0.0); var b6 = vec4<f32>(0.0); var b7 = vec4<f32>(0.0);
  var b8 = vec4<f32>(0.0); var b9 = vec4<f32>(0.0); var b10 = vec4<f32>(0.0); var b11 = vec4<f32>(0.0);
  var b12 = vec4<f32>(0.0); var b13 = vec4<f32>(0.0); var b14 = vec4<f32>(0.0); var b15 = vec4<f32>(0.0);
  let qa = quad_origin(q);
  let qb = quad_origin(q + 1u);
  let in_plane = P.in_size * P.in_width;
  var wi = P.weight / 4u + g0;
  for (var c = 0u; c < P.in_channels; c++) {
    let plane = (n * P.in_channels + c) * in_plane;
    for (var ky = 0u; ky < 3u; ky++) {
      let ta = quad_taps(plane, qa, ky);
      let tb = quad_taps(plane, qb, ky);
      let w0 = weights16(wi);
      madd16(ta.x0, w0, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      madd16(tb.x0, w0, &b0, &b1, &b2, &b3, &b4, &b5, &b6, &b7, &b8, &b9, &b10, &b11, &b12, &b13, &b14, &b15);
      let w1 = weights16(wi + groups);
      madd16(ta.x1, w1, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      madd16(tb.x1, w1, &b0, &b1, &b2, &b3, &b4, &b5, &b6, &b7, &b8, &b9, &b10, &b11, &b12, &b13, &b14, &b15);
      let w2 = weights16(wi + 2u * groups);
      madd16(ta.x2, w2, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7, &a8, &a9, &a10, &a11, &a12, &a13, &a14, &a15);
      madd16(tb.x2, w2, &b0, &b1, &b2, &b3, &b4, &b5, &b6, &b7, &b8, &b9, &b10, &b11, &b12, &b13, &b14, &b15);
      wi += 3u * groups;
    }
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  epilogue(base, quads, g0, a0, a1, a2, a3);
  epilogue(base + 4u * quads, quads, g0 + 1u, a4, a5, a6, a7);
  epilogue(base + 8u * quads, quads, g0 + 2u, a8, a9, a10, a11);
  epilogue(base + 12u * quads, quads, g0 + 3u, a12, a13, a14, a15);
  if (has_b) {
    epilogue(base + 1u, quads, g0, b0, b1, b2, b3);
    epilogue(base + 1u + 4u * quads, quads, g0 + 1u, b4, b5, b6, b7);
    epilogue(base + 1u + 8u * quads, quads, g0 + 2u, b8, b9, b10, b11);
    epilogue(base + 1u + 12u * quads, quads, g0 + 3u, b12, b13, b14, b15);
  }
}

// Where a quad of 4 output pixels reads: its first input row (iy of kernel row 0) and first input column.
// Unsigned wrap-around makes the padding row and column fail the bounds tests.
fn quad_origin(q: u32) -> vec2<u32> {
  let oy = (q * 4u) / P.out_width;
  let ox0 = (q * 4u) % P.out_width;
  return vec2<u32>(ox0 * P.stride - P.pad, oy * P.stride - P.pad);
}

// The input vectors of a quad's three kx taps in kernel row `ky`.
struct Taps {
  x0: vec4<f32>,
  x1: vec4<f32>,
  x2: vec4<f32>,
}

fn quad_taps(plane: u32, origin: vec2<u32>, ky: u32) -> Taps {
  let iy = origin.y + ky;
  let row = plane + min(iy, P.in_size - 1u) * P.in_width;
  let ok = iy < P.in_size;
  let first = origin.x;
  // The row segment the three taps share, loaded once.
  let v0 = tap(row, first, ok);
  let v1 = tap(row, first + 1u, ok);
  let v2 = tap(row, first + 2u, ok);
  let v3 = tap(row, first + 3u, ok);
  let v4 = tap(row, first + 4u, ok);
  let v5 = tap(row, first + 5u, ok);
  if (P.stride == 2u) {
    let v6 = tap(row, first + 6u, ok);
    let v7 = tap(row, first + 7u, ok);
    let v8 = tap(row, first + 8u, ok);
    return Taps(vec4<f32>(v0, v2, v4, v6), vec4<f32>(v1, v3, v5, v7), vec4<f32>(v2, v4, v6, v8));
  }
  return Taps(vec4<f32>(v0, v1, v2, v3), vec4<f32>(v1, v2, v3, v4), vec4<f32>(v2, v3, v4, v5));
}

// Input value at column `ix` of `row`, zero outside the map (padding).
fn tap(row: u32, ix: u32, ok: bool) -> f32 {
  return select(0.0, x[row + min(ix, P.in_width - 1u)], ok && ix < P.in_width);
}

// The weights of one tap for the invocation's 16 output channels (4 each).
struct Weights16 {
  w0: vec4<f32>,
  w1: vec4<f32>,
  w2: vec4<f32>,
  w3: vec4<f32>,
}

fn weights16(wi: u32) -> Weights16 {
  return Weights16(weights[wi], weights[wi + 1u], weights[wi + 2u], weights[wi + 3u]);
}

// One tap: its 4 input values `xv` times the 16 output channels' weights `w`, into their accumulators.
fn madd16(xv: vec4<f32>, w: Weights16, a0: ptr<function, vec4<f32>>, a1: ptr<function, vec4<f32>>,
          a2: ptr<function, vec4<f32>>, a3: ptr<function, vec4<f32>>, a4: ptr<function, vec4<f32>>,
          a5: ptr<function, vec4<f32>>, a6: ptr<function, vec4<f32>>, a7: ptr<function, vec4<f32>>,
          a8: ptr<function, vec4<f32>>, a9: ptr<function, vec4<f32>>, a10: ptr<function, vec4<f32>>,
          a11: ptr<function, vec4<f32>>, a12: ptr<function, vec4<f32>>, a13: ptr<function, vec4<f32>>,
          a14: ptr<function, vec4<f32>>, a15: ptr<function, vec4<f32>>) {
  *a0 += w.w0.x * xv; *a1 += w.w0.y * xv; *a2 += w.w0.z * xv; *a3 += w.w0.w * xv;
  *a4 += w.w1.x * xv; *a5 += w.w1.y * xv; *a6 += w.w1.z * xv; *a7 += w.w1.w * xv;
  *a8 += w.w2.x * xv; *a9 += w.w2.y * xv; *a10 += w.w2.z * xv; *a11 += w.w2.w * xv;
  *a12 += w.w3.x * xv; *a13 += w.w3.y * xv; *a14 += w.w3.z * xv; *a15 += w.w3.w * xv;
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

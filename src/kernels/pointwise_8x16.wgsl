// 1×1 convolution for maps whose pixels per face are a multiple of 16 and output channels a multiple of 8 (every
// 1×1 layer of the default student): Y[n][o][p] = act(b[o] + Σc W[o][c]·X[n][c][p]) (+ R[n][o][p]).
// Each invocation computes 8 output channels × 16 pixels (four pixel quads a quarter of the map apart, so
// consecutive invocations still read consecutive X vec4s): per input channel, four vec4s of X and two of W
// (W stored [C][O] by runtime/gpu/weights-layout.ts) feed 128 multiply-adds, against 64 from five loads in
// pointwise_vec4.wgsl's 16 × 4. On the software adapters the 1×1 layers take ~15–25 % less time
// (SwiftShader: 457 → 387 ms per batch of 64, llvmpipe: 80 → 64 ms); on SwiftShader 16 × 8 was about as fast
// and 16 × 16, 8 × 8, 4 × 16 and 8 × 32 slower (docs/kernels.md). CPU reference: runtime/cpu/pointwise.ts.

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
// Bound to `weights` when the layer has no residual (never read then).
@group(0) @binding(3) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let quads = P.pixels / 4u;
  let part = quads / 4u;
  let groups = P.out_channels / 4u;
  let blocks = groups / 2u;
  if (i >= P.batch * blocks * part) { return; }
  let q = i % part;
  let g0 = ((i / part) % blocks) * 2u;
  let n = i / (part * blocks);

  // Named accumulators (a: pixel quad q, b: q + part, c, d), for the reason given in pointwise_vec4.wgsl.
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0); var a5 = vec4<f32>(0.0); var a6 = vec4<f32>(0.0); var a7 = vec4<f32>(0.0);
  var b0 = vec4<f32>(0.0); var b1 = vec4<f32>(0.0); var b2 = vec4<f32>(0.0); var b3 = vec4<f32>(0.0);
  var b4 = vec4<f32>(0.0); var b5 = vec4<f32>(0.0); var b6 = vec4<f32>(0.0); var b7 = vec4<f32>(0.0);
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
  var d0 = vec4<f32>(0.0); var d1 = vec4<f32>(0.0); var d2 = vec4<f32>(0.0); var d3 = vec4<f32>(0.0);
  var d4 = vec4<f32>(0.0); var d5 = vec4<f32>(0.0); var d6 = vec4<f32>(0.0); var d7 = vec4<f32>(0.0);
  var xi = n * P.in_channels * quads + q;
  var wi = P.weight / 4u + g0;
  for (var c = 0u; c < P.in_channels; c++) {
    let w0 = weights[wi];
    let w1 = weights[wi + 1u];
    madd8(x[xi], w0, w1, &a0, &a1, &a2, &a3, &a4, &a5, &a6, &a7);
    madd8(x[xi + part], w0, w1, &b0, &b1, &b2, &b3, &b4, &b5, &b6, &b7);
    madd8(x[xi + 2u * part], w0, w1, &c0, &c1, &c2, &c3, &c4, &c5, &c6, &c7);
    madd8(x[xi + 3u * part], w0, w1, &d0, &d1, &d2, &d3, &d4, &d5, &d6, &d7);
    xi += quads;
    wi += groups;
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  let next = base + 4u * quads;
  epilogue(base, quads, g0, a0, a1, a2, a3);
  epilogue(next, quads, g0 + 1u, a4, a5, a6, a7);
  epilogue(base + part, quads, g0, b0, b1, b2, b3);
  epilogue(next + part, quads, g0 + 1u, b4, b5, b6, b7);
  epilogue(base + 2u * part, quads, g0, c0, c1, c2, c3);
  epilogue(next + 2u * part, quads, g0 + 1u, c4, c5, c6, c7);
  epilogue(base + 3u * part, quads, g0, d0, d1, d2, d3);
  epilogue(next + 3u * part, quads, g0 + 1u, d4, d5, d6, d7);
}

// One pixel quad's multiply-adds for the 8 output channels in w0 (channels 0–3) and w1 (4–7). Every compiler
// here inlines it, so the accumulators stay named registers.
fn madd8(xv: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>,
         p0: ptr<function, vec4<f32>>, p1: ptr<function, vec4<f32>>, p2: ptr<function, vec4<f32>>,
         p3: ptr<function, vec4<f32>>, p4: ptr<function, vec4<f32>>, p5: ptr<function, vec4<f32>>,
         p6: ptr<function, vec4<f32>>, p7: ptr<function, vec4<f32>>) {
  *p0 += w0.x * xv; *p1 += w0.y * xv; *p2 += w0.z * xv; *p3 += w0.w * xv;
  *p4 += w1.x * xv; *p5 += w1.y * xv; *p6 += w1.z * xv; *p7 += w1.w * xv;
}

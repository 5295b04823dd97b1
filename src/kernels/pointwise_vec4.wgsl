// 1×1 convolution for layers whose output channels are a multiple of 16 and pixels per face a multiple of 4
// (the detector's maps that pointwise_8x16.wgsl does not fit): Y[n][o][p] = act(b[o] + Σc W[o][c]·X[n][c][p])
// (+ R[n][o][p]).
// Each invocation computes 16 output channels × 4 pixels in registers, with no workgroup memory or barriers:
// per input channel, one vec4 of X (4 pixels) and four vec4s of W (16 outputs; W is stored [C][O] by
// runtime/gpu/weights-layout.ts) feed 64 multiply-adds. Consecutive invocations take consecutive pixel quads,
// so X reads are contiguous and W reads are shared. Software adapters (SwiftShader, llvmpipe) run this ~2.5×
// faster than 4 outputs per invocation and ~6× faster than the shared-memory tiling of pointwise.wgsl,
// which remains for other shapes. CPU reference: runtime/cpu/pointwise.ts.

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
  let groups = P.out_channels / 4u;
  let blocks = groups / QUADS_OUT;
  if (i >= P.batch * blocks * quads) { return; }
  let q = i % quads;
  let g0 = ((i / quads) % blocks) * QUADS_OUT;
  let n = i / (quads * blocks);

  // Sixteen named accumulators, fully unrolled: SwiftShader's Subzero JIT keeps an indexed private array in
  // memory, which made the 1×1 layers 2–3× slower there (Dawn/SwiftShader, batch 16); named vec4s stay in
  // registers on every compiler.
  var a0 = vec4<f32>(0.0); var a1 = vec4<f32>(0.0); var a2 = vec4<f32>(0.0); var a3 = vec4<f32>(0.0);
  var a4 = vec4<f32>(0.0); var a5 = vec4<f32>(0.0); var a6 = vec4<f32>(0.0); var a7 = vec4<f32>(0.0);
  var a8 = vec4<f32>(0.0); var a9 = vec4<f32>(0.0); var a10 = vec4<f32>(0.0); var a11 = vec4<f32>(0.0);
  var a12 = vec4<f32>(0.0); var a13 = vec4<f32>(0.0); var a14 = vec4<f32>(0.0); var a15 = vec4<f32>(0.0);
  var xi = n * P.in_channels * quads + q;
  var wi = P.weight / 4u + g0;
  for (var c = 0u; c < P.in_channels; c++) {
    let xv = x[xi];
    let w0 = weights[wi];
    let w1 = weights[wi + 1u];
    let w2 = weights[wi + 2u];
    let w3 = weights[wi + 3u];
    a0 += w0.x * xv; a1 += w0.y * xv; a2 += w0.z * xv; a3 += w0.w * xv;
    a4 += w1.x * xv; a5 += w1.y * xv; a6 += w1.z * xv; a7 += w1.w * xv;
    a8 += w2.x * xv; a9 += w2.y * xv; a10 += w2.z * xv; a11 += w2.w * xv;
    a12 += w3.x * xv; a13 += w3.y * xv; a14 += w3.z * xv; a15 += w3.w * xv;
    xi += quads;
    wi += groups;
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  epilogue(base, quads, g0, a0, a1, a2, a3);
  epilogue(base + 4u * quads, quads, g0 + 1u, a4, a5, a6, a7);
  epilogue(base + 8u * quads, quads, g0 + 2u, a8, a9, a10, a11);
  epilogue(base + 12u * quads, quads, g0 + 3u, a12, a13, a14, a15);
}

// 1×1 convolution for layers whose output channels are a multiple of 16 and pixels per face a multiple of 4
// (all of the default student's blocks): Y[n][o][p] = act(b[o] + Σc W[o][c]·X[n][c][p]) (+ R[n][o][p]).
// Each invocation computes 16 output channels × 4 pixels in registers, with no workgroup memory or barriers:
// per input channel, one vec4 of X (4 pixels) and four vec4s of W (16 outputs; W is stored [C][O] by
// runtime/gpu/weights-layout.ts) feed 64 multiply-adds. Consecutive invocations take consecutive pixel quads,
// so X reads are contiguous and W reads are shared. Software adapters (SwiftShader, llvmpipe) run this ~2.5×
// faster than 4 outputs per invocation and ~6× faster than the shared-memory tiling of pointwise.wgsl,
// which remains for other shapes. CPU reference: runtime/cpu/pointwise.ts.

struct Params {
  batch: u32,
  in_channels: u32,
  out_channels: u32,
  pixels: u32,
  act: u32,
  has_residual: u32,
  weight: u32,      // offsets in floats, multiples of 4
  bias: u32,
  alpha: u32,
}

/** Output-channel quads per invocation (16 channels). */
const QUADS_OUT: u32 = 4u;

@group(0) @binding(0) var<uniform> P: Params;
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

  var acc: array<vec4<f32>, 16>;   // acc[o] holds 4 pixels of output channel g0·4 + o
  var xi = n * P.in_channels * quads + q;
  var wi = P.weight / 4u + g0;
  for (var c = 0u; c < P.in_channels; c++) {
    let xv = x[xi];
    for (var k = 0u; k < QUADS_OUT; k++) {
      let wv = weights[wi + k];
      acc[4u * k] += wv.x * xv;
      acc[4u * k + 1u] += wv.y * xv;
      acc[4u * k + 2u] += wv.z * xv;
      acc[4u * k + 3u] += wv.w * xv;
    }
    xi += quads;
    wi += groups;
  }

  let base = (n * P.out_channels + g0 * 4u) * quads + q;
  for (var k = 0u; k < QUADS_OUT; k++) {
    let bias = weights[P.bias / 4u + g0 + k];
    var slope = vec4<f32>(0.0);
    if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g0 + k]; }
    for (var j = 0u; j < 4u; j++) {
      let index = base + (4u * k + j) * quads;
      let v = acc[4u * k + j] + bias[j];
      var out = v;
      if (P.act == ACT_RELU) { out = max(v, vec4<f32>(0.0)); }
      if (P.act == ACT_PRELU) { out = select(v, v * slope[j], v < vec4<f32>(0.0)); }
      if (P.has_residual == 1u) { out += residual[index]; }
      y[index] = out;
    }
  }
}

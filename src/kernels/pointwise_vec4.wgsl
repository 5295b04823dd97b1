// 1×1 convolution for layers whose output channels and pixels per face are multiples of 4 (all of the
// default student's blocks): Y[n][o][p] = act(b[o] + Σc W[o][c]·X[n][c][p]) (+ R[n][o][p]).
// Each invocation computes 4 output channels × 4 pixels with vec4 loads and no workgroup memory or
// barriers: per input channel one vec4 of W (4 outputs, W stored [C][O]) and one vec4 of X (4 pixels) feed
// 16 multiply-adds. Consecutive invocations take consecutive pixel quads, so X reads are contiguous and the
// W vec4 is shared. This suits software adapters (SwiftShader, llvmpipe), where barriers and shared memory
// are costly, as well as GPUs. CPU reference: runtime/cpu/pointwise.ts.

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
  if (i >= P.batch * groups * quads) { return; }
  let q = i % quads;
  let g = (i / quads) % groups;
  let n = i / (quads * groups);

  let C = P.in_channels;
  var a0 = vec4<f32>(0.0);
  var a1 = vec4<f32>(0.0);
  var a2 = vec4<f32>(0.0);
  var a3 = vec4<f32>(0.0);
  var xi = n * C * quads + q;
  var wi = P.weight / 4u + g;
  for (var c = 0u; c < C; c++) {
    let xv = x[xi];
    let wv = weights[wi];
    a0 += wv.x * xv;
    a1 += wv.y * xv;
    a2 += wv.z * xv;
    a3 += wv.w * xv;
    xi += quads;
    wi += groups;
  }

  let bias = weights[P.bias / 4u + g];
  var slope = vec4<f32>(0.0);
  if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g]; }
  let base = (n * P.out_channels + g * 4u) * quads + q;
  write_out(base, a0 + bias.x, slope.x);
  write_out(base + quads, a1 + bias.y, slope.y);
  write_out(base + 2u * quads, a2 + bias.z, slope.z);
  write_out(base + 3u * quads, a3 + bias.w, slope.w);
}

fn write_out(index: u32, v: vec4<f32>, slope: f32) {
  var out = select(v, v * slope, v < vec4<f32>(0.0));
  if (P.act == ACT_NONE) { out = v; }
  if (P.act == ACT_RELU) { out = max(v, vec4<f32>(0.0)); }
  if (P.has_residual == 1u) { out += residual[index]; }
  y[index] = out;
}

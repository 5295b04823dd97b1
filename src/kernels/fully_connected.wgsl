// Fully connected layer for output sizes that are multiples of 16 (the 128-D embedding):
// y[n][o] = b[o] + Σc W[o][c]·x[n][c]. Each invocation computes 16 outputs of one face as four vec4s, reading
// W stored [C][O] (runtime/gpu/weights-layout.ts) as four vec4s per input. The general pointwise.wgsl would
// tile a 1-pixel map, wasting most of each tile. CPU reference: runtime/cpu/pointwise.ts (pixels = 1).

@group(0) @binding(0) var<uniform> P: MatmulParams;
@group(0) @binding(1) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> residual: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let groups = P.out_channels / 4u;
  let blocks = groups / QUADS_OUT;
  if (i >= P.batch * blocks) { return; }
  let g0 = (i % blocks) * QUADS_OUT;
  let n = i / blocks;

  let b = P.bias / 4u + g0;
  var a0 = weights[b];
  var a1 = weights[b + 1u];
  var a2 = weights[b + 2u];
  var a3 = weights[b + 3u];
  var wi = P.weight / 4u + g0;
  let xi = n * P.in_channels;
  for (var c = 0u; c < P.in_channels; c++) {
    let v = x[xi + c];
    a0 += v * weights[wi];
    a1 += v * weights[wi + 1u];
    a2 += v * weights[wi + 2u];
    a3 += v * weights[wi + 3u];
    wi += groups;
  }
  let out = n * groups + g0;
  let a = P.alpha / 4u + g0;
  y[out] = finish(a0, a, out);
  y[out + 1u] = finish(a1, a + 1u, out + 1u);
  y[out + 2u] = finish(a2, a + 2u, out + 2u);
  y[out + 3u] = finish(a3, a + 3u, out + 3u);
}

// Activation (per-channel slopes at weights[alpha]) and residual, for four consecutive outputs.
fn finish(v: vec4<f32>, alpha: u32, index: u32) -> vec4<f32> {
  var out = v;
  if (P.act == ACT_RELU) { out = max(v, vec4<f32>(0.0)); }
  if (P.act == ACT_PRELU) { out = select(v, v * weights[alpha], v < vec4<f32>(0.0)); }
  if (P.has_residual == 1u) { out += residual[index]; }
  return out;
}

// L2 normalisation of each face's embedding: one invocation per face (D is small, ~128).
// CPU reference: runtime/cpu/pool.ts (l2Normalize: y = x / max(‖x‖, 1e-12)).
// Numerically safe: the row is divided by its largest magnitude m before squaring, so the sum of squares lies in
// [1, D] and never overflows (‖x‖² overflows f32 from |x| ≈ 1.8e19) or underflows; ‖x‖ = m·r is only compared.

@group(0) @binding(0) var<uniform> P: NormParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = flat_index(wid, nwg, lid);
  if (n >= P.batch) { return; }
  let base = n * P.dim;
  var m = 0.0;
  for (var i = 0u; i < P.dim; i++) { m = max(m, abs(x[base + i])); }
  var ss = 0.0;
  for (var i = 0u; i < P.dim; i++) { let v = x[base + i] / m; ss += v * v; }
  let r = sqrt(ss);
  // m·r may be +∞ (then the row is large, as it should test); a zero row gives m = 0 and stays zero.
  let large = m * r >= 1e-12;
  for (var i = 0u; i < P.dim; i++) {
    y[base + i] = select(x[base + i] * 1e12, (x[base + i] / m) / r, large);
  }
}

// L2 normalisation of each face's embedding: one invocation per face (D is small, ~128).
// CPU reference: runtime/cpu/pool.ts (l2Normalize).

@group(0) @binding(0) var<uniform> P: NormParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let n = flat_index(wid, nwg, lid);
  if (n >= P.batch) { return; }
  var ss = 0.0;
  for (var i = 0u; i < P.dim; i++) { ss += x[n * P.dim + i] * x[n * P.dim + i]; }
  let inv = 1.0 / max(sqrt(ss), 1e-12);
  for (var i = 0u; i < P.dim; i++) { y[n * P.dim + i] = x[n * P.dim + i] * inv; }
}

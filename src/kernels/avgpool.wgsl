// Global average pooling: one invocation per (face, channel) row of `pixels` values.
// CPU reference: runtime/cpu/pool.ts (globalAvgPool).

@group(0) @binding(0) var<uniform> P: PoolParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let r = flat_index(wid, nwg, lid);
  if (r >= P.rows) { return; }
  var acc = 0.0;
  for (var p = 0u; p < P.pixels; p++) { acc += x[r * P.pixels + p]; }
  y[r] = acc / f32(P.pixels);
}

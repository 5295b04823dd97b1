// The logistic function elementwise (the detectors' score heads), written so that neither branch overflows:
// exp of a non-positive number only. CPU reference: runtime/cpu/map-ops.ts (sigmoid).

@group(0) @binding(0) var<uniform> P: LengthParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i >= P.length) { return; }
  let v = x[i];
  let e = exp(-abs(v));
  y[i] = select(e / (1.0 + e), 1.0 / (1.0 + e), v >= 0.0);
}

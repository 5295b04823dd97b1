// Elementwise sum of two tensors of the same shape (the feature pyramid's lateral + upsampled maps).
// CPU reference: runtime/cpu/map-ops.ts (addMaps).

@group(0) @binding(0) var<uniform> P: LengthParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> residual: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i >= P.length) { return; }
  y[i] = x[i] + residual[i];
}

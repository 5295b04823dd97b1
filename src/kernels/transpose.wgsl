// A 4-D permutation of a row-major tensor (the detectors' heads: NCHW → NHWC before the reshape to rows), one
// invocation per output value: the output index is split by the output dimensions, and each coordinate steps
// through the input by the stride of the input axis it came from. CPU reference: runtime/cpu/map-ops.ts
// (transpose4d).

@group(0) @binding(0) var<uniform> P: TransposeParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  if (i >= P.length) { return; }
  let c3 = i % P.dim3;
  let c2 = (i / P.dim3) % P.dim2;
  let c1 = (i / (P.dim3 * P.dim2)) % P.dim1;
  let c0 = i / (P.dim3 * P.dim2 * P.dim1);
  y[i] = x[c0 * P.stride0 + c1 * P.stride1 + c2 * P.stride2 + c3 * P.stride3];
}

// Nearest-neighbour resize of NCHW planes, ONNX 'asymmetric' + 'floor': out[y][x] = in[⌊y / scale_h⌋][⌊x / scale_w⌋]
// (the detectors' ×2 upsampling in the feature pyramid), one invocation per output value.
// CPU reference: runtime/cpu/map-ops.ts (resizeNearest).

@group(0) @binding(0) var<uniform> P: ResizeParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let out_plane = P.out_height * P.out_width;
  if (i >= P.planes * out_plane) { return; }
  let ox = i % P.out_width;
  let oy = (i / P.out_width) % P.out_height;
  let iy = min(u32(floor(f32(oy) / P.scale_h)), P.in_height - 1u);
  let ix = min(u32(floor(f32(ox) / P.scale_w)), P.in_width - 1u);
  y[i] = x[(i / out_plane) * P.in_height * P.in_width + iy * P.in_width + ix];
}

// Max pooling over K×K windows of NCHW planes of any height and width (the detectors' 2×2, stride 2 pools), one
// invocation per output value. Padding never wins: a window's taps outside the plane are skipped.
// CPU reference: runtime/cpu/map-ops.ts (maxPool2d).

@group(0) @binding(0) var<uniform> P: Pool2dParams;
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
  let base = (i / out_plane) * P.in_height * P.in_width;
  var best = -3.402823e38;
  for (var ky = 0u; ky < P.kernel; ky++) {
    // Unsigned wrap-around makes padding rows and columns fail the bounds tests.
    let iy = oy * P.stride + ky - P.pad;
    if (iy >= P.in_height) { continue; }
    for (var kx = 0u; kx < P.kernel; kx++) {
      let ix = ox * P.stride + kx - P.pad;
      if (ix < P.in_width) { best = max(best, x[base + iy * P.in_width + ix]); }
    }
  }
  y[i] = best;
}

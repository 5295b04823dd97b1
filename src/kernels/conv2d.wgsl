// Direct K×K convolution, NCHW, zero padding, bias + activation in the epilogue. One invocation per output
// value. The general case: dense (groups = 1, weight [O, C, K, K]) or depthwise (groups = C, weight
// [C, 1, K, K]) with any kernel, stride and padding. It runs the global depthwise pooling (K = input size,
// pad 0, 1×1 output) and any stem the faster conv3x3_16x8.wgsl does not take (output channels not a multiple
// of 16, output widths not a multiple of 4, strides above 2); depthwise3x3.wgsl runs the blocks. Maps may be
// rectangular: in_size/out_size are heights, *_width widths.
// CPU reference: runtime/cpu/conv.ts.

@group(0) @binding(0) var<uniform> P: ConvParams;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flat_index(wid, nwg, lid);
  let out_plane = P.out_size * P.out_width;
  if (i >= P.batch * P.out_channels * out_plane) { return; }
  let ox = i % P.out_width;
  let oy = (i / P.out_width) % P.out_size;
  let o = (i / out_plane) % P.out_channels;
  let n = i / (out_plane * P.out_channels);

  let in_plane = P.in_size * P.in_width;
  let k = P.kernel;
  // Input channels of output channel o's group: all of them (dense) or channel o alone (depthwise).
  let group_in = P.in_channels / P.groups;
  let first_in = (o / (P.out_channels / P.groups)) * group_in;

  var acc = weights[P.bias + o];
  for (var ci = 0u; ci < group_in; ci++) {
    let in_base = (n * P.in_channels + first_in + ci) * in_plane;
    let w_base = P.weight + (o * group_in + ci) * k * k;
    for (var ky = 0u; ky < k; ky++) {
      // Unsigned wrap-around makes negative (padding) rows fail the bounds test.
      let iy = oy * P.stride + ky - P.pad;
      if (iy >= P.in_size) { continue; }
      for (var kx = 0u; kx < k; kx++) {
        let ix = ox * P.stride + kx - P.pad;
        if (ix >= P.in_width) { continue; }
        acc += x[in_base + iy * P.in_width + ix] * weights[w_base + ky * k + kx];
      }
    }
  }
  var slope = 0.0;
  if (P.act == ACT_PRELU) { slope = weights[P.alpha + o]; }
  y[i] = activate(acc, P.act, slope);
}

// The epilogue shared by pointwise_vec4.wgsl and pointwise_8x16.wgsl (appended to both modules).

// Bias, activation and residual for the four output channels of quad `g`, 4 pixels each, then the stores.
fn epilogue(base: u32, stride: u32, g: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
  let bias = weights[P.bias / 4u + g];
  var slope = vec4<f32>(0.0);
  if (P.act == ACT_PRELU) { slope = weights[P.alpha / 4u + g]; }
  write_out(base, v0 + bias.x, slope.x);
  write_out(base + stride, v1 + bias.y, slope.y);
  write_out(base + 2u * stride, v2 + bias.z, slope.z);
  write_out(base + 3u * stride, v3 + bias.w, slope.w);
}

fn write_out(index: u32, v: vec4<f32>, slope: f32) {
  var out = activate4(v, P.act, slope);
  if (P.has_residual == 1u) { out += residual[index]; }
  y[index] = out;
}

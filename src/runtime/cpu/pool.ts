/** CPU references for kernels/avgpool.wgsl and kernels/l2norm.wgsl. */

/** Mean over the `pixels` values of each (face, channel) row. */
export function globalAvgPool(
  batch: number,
  channels: number,
  pixels: number,
  input: Float32Array,
  out: Float32Array,
): void {
  for (let r = 0; r < batch * channels; r++) {
    let acc = 0;
    for (let p = 0; p < pixels; p++) acc += input[r * pixels + p];
    out[r] = acc / pixels;
  }
}

/** Scales each row of `dim` values to unit Euclidean length (a zero row stays zero). */
export function l2Normalize(batch: number, dim: number, input: Float32Array, out: Float32Array): void {
  for (let n = 0; n < batch; n++) {
    let ss = 0;
    for (let i = 0; i < dim; i++) ss += input[n * dim + i] ** 2;
    const inv = 1 / Math.max(Math.sqrt(ss), 1e-12);
    for (let i = 0; i < dim; i++) out[n * dim + i] = input[n * dim + i] * inv;
  }
}

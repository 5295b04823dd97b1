/**
 * The CPU's one matrix kernel: out[o·P + p] = bias[o] + Σk W[o·K + k] · xt[p·K + k], where xt holds one row
 * of K values per pixel (a transposed activation map, or an im2col patch matrix). Both operands are walked
 * contiguously and four output channels share each loaded x value, so the JIT keeps the four accumulators in
 * registers: ~4× faster than the channel-outer loop over an NCHW map.
 */
export function gemmRows(
  weight: Float32Array,
  bias: Float32Array,
  outChannels: number,
  k: number,
  xt: Float32Array,
  pixels: number,
  out: Float32Array,
  outBase: number,
): void {
  let o = 0;
  for (; o + 4 <= outChannels; o += 4) {
    const [w0, w1, w2, w3] = [o * k, (o + 1) * k, (o + 2) * k, (o + 3) * k];
    for (let p = 0; p < pixels; p++) {
      let a0 = bias[o];
      let a1 = bias[o + 1];
      let a2 = bias[o + 2];
      let a3 = bias[o + 3];
      const x = p * k;
      for (let c = 0; c < k; c++) {
        const v = xt[x + c];
        a0 += weight[w0 + c] * v;
        a1 += weight[w1 + c] * v;
        a2 += weight[w2 + c] * v;
        a3 += weight[w3 + c] * v;
      }
      const d = outBase + o * pixels + p;
      out[d] = a0;
      out[d + pixels] = a1;
      out[d + 2 * pixels] = a2;
      out[d + 3 * pixels] = a3;
    }
  }
  for (; o < outChannels; o++) {
    for (let p = 0; p < pixels; p++) {
      let a = bias[o];
      for (let c = 0; c < k; c++) a += weight[o * k + c] * xt[p * k + c];
      out[outBase + o * pixels + p] = a;
    }
  }
}

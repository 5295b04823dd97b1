/**
 * The CPU backend's tuned JavaScript convolutions (where WebAssembly SIMD is missing, or a shape the wasm kernels
 * do not take): im2col + a register-blocked product for dense layers, unrolled taps over a zero-bordered copy
 * for depthwise ones. Judged against the plain reference in conv.ts.
 */
import type { ConvOp, ConvShape } from './conv.js';
import { activateRows, pointwiseJs } from './js-pointwise.js';

/**
 * Im2col: for every face, the K·K·C input values under each output pixel, as a [C·K·K][P] matrix (the
 * layout of an NCHW map with C·K·K channels), so a dense convolution is a 1×1 convolution of it.
 */
export function im2col(s: ConvShape, input: Float32Array, columns: Float32Array): void {
  const { inSize, outSize, kernel: k, stride, pad } = s;
  const [inW, outW] = [s.inWidth ?? inSize, s.outWidth ?? outSize];
  const [inPlane, outPlane, taps] = [inSize * inW, outSize * outW, s.inChannels * k * k];
  for (let n = 0; n < s.batch; n++) {
    for (let t = 0; t < taps; t++) {
      const plane = (n * s.inChannels + Math.floor(t / (k * k))) * inPlane;
      const [ky, kx] = [Math.floor((t % (k * k)) / k), t % k];
      const row = (n * taps + t) * outPlane;
      // Output columns whose tap lands inside the row, [first, end): the loop between needs no bounds tests.
      const first = Math.min(outW, Math.max(0, Math.ceil((pad - kx) / stride)));
      const end = Math.max(first, Math.min(outW, Math.floor((inW - 1 + pad - kx) / stride) + 1));
      for (let oy = 0; oy < outSize; oy++) {
        const iy = oy * stride + ky - pad;
        const out = row + oy * outW;
        if (iy < 0 || iy >= inSize) {
          columns.fill(0, out, out + outW);
          continue;
        }
        const src = plane + iy * inW + kx - pad;
        columns.fill(0, out, out + first);
        for (let ox = first; ox < end; ox++) columns[out + ox] = input[src + ox * stride];
        columns.fill(0, out + end, out + outW);
      }
    }
  }
}

/**
 * Convolution with zero padding. `groups` is 1 for the dense stem (weight [O, C, K, K]), computed as a 1×1
 * convolution of its im2col matrix, or the channel count for depthwise (weight [C, 1, K, K], O = C), computed
 * directly. (No other grouping exists in the network.)
 */
export const convJs: ConvOp = (s, input, weight, bias, alpha, out) => {
  const { inSize, outSize, kernel: k, stride, pad } = s;
  const [inW, outW] = [s.inWidth ?? inSize, s.outWidth ?? outSize];
  const inPlane = inSize * inW;
  const outPlane = outSize * outW;
  if (s.groups === 1) {
    const taps = s.inChannels * k * k;
    const columns = new Float32Array(s.batch * taps * outPlane);
    im2col(s, input, columns);
    pointwiseJs(
      { batch: s.batch, inChannels: taps, outChannels: s.outChannels, pixels: outPlane, act: s.act },
      columns,
      weight,
      bias,
      alpha,
      undefined,
      out,
    );
    return;
  }
  if (pad === 0 && outSize === 1 && outW === 1 && k === inSize && k === inW) {
    // Global depthwise pooling: each output is the dot product of one plane with its kernel.
    for (let nc = 0; nc < s.batch * s.outChannels; nc++) {
      const c = nc % s.outChannels;
      let acc = bias[c];
      for (let i = 0; i < inPlane; i++) acc += input[nc * inPlane + i] * weight[c * inPlane + i];
      out[nc] = acc;
      activateRows(out, nc, 1, s.act, alpha, c);
    }
    return;
  }
  // Depthwise: copy each plane into a zero-bordered scratch so the tap loops need no bounds tests.
  const side = inW + 2 * pad;
  const padded = new Float32Array(side * (inSize + 2 * pad));
  for (let nc = 0; nc < s.batch * s.outChannels; nc++) {
    const c = nc % s.outChannels;
    const [inBase, outBase, wBase] = [nc * inPlane, nc * outPlane, c * k * k];
    for (let y = 0; y < inSize; y++)
      padded.set(input.subarray(inBase + y * inW, inBase + (y + 1) * inW), (y + pad) * side + pad);
    if (k === 3) {
      // The blocks' 3×3 case with the taps unrolled: ~3× faster than the general loops below.
      const [w0, w1, w2, w3, w4, w5, w6, w7, w8] = weight.subarray(wBase, wBase + 9);
      for (let oy = 0; oy < outSize; oy++) {
        const r0 = oy * stride * side;
        const [r1, r2] = [r0 + side, r0 + 2 * side];
        const o = outBase + oy * outW;
        for (let ox = 0; ox < outW; ox++) {
          const i = ox * stride;
          out[o + ox] =
            bias[c] +
            padded[r0 + i] * w0 +
            padded[r0 + i + 1] * w1 +
            padded[r0 + i + 2] * w2 +
            padded[r1 + i] * w3 +
            padded[r1 + i + 1] * w4 +
            padded[r1 + i + 2] * w5 +
            padded[r2 + i] * w6 +
            padded[r2 + i + 1] * w7 +
            padded[r2 + i + 2] * w8;
        }
      }
    } else {
      for (let oy = 0; oy < outSize; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let acc = bias[c];
          for (let ky = 0; ky < k; ky++) {
            const row = (oy * stride + ky) * side + ox * stride;
            for (let kx = 0; kx < k; kx++) acc += padded[row + kx] * weight[wBase + ky * k + kx];
          }
          out[outBase + oy * outW + ox] = acc;
        }
      }
    }
    activateRows(out, outBase, outPlane, s.act, alpha, c);
  }
};

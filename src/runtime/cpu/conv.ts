/**
 * CPU reference for kernels/conv2d.wgsl, conv3x3_vec4.wgsl (the dense stem) and depthwise3x3.wgsl (3×3 blocks;
 * conv2d.wgsl also runs the global depthwise pooling). NCHW, zero padding.
 */
import type { ActCode } from '../../model/network.js';
import { activate } from './activation.js';
import { gemmRows } from './gemm.js';

export interface ConvShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  inSize: number;
  outSize: number;
  kernel: number;
  stride: number;
  pad: number;
  act: ActCode;
}

/**
 * Convolution with zero padding. `groups` is 1 for the dense stem (weight [O, C, K, K]), computed as im2col
 * patches times the weights with the shared matrix kernel, or 'depthwise' (weight [C, 1, K, K], O = C),
 * computed directly.
 */
export function conv2d(
  s: ConvShape & { groups: 1 | 'depthwise' },
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  alpha: Float32Array | undefined,
  out: Float32Array,
): void {
  const { inSize, outSize, kernel: k, stride, pad } = s;
  const inPlane = inSize * inSize;
  const outPlane = outSize * outSize;
  /** Input value at (channel plane base, y, x), zero outside the map. */
  const at = (base: number, iy: number, ix: number) => (iy < 0 || iy >= inSize || ix < 0 || ix >= inSize ? 0 : input[base + iy * inSize + ix]);
  if (s.groups === 1) {
    const taps = s.inChannels * k * k;
    const patches = new Float32Array(outPlane * taps);
    for (let n = 0; n < s.batch; n++) {
      for (let p = 0; p < outPlane; p++) {
        const [oy, ox] = [Math.floor(p / outSize), p % outSize];
        for (let c = 0; c < s.inChannels; c++) {
          const base = (n * s.inChannels + c) * inPlane;
          for (let t = 0; t < k * k; t++) {
            patches[p * taps + c * k * k + t] = at(base, oy * stride + Math.floor(t / k) - pad, ox * stride + (t % k) - pad);
          }
        }
      }
      const outBase = n * s.outChannels * outPlane;
      gemmRows(weight, bias, s.outChannels, taps, patches, outPlane, out, outBase);
      for (let o = 0; o < s.outChannels; o++) activate(out, outBase + o * outPlane, outPlane, s.act, alpha, o);
    }
    return;
  }
  // Depthwise: copy each plane into a zero-bordered scratch so the tap loops need no bounds tests.
  const side = inSize + 2 * pad;
  const padded = new Float32Array(side * side);
  for (let nc = 0; nc < s.batch * s.outChannels; nc++) {
    const c = nc % s.outChannels;
    const [inBase, outBase, wBase] = [nc * inPlane, nc * outPlane, c * k * k];
    for (let y = 0; y < inSize; y++) padded.set(input.subarray(inBase + y * inSize, inBase + (y + 1) * inSize), (y + pad) * side + pad);
    for (let oy = 0; oy < outSize; oy++) {
      for (let ox = 0; ox < outSize; ox++) {
        let acc = bias[c];
        for (let ky = 0; ky < k; ky++) {
          const row = (oy * stride + ky) * side + ox * stride;
          for (let kx = 0; kx < k; kx++) acc += padded[row + kx] * weight[wBase + ky * k + kx];
        }
        out[outBase + oy * outSize + ox] = acc;
      }
    }
    activate(out, outBase, outPlane, s.act, alpha, c);
  }
}

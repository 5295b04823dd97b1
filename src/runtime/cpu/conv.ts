/**
 * CPU references for kernels/conv3x3.wgsl (the dense stem) and kernels/depthwise.wgsl (3×3 blocks and the
 * global depthwise pooling). NCHW, zero padding.
 */
import type { ActCode } from '../../model/network.js';
import { activate } from './activation.js';

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
 * Direct convolution. `groups` is 1 for the dense stem (weight [O, C, K, K]) and C for depthwise
 * (weight [C, 1, K, K], O = C).
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
  const perGroupIn = s.groups === 1 ? s.inChannels : 1;
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < s.outChannels; o++) {
      const firstIn = s.groups === 1 ? 0 : o;
      const outBase = (n * s.outChannels + o) * outPlane;
      for (let oy = 0; oy < outSize; oy++) {
        for (let ox = 0; ox < outSize; ox++) {
          let acc = bias[o];
          for (let ci = 0; ci < perGroupIn; ci++) {
            const inBase = (n * s.inChannels + firstIn + ci) * inPlane;
            const wBase = (o * perGroupIn + ci) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= inSize) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride + kx - pad;
                if (ix < 0 || ix >= inSize) continue;
                acc += input[inBase + iy * inSize + ix] * weight[wBase + ky * k + kx];
              }
            }
          }
          out[outBase + oy * outSize + ox] = acc;
        }
      }
      activate(out, outBase, outPlane, s.act, alpha, o);
    }
  }
}

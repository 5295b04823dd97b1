/**
 * CPU reference for kernels/conv2d.wgsl, conv3x3_vec4.wgsl (the dense stem) and depthwise3x3.wgsl (3×3 blocks;
 * conv2d.wgsl also runs the global depthwise pooling): the plain loop of the definition, NCHW, zero padding.
 * It judges every kernel (WGSL, tuned JavaScript, WebAssembly); nothing runs it for speed.
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

/** The contract of a convolution op: this reference and the tuned JavaScript one (js-conv.ts). */
export type ConvOp = (
  s: ConvShape & { groups: 1 | 'depthwise' },
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  alpha: Float32Array | undefined,
  out: Float32Array,
) => void;

/**
 * out[n][o][y][x] = act(bias[o] + Σ weight · input over the K×K window at (y·stride − pad, x·stride − pad)), the
 * window spanning every input channel when `groups` is 1 (weight [O][C][K][K]) or only channel o when it is
 * 'depthwise' (weight [C][1][K][K], O = C).
 */
export const conv2d: ConvOp = (s, input, weight, bias, alpha, out) => {
  const { inSize, outSize, kernel: k, stride, pad, inChannels: C, outChannels: O } = s;
  const depthwise = s.groups === 'depthwise';
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < O; o++) {
      for (let oy = 0; oy < outSize; oy++) {
        for (let ox = 0; ox < outSize; ox++) {
          let acc = bias[o];
          for (let c = depthwise ? o : 0; c < (depthwise ? o + 1 : C); c++) {
            const w = (o * (depthwise ? 1 : C) + (depthwise ? 0 : c)) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= inSize) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride + kx - pad;
                if (ix >= 0 && ix < inSize) acc += input[((n * C + c) * inSize + iy) * inSize + ix] * weight[w + ky * k + kx];
              }
            }
          }
          out[((n * O + o) * outSize + oy) * outSize + ox] = activate(acc, s.act, alpha, o);
        }
      }
    }
  }
};

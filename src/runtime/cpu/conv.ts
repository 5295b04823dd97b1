/**
 * CPU reference for kernels/conv2d.wgsl, conv3x3_16x8.wgsl (the dense stem) and depthwise3x3.wgsl (3×3 blocks;
 * conv2d.wgsl also runs the global depthwise pooling): the plain loop of the definition, NCHW, zero padding.
 * It judges every kernel (WGSL, tuned JavaScript, WebAssembly); nothing runs it for speed.
 */
import type { ActCode } from '../../model/network.js';
import { activate } from './activation.js';

export interface ConvShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  /** Side of the input and output maps; their heights when `inWidth` / `outWidth` are given. */
  inSize: number;
  outSize: number;
  /** Widths of maps that are not square (a detector graph's); the student's maps are square and leave them out. */
  inWidth?: number;
  outWidth?: number;
  kernel: number;
  stride: number;
  pad: number;
  act: ActCode;
}

/** The contract of a convolution op: this reference and the tuned JavaScript one (js-conv.ts). */
export type ConvOp = (
  s: ConvShape & { groups: number },
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  alpha: Float32Array | undefined,
  out: Float32Array,
) => void;

/**
 * out[n][o][y][x] = act(bias[o] + Σ weight · input over the K×K window at (y·stride − pad, x·stride − pad)), the
 * window spanning the C/groups input channels of o's group: all of them for the dense stem (groups 1, weight
 * [O][C][K][K]), channel o alone for depthwise layers (groups = C = O, weight [C][1][K][K]).
 */
export const conv2d: ConvOp = (s, input, weight, bias, alpha, out) => {
  const { inSize: inH, outSize: outH, kernel: k, stride, pad, inChannels: C, outChannels: O, groups } = s;
  const [inW, outW] = [s.inWidth ?? inH, s.outWidth ?? outH];
  const [perGroupIn, perGroupOut] = [C / groups, O / groups];
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < O; o++) {
      const first = Math.floor(o / perGroupOut) * perGroupIn;
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          let acc = bias[o];
          for (let g = 0; g < perGroupIn; g++) {
            const w = (o * perGroupIn + g) * k * k;
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= inH) continue;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride + kx - pad;
                if (ix >= 0 && ix < inW)
                  acc += input[((n * C + first + g) * inH + iy) * inW + ix] * weight[w + ky * k + kx];
              }
            }
          }
          out[((n * O + o) * outH + oy) * outW + ox] = activate(acc, s.act, alpha, o);
        }
      }
    }
  }
};

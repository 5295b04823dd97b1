/**
 * CPU reference for kernels/pointwise.wgsl: per face, out[o][p] = act(b[o] + Σc W[o][c]·x[c][p]) (+ res[o][p]),
 * the plain loop of the definition. With one pixel per face this is the fully connected layer.
 */
import type { ActCode } from '../../model/network.js';
import { activate } from './activation.js';

export interface PointwiseShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  pixels: number;
  act: ActCode;
}

/** The contract of a 1×1 op: this reference and the tuned JavaScript one (js-pointwise.ts). */
export type PointwiseOp = (
  s: PointwiseShape,
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  alpha: Float32Array | undefined,
  residual: Float32Array | undefined,
  out: Float32Array,
) => void;

export const pointwise: PointwiseOp = (s, input, weight, bias, alpha, residual, out) => {
  const { inChannels: C, outChannels: O, pixels: P } = s;
  for (let n = 0; n < s.batch; n++) {
    for (let o = 0; o < O; o++) {
      for (let p = 0; p < P; p++) {
        let acc = bias[o];
        for (let c = 0; c < C; c++) acc += weight[o * C + c] * input[(n * C + c) * P + p];
        const at = (n * O + o) * P + p;
        out[at] = activate(acc, s.act, alpha, o) + (residual ? residual[at] : 0);
      }
    }
  }
};

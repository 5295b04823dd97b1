/**
 * CPU reference for kernels/pointwise.wgsl: per face, out[o][p] = act(b[o] + Σc W[o][c]·x[c][p]) (+ res[o][p]).
 * With one pixel per face this is the fully connected layer.
 */
import type { ActCode } from '../../model/network.js';
import { activate } from './activation.js';
import { gemmRows } from './gemm.js';

export interface PointwiseShape {
  batch: number;
  inChannels: number;
  outChannels: number;
  pixels: number;
  act: ActCode;
}

export function pointwise(
  s: PointwiseShape,
  input: Float32Array,
  weight: Float32Array,
  bias: Float32Array,
  alpha: Float32Array | undefined,
  residual: Float32Array | undefined,
  out: Float32Array,
): void {
  const { inChannels: C, outChannels: O, pixels: P } = s;
  const xt = new Float32Array(P * C);
  for (let n = 0; n < s.batch; n++) {
    const inBase = n * C * P;
    for (let c = 0; c < C; c++) for (let p = 0; p < P; p++) xt[p * C + c] = input[inBase + c * P + p];
    const outBase = n * O * P;
    gemmRows(weight, bias, O, C, xt, P, out, outBase);
    for (let o = 0; o < O; o++) {
      const row = outBase + o * P;
      activate(out, row, P, s.act, alpha, o);
      if (residual) for (let p = 0; p < P; p++) out[row + p] += residual[row + p];
    }
  }
}

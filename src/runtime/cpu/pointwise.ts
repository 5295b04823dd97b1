/**
 * CPU reference for kernels/pointwise.wgsl: per face, out[o][p] = act(b[o] + Σc W[o][c]·x[c][p]) (+ res[o][p]).
 * With one pixel per face this is the fully connected layer.
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
  for (let n = 0; n < s.batch; n++) {
    const inBase = n * C * P;
    for (let o = 0; o < O; o++) {
      const outBase = (n * O + o) * P;
      out.fill(bias[o], outBase, outBase + P);
      // Loop order keeps the innermost loop contiguous in both x and out, which the JIT vectorises best.
      for (let c = 0; c < C; c++) {
        const w = weight[o * C + c];
        const x = inBase + c * P;
        for (let p = 0; p < P; p++) out[outBase + p] += w * input[x + p];
      }
      activate(out, outBase, P, s.act, alpha, o);
      if (residual) for (let p = 0; p < P; p++) out[outBase + p] += residual[outBase + p];
    }
  }
}

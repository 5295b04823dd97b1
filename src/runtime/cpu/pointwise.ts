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
    gemmRows(weight, bias, O, C, xt, P, out, n * O * P);
  }
  pointwiseEpilogue(s, alpha, residual, out);
}

/** Activation, then the residual add, over every output row: the part of the layer after the matrix product. */
function pointwiseEpilogue(s: PointwiseShape, alpha: Float32Array | undefined, residual: Float32Array | undefined, out: Float32Array): void {
  const { outChannels: O, pixels: P } = s;
  for (let row = 0; row < s.batch * O; row++) {
    const start = row * P;
    activate(out, start, P, s.act, alpha, row % O);
    if (residual) for (let p = start; p < start + P; p++) out[p] += residual[p];
  }
}

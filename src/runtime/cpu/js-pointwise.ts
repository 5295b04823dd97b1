/**
 * The CPU backend's tuned JavaScript 1×1 convolution (and fully connected layer): each face transposed once so
 * the product walks both operands contiguously (js-gemm.ts). Judged against the plain reference in pointwise.ts.
 */
import { ACT, type ActCode } from '../../model/network.js';
import { gemmRows } from './js-gemm.js';
import type { PointwiseOp, PointwiseShape } from './pointwise.js';

export const pointwiseJs: PointwiseOp = (s, input, weight, bias, alpha, residual, out) => {
  const { inChannels: C, outChannels: O, pixels: P } = s;
  const xt = new Float32Array(P * C);
  for (let n = 0; n < s.batch; n++) {
    const inBase = n * C * P;
    for (let c = 0; c < C; c++) for (let p = 0; p < P; p++) xt[p * C + c] = input[inBase + c * P + p];
    gemmRows(weight, bias, O, C, xt, P, out, n * O * P);
  }
  pointwiseEpilogue(s, alpha, residual, out);
};

/** Activation, then the residual add, over every output row: the part of the layer after the matrix product. */
function pointwiseEpilogue(
  s: PointwiseShape,
  alpha: Float32Array | undefined,
  residual: Float32Array | undefined,
  out: Float32Array,
): void {
  const { outChannels: O, pixels: P } = s;
  for (let row = 0; row < s.batch * O; row++) {
    const start = row * P;
    activateRows(out, start, P, s.act, alpha, row % O);
    if (residual) for (let p = start; p < start + P; p++) out[p] += residual[p];
  }
}

/** Applies the activation of channel `c` in place over `out[start, start + count)`. */
export function activateRows(
  out: Float32Array,
  start: number,
  count: number,
  act: ActCode,
  alpha: Float32Array | undefined,
  c: number,
): void {
  if (act === ACT.none) return;
  const slope = act === ACT.prelu ? alpha![c] : 0;
  for (let i = start; i < start + count; i++) {
    const v = out[i];
    if (v < 0) out[i] = v * slope;
  }
}

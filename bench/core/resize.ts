/**
 * The preprocessing of docs/weights-format.md as dense matrices, for peers that express it with their own ops:
 * out = Ry · img · Rxᵀ per channel, then x = (v/255 − mean)/std = v·scale + shift.
 */

import { resizeTaps } from '../../src/runtime/resize.js';
import type { InputSpec } from '../../src/tools.js';

/** S×L resize matrix for a whole axis of length L (no face box), row-major. Identity when L = S. */
export function resizeMatrix(outSize: number, length: number, mode: InputSpec['resize']): Float32Array {
  const m = new Float32Array(outSize * length);
  for (let i = 0; i < outSize; i++) {
    const taps = resizeTaps(i, outSize, 0, length, length, mode);
    taps.index.forEach((j, t) => (m[i * length + j] += taps.weight[t]));
  }
  return m;
}

/** Per-channel affine of the normalisation. */
export function normalisation(spec: InputSpec): { scale: number[]; shift: number[] } {
  return {
    scale: spec.std.map((s) => 1 / (255 * s)),
    shift: spec.mean.map((m, c) => -m / spec.std[c]),
  };
}

/** Taps of each output pixel padded to a fixed count (gpu.js needs constant loop bounds). */
export function fixedTaps(
  outSize: number,
  length: number,
  mode: InputSpec['resize'],
): { index: Float32Array; weight: Float32Array; taps: number } {
  const all = Array.from({ length: outSize }, (_, i) => resizeTaps(i, outSize, 0, length, length, mode));
  const taps = Math.max(...all.map((t) => t.index.length));
  const index = new Float32Array(outSize * taps);
  const weight = new Float32Array(outSize * taps);
  all.forEach((t, i) =>
    t.index.forEach((j, k) => {
      index[i * taps + k] = j;
      weight[i * taps + k] = t.weight[k];
    }),
  );
  return { index, weight, taps };
}

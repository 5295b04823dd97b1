import { ACT, type ActCode } from '../../model/network.js';

/** Applies the epilogue activation of channel `c` in place over `out[start, start + count)`. */
export function activate(out: Float32Array, start: number, count: number, act: ActCode, alpha: Float32Array | undefined, c: number): void {
  if (act === ACT.none) return;
  const slope = act === ACT.prelu ? alpha![c] : 0;
  for (let i = start; i < start + count; i++) {
    const v = out[i];
    if (v < 0) out[i] = v * slope;
  }
}

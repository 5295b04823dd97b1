import { ACT, type ActCode } from '../../model/network.js';

/** The epilogue activation of one value of channel `c`: ReLU, PReLU with per-channel slopes, or none. */
export function activate(v: number, act: ActCode, alpha: Float32Array | undefined, c: number): number {
  if (act === ACT.none || v >= 0) return v;
  return act === ACT.prelu ? v * alpha![c] : 0;
}

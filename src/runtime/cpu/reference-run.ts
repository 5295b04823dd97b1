/**
 * The oracle for a whole network: every layer on its plain reference op (runtime/reference.ts), with no kernel
 * choice at all. Tests and bench/profile.ts judge the CPU backend's plan by it; nothing runs it for speed.
 */
import type { Network } from '../../model/network.js';
import { runReference } from '../reference.js';

/** `batch` faces of input (N×3×S×S) through `network` with weights `tensors`; returns N×D. */
export function referenceRun(
  network: Network,
  tensors: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
): Float32Array {
  const t: Float32Array[] = network.tensorSizes.map((floats, i) =>
    i === 0 ? input : new Float32Array(batch * floats),
  );
  for (const l of network.layers) {
    const residual = l.kind === 'pointwise' && l.residual !== undefined ? t[l.residual] : undefined;
    runReference(l, batch, { input: t[l.input], residual, output: t[l.output], param: (name) => tensors.get(name)! });
  }
  return t[network.output];
}

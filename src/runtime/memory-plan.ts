/**
 * Activation memory plan: which reusable slot holds each tensor. A tensor's slot is released after the last
 * step that reads it, so the student needs three slots however deep it is, instead of one buffer per layer.
 * The same plan serves the detector graphs (detect/graph-gpu.ts), whose steps read one or two tensors.
 */
import { type Network, layerInputs } from '../model/network.js';

export interface MemoryPlan {
  /** Slot of each tensor id; tensor 0 (the network input) has its own buffer and slot -1. */
  slotOf: number[];
  /** Floats per face each slot must hold. */
  slotFloats: number[];
}

/** What the plan needs of a step: the tensors it reads and the one it writes. */
export interface TensorStep {
  inputs: readonly number[];
  output: number;
}

export function planMemory(network: Network): MemoryPlan {
  const steps = network.layers.map((layer) => ({ inputs: layerInputs(layer), output: layer.output }));
  return planSlots(network.tensorSizes, steps, [network.output]);
}

/** Slots for `steps` over tensors of `tensorSizes` floats; the tensors in `results` stay live to the end. */
export function planSlots(
  tensorSizes: readonly number[],
  steps: readonly TensorStep[],
  results: readonly number[],
): MemoryPlan {
  const lastUse = new Array<number>(tensorSizes.length).fill(-1);
  steps.forEach((step, i) => step.inputs.forEach((t) => (lastUse[t] = i)));
  for (const t of results) lastUse[t] = steps.length;

  const slotOf = new Array<number>(tensorSizes.length).fill(-1);
  const slotFloats: number[] = [];
  const free: number[] = [];
  const live = new Set<number>();
  steps.forEach((step, i) => {
    // A slot read by this step must not become its output, so release only tensors whose last reader came before.
    for (const t of [...live]) {
      if (lastUse[t] < i) {
        live.delete(t);
        free.push(slotOf[t]);
      }
    }
    const slot = free.length > 0 ? free.pop()! : slotFloats.push(0) - 1;
    slotOf[step.output] = slot;
    slotFloats[slot] = Math.max(slotFloats[slot], tensorSizes[step.output]);
    live.add(step.output);
  });
  return { slotOf, slotFloats };
}

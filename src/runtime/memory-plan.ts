/**
 * Activation memory plan: which reusable slot holds each tensor. A tensor's slot is released after the last
 * layer that reads it, so the student needs three slots however deep it is, instead of one buffer per layer.
 */
import { type Network, layerInputs } from '../model/network.js';

export interface MemoryPlan {
  /** Slot of each tensor id; tensor 0 (the network input) has its own buffer and slot -1. */
  slotOf: number[];
  /** Floats per face each slot must hold. */
  slotFloats: number[];
}

export function planMemory(network: Network): MemoryPlan {
  const lastUse = new Array<number>(network.tensorSizes.length).fill(-1);
  network.layers.forEach((layer, i) => layerInputs(layer).forEach((t) => (lastUse[t] = i)));
  lastUse[network.output] = network.layers.length;

  const slotOf = new Array<number>(network.tensorSizes.length).fill(-1);
  const slotFloats: number[] = [];
  const free: number[] = [];
  const live = new Set<number>();
  network.layers.forEach((layer, i) => {
    // A slot read by this layer must not become its output, so release only tensors whose last reader came before.
    for (const t of [...live]) {
      if (lastUse[t] < i) {
        live.delete(t);
        free.push(slotOf[t]);
      }
    }
    const slot = free.length > 0 ? free.pop()! : slotFloats.push(0) - 1;
    slotOf[layer.output] = slot;
    slotFloats[slot] = Math.max(slotFloats[slot], network.tensorSizes[layer.output]);
    live.add(layer.output);
  });
  return { slotOf, slotFloats };
}

/**
 * Seeded, randomly initialised weights for any architecture: the placeholder shipped before training, and the
 * networks the parity tests run. Scaled like He initialisation so activations stay O(1) through the network.
 */
import { type Architecture, DEFAULT_ARCHITECTURE, DEFAULT_INPUT, expectedTensors } from './architecture.js';
import { NO_THRESHOLDS } from './thresholds.js';
import type { StudentWeights } from './weights-format.js';

/** mulberry32: a tiny, well-mixed 32-bit PRNG, so the same seed gives the same file everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomWeights(seed: number, architecture: Architecture = DEFAULT_ARCHITECTURE): StudentWeights {
  const random = seededRandom(seed);
  const uniform = (scale: number) => (random() * 2 - 1) * scale;
  const tensors = new Map<string, Float32Array>();
  for (const { name, shape } of expectedTensors(architecture)) {
    const count = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(count);
    if (name.endsWith('.prelu')) values.forEach((_, i) => (values[i] = 0.1 + 0.2 * random()));
    else if (name.endsWith('.bias')) values.forEach((_, i) => (values[i] = uniform(0.1)));
    else {
      const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
      const scale = Math.sqrt(6 / fanIn);
      values.forEach((_, i) => (values[i] = uniform(scale)));
    }
    tensors.set(name, values);
  }
  return {
    architecture,
    input: DEFAULT_INPUT,
    thresholds: NO_THRESHOLDS,
    provenance: {
      trained: false,
      note: `UNTRAINED: seeded random initialisation (seed ${seed}); embeddings carry no identity information`,
      seed,
    },
    tensors,
    warnings: [],
  };
}

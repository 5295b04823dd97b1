import { seededRandom } from '../../src/model/random-weights.js';
import type { RgbaImage } from '../../src/runtime/image.js';

export function randomFloats(random: () => number, count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => (random() * 2 - 1) * scale);
}

export function randomImage(random: () => number, width: number, height: number): RgbaImage {
  return { data: Uint8Array.from({ length: width * height * 4 }, () => Math.floor(random() * 256)), width, height };
}

/** Largest absolute difference, relative to the reference's scale (max |ref|, at least 1). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return Number.isNaN(diff) || actual.some(Number.isNaN) ? Infinity : diff / scale;
}

export { cosine } from '../../src/api/similarity.js';
export { seededRandom };

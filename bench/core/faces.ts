/**
 * Deterministic synthetic faces: smooth colour gradients with blobs and a little noise, so resizing has
 * something to do and every image differs. The same seed gives the same pixels in Node and in Chromium.
 */
import type { Batch } from './types.js';

/** xorshift32 in [0, 1): deterministic synthetic data with no short cycles in its high bits. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function makeBatch(count: number, side: number, seed = 1): Batch {
  const packed = new Uint8Array(count * side * side * 4);
  const rand = rng(seed * 7919 + side);
  for (let n = 0; n < count; n++) {
    const base = n * side * side * 4;
    const c = [rand(), rand(), rand()].map((v) => 40 + v * 180);
    const gx = rand() * 2 - 1;
    const gy = rand() * 2 - 1;
    const bx = rand() * side;
    const by = rand() * side;
    const br = (0.15 + rand() * 0.3) * side;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const blob = Math.exp(-((x - bx) ** 2 + (y - by) ** 2) / (2 * br * br));
        const p = base + (y * side + x) * 4;
        for (let k = 0; k < 3; k++) {
          const v =
            c[k] +
            60 * (gx * (x / side - 0.5) + gy * (y / side - 0.5)) +
            70 * blob * (k === 1 ? -1 : 1) +
            (rand() - 0.5) * 30;
          packed[p + k] = Math.max(0, Math.min(255, Math.round(v)));
        }
        packed[p + 3] = 255;
      }
    }
  }
  const images = Array.from({ length: count }, (_, n) => ({
    data: packed.subarray(n * side * side * 4, (n + 1) * side * side * 4),
    width: side,
    height: side,
  }));
  return { images, packed, side, count };
}

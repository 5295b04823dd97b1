/**
 * Test-time mirror averaging (`embed(faces, { mirror: true })`): each face is embedded as given and mirrored
 * left–right, and the normalised mean of the two embeddings is returned. Twice the network work; the flipped copy of
 * an image covers only the pixels the resize reads for its box (readRegion), so large frames are not copied whole.
 */
import type { RgbaImage } from '../runtime/image.js';
import { readRegion } from './image-input.js';

/** The face mirrored left–right: the region the resize reads, flipped, with the box mirrored inside it. */
export function mirrorImage(image: RgbaImage): RgbaImage {
  const r = readRegion(image.box, image.width, image.height);
  const data = new Uint8ClampedArray(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const src = ((r.y + y) * image.width + r.x) * 4;
    const dst = y * r.width * 4;
    for (let x = 0; x < r.width; x++) {
      const s = src + (r.width - 1 - x) * 4,
        d = dst + x * 4;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
      data[d + 3] = image.data[s + 3];
    }
  }
  const b = image.box;
  return {
    data,
    width: r.width,
    height: r.height,
    ...(b ? { box: { x: r.width - (b.x - r.x + b.width), y: b.y - r.y, width: b.width, height: b.height } } : {}),
  };
}

/** An N×3×S×S tensor followed by its faces mirrored (each row of each channel reversed): 2N faces. */
export function withMirroredTensor(t: Float32Array, size: number): Float32Array {
  const out = new Float32Array(2 * t.length);
  out.set(t);
  for (let row = 0; row < t.length; row += size) {
    for (let x = 0; x < size; x++) out[t.length + row + x] = t[row + size - 1 - x];
  }
  return out;
}

/** Rows i and count + i of a (2·count)×dim batch → count unit-length means. */
export function meanOfMirrorPairs(flat: Float32Array, count: number, dim: number): Float32Array {
  const out = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let n = 0;
    for (let k = 0; k < dim; k++) {
      const v = flat[i * dim + k] + flat[(count + i) * dim + k];
      out[i * dim + k] = v;
      n += v * v;
    }
    const s = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] *= s;
  }
  return out;
}

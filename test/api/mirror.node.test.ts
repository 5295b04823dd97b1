// Test-time mirror averaging: embed(faces, { mirror: true }) is the normalised mean of the embedding of each face and
// of its left–right mirror image, for images (with and without a face box) and for preprocessed tensors.
import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../../src/api/recognizer.js';
import { InputError } from '../../src/errors.js';
import { randomWeights } from '../../src/model/random-weights.js';
import { writeWeights } from '../../src/model/weights-format.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { randomImage, seededRandom } from '../support/random.js';

const random = seededRandom(9);

/** The whole image flipped left–right, its box mirrored: built independently of src/api/mirror.ts. */
function flipped(img: RgbaImage): RgbaImage {
  const data = new Uint8ClampedArray(img.data.length);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      for (let c = 0; c < 4; c++)
        data[(y * img.width + img.width - 1 - x) * 4 + c] = img.data[(y * img.width + x) * 4 + c];
    }
  }
  const b = img.box;
  return { data, width: img.width, height: img.height, ...(b ? { box: { ...b, x: img.width - b.x - b.width } } : {}) };
}

function meanNormalised(a: Float32Array, b: Float32Array): Float32Array {
  const m = a.map((v, i) => v + b[i]);
  const n = Math.hypot(...m);
  return m.map((v) => v / n);
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
}

describe('embed with mirror averaging', async () => {
  const rec = await createRecognizer({ backend: 'cpu', weights: writeWeights(randomWeights(11)) });
  const faces: RgbaImage[] = [
    { ...randomImage(random, 61, 47), box: { x: 7.5, y: 3.25, width: 30.5, height: 33 } }, // box inside the image
    { ...randomImage(random, 40, 40), box: { x: -4, y: 10, width: 26, height: 26 } }, // box over the left edge
    randomImage(random, 23, 31), // no box: whole image
  ];

  it('is the normalised mean of the face and its flipped copy, for images', async () => {
    const plain = await rec.embed(faces);
    const mirroredCopies = await rec.embed(faces.map(flipped));
    const averaged = await rec.embed(faces, { mirror: true });
    faces.forEach((_, i) => {
      const expected = meanNormalised(plain[i], mirroredCopies[i]);
      expect(maxDiff(averaged[i], expected)).toBeLessThan(1e-5);
      expect(Math.hypot(...averaged[i])).toBeCloseTo(1, 5);
      expect(maxDiff(averaged[i], plain[i])).toBeGreaterThan(1e-3); // the mirror changes a random face's embedding
    });
  });

  it('is the normalised mean of the tensor and its flipped copy, for preprocessed tensors', async () => {
    const S = rec.info.inputSize;
    const t = Float32Array.from({ length: 2 * 3 * S * S }, () => random() * 2 - 1);
    const f = new Float32Array(t.length);
    for (let row = 0; row < t.length; row += S) for (let x = 0; x < S; x++) f[row + x] = t[row + S - 1 - x];
    const [plain, flip, averaged] = [await rec.embed(t), await rec.embed(f), await rec.embed(t, { mirror: true })];
    for (let i = 0; i < 2; i++) expect(maxDiff(averaged[i], meanNormalised(plain[i], flip[i]))).toBeLessThan(1e-5);
  });

  it('leaves a left–right symmetric face unchanged, and rejects a non-boolean option', async () => {
    const src = faces[2];
    const symmetric: RgbaImage = {
      ...src,
      data: src.data.map((_, i) => {
        // the left half copied onto the right
        const p = i >> 2,
          x = p % src.width,
          y = Math.floor(p / src.width);
        return src.data[(y * src.width + Math.min(x, src.width - 1 - x)) * 4 + (i & 3)];
      }),
    };
    const [a] = await rec.embed([symmetric]);
    const [b] = await rec.embed([symmetric], { mirror: true });
    expect(maxDiff(a, b)).toBeLessThan(1e-5);
    const error = await rec.embed(faces, { mirror: 'yes' as unknown as boolean }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('bad-option');
  });
});

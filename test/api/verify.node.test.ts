import { describe, expect, it } from 'vitest';
import { createRecognizer } from '../../src/api/recognizer.js';
import { LFW_LOOSE_BOX_250, framedFaceBox, looseBox } from '../../src/api/face-box.js';
import { prepareFace } from '../../src/api/prepare.js';
import { readRegion } from '../../src/api/image-input.js';
import { degradeFace } from '../../src/runtime/resize.js';
import { DEFAULT_INPUT } from '../../src/model/architecture.js';
import { CalibrationError, InputError } from '../../src/errors.js';
import { randomWeights } from '../../src/model/random-weights.js';
import { writeWeights } from '../../src/model/weights-format.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { TINY_ARCHITECTURE } from '../support/tiny-arch.js';
import { randomImage, seededRandom } from '../support/random.js';

const random = seededRandom(21);
const calibrated = writeWeights({ ...randomWeights(4, TINY_ARCHITECTURE), thresholds: { calibration: 'test', sizes: { hr: { 'far_1e-2': { threshold: 0.5, tar: null, far: 0.01 }, 'far_1e-3': { threshold: 0.9, tar: null, far: 0.001 } } } } });
const uncalibrated = writeWeights(randomWeights(4, TINY_ARCHITECTURE));

/** The pixels of `region` of an image, as a new RGBA image. */
function crop(image: RgbaImage, r: { x: number; y: number; width: number; height: number }): RgbaImage {
  const data = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) data.set(image.data.subarray(((r.y + y) * image.width + r.x) * 4, ((r.y + y) * image.width + r.x + r.width) * 4), y * r.width * 4);
  return { data, width: r.width, height: r.height };
}

describe('Recognizer.verify', () => {
  it('decides with the calibrated threshold of the requested FAR, for faces or embeddings', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: calibrated });
    const [a, b] = [randomImage(random, 30, 30), randomImage(random, 30, 30)];
    const [ea, eb] = await rec.embed([a, b]);
    const loose = await rec.verify(a, b, { far: 1e-2 });
    const strict = await rec.verify(ea, eb, { far: 1e-3 });
    expect(loose.similarity).toBeCloseTo(rec.similarity(ea, eb), 6);
    expect(strict.similarity).toBeCloseTo(loose.similarity, 6);
    expect(loose).toMatchObject({ threshold: 0.5, far: 1e-2, match: loose.similarity >= 0.5 });
    expect(strict).toMatchObject({ threshold: 0.9, far: 1e-3, match: strict.similarity >= 0.9 });
    expect((await rec.verify(a, a)).match).toBe(true); // default FAR 1e-2; a face matches itself
    expect((await rec.verify(ea, b)).similarity).toBeCloseTo(loose.similarity, 6);
    await expect(rec.verify(a, b, { far: 0.1 as 1e-2 })).rejects.toMatchObject({ code: 'bad-option' });
    await expect(rec.verify(new Float32Array(3), eb)).rejects.toMatchObject({ code: 'bad-shape' });
    rec.dispose();
  });

  it('throws CalibrationError, not a guess, when the weights carry no thresholds', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: uncalibrated });
    const a = randomImage(random, 12, 12);
    const error = await rec.verify(a, a).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalibrationError);
    expect((error as CalibrationError).code).toBe('no-thresholds');
    expect(String(error)).toMatch(/untrained/);
    rec.dispose();
  });
});

describe('face inputs', () => {
  it('{ image, box } is the same face as { data, width, height, box }, and junk is a typed error', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: uncalibrated });
    const image = randomImage(random, 40, 30);
    const box = { x: 5.5, y: 3, width: 20, height: 20 };
    const [a, b] = await rec.embed([{ ...image, box }, { image, box }]);
    expect(Array.from(b)).toEqual(Array.from(a));
    for (const junk of [{}, 'face.jpg', { image: 'x' }, null]) {
      await expect(rec.embed([junk as unknown as RgbaImage])).rejects.toMatchObject({ code: 'bad-image' });
    }
    await expect(rec.embed([{ image, box: { x: 100, y: 0, width: 5, height: 5 } }])).rejects.toBeInstanceOf(InputError);
    rec.dispose();
  });

  it('reading only readRegion(box) and shifting the box gives the same embedding as the whole image', async () => {
    for (const resize of ['area', 'bilinear'] as const) {
      const weights = writeWeights({ ...randomWeights(4, TINY_ARCHITECTURE), input: { ...DEFAULT_INPUT, resize } });
      const rec = await createRecognizer({ backend: 'cpu', weights });
      const image = randomImage(random, 50, 40);
      for (const box of [{ x: 7.3, y: 4.6, width: 21.2, height: 17.9 }, { x: -3, y: 30, width: 20, height: 20 }, { x: 10, y: 10, width: 3, height: 3 }]) {
        const r = readRegion(box, image.width, image.height);
        const part = { ...crop(image, r), box: { ...box, x: box.x - r.x, y: box.y - r.y } };
        const [full, cropped] = await rec.embed([{ ...image, box }, part]);
        expect(Array.from(cropped)).toEqual(Array.from(full));
      }
      rec.dispose();
    }
  });
});

describe('prepareFace: the evaluation\'s crop and degradation', () => {
  it('uses the loose LFW box (api/face-box.ts) for 250×250 framing, and the weights header box when present', () => {
    expect(framedFaceBox(DEFAULT_INPUT, 250, 250)).toEqual(LFW_LOOSE_BOX_250);
    expect(framedFaceBox(DEFAULT_INPUT, 125, 100)).toEqual(looseBox(125, 100));
    const crop = { loose: { frame: 250, box: { x: 60, y: 70, width: 120, height: 120 } } };
    expect(framedFaceBox({ ...DEFAULT_INPUT, crop }, 500, 500)).toEqual({ x: 120, y: 140, width: 240, height: 240 });
  });

  it('--size N is the evaluation\'s degradeFace of the same box', () => {
    const image = randomImage(random, 250, 250);
    const lr = prepareFace(image, DEFAULT_INPUT, { size: 16 });
    expect(lr).toEqual(degradeFace({ ...image, channels: 4 }, 16, LFW_LOOSE_BOX_250));
    expect(prepareFace(image, DEFAULT_INPUT, { framing: 'none' })).toBe(image);
    expect(prepareFace(image, DEFAULT_INPUT).box).toEqual(LFW_LOOSE_BOX_250);
    expect(() => prepareFace(image, DEFAULT_INPUT, { size: 0 })).toThrow(InputError);
  });
});

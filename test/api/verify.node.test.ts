import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LFW_LOOSE_BOX_250, framedFaceBox, looseBox } from '../../src/api/face-box.js';
import { Gallery } from '../../src/api/gallery.js';
import { readRegion } from '../../src/api/image-input.js';
import { prepareFace } from '../../src/api/prepare.js';
import { createRecognizer } from '../../src/api/recognizer.js';
import { CalibrationError, InputError } from '../../src/errors.js';
import { DEFAULT_INPUT } from '../../src/model/architecture.js';
import { randomWeights } from '../../src/model/random-weights.js';
import { writeWeights } from '../../src/model/weights-format.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { degradeFace } from '../../src/runtime/resize.js';
import { randomImage, seededRandom } from '../support/random.js';
import { TINY_ARCHITECTURE } from '../support/tiny-arch.js';

const random = seededRandom(21);
const uncalibrated = writeWeights(randomWeights(4, TINY_ARCHITECTURE));

/** The pixels of `region` of an image, as a new RGBA image. */
function crop(image: RgbaImage, r: { x: number; y: number; width: number; height: number }): RgbaImage {
  const data = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++)
    data.set(
      image.data.subarray(((r.y + y) * image.width + r.x) * 4, ((r.y + y) * image.width + r.x + r.width) * 4),
      y * r.width * 4,
    );
  return { data, width: r.width, height: r.height };
}

/** Made-up operating points, distinct per size so a test sees which one was used. */
const point = (threshold: number, tar: number) => ({ threshold, tar, far: 0.0101 });
const thresholds = {
  calibration: 'test fixture',
  sizes: {
    '8': { 'far_1e-2': point(0.1, 0.2), 'far_1e-3': point(0.15, 0.1) },
    '16': { 'far_1e-2': point(0.3, 0.4), 'far_1e-3': point(0.35, 0.3) },
    '32': { 'far_1e-2': point(0.5, 0.6), 'far_1e-3': point(0.9, 0.5) },
    hr: { 'far_1e-2': point(0.7, 0.8) },
  },
};
const calibrated = writeWeights({ ...randomWeights(4, TINY_ARCHITECTURE), thresholds });

describe('Recognizer.verify', () => {
  it("decides with the threshold calibrated for the faces' size and the requested FAR, for faces or embeddings", async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: calibrated });
    const [a, b] = [randomImage(random, 30, 30), randomImage(random, 30, 30)];
    const [ea, eb] = await rec.embed([a, b]);
    const loose = await rec.verify(a, b, { far: 1e-2 }); // 30 px: the largest calibrated size not above it is 16
    const strict = await rec.verify(ea, eb, { far: 1e-3, size: 32 });
    expect(loose.similarity).toBeCloseTo(rec.similarity(ea, eb), 6);
    expect(strict.similarity).toBeCloseTo(loose.similarity, 6);
    expect(loose).toMatchObject({
      threshold: 0.3,
      tar: 0.4,
      far: 1e-2,
      faceSize: 30,
      calibratedSize: '16',
      match: loose.similarity >= 0.3,
    });
    expect(strict).toMatchObject({ threshold: 0.9, far: 1e-3, calibratedSize: '32', match: strict.similarity >= 0.9 });
    expect(loose.meaning).toBe(
      'at 16 px this threshold (0.3000) accepts ~40 % of genuine pairs and 1.0 % of impostors (measured on people the model never saw)',
    );
    expect((await rec.verify(a, a)).match).toBe(true); // default FAR 1e-2; a face matches itself
    expect((await rec.verify(ea, b)).similarity).toBeCloseTo(loose.similarity, 6);
    await expect(rec.verify(a, b, { far: 0.1 as 1e-2 })).rejects.toMatchObject({ code: 'bad-option' });
    await expect(rec.verify(new Float32Array(3), eb, { size: 16 })).rejects.toMatchObject({ code: 'bad-shape' });
    rec.dispose();
  });

  it('reads the face size from the box, takes the smaller face of a pair, and needs { size } for two embeddings', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: calibrated });
    const image = randomImage(random, 200, 200);
    const big = { ...image, box: { x: 10, y: 10, width: 120, height: 120 } };
    const small = randomImage(random, 12, 12);
    expect(await rec.verify(big, big)).toMatchObject({ faceSize: 120, calibratedSize: 'hr', threshold: 0.7 });
    expect(await rec.verify(big, small)).toMatchObject({ faceSize: 12, calibratedSize: '8', threshold: 0.1 });
    const tiny = await rec.verify(randomImage(random, 6, 6), small);
    expect(tiny).toMatchObject({ faceSize: 6, calibratedSize: '8' });
    expect(tiny.warning).toMatch(/below the smallest calibrated size/);
    const [e] = await rec.embed([small]);
    await expect(rec.verify(e, e)).rejects.toMatchObject({ code: 'bad-option' });
    expect(await rec.verify(e, e, { size: 'hr' })).toMatchObject({ calibratedSize: 'hr', match: true });
    await expect(rec.verify(e, e, { size: -3 })).rejects.toMatchObject({ code: 'bad-option' });
    // hr has no FAR 1e-3 point: no guess
    await expect(rec.verify(e, e, { size: 'hr', far: 1e-3 })).rejects.toBeInstanceOf(CalibrationError);
    rec.dispose();
  });

  it('weights whose thresholds carry no measured TAR (version 1 files) say so instead of inventing one', async () => {
    const v1 = { calibration: 'v1', sizes: { hr: { 'far_1e-2': { threshold: 0.5, tar: null, far: 0.01 } } } };
    const rec = await createRecognizer({
      backend: 'cpu',
      weights: writeWeights({ ...randomWeights(4, TINY_ARCHITECTURE), thresholds: v1 }),
    });
    const face = randomImage(random, 12, 12);
    const v = await rec.verify(face, face); // 12 px, but only "hr" is calibrated: it applies to every size
    expect(v).toMatchObject({ calibratedSize: 'hr', threshold: 0.5, tar: null });
    expect(v.meaning).toBe(
      'at full resolution this threshold (0.5000) accepts 1.0 % of impostors (nominal; its share of genuine pairs was not measured)',
    );
    rec.dispose();
  });

  it('throws CalibrationError, not a guess, when the weights carry no thresholds', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: uncalibrated });
    const a = randomImage(random, 12, 12);
    const error = await rec.verify(a, a).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalibrationError);
    expect((error as CalibrationError).code).toBe('no-thresholds');
    rec.dispose();
  });
});

describe('Recognizer.identify', () => {
  it('names the best candidate at or above the threshold, else answers unknown, and states the open-set risk', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: calibrated });
    const faces = Array.from({ length: 3 }, () => randomImage(random, 16, 16));
    const embeddings = await rec.embed(faces);
    const gallery = new Gallery({ dim: rec.info.embeddingDim });
    gallery.add('a', embeddings[0]);
    gallery.add('b', embeddings[1]);
    const known = await rec.identify(faces[0], gallery, { far: 1e-2 });
    expect(known).toMatchObject({ outcome: 'match', label: 'a', calibratedSize: '16', threshold: 0.3, enrolled: 2 });
    expect(known.similarity).toBeCloseTo(1, 2);
    expect(known.candidates.map((c) => c.label)).toEqual(['a', 'b']);
    expect(known.openSetFar).toBeCloseTo(1 - (1 - 0.0101) ** 2, 10);
    expect(known.meaning).toMatch(
      /with 2 identities enrolled, someone not enrolled is named as one of them ~2.0 % of the time/,
    );
    // A probe whose best score is below the threshold is unknown, whoever ranks first.
    const probe = embeddings[2];
    const best = Math.max(rec.similarity(probe, embeddings[0]), rec.similarity(probe, embeddings[1]));
    const strictThresholds = { ...thresholds, sizes: { '16': { 'far_1e-3': point(1, 0.1) } } };
    const strict = await createRecognizer({
      backend: 'cpu',
      weights: writeWeights({ ...randomWeights(4, TINY_ARCHITECTURE), thresholds: strictThresholds }),
    });
    const unknown = await strict.identify(probe, gallery, { size: 16 });
    expect(unknown.outcome).toBe('unknown');
    expect(unknown.label).toBeUndefined();
    expect(unknown.candidates).toHaveLength(2);
    expect(unknown.similarity).toBeCloseTo(best, 2); // int8 gallery codes
    expect((await strict.identify(probe, new Gallery({ dim: rec.info.embeddingDim }), { size: 16 })).outcome).toBe(
      'unknown',
    );
    await expect(strict.identify(probe, gallery)).rejects.toMatchObject({ code: 'bad-option' }); // embedding without size
    rec.dispose();
    strict.dispose();
  });

  it('options that are not an object are a typed error (the fuzz harness found a TypeError for null)', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: calibrated });
    const [e] = await rec.embed([randomImage(random, 16, 16)]);
    const gallery = new Gallery({ dim: rec.info.embeddingDim });
    gallery.add('a', e);
    for (const options of [null, 'strict', [1]]) {
      await expect(rec.identify(e, gallery, options as never)).rejects.toMatchObject({
        name: 'InputError',
        code: 'bad-option',
      });
      await expect(rec.verify(e, e, options as never)).rejects.toMatchObject({
        name: 'InputError',
        code: 'bad-option',
      });
      await expect(rec.embed([randomImage(random, 16, 16)], options as never)).rejects.toMatchObject({
        name: 'InputError',
        code: 'bad-option',
      });
    }
    rec.dispose();
  });
});

describe('face inputs', () => {
  it('{ image, box } is the same face as { data, width, height, box }, and junk is a typed error', async () => {
    const rec = await createRecognizer({ backend: 'cpu', weights: uncalibrated });
    const image = randomImage(random, 40, 30);
    const box = { x: 5.5, y: 3, width: 20, height: 20 };
    const [a, b] = await rec.embed([
      { ...image, box },
      { image, box },
    ]);
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
      for (const box of [
        { x: 7.3, y: 4.6, width: 21.2, height: 17.9 },
        { x: -3, y: 30, width: 20, height: 20 },
        { x: 10, y: 10, width: 3, height: 3 },
      ]) {
        const r = readRegion(box, image.width, image.height);
        const part = { ...crop(image, r), box: { ...box, x: box.x - r.x, y: box.y - r.y } };
        const [full, cropped] = await rec.embed([{ ...image, box }, part]);
        expect(Array.from(cropped)).toEqual(Array.from(full));
      }
      rec.dispose();
    }
  });
});

describe("prepareFace: the evaluation's crop and degradation", () => {
  it('uses the loose LFW box (api/face-box.ts) for 250×250 framing, and the weights header box when present', () => {
    expect(framedFaceBox(DEFAULT_INPUT, 250, 250)).toEqual(LFW_LOOSE_BOX_250);
    expect(framedFaceBox(DEFAULT_INPUT, 125, 100)).toEqual(looseBox(125, 100));
    const crop = { loose: { frame: 250, box: { x: 60, y: 70, width: 120, height: 120 } } };
    expect(framedFaceBox({ ...DEFAULT_INPUT, crop }, 500, 500)).toEqual({ x: 120, y: 140, width: 240, height: 240 });
  });

  it("--size N is the evaluation's degradeFace of the same box", () => {
    const image = randomImage(random, 250, 250);
    const lr = prepareFace(image, DEFAULT_INPUT, { size: 16 });
    expect(lr).toEqual(degradeFace({ ...image, channels: 4 }, 16, LFW_LOOSE_BOX_250));
    expect(prepareFace(image, DEFAULT_INPUT, { framing: 'none' })).toBe(image);
    expect(prepareFace(image, DEFAULT_INPUT).box).toEqual(LFW_LOOSE_BOX_250);
    expect(() => prepareFace(image, DEFAULT_INPUT, { size: 0 })).toThrow(InputError);
  });

  it("degrades with any box at the cost of the image (the CLI's --crop 0,0,1e6,1e6 hung before)", () => {
    const image = randomImage(random, 64, 48);
    // Output pixel 0 of 16 spans [0, 62500): every pixel of the image, the last row and column weighted by the rest.
    const lr = prepareFace(image, DEFAULT_INPUT, { size: 16, box: { x: 0, y: 0, width: 1e6, height: 1e6 } });
    const corner = Array.from(image.data.subarray((47 * 64 + 63) * 4, (47 * 64 + 63) * 4 + 3));
    expect(Array.from(lr.data.subarray(15 * 4, 15 * 4 + 3))).toEqual(corner);
    expect(Array.from(lr.data.subarray(255 * 4, 255 * 4 + 3))).toEqual(corner);
  });
});

describe('weights responses that are not a weights file', () => {
  it("an HTML page (a dev server's fallback), a 404 and an empty body each say so and name the URL", async () => {
    const server = createServer((req, res) => {
      if (req.url === '/fallback.bfw')
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html></html>');
      else if (req.url === '/empty.bfw') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end();
      else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const html = await createRecognizer({ backend: 'cpu', weights: `${base}/fallback.bfw` }).catch((e: unknown) => e);
      expect(html).toMatchObject({ name: 'WeightsFormatError', code: 'bad-magic' });
      expect(String((html as Error).message)).toContain(`${base}/fallback.bfw returned an HTML page`);
      const missing = await createRecognizer({ backend: 'cpu', weights: `${base}/missing.bfw` }).catch(
        (e: unknown) => e,
      );
      expect(missing).toMatchObject({ name: 'InputError', code: 'unreadable' });
      expect(String((missing as Error).message)).toContain(`${base}/missing.bfw: HTTP 404`);
      const empty = await createRecognizer({ backend: 'cpu', weights: `${base}/empty.bfw` }).catch((e: unknown) => e);
      expect(empty).toMatchObject({ name: 'WeightsFormatError', code: 'truncated' });
      expect(String((empty as Error).message)).toContain(`${base}/empty.bfw returned an empty response`);
    } finally {
      server.close();
    }
  });
});

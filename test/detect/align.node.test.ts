/** Landmark alignment: the similarity fit, the reliability fallback, and the chip warp. */
import { describe, expect, it } from 'vitest';
import {
  CHIP,
  GEOMETRY,
  type Similarity,
  alignFace,
  chipSideInImage,
  fitSimilarity,
  warpChip,
} from '../../src/detect/align.js';
import type { Detection } from '../../src/detect/nms.js';

const apply = ([a, b, tx, ty]: Similarity, [u, v]: readonly number[]): [number, number] => [
  a * u - b * v + tx,
  b * u + a * v + ty,
];
// The YuNet template points (image-left eye, image-right eye, nose, mouth corners) in the chip.
const TEMPLATE = GEOMETRY.yunet.chipPoints.map(([u, v]) => [u, v] as [number, number]);
const { boxToChip } = GEOMETRY.yunet;

describe('fitSimilarity', () => {
  it('recovers a rotation, scale and shift exactly from noiseless points', () => {
    const t: Similarity = [0.1 * Math.cos(0.3), 0.1 * Math.sin(0.3), 412.5, 87.25];
    const fitted = fitSimilarity(
      TEMPLATE,
      TEMPLATE.map((p) => apply(t, p)),
    );
    fitted.forEach((v, i) => expect(v).toBeCloseTo(t[i], 9));
  });
});

describe('alignFace', () => {
  const t: Similarity = [0.12, 0.02, 300, 200];
  const landmarks = TEMPLATE.map((p) => apply(t, p));
  const side = chipSideInImage(t);
  // A detector box of the size the chip implies.
  const box = { x: 300, y: 200, width: side / boxToChip.side, height: side / boxToChip.side };

  it('uses the landmarks when they fit a face', () => {
    const a = alignFace({ box, score: 0.9, landmarks } as Detection, 'yunet');
    expect(a.method).toBe('landmarks');
    expect(a.residual).toBeLessThan(1e-6);
    a.transform.forEach((v, i) => expect(v).toBeCloseTo(t[i], 9));
  });

  it('falls back to the box when the landmarks do not form a face or disagree with the box', () => {
    const scrambled = [landmarks[3], landmarks[1], landmarks[0], landmarks[4], landmarks[2]];
    expect(alignFace({ box, score: 0.9, landmarks: scrambled }, 'yunet').method).toBe('box');
    const tiny = { ...box, width: box.width * 4, height: box.height * 4 };
    expect(alignFace({ box: tiny, score: 0.9, landmarks }, 'yunet').method).toBe('box');
    const none = alignFace({ box, score: 0.9, landmarks: [] }, 'yunet');
    expect(none.method).toBe('box');
    // The box chip is axis-aligned, centred where the geometry puts it relative to the box, of the measured side.
    const [a, b] = none.transform;
    expect(b).toBe(0);
    const centre = apply(none.transform, [(CHIP - 1) / 2, (CHIP - 1) / 2]);
    expect(centre[0]).toBeCloseTo(box.x + box.width / 2 + boxToChip.dx * box.height, 6);
    expect(centre[1]).toBeCloseTo(box.y + box.height / 2 + boxToChip.dy * box.height, 6);
    expect(chipSideInImage(none.transform)).toBeCloseTo(boxToChip.side * box.height, 6);
    expect(a).toBeGreaterThan(0);
  });
});

describe('warpChip', () => {
  it('samples the image through the transform at the face resolution', () => {
    // A horizontal ramp image: value = x. Under a pure scale + shift the chip is a ramp too.
    const w = 200,
      h = 100;
    const data = new Uint8ClampedArray(w * h * 4);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set([x, 2 * y, 7, 255], (y * w + x) * 4);
    const t: Similarity = [0.2, 0, 40.5, 20.5];
    const chip = warpChip({ data, width: w, height: h }, t);
    expect(chip.width).toBe(30); // 150 × 0.2
    for (const [i, j] of [
      [0, 0],
      [29, 0],
      [15, 29],
      [7, 12],
    ]) {
      const u = (i + 0.5) * 5 - 0.5,
        v = (j + 0.5) * 5 - 0.5;
      const o = (j * 30 + i) * 4;
      expect(chip.data[o]).toBeCloseTo(40.5 + 0.2 * u, -0.3);
      expect(chip.data[o + 1]).toBeCloseTo(2 * (20.5 + 0.2 * v), -0.3);
      expect(chip.data[o + 2]).toBe(7);
      expect(chip.data[o + 3]).toBe(255);
    }
    expect(warpChip({ data, width: w, height: h }, [0.01, 0, 0, 0]).width).toBe(8);
    expect(warpChip({ data, width: w, height: h }, [3, 0, 0, 0]).width).toBe(CHIP);
  });
});

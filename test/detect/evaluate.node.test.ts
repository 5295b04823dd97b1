/** The detection scoring used for the WIDER table: matching, ignore regions, the false-positive budget, AP. */
import { describe, expect, it } from 'vitest';
import { type ScoredImage, scoreDetections } from '../../src/detect/evaluate.js';

const box = (x: number, y: number, s: number) => ({ x, y, width: s, height: s });

describe('scoreDetections', () => {
  it('perfect detections give AP 1 and full recall per bucket; ignore regions are neither hits nor false positives', () => {
    const images: ScoredImage[] = [
      {
        truth: [{ box: box(0, 0, 12), ignore: false }, { box: box(50, 0, 40), ignore: false }, { box: box(200, 0, 6), ignore: true }],
        detections: [{ box: box(0, 0, 12), score: 0.9 }, { box: box(51, 1, 40), score: 0.8 }, { box: box(200, 0, 6), score: 0.95 }],
      },
    ];
    const r = scoreDetections(images);
    expect(r.faces).toBe(2);
    expect(r.averagePrecision).toBeCloseTo(1, 9);
    expect(r.atBudget.falsePositivesPerImage).toBe(0);
    expect(r.atBudget.recall.find((b) => b.bucket === '10–19')).toMatchObject({ faces: 1, found: 1, recall: 1 });
    expect(r.atBudget.recall.find((b) => b.bucket === '33–64')).toMatchObject({ faces: 1, found: 1, recall: 1 });
  });

  it('stops at the false-positive budget and counts a duplicate as a false positive', () => {
    const images: ScoredImage[] = [0, 1].map(() => ({
      truth: [{ box: box(0, 0, 20), ignore: false }, { box: box(100, 0, 20), ignore: false }],
      detections: [
        { box: box(0, 0, 20), score: 0.9 },
        { box: box(1, 0, 20), score: 0.85 }, // duplicate of the first face
        { box: box(300, 300, 20), score: 0.8 }, // background
        { box: box(100, 0, 20), score: 0.5 },
      ],
    }));
    // Budget 1 per image = 2 in all: the two duplicates fit; the background ones at 0.8 would make 4.
    const r = scoreDetections(images, { fpPerImage: 1 });
    expect(r.atBudget.scoreThreshold).toBe(0.85);
    expect(r.atBudget.recallAll).toBeCloseTo(0.5, 9);
    const loose = scoreDetections(images, { fpPerImage: 2 });
    expect(loose.atBudget.scoreThreshold).toBe(0.5);
    expect(loose.atBudget.recallAll).toBe(1);
    expect(loose.averagePrecision).toBeLessThan(1);
    expect(loose.averagePrecision).toBeGreaterThan(0.4);
    // At IoU 0.5 a box shifted by half its side misses.
    const shifted = scoreDetections([{ truth: [{ box: box(0, 0, 20), ignore: false }], detections: [{ box: box(10, 0, 20), score: 0.9 }] }]);
    expect(shifted.atBudget.recallAll).toBe(0);
  });
});

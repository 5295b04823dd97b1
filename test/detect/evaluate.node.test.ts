/** The detection scoring used for the WIDER table: matching, ignore regions, the false-positive budget, AP. */
import { describe, expect, it } from 'vitest';
import { type ScoredImage, parseWiderBoxes, scoreDetections } from '../../src/detect/evaluate.js';

const box = (x: number, y: number, s: number) => ({ x, y, width: s, height: s });

describe('scoreDetections', () => {
  it('perfect detections give AP 1 and full recall per bucket; ignore regions are neither hits nor false positives', () => {
    const images: ScoredImage[] = [
      {
        truth: [
          { box: box(0, 0, 12), ignore: false },
          { box: box(50, 0, 40), ignore: false },
          { box: box(200, 0, 6), ignore: true },
        ],
        detections: [
          { box: box(0, 0, 12), score: 0.9 },
          { box: box(51, 1, 40), score: 0.8 },
          { box: box(200, 0, 6), score: 0.95 },
        ],
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
      truth: [
        { box: box(0, 0, 20), ignore: false },
        { box: box(100, 0, 20), ignore: false },
      ],
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
    const shifted = scoreDetections([
      { truth: [{ box: box(0, 0, 20), ignore: false }], detections: [{ box: box(10, 0, 20), score: 0.9 }] },
    ]);
    expect(shifted.atBudget.recallAll).toBe(0);
  });
});

describe('parseWiderBoxes', () => {
  it('reads names, counts and boxes; a count of 0 has one line of zeros; invalid and < 10 px faces are ignore regions', () => {
    const text = [
      'a/1.jpg',
      '2',
      '10 20 30 40 0 0 0 0 0 0 ',
      '5 5 8 9 0 0 0 0 0 0 ',
      'b/2.jpg',
      '0',
      '0 0 0 0 0 0 0 0 0 0 ',
      'c/3.jpg',
      '1',
      '1 2 20 25 0 0 0 1 0 0 ',
      '',
    ].join('\n');
    expect(parseWiderBoxes(text)).toEqual([
      {
        file: 'a/1.jpg',
        truth: [
          { box: { x: 10, y: 20, width: 30, height: 40 }, ignore: false },
          { box: { x: 5, y: 5, width: 8, height: 9 }, ignore: true },
        ],
      },
      { file: 'b/2.jpg', truth: [] },
      { file: 'c/3.jpg', truth: [{ box: { x: 1, y: 2, width: 20, height: 25 }, ignore: true }] },
    ]);
  });

  it('refuses a file cut off inside an entry, or with a malformed count or box, naming the line', () => {
    const cut = ['a/1.jpg', '3', '10 20 30 40 0 0 0 0 0 0 ', '5 5 8 9 0 0 0 0 0 0 '].join('\n');
    expect(() => parseWiderBoxes(cut)).toThrow(/line 5: a\/1.jpg lists 3 faces, face 3 is missing/);
    expect(() => parseWiderBoxes(cut)).toThrow(expect.objectContaining({ name: 'InputError', code: 'bad-file' }));
    expect(() => parseWiderBoxes('a/1.jpg\ntwo\n')).toThrow(/line 2: expected a face count/);
    expect(() => parseWiderBoxes('a/1.jpg\n\n0 0 0 0 0 0 0 0 0 0\n')).toThrow(/line 2: expected a face count/);
    expect(() => parseWiderBoxes('a/1.jpg\n0\n')).toThrow(/lists 0 faces, its line of zeros is missing/);
    expect(() => parseWiderBoxes('a/1.jpg\n1\n10 20 x 40 0 0 0 0 0 0\n')).toThrow(/face 1 is unreadable/);
  });
});

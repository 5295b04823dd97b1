/**
 * runtime/resize.ts: the one resize convention. The taps of an output pixel are bounded by the image whatever the
 * box (the edge pixels stand for everything beyond them), and equal the definition's one-tap-per-covered-pixel sum.
 */
import { describe, expect, it } from 'vitest';
import { type Taps, areaResize, resizeTaps } from '../../src/runtime/resize.js';
import { randomImage, seededRandom } from '../support/random.js';

const random = seededRandom(77);

/** The definition, literally: one tap per source pixel the span overlaps, clamped to the image, summed by index. */
function definitionTaps(
  i: number,
  outSize: number,
  start: number,
  length: number,
  imageLength: number,
): Map<number, number> {
  const scale = length / outSize;
  const a = start + i * scale;
  const b = a + scale;
  const taps = new Map<number, number>();
  for (let j = Math.floor(a); j < b; j++) {
    const overlap = Math.min(b, j + 1) - Math.max(a, j);
    const c = Math.min(Math.max(j, 0), imageLength - 1);
    if (overlap > 0) taps.set(c, (taps.get(c) ?? 0) + overlap / scale);
  }
  return taps;
}

const sum = (t: Taps) => t.weight.reduce((s, w) => s + w, 0);

describe('resizeTaps (area)', () => {
  it('equals the definition on random boxes inside, across and outside the image edges', () => {
    for (let trial = 0; trial < 300; trial++) {
      const imageLength = 1 + Math.floor(random() * 40);
      const outSize = 1 + Math.floor(random() * 33);
      const length = 0.5 + random() * 120;
      const start = (random() - 0.5) * 100;
      for (let i = 0; i < outSize; i++) {
        const taps = resizeTaps(i, outSize, start, length, imageLength, 'area');
        const expected = definitionTaps(i, outSize, start, length, imageLength);
        expect(new Set(taps.index).size).toBe(taps.index.length);
        expect(taps.index.slice().sort((p, q) => p - q)).toEqual([...expected.keys()].sort((p, q) => p - q));
        taps.index.forEach((j, t) => expect(taps.weight[t]).toBeCloseTo(expected.get(j)!, 12));
      }
    }
  });

  it('has at most image-length taps per output pixel for boxes up to 1e300, weights summing to 1', () => {
    for (const length of [1e4, 1e6, 1e9, 2 ** 24, 1e300]) {
      for (const start of [0, -length / 2 + 8, -length + 1]) {
        for (let i = 0; i < 32; i++) {
          const taps = resizeTaps(i, 32, start, length, 16, 'area');
          expect(taps.index.length).toBeGreaterThan(0);
          expect(taps.index.length).toBeLessThanOrEqual(16);
          expect(taps.index.every((j) => j >= 0 && j < 16)).toBe(true);
          expect(sum(taps)).toBeCloseTo(1, 9);
        }
      }
    }
  });

  it('weights the edge pixel with the span beyond the image', () => {
    // Output pixel 0 of a 4-px resize of [-6, 10) on an 8-px axis spans [-6, -2): all of it left of the image.
    expect(resizeTaps(0, 4, -6, 16, 8, 'area')).toEqual({ index: [0], weight: [1] });
    // Output pixel 1 spans [-2, 2): pixel 0 stands for [-2, 1) (weight 3/4), pixel 1 for [1, 2).
    expect(resizeTaps(1, 4, -6, 16, 8, 'area')).toEqual({ index: [0, 1], weight: [0.75, 0.25] });
    // Output pixel 3 spans [6, 10): pixel 6, then pixel 7 for [7, 10).
    expect(resizeTaps(3, 4, -6, 16, 8, 'area')).toEqual({ index: [6, 7], weight: [0.25, 0.75] });
  });
});

describe('areaResize', () => {
  it('returns the edge-weighted average for a box far larger than the image, at once', () => {
    const image = randomImage(random, 16, 16);
    const half = 1e9;
    // The image sits in the middle of one output pixel's span; every other output pixel is all edge.
    const out = areaResize(image, 3, 3, { x: 8 - half * 1.5, y: 8 - half * 1.5, width: half * 3, height: half * 3 });
    const corner = (x: number, y: number) => image.data.subarray((y * 16 + x) * 4, (y * 16 + x) * 4 + 3);
    expect(Array.from(out.subarray(0, 3))).toEqual(Array.from(corner(0, 0)));
    expect(Array.from(out.subarray(8 * 4, 8 * 4 + 3))).toEqual(Array.from(corner(15, 15)));
    expect(out[4 * 4 + 3]).toBe(255);
  });

  it('repeats pixels when upsampling by an integer factor', () => {
    const image = randomImage(random, 3, 2);
    const out = areaResize(image, 6, 4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) {
        const p = ((y >> 1) * 3 + (x >> 1)) * 4;
        expect(Array.from(out.subarray((y * 6 + x) * 4, (y * 6 + x) * 4 + 3))).toEqual(
          Array.from(image.data.subarray(p, p + 3)),
        );
      }
    }
  });
});

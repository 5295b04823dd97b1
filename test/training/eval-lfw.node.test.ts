// src/eval: the LFW protocol arithmetic (pairs parsing, k-fold accuracy, AUC, TAR@FAR) and the test degradation.
import { describe, expect, it } from 'vitest';
import { bestThreshold, kFoldAccuracy, lfwImagePath, parsePairs, rocAuc, tarAtFar } from '../../src/eval/index.js';
import { areaResize, degradeFace } from '../../src/runtime/resize.js';

describe('LFW protocol', () => {
  it('parses pairs.txt with folds', () => {
    const txt = '2 2\nA 1 2\nB 1 3\nA 1 C 2\nB 2 D 1\nE 1 2\nF 3 4\nE 1 G 1\nF 1 H 2\n';
    const p = parsePairs(txt);
    expect(p).toHaveLength(8);
    expect(p[0]).toEqual({ name1: 'A', index1: 1, name2: 'A', index2: 2, same: true, fold: 0 });
    expect(p[2]).toEqual({ name1: 'A', index1: 1, name2: 'C', index2: 2, same: false, fold: 0 });
    expect(p[7].fold).toBe(1);
    expect(lfwImagePath('A', 7)).toBe('lfw/images/A/A_0007.jpg');
    expect(() => parsePairs('2 2\nA 1 2\n')).toThrow(/expected/);
    expect(() => parsePairs('2 2\nA 1 2\n')).toThrow(expect.objectContaining({ name: 'InputError', code: 'bad-file' }));
    expect(() => areaResize({ data: new Uint8Array(4), width: 1, height: 1, channels: 4 }, 0, 4)).toThrow(
      expect.objectContaining({ code: 'bad-size' }),
    );
  });

  it('chooses thresholds on the other folds', () => {
    const scores = [0.9, 0.8, 0.2, 0.1, 0.7, 0.6, 0.3, 0.65];
    const same = [true, true, false, false, true, true, false, false];
    const folds = [0, 0, 0, 0, 1, 1, 1, 1];
    // Fold 0 alone separates perfectly between 0.8 and 0.2: the midpoint of that gap.
    expect(bestThreshold(scores.slice(0, 4), same.slice(0, 4))).toBe(0.5);
    // Fold 1 sorted: 0.7 same, 0.65 different, 0.6 same, 0.3 different; cutting below 0.7 (3 of 4 right) is the
    // first best, at the midpoint 0.675. Fold 0 scored at 0.675: 4/4. Fold 1 scored at 0.5: 0.65 is accepted
    // but different, 3/4.
    const r = kFoldAccuracy(scores, same, folds);
    expect(r.thresholds[0]).toBeCloseTo(0.675, 12);
    expect(r.thresholds[1]).toBe(0.5);
    expect(r.perFold).toEqual([1, 0.75]);
    expect(r.mean).toBe(0.875);
    expect(r.std).toBe(0.125);
  });

  it('AUC and TAR@FAR', () => {
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.5, 0.5], [true, false])).toBe(0.5);
    // Same-pair scores 0.9 and 0.4 against different-pair scores 0.6 and 0.4: of the 4 (same, different) pairs,
    // 0.9 beats both, 0.4 loses to 0.6 and ties 0.4 (½): (2 + ½) / 4.
    expect(rocAuc([0.9, 0.4, 0.6, 0.4], [true, true, false, false])).toBe(0.625);
    const neg = Array.from({ length: 1000 }, (_, i) => i / 1000);
    const pos = [0.995, 0.9985, 0.5];
    const r = tarAtFar([...neg, ...pos], [...neg.map(() => false), ...pos.map(() => true)], 1e-2);
    expect(r.threshold).toBeCloseTo(0.989, 6); // 10 impostors above 0.989 are allowed
    expect(r.tar).toBeCloseTo(2 / 3, 6);
  });

  it('area downsample is an exact box filter and rounds to 8 bits', () => {
    const img = { data: new Uint8Array(4 * 4 * 4), width: 4, height: 4 };
    for (let i = 0; i < 16; i++) img.data.set([i * 10, 0, 255, 255], i * 4);
    const lr = degradeFace({ ...img, channels: 4 }, 2);
    expect(lr.width).toBe(2);
    expect(lr.data[0]).toBe(Math.round((0 + 10 + 40 + 50) / 4));
    const up = areaResize({ ...img, channels: 4 }, 8, 8); // integer upsampling repeats pixels
    expect(up[0]).toBe(0);
    expect(up[4]).toBe(0);
    expect(up[8]).toBe(10);
  });
});

// The teacher stage's data plumbing that needs no face data: several data roots, the per-set face location from a
// set's own landmarks (All-Age-Faces' 49 points, MTFL's 5), and the loose region on other framings.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LFW_LOOSE_BOX_250 } from '../../src/api/face-box.js';
import { CHIP, DLIB_FIT, FRAME, chipTemplate, listImages, resolveDataRoots } from '../../training/teacher/common.js';
import { FIVE, looseRegion, sourceFor, transformFromPoints } from '../../training/teacher/sources.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bf-sources-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const T = [1.3 * Math.cos(0.2), 1.3 * Math.sin(0.2), 40.5, 22.25]; // a chip → image similarity: scale 1.3, 11.5°
const apply = ([u, v]: number[]) => ({ x: T[0] * u - T[1] * v + T[2], y: T[1] * u + T[0] * v + T[3] });

function touch(root: string, rel: string, text = '') {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
}

describe('teacher stage sources', () => {
  it('recovers the transform from 68-point, All-Age-Faces 49-point and MTFL 5-point landmarks of the mean face', () => {
    const tpl = chipTemplate();
    const all = new Map([...tpl].map(([k, uv]) => [k, apply(uv)]));
    const aaf49 = new Map([...all].filter(([k]) => k !== 60 && k !== 64));
    const five = new Map(
      FIVE.map((g, i) => {
        const uv = [0, 1].map((d) => g.reduce((s, k) => s + tpl.get(k)![d], 0) / g.length);
        return [-1 - i, apply(uv)];
      }),
    );
    for (const pts of [all, aaf49, five]) transformFromPoints(pts).forEach((v, i) => expect(v).toBeCloseTo(T[i], 9));
    expect(DLIB_FIT.has(60) && DLIB_FIT.has(64) && !DLIB_FIT.has(17)).toBe(true);
  });

  it('reads All-Age-Faces key points and MTFL annotations under the names extract.py gives the files', () => {
    const root = path.join(tmp, 'extra');
    const xy = [...chipTemplate()].filter(([k]) => k !== 60 && k !== 64).map(([, uv]) => apply(uv));
    touch(root, 'aaf/keypoints/00001A02.txt', `${xy.map((p) => `${p.x} ${p.y}`).join('\n')}\n`);
    touch(root, 'mtfl/training.txt', ' net_7876\\7_1_0.jpg 1 2 3 4 5 6 7 8 9 10 1 1 2 3\n');
    touch(root, 'mtfl/testing.txt', 'AFLW/0001-image20056.jpg 11 12 13 14 15 16 17 18 19 20 1 1 2 3\n');
    const aaf = sourceFor('aaf', root);
    const mtfl = sourceFor('mtfl', root);
    if (aaf.kind !== 'points' || mtfl.kind !== 'points') throw new Error('expected landmark sources');
    transformFromPoints(aaf.points('aaf/images/unlabeled/00001A02.jpg')!).forEach((v, i) =>
      expect(v).toBeCloseTo(T[i], 3),
    );
    expect(aaf.points('aaf/images/unlabeled/99999A02.jpg')).toBeNull(); // no key points: the stage detects instead
    expect(mtfl.points('mtfl/images/unlabeled/7_1_0.jpg')!.get(-3)).toEqual({ x: 3, y: 8 }); // nose: x3, y3
    expect(mtfl.points('mtfl/images/unlabeled/aflw_0001-image20056.jpg')!.get(-1)).toEqual({ x: 11, y: 16 });
    expect(sourceFor('utkface', root).kind).toBe('fixedbox');
    expect(sourceFor('my-own-photos', root)).toEqual({ kind: 'detect', framing: 'chip' });
    expect(sourceFor('lfw', root)).toEqual({ kind: 'detect', framing: 'lfw' });
  });

  it('gives a face in the LFW median chip box the LFW loose region, on any framing', () => {
    const s = LFW_LOOSE_BOX_250.width / CHIP;
    const t = [s, 0, LFW_LOOSE_BOX_250.x, LFW_LOOSE_BOX_250.y]; // the chip box is exactly the LFW median box
    const lfw = looseRegion('lfw', FRAME, FRAME, t),
      chip = looseRegion('chip', FRAME, FRAME, t);
    for (const k of ['x', 'y', 'width', 'height'] as const) expect(chip[k]).toBeCloseTo(lfw[k], 9);
    const moved = looseRegion('chip', 400, 300, [2 * s, 0, 10, 20]); // twice as large, elsewhere: follows the face
    expect(moved.width).toBeCloseTo(2 * lfw.width, 9);
    expect(moved.x).toBeCloseTo(10 + 2 * (lfw.x - LFW_LOOSE_BOX_250.x), 9);
  });

  it('lists several roots in order, rejects a set present in two roots, and reads BRIDGEFACE_DATA as a list', () => {
    const a = path.join(tmp, 'a'),
      b = path.join(tmp, 'b'),
      c = path.join(tmp, 'c');
    touch(a, 'lfw/images/X/X_0001.jpg');
    touch(b, 'utk/images/unlabeled/1.jpg');
    touch(b, 'utk/images/unlabeled/2.png');
    touch(c, 'lfw/images/Y/Y_0001.jpg');
    const list = listImages([a, b]);
    expect(list.map((e) => [e.index, e.dataset, e.identity, e.path, e.root])).toEqual([
      [0, 'lfw', 'X', 'lfw/images/X/X_0001.jpg', a],
      [1, 'utk', 'unlabeled', 'utk/images/unlabeled/1.jpg', b],
      [2, 'utk', 'unlabeled', 'utk/images/unlabeled/2.png', b],
    ]);
    expect(() => listImages([a, c])).toThrow(/set lfw is in two data roots/);
    const env = process.env.BRIDGEFACE_DATA;
    try {
      process.env.BRIDGEFACE_DATA = [a, b].join(path.delimiter);
      expect(resolveDataRoots([])).toEqual([a, b]);
      expect(resolveDataRoots([b, a])).toEqual([b, a]);
      delete process.env.BRIDGEFACE_DATA;
      expect(() => resolveDataRoots([])).toThrow(/No data root/);
    } finally {
      if (env === undefined) delete process.env.BRIDGEFACE_DATA;
      else process.env.BRIDGEFACE_DATA = env;
    }
  });
});

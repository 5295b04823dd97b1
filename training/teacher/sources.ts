// How the teacher stage finds the face in each data set, so that detection runs only where a set gives nothing better
// (issue 9: the extra sets of ../shared/data/extra). One entry per data-set folder name; unknown sets are detected.
//   detect     face-api tinyFaceDetector + 68 landmarks (ssd, then a fixed transform, as fallbacks): LFW, celeba-subset,
//              glint360k-subset, and any set not named here
//   points     landmarks shipped with the set: All-Age-Faces (keypoints/<stem>.txt, 49 points = the 68-point scheme
//              without the jaw and the two inner mouth corners), MTFL (training.txt / testing.txt, 5 points)
//   fixedbox   sets cropped to one fixed framing (UTKFace, aligned CelebA): face-api's 68-point net on the set's median
//              detector box, no detector per image
// Loose crop (the unaligned training source): sets in the LFW framing take the fixed region of the 250×250 frame; the
// others take the same region relative to their own chip box (see looseRegion), so the loose box jitter of training
// means the same thing on every set.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LFW_LOOSE_BOX_250 } from '../../src/api/face-box.js';
import { fitSimilarity } from '../../src/detect/align.js';
import { CHIP, DLIB_FIT, FRAME, LOOSE_OFF, LOOSE_SRC, chipTemplate } from './common.js';

export type Source =
  | { kind: 'detect'; framing: 'lfw' | 'chip' }
  | { kind: 'points'; framing: 'chip'; points: (relPath: string) => Map<number, { x: number; y: number }> | null }
  | { kind: 'fixedbox'; framing: 'chip' };

/** The 68-point indices of All-Age-Faces' 49 key points (IntraFace order: brows, nose, eyes, mouth without 60 and 64). */
const AAF49 = [...Array.from({ length: 43 }, (_, i) => 17 + i), 61, 62, 63, 65, 66, 67];
/** MTFL's five points (left eye, right eye, nose tip, left and right mouth corner) as sets of 68-point indices whose
 *  mean is that point in dlib's mean face. */
export const FIVE = [[36, 37, 38, 39, 40, 41], [42, 43, 44, 45, 46, 47], [30], [48], [54]];

function aafPoints(root: string) {
  return (rel: string) => {
    const f = path.join(root, 'aaf', 'keypoints', path.basename(rel).replace(/\.[^.]+$/, '.txt'));
    if (!fs.existsSync(f)) return null;
    const xy = fs
      .readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number));
    if (xy.length !== AAF49.length || xy.some((p) => p.length !== 2 || !p.every(Number.isFinite))) return null;
    return new Map(AAF49.map((k, i) => [k, { x: xy[i][0], y: xy[i][1] }]));
  };
}

/** MTFL: 5 points per image; keys are the extracted names (images/unlabeled/<name>, AFLW images prefixed aflw_). */
function mtflPoints(root: string) {
  const table = new Map<string, number[]>();
  for (const list of ['training.txt', 'testing.txt']) {
    const f = path.join(root, 'mtfl', list);
    if (!fs.existsSync(f)) continue;
    for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
      const p = line.trim().split(/\s+/);
      if (p.length < 11) continue;
      const src = p[0].replace(/\\/g, '/');
      const name = (src.startsWith('AFLW/') ? 'aflw_' : '') + path.basename(src);
      table.set(name, p.slice(1, 11).map(Number));
    }
  }
  return (rel: string) => {
    const v = table.get(path.basename(rel));
    return v ? new Map(FIVE.map((_, i) => [-1 - i, { x: v[i], y: v[5 + i] }])) : null; // keys −1…−5: the FIVE groups
  };
}

const LFW_FRAMED = new Set(['lfw', 'celeba-subset', 'glint360k-subset']);
const FIXED = new Set(['utkface', 'celeba-align-small', 'celeba-200']);

export function sourceFor(dataset: string, root: string): Source {
  if (dataset === 'aaf') return { kind: 'points', framing: 'chip', points: aafPoints(root) };
  if (dataset === 'mtfl') return { kind: 'points', framing: 'chip', points: mtflPoints(root) };
  if (FIXED.has(dataset)) return { kind: 'fixedbox', framing: 'chip' };
  return { kind: 'detect', framing: LFW_FRAMED.has(dataset) ? 'lfw' : 'chip' };
}

/** Chip transform from whichever landmarks a set gives: 68-point indices (≥ 0) use dlib's fitted points (DLIB_FIT)
 *  where present; the 5-point groups (keys −1…−5) map onto the mean of their FIVE points in dlib's mean face. */
export function transformFromPoints(pts: Map<number, { x: number; y: number }>, size = CHIP): number[] {
  const tpl = chipTemplate(size);
  const from: number[][] = [];
  const to: number[][] = [];
  for (const [k, p] of pts) {
    if (k >= 0 && !DLIB_FIT.has(k)) continue;
    const g = (k >= 0 ? [k] : FIVE[-1 - k]).map((i) => tpl.get(i)!);
    from.push([g.reduce((s, q) => s + q[0], 0) / g.length, g.reduce((s, q) => s + q[1], 0) / g.length]);
    to.push([p.x, p.y]);
  }
  if (from.length < 2) throw new Error('transformFromPoints: fewer than 2 usable landmarks');
  return fitSimilarity(from, to);
}

/** The loose (unaligned) source region, [x0, y0, side] in image pixels: for LFW-framed sets the fixed region
 *  [LOOSE_OFF, LOOSE_OFF + LOOSE_SRC)² of the 250-px frame; otherwise the same region relative to the image's own
 *  axis-aligned chip box (centre and side of the chip, no rotation), as the LFW median chip box (LFW_LOOSE_BOX_250)
 *  relates to that region. */
export function looseRegion(
  framing: 'lfw' | 'chip',
  w: number,
  h: number,
  t: number[],
): { x: number; y: number; width: number; height: number } {
  if (framing === 'lfw') {
    return {
      x: LOOSE_OFF * (w / FRAME),
      y: LOOSE_OFF * (h / FRAME),
      width: LOOSE_SRC * (w / FRAME),
      height: LOOSE_SRC * (h / FRAME),
    };
  }
  const [a, b, tx, ty] = t;
  const c = CHIP / 2;
  const cx = a * c - b * c + tx,
    cy = b * c + a * c + ty;
  const side = CHIP * Math.hypot(a, b);
  const { x: bx, y: by, width: bs } = LFW_LOOSE_BOX_250;
  const s = side / bs;
  return {
    x: cx - (bx + bs / 2 - LOOSE_OFF) * s,
    y: cy - (by + bs / 2 - LOOSE_OFF) * s,
    width: LOOSE_SRC * s,
    height: LOOSE_SRC * s,
  };
}

/**
 * From a detection to the face the recognizer sees. The student is trained on the dlib face chip (weights header
 * `input.crop.aligned`: 150×150, padding 0.25, a similarity fit of 68 landmarks to dlib's mean face). With a
 * detector's few landmarks the same chip is reached by a least-squares similarity transform from where those
 * points sit in the chip (`CHIP_POINTS`, per family) onto the detected points. When the landmarks are unreliable
 * (a fit that does not match a face's shape, or one that disagrees with the box) the face falls back to a loose
 * square box derived from the detector box, the student's other trained convention (`input.crop.loose`).
 */
import type { FaceBox, RgbaImage } from '../runtime/image.js';
import type { DetectorFamily } from './families.js';
import type { Detection } from './nms.js';

/** Side of the dlib chip the student's aligned convention is defined on. */
export const CHIP = 150;

export interface FamilyGeometry {
  /** Chip coordinates (150-px chip) of each landmark the family returns that is used to align, in its order. */
  chipPoints: ReadonlyArray<readonly [number, number]>;
  /** Indices of those landmarks in the family's landmark list. */
  landmarks: readonly number[];
  /** The chip's box relative to the detector box (median over faces with reliable landmarks): centre offset and side, in box heights. */
  boxToChip: { dx: number; dy: number; side: number };
}

/**
 * Where each family's landmarks fall in the dlib chip, and the chip's box relative to the detector box: medians
 * over LFW images of the detector's landmarks mapped into the chip that face-api's 68 landmarks give the same face
 * (bench/detection-align.ts, 37 LFW images per family; docs/detection.md). They agree with dlib's mean face (eye centre =
 * mean of its six eye points, nose tip = point 30, mouth corners = 48 and 54, mouth centre = mean of 51, 57, 62,
 * 66) within 2 chip pixels (BlazeFace's nose and mouth sit 2 px right of the midline). BlazeFace has no mouth corners; its mouth centre stands in.
 */
export const GEOMETRY: Readonly<Record<DetectorFamily, FamilyGeometry>> = {
  yunet: {
    chipPoints: [
      [47.12, 46.24],
      [101.71, 46.14],
      [73.21, 78.27],
      [51.1, 103.49],
      [97.31, 103.23],
    ],
    landmarks: [0, 1, 2, 3, 4],
    boxToChip: { dx: -0.001, dy: 0.058, side: 0.924 },
  },
  blazeface: {
    chipPoints: [
      [47.02, 47.81],
      [102.08, 47.14],
      [76.11, 77.92],
      [75.68, 105.27],
    ],
    landmarks: [0, 1, 2, 3],
    boxToChip: { dx: -0.002, dy: -0.039, side: 1.145 },
  },
};

/** Similarity transform [a, b, tx, ty] mapping chip (u, v) to image (x, y): x = a·u − b·v + tx, y = b·u + a·v + ty. */
export type Similarity = [number, number, number, number];

/** Least-squares similarity transform taking the points `from` onto `to` (also the training pipeline's alignment fit). */
export function fitSimilarity(
  from: ReadonlyArray<ArrayLike<number>>,
  to: ReadonlyArray<ArrayLike<number>>,
): Similarity {
  const n = from.length;
  let mu = 0,
    mv = 0,
    mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mu += from[i][0];
    mv += from[i][1];
    mx += to[i][0];
    my += to[i][1];
  }
  mu /= n;
  mv /= n;
  mx /= n;
  my /= n;
  let sa = 0,
    sb = 0,
    ss = 0;
  for (let i = 0; i < n; i++) {
    const u = from[i][0] - mu,
      v = from[i][1] - mv,
      x = to[i][0] - mx,
      y = to[i][1] - my;
    sa += u * x + v * y;
    sb += u * y - v * x;
    ss += u * u + v * v;
  }
  const a = sa / ss,
    b = sb / ss;
  return [a, b, mx - (a * mu - b * mv), my - (b * mu + a * mv)];
}

export interface Alignment {
  /** 'landmarks': the chip by similarity transform; 'box': the loose box fallback. */
  method: 'landmarks' | 'box';
  /** The chip → image transform (for 'box', an axis-aligned one built from the loose box). */
  transform: Similarity;
  /** Root-mean-square distance, in chip pixels, between the template and the landmarks mapped back into the chip. */
  residual: number;
}

/** A landmark fit is trusted when it matches a face's shape to within this many chip pixels (eye distance ≈ 53)… */
const MAX_RESIDUAL = 9;
/** …and its chip is within this factor of the size the detector box implies. */
const MAX_SCALE_DISAGREEMENT = 1.6;

/** The chip of a detection: from its landmarks when they are reliable, else from its box. */
export function alignFace(detection: Detection, family: DetectorFamily): Alignment {
  const g = GEOMETRY[family];
  const byBox = boxTransform(detection.box, g);
  const to = g.landmarks.map((i) => detection.landmarks[i]);
  if (to.length === g.chipPoints.length && to.every((p) => p && Number.isFinite(p[0]) && Number.isFinite(p[1]))) {
    const t = fitSimilarity(g.chipPoints, to);
    const residual = fitResidual(t, g.chipPoints, to);
    const ratio = Math.hypot(t[0], t[1]) / byBox[0];
    if (residual <= MAX_RESIDUAL && ratio < MAX_SCALE_DISAGREEMENT && ratio > 1 / MAX_SCALE_DISAGREEMENT) {
      return { method: 'landmarks', transform: t, residual };
    }
    return { method: 'box', transform: byBox, residual };
  }
  return { method: 'box', transform: byBox, residual: Infinity };
}

function boxTransform(box: FaceBox, g: FamilyGeometry): Similarity {
  const side = g.boxToChip.side * box.height;
  const cx = box.x + box.width / 2 + g.boxToChip.dx * box.height,
    cy = box.y + box.height / 2 + g.boxToChip.dy * box.height;
  // Chip pixel centres are at u = 0 … CHIP − 1, so its centre is u = (CHIP − 1) / 2.
  const a = side / CHIP;
  return [a, 0, cx - (a * (CHIP - 1)) / 2, cy - (a * (CHIP - 1)) / 2];
}

function fitResidual(
  t: Similarity,
  from: ReadonlyArray<readonly [number, number]>,
  to: ReadonlyArray<readonly [number, number]>,
): number {
  const [a, b, tx, ty] = t;
  const det = a * a + b * b;
  let sum = 0;
  for (let i = 0; i < from.length; i++) {
    // Image → chip: the inverse similarity.
    const x = to[i][0] - tx,
      y = to[i][1] - ty;
    const u = (a * x + b * y) / det,
      v = (-b * x + a * y) / det;
    sum += (u - from[i][0]) ** 2 + (v - from[i][1]) ** 2;
  }
  return Math.sqrt(sum / from.length);
}

/** The chip's side in image pixels: how much resolution the face really has. */
export function chipSideInImage(t: Similarity): number {
  return CHIP * Math.hypot(t[0], t[1]);
}

/**
 * Samples the chip out of `image` (bilinear, edges clamped) at `size`×`size`; by default at the face's own
 * resolution (its chip side in image pixels, 8–150), so a 16-px face is not given detail it does not have.
 */
export function warpChip(
  image: RgbaImage,
  t: Similarity,
  size = Math.round(Math.min(Math.max(chipSideInImage(t), 8), CHIP)),
): RgbaImage {
  const [a, b, tx, ty] = t;
  const { width: w, height: h, data: px } = image;
  const out = new Uint8ClampedArray(size * size * 4);
  const step = CHIP / size;
  for (let j = 0; j < size; j++) {
    const v = (j + 0.5) * step - 0.5;
    for (let i = 0; i < size; i++) {
      const u = (i + 0.5) * step - 0.5;
      const x = Math.min(Math.max(a * u - b * v + tx, 0), w - 1),
        y = Math.min(Math.max(b * u + a * v + ty, 0), h - 1);
      const x0 = Math.floor(x),
        y0 = Math.floor(y),
        x1 = Math.min(x0 + 1, w - 1),
        y1 = Math.min(y0 + 1, h - 1);
      const fx = x - x0,
        fy = y - y0;
      const o = (j * size + i) * 4;
      for (let c = 0; c < 3; c++) {
        const p00 = px[(y0 * w + x0) * 4 + c],
          p01 = px[(y0 * w + x1) * 4 + c];
        const p10 = px[(y1 * w + x0) * 4 + c],
          p11 = px[(y1 * w + x1) * 4 + c];
        const top = p00 + (p01 - p00) * fx,
          bottom = p10 + (p11 - p10) * fx;
        out[o + c] = top + (bottom - top) * fy;
      }
      out[o + 3] = 255;
    }
  }
  return { data: out, width: size, height: size };
}

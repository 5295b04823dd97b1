/**
 * Detection scoring against annotated boxes (the protocol of docs/detection.md): detections are matched to
 * ground-truth faces greedily in score order at an IoU threshold; faces smaller than `minHeight` or flagged
 * invalid are "ignore" regions — a detection on one is neither a hit nor a false positive. From one run at a low
 * score threshold every operating point follows: recall per face-height bucket at a false-positive budget, and
 * average precision.
 */
import { InputError } from '../errors.js';
import type { FaceBox } from '../runtime/image.js';
import { iou } from './nms.js';

export interface TruthFace {
  box: FaceBox;
  /** Excluded from recall and from false positives (too small, or marked invalid by the annotators). */
  ignore: boolean;
}

export interface ScoredImage {
  truth: TruthFace[];
  detections: Array<{ box: FaceBox; score: number }>;
}

/** One detection's outcome: the face height it hit (0: false positive); ignored hits are dropped. */
interface Outcome {
  score: number;
  hitHeight: number;
}

function match(image: ScoredImage, threshold: number): Outcome[] {
  const taken = new Uint8Array(image.truth.length);
  const out: Outcome[] = [];
  for (const d of [...image.detections].sort((a, b) => b.score - a.score)) {
    let best = -1,
      bestIou = threshold;
    // Prefer a real face; fall back to an ignore region.
    for (const pass of [false, true]) {
      for (let i = 0; i < image.truth.length; i++) {
        const t = image.truth[i];
        if (t.ignore !== pass || (taken[i] && !t.ignore)) continue;
        const o = iou(d.box, t.box);
        if (o >= bestIou) {
          bestIou = o;
          best = i;
        }
      }
      if (best >= 0) break;
    }
    if (best < 0) out.push({ score: d.score, hitHeight: 0 });
    else if (!image.truth[best].ignore) {
      taken[best] = 1;
      out.push({ score: d.score, hitHeight: image.truth[best].box.height });
    }
  }
  return out;
}

export interface Bucket {
  label: string;
  /** Face heights in [min, max] pixels. */
  min: number;
  max: number;
}

const HEIGHT_BUCKETS: readonly Bucket[] = [
  { label: '10–19', min: 10, max: 19.999 },
  { label: '20–32', min: 20, max: 32.999 },
  { label: '33–64', min: 33, max: 64.999 },
  { label: '>64', min: 65, max: Infinity },
];

interface OperatingPoint {
  scoreThreshold: number;
  falsePositivesPerImage: number;
  recall: Array<{ bucket: string; faces: number; found: number; recall: number }>;
  recallAll: number;
}

export interface DetectionReport {
  images: number;
  faces: number;
  iouThreshold: number;
  averagePrecision: number;
  /** The lowest score threshold whose false positives stay within the budget. */
  atBudget: OperatingPoint;
  budget: number;
}

export function scoreDetections(
  images: readonly ScoredImage[],
  options: { iouThreshold?: number; fpPerImage?: number; buckets?: readonly Bucket[] } = {},
): DetectionReport {
  const iouThreshold = options.iouThreshold ?? 0.5;
  const budget = options.fpPerImage ?? 1;
  const buckets = options.buckets ?? HEIGHT_BUCKETS;
  const outcomes = images.flatMap((im) => match(im, iouThreshold)).sort((a, b) => b.score - a.score);
  const heights = images.flatMap((im) => im.truth.filter((t) => !t.ignore).map((t) => t.box.height));
  const faces = heights.length;
  // AP: area under the interpolated precision-recall curve (VOC style, all points).
  let tp = 0,
    fp = 0;
  const pr: Array<[number, number]> = [];
  for (const o of outcomes) {
    if (o.hitHeight > 0) tp++;
    else fp++;
    pr.push([tp / Math.max(faces, 1), tp / (tp + fp)]);
  }
  const bestAfter = new Float64Array(pr.length + 1);
  for (let i = pr.length - 1; i >= 0; i--) bestAfter[i] = Math.max(bestAfter[i + 1], pr[i][1]);
  let ap = 0,
    prevRecall = 0;
  for (let i = 0; i < pr.length; i++) {
    ap += (pr[i][0] - prevRecall) * bestAfter[i];
    prevRecall = pr[i][0];
  }
  // Lowest threshold within the false-positive budget (never splitting detections of equal score).
  const allowed = budget * images.length;
  let cut = 0;
  fp = 0;
  for (let i = 0; i < outcomes.length; i++) {
    if (outcomes[i].hitHeight === 0) fp++;
    if (fp > allowed) break;
    if (i + 1 === outcomes.length || outcomes[i + 1].score < outcomes[i].score) cut = i + 1;
  }
  const chosen = outcomes.slice(0, cut);
  const scoreThreshold = cut > 0 ? chosen[cut - 1].score : 1;
  const fpAt = chosen.filter((o) => o.hitHeight === 0).length;
  const recall = buckets.map((b) => {
    const n = heights.filter((h) => h >= b.min && h <= b.max).length;
    const found = chosen.filter((o) => o.hitHeight >= b.min && o.hitHeight <= b.max).length;
    return { bucket: b.label, faces: n, found, recall: n > 0 ? found / n : NaN };
  });
  return {
    images: images.length,
    faces,
    iouThreshold,
    averagePrecision: ap,
    budget,
    atBudget: {
      scoreThreshold,
      falsePositivesPerImage: fpAt / Math.max(images.length, 1),
      recall,
      recallAll: (chosen.length - fpAt) / Math.max(faces, 1),
    },
  };
}

/**
 * WIDER FACE's box file: a photo name, a count, then count lines `x y w h blur expression illumination invalid
 * occlusion pose` (a count of 0 is followed by one line of zeros). Faces marked invalid or under 10 px tall are
 * ignore regions.
 */
export function parseWiderBoxes(text: string): Array<{ file: string; truth: TruthFace[] }> {
  const lines = text.split('\n');
  const out: Array<{ file: string; truth: TruthFace[] }> = [];
  for (let i = 0; i < lines.length && lines[i].trim(); ) {
    const file = lines[i++].trim();
    const count = lines[i++] ?? '';
    const n = Number(count);
    // Number('') is 0: an empty count line must not read as an empty entry.
    if (!/^\s*\d+\s*$/.test(count)) {
      throw new InputError(
        'bad-file',
        `WIDER box file line ${i}: expected a face count after ${file}, got ${JSON.stringify(count)}`,
      );
    }
    const truth: TruthFace[] = [];
    for (let k = 0; k < Math.max(n, 1); k++) {
      const line = lines[i++]?.trim();
      const v = line ? line.split(/\s+/).map(Number) : [];
      if (v.length < 8 || v.some((x) => !Number.isFinite(x))) {
        // The subset's train box file is cut off inside its last entry: say so rather than read garbage.
        throw new InputError(
          'bad-file',
          `WIDER box file line ${i}: ${file} lists ${n} faces, ${n === 0 ? 'its line of zeros' : `face ${k + 1}`} is ${line ? `unreadable (${JSON.stringify(line)})` : 'missing (the file ends)'}`,
        );
      }
      if (n === 0) continue;
      const box = { x: v[0], y: v[1], width: v[2], height: v[3] };
      truth.push({ box, ignore: v[7] === 1 || box.height < 10 || box.width <= 0 });
    }
    out.push({ file, truth });
  }
  return out;
}

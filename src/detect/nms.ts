/**
 * Overlap removal for detections gathered over tiles and scales. Two rules, one per model family's reference
 * post-processing: 'hard' keeps the best box of each overlapping group (YuNet, as OpenCV's FaceDetectorYN);
 * 'blend' replaces a group by its score-weighted mean box and landmarks (BlazeFace, as MediaPipe), which steadies
 * its coarser boxes.
 */
import type { FaceBox } from '../runtime/image.js';

export interface Detection {
  box: FaceBox;
  score: number;
  /** Points in image pixels, in the model family's order (see `DetectorInfo.landmarkNames`). */
  landmarks: Array<[number, number]>;
}

export function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

export function nonMaxSuppression(
  detections: readonly Detection[],
  threshold: number,
  mode: 'hard' | 'blend',
): Detection[] {
  const order = [...detections].sort((a, b) => b.score - a.score);
  const used = new Uint8Array(order.length);
  const kept: Detection[] = [];
  for (let i = 0; i < order.length; i++) {
    if (used[i]) continue;
    const group = [order[i]];
    for (let j = i + 1; j < order.length; j++) {
      if (!used[j] && iou(order[i].box, order[j].box) >= threshold) {
        used[j] = 1;
        group.push(order[j]);
      }
    }
    kept.push(mode === 'hard' || group.length === 1 ? order[i] : blend(group));
  }
  return kept;
}

function blend(group: readonly Detection[]): Detection {
  const total = group.reduce((s, d) => s + d.score, 0);
  const mean = (f: (d: Detection) => number): number => group.reduce((s, d) => s + f(d) * d.score, 0) / total;
  return {
    box: {
      x: mean((d) => d.box.x),
      y: mean((d) => d.box.y),
      width: mean((d) => d.box.width),
      height: mean((d) => d.box.height),
    },
    score: group[0].score,
    landmarks: group[0].landmarks.map(
      (_, k) => [mean((d) => d.landmarks[k][0]), mean((d) => d.landmarks[k][1])] as [number, number],
    ),
  };
}

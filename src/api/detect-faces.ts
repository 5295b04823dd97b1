/**
 * The step between a detection and the recognizer: the face as the network should see it. A detection's chip
 * is cut out by `alignFace` (landmarks → similarity transform onto the student's aligned convention, or the loose
 * box when the landmarks are unreliable) at the face's own resolution, so `rec.embed` receives exactly what the
 * LFW "aligned" evaluation feeds it: a chip with as many pixels as the face had.
 */
import { type Alignment, alignFace, warpChip } from '../detect/align.js';
import type { DetectorFamily } from '../detect/families.js';
import type { Detection } from '../detect/nms.js';
import type { RgbaImage } from '../runtime/image.js';

export interface FaceCrop {
  detection: Detection;
  alignment: Alignment['method'];
  /** The chip the recognizer embeds, at the face's resolution (its side is the face size thresholds use). */
  chip: RgbaImage;
}

export function cropFaces(
  image: RgbaImage,
  detections: readonly Detection[],
  family: DetectorFamily,
  align = true,
): FaceCrop[] {
  return detections.map((detection) => {
    const a = alignFace(align ? detection : { ...detection, landmarks: [] }, family);
    return { detection, alignment: a.method, chip: warpChip(image, a.transform) };
  });
}

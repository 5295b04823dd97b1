/**
 * Frame-to-frame association of detections: the assignment of tracks to detections that maximises total box
 * overlap (Hungarian algorithm, from the `munkres` package), keeping only pairs that overlap by at least
 * `minIou`. Faces in a crowd are small and close together, so an optimal assignment matters where a greedy one
 * would hand a neighbour's box to a track.
 */
import { munkres } from 'munkres';
import type { FaceBox } from '../runtime/image.js';
import { iou } from './nms.js';

/** Pairs [track index, detection index]. */
export function associate(
  tracks: readonly FaceBox[],
  detections: readonly FaceBox[],
  minIou: number,
): Array<[number, number]> {
  if (tracks.length === 0 || detections.length === 0) return [];
  const overlap = tracks.map((t) => detections.map((d) => iou(t, d)));
  return munkres(overlap.map((row) => row.map((o) => 1 - o))).filter(([t, d]) => overlap[t][d] >= minIou) as Array<
    [number, number]
  >;
}

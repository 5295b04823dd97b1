/**
 * The face-box convention for LFW-framed images (the loose crop the student is trained on besides the aligned
 * chip), shared by `prepareFace` (CLI, demo), the evaluation and training. Boxes are in pixels of the image.
 */
import type { InputSpec } from '../model/architecture.js';
import type { FaceBox } from '../runtime/image.js';

/** The frame the loose box is defined in: LFW's deep-funneled 250×250 framing. */
const FRAME = 250;

/**
 * The loose box in the 250×250 LFW framing (face box ≈ central 114 px): the median dlib-chip box of the
 * training images. The shipped weights record the same box in `input.crop.loose`.
 */
export const LFW_LOOSE_BOX_250: FaceBox = { x: 68.7, y: 75.7, width: 115.5, height: 115.5 };

/** `box` (in 250×250 frame coordinates) scaled to a `width`×`height` image. */
export function looseBox(width: number, height: number, box: FaceBox = LFW_LOOSE_BOX_250): FaceBox {
  const sx = width / FRAME;
  const sy = height / FRAME;
  return { x: box.x * sx, y: box.y * sy, width: box.width * sx, height: box.height * sy };
}

/**
 * The loose face box the student was trained with for LFW-framed images, in pixels of a `width`×`height` image.
 * Read from the weights header (`input.crop.loose`: `{ frame, box }` in frame coordinates, validated when the
 * weights are read) when present, else `LFW_LOOSE_BOX_250`; scaled to the image size.
 */
export function framedFaceBox(input: InputSpec, width: number, height: number): FaceBox {
  const loose = input.crop?.loose;
  if (!loose) return looseBox(width, height);
  const s = FRAME / loose.frame;
  const { box } = loose;
  return looseBox(width, height, { x: box.x * s, y: box.y * s, width: box.width * s, height: box.height * s });
}

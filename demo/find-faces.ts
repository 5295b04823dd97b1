/**
 * Where an added photo's face boxes come from. bridgeface has no detector yet, so a photo gets one box, the
 * centred square over 80 % of its shorter side, which the user then drags onto the face (box-editor.ts). A
 * detector plugs in here: return one box per face found, in the loose convention `prepareFace` expects.
 */
import type { FaceBox, RgbaImage } from '../src/runtime/image.js';

/** Share of the shorter side the starting box covers. */
const START_SHARE = 0.8;

export interface FoundFaces {
  boxes: FaceBox[];
  /** Whether the boxes came from a detector (else the user should place the one starting box). */
  detected: boolean;
}

export async function findFaces(image: RgbaImage): Promise<FoundFaces> {
  const side = Math.round(Math.min(image.width, image.height) * START_SHARE);
  return { boxes: [{ x: Math.round((image.width - side) / 2), y: Math.round((image.height - side) / 2), width: side, height: side }], detected: false };
}

/**
 * Image files → faces ready for `rec.embed`, one file at a time: decode, check the framing, crop and degrade
 * (prepareFace), and keep only the pixels the resize reads (readRegion), so a batch holds face-sized images, never
 * full-resolution decodes. Shared by `embed` and `verify`.
 */
import { readRegion } from '../api/image-input.js';
import { prepareFace } from '../api/prepare.js';
import type { Recognizer } from '../api/recognizer.js';
import type { RgbaImage } from '../runtime/image.js';
import { ImageFileError, decodeImage, framingWarning } from './images.js';
import { type CommonOptions, prepareOptions } from './options.js';

export type FaceOptions = Pick<CommonOptions, 'size' | 'crop'> & { maxPixels?: number };

/** The face of one file, or an ImageFileError; framing warnings go to `warn`. */
export async function loadFace(
  file: string,
  rec: Recognizer,
  o: FaceOptions,
  warn: (w: string) => void,
): Promise<RgbaImage> {
  const image = await decodeImage(file, o.maxPixels);
  if (o.crop === 'framed') {
    const w = framingWarning(file, image);
    if (w) warn(w);
  }
  return faceOf(file, image, rec, o);
}

/** `image` cropped and degraded as the options say, holding only the pixels the resize reads. */
export function faceOf(file: string, image: RgbaImage, rec: Recognizer, o: FaceOptions): RgbaImage {
  try {
    return compact(prepareFace(image, rec.weights.input, prepareOptions(o)));
  } catch (e) {
    throw new ImageFileError(file, (e as Error).message);
  }
}

/** The face box's readable region as its own image (identical embedding; see test/api/verify.node.test.ts). */
function compact(face: RgbaImage): RgbaImage {
  if (!face.box) return face;
  const r = readRegion(face.box, face.width, face.height);
  if (r.width === face.width && r.height === face.height) return face;
  const data = new Uint8Array(r.width * r.height * 4);
  for (let y = 0; y < r.height; y++) {
    const from = ((r.y + y) * face.width + r.x) * 4;
    data.set(face.data.subarray(from, from + r.width * 4), y * r.width * 4);
  }
  return { data, width: r.width, height: r.height, box: { ...face.box, x: face.box.x - r.x, y: face.box.y - r.y } };
}

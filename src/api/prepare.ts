/**
 * The face-box convention and the low-resolution simulation, shared by the CLI (`embed`, `verify`, `eval-lfw`)
 * and the demo. The arithmetic is the evaluation's own (src/eval/degrade.ts), imported rather than copied, so
 * `embed --size 16` on an LFW-framed image produces exactly the face the LFW evaluation's "unaligned" variant
 * scores.
 */
import { InputError } from '../errors.js';
import { LFW_LOOSE_BOX_250, degradeFace, looseBox } from '../eval/degrade.js';
import type { InputSpec } from '../model/architecture.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';

/** How the face sits in the image: 'framed' = LFW deep-funneled framing (250×250, face ≈ central 114 px), any size. */
export type Framing = 'framed' | 'none';

/**
 * The loose face box the student was trained with for LFW-framed images, in pixels of a `width`×`height` image.
 * Read from the weights header (`input.crop.loose`: `{ frame, box }` in frame coordinates) when present, else
 * the evaluation's default `LFW_LOOSE_BOX_250`; scaled to the image size.
 */
export function framedFaceBox(input: InputSpec, width: number, height: number): FaceBox {
  const loose = (input.crop as { loose?: { frame?: number; box?: FaceBox } } | undefined)?.loose;
  const frame = loose?.frame;
  const box = loose?.box;
  if (box && typeof frame === 'number' && frame > 0 && [box.x, box.y, box.width, box.height].every(Number.isFinite)) {
    const s = 250 / frame;
    return looseBox(width, height, { x: box.x * s, y: box.y * s, width: box.width * s, height: box.height * s });
  }
  return looseBox(width, height, LFW_LOOSE_BOX_250);
}

export interface PrepareOptions {
  /** Degrade the face to size×size by an area downsample (8-bit), as the evaluation does; omit for full resolution. */
  size?: number;
  /** 'framed' (default when no box is given): crop the LFW-framing loose box; 'none': use the whole image. */
  framing?: Framing;
  /** An explicit face box; overrides `framing`. */
  box?: FaceBox;
}

/** One face ready for `rec.embed`: cropped by the convention and optionally degraded to N×N. */
export function prepareFace(image: RgbaImage, input: InputSpec, options: PrepareOptions = {}): RgbaImage {
  const { size } = options;
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 1024)) {
    throw new InputError('bad-option', `size must be an integer in [1, 1024], got ${size}`);
  }
  const box = options.box ?? (options.framing === 'none' ? undefined : framedFaceBox(input, image.width, image.height));
  if (size === undefined) return box ? { data: image.data, width: image.width, height: image.height, box } : image;
  return degradeFace({ data: image.data, width: image.width, height: image.height, channels: 4 }, size, box);
}

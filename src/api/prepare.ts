/**
 * The face-box convention (api/face-box.ts) and the low-resolution simulation (runtime/resize.ts), shared by the
 * CLI (`embed`, `verify`, `eval-lfw`), the demo and the evaluation, so `embed --size 16` on an LFW-framed image
 * produces exactly the face the LFW evaluation's "unaligned" variant scores.
 */
import { InputError } from '../errors.js';
import type { InputSpec } from '../model/architecture.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';
import { degradeFace } from '../runtime/resize.js';
import { framedFaceBox } from './face-box.js';

/** How the face sits in the image: 'framed' = LFW deep-funneled framing (250×250, face ≈ central 114 px), any size. */
export type Framing = 'framed' | 'none';

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

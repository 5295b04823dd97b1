import { InputError } from '../errors.js';

/** A face box in source pixels; fractional values are allowed and a box may extend past the image edges. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** An RGBA8 image (row-major, 4 bytes per pixel, alpha ignored), optionally with the face box to crop. */
export interface RgbaImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  box?: FaceBox;
}

/**
 * The largest magnitude of a face box's x, y, width and height, in pixels (2^24). The WebGPU kernel computes box
 * positions in f32, which holds every whole pixel up to there; a larger box gives `InputError('bad-size')`.
 * Work does not grow with the box (runtime/resize.ts), so any box up to this limit costs what the image costs.
 */
export const MAX_BOX_EXTENT = 2 ** 24;

/**
 * The smallest face box width and height, in pixels (1). A box inside one source pixel holds no face, and below
 * it the WebGPU kernel's f32 positions lose the box (a side of 1e-5 px gave a different face than the CPU, one
 * that underflows f32 a non-finite one): smaller boxes give `InputError('bad-size')`.
 */
export const MIN_BOX_SIDE = 1;

/** Throws `InputError` unless `image` is a well-formed RGBA image with a usable box. */
export function checkImage(image: RgbaImage, index: number): void {
  const what = `faces[${index}]`;
  if (
    typeof image !== 'object' ||
    image === null ||
    !(image.data instanceof Uint8Array || image.data instanceof Uint8ClampedArray)
  ) {
    throw new InputError('bad-shape', `${what} must be { data: Uint8Array | Uint8ClampedArray (RGBA), width, height }`);
  }
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InputError('bad-size', `${what} has size ${width}×${height}; width and height must be positive integers`);
  }
  if (image.data.length !== width * height * 4) {
    throw new InputError(
      'bad-shape',
      `${what} has ${image.data.length} bytes; ${width}×${height} RGBA needs ${width * height * 4}`,
    );
  }
  const box = image.box;
  if (box !== undefined) {
    if (typeof box !== 'object' || box === null)
      throw new InputError('bad-size', `${what}.box must be { x, y, width, height } or absent`);
    const values = [box.x, box.y, box.width, box.height];
    if (!values.every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
      throw new InputError(
        'bad-size',
        `${what}.box must have finite x, y and positive width, height; got ${JSON.stringify(box)}`,
      );
    }
    if (box.width < MIN_BOX_SIDE || box.height < MIN_BOX_SIDE) {
      throw new InputError(
        'bad-size',
        `${what}.box ${JSON.stringify(box)} is smaller than ${MIN_BOX_SIDE} px (the smallest box width or height)`,
      );
    }
    if (!values.every((v) => Math.abs(v) <= MAX_BOX_EXTENT)) {
      throw new InputError(
        'bad-size',
        `${what}.box ${JSON.stringify(box)} exceeds ${MAX_BOX_EXTENT} px (the largest box x, y, width or height)`,
      );
    }
    if (box.x >= width || box.y >= height || box.x + box.width <= 0 || box.y + box.height <= 0) {
      throw new InputError(
        'bad-size',
        `${what}.box ${JSON.stringify(box)} lies entirely outside the ${width}×${height} image`,
      );
    }
  }
}

/**
 * Browser image sources → RGBA8 pixels the backends read. Only the face box (plus a one-pixel margin, so the
 * resize filter reads exactly the pixels it would read from the full image) is drawn and read back, so a
 * 1080p video frame costs a face-sized readback, not a full frame.
 */
import { InputError } from '../errors.js';
import type { FaceBox, RgbaImage } from '../runtime/image.js';

/** Browser image sources `embed` and `verify` accept (ImageData is also an `RgbaImage` and is used as is). */
export type ImageSource =
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | OffscreenCanvas
  | VideoFrame;

/** A face: RGBA pixels (Node and browsers; `ImageData` qualifies), a browser image source, or either with a face box. */
export type FaceSource = RgbaImage | ImageData | ImageSource | { image: ImageSource | RgbaImage; box?: FaceBox };

const has = (name: string): boolean => typeof (globalThis as Record<string, unknown>)[name] === 'function';

/** True for the browser image source kinds (not for RGBA objects). */
export function isImageSource(value: unknown): value is ImageSource {
  return (
    (has('ImageBitmap') && value instanceof ImageBitmap) ||
    (has('HTMLImageElement') && value instanceof HTMLImageElement) ||
    (has('HTMLCanvasElement') && value instanceof HTMLCanvasElement) ||
    (has('HTMLVideoElement') && value instanceof HTMLVideoElement) ||
    (has('OffscreenCanvas') && value instanceof OffscreenCanvas) ||
    (has('VideoFrame') && value instanceof VideoFrame)
  );
}

function isRgba(value: unknown): value is RgbaImage {
  const v = value as RgbaImage;
  return typeof v === 'object' && v !== null && (v.data instanceof Uint8Array || v.data instanceof Uint8ClampedArray);
}

/** Pixel size of a source, in its natural (not displayed) resolution. */
export function sourceSize(source: ImageSource): { width: number; height: number } {
  if (has('HTMLImageElement') && source instanceof HTMLImageElement)
    return { width: source.naturalWidth, height: source.naturalHeight };
  if (has('HTMLVideoElement') && source instanceof HTMLVideoElement)
    return { width: source.videoWidth, height: source.videoHeight };
  if (has('VideoFrame') && source instanceof VideoFrame)
    return { width: source.displayWidth, height: source.displayHeight };
  const s = source as ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
  return { width: s.width, height: s.height };
}

/**
 * The pixel rectangle the resize filter can read for `box` (see docs/weights-format.md, "Preprocessing"):
 * the box rounded outwards plus one pixel (bilinear taps), clamped to the image. Reading only this rectangle and
 * shifting the box by its origin gives the same result as reading the whole image.
 */
export function readRegion(
  box: FaceBox | undefined,
  width: number,
  height: number,
): { x: number; y: number; width: number; height: number } {
  if (!box) return { x: 0, y: 0, width, height };
  const x0 = Math.min(Math.max(Math.floor(box.x) - 1, 0), width - 1);
  const y0 = Math.min(Math.max(Math.floor(box.y) - 1, 0), height - 1);
  const x1 = Math.max(Math.min(Math.ceil(box.x + box.width) + 1, width), x0 + 1);
  const y1 = Math.max(Math.min(Math.ceil(box.y + box.height) + 1, height), y0 + 1);
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

let scratch: OffscreenCanvas | HTMLCanvasElement | undefined;

function canvas(width: number, height: number): OffscreenCanvas | HTMLCanvasElement {
  if (!scratch) {
    if (has('OffscreenCanvas')) scratch = new OffscreenCanvas(width, height);
    else if (typeof document !== 'undefined') scratch = document.createElement('canvas');
    else throw new InputError('bad-image', 'no canvas is available to read image sources here; pass RGBA pixels');
  }
  if (scratch.width < width) scratch.width = width;
  if (scratch.height < height) scratch.height = height;
  return scratch;
}

/** Draws the face region of a browser source and reads it back as RGBA; the box is shifted to match. */
function sourceToRgba(source: ImageSource, box: FaceBox | undefined, what: string): RgbaImage {
  const { width, height } = sourceSize(source);
  if (!(width > 0 && height > 0)) {
    throw new InputError(
      'bad-image',
      `${what} has no pixels yet (size ${width}×${height}); wait until the image or video has loaded`,
    );
  }
  checkBoxOverlaps(box, width, height, what);
  const r = readRegion(box, width, height);
  const target = canvas(r.width, r.height);
  const context = target.getContext('2d', { willReadFrequently: true }) as
    | CanvasRenderingContext2D
    | OffscreenCanvasRenderingContext2D
    | null;
  if (!context) throw new InputError('bad-image', 'cannot create a 2D canvas context to read image sources');
  let data: Uint8ClampedArray;
  try {
    context.clearRect(0, 0, r.width, r.height);
    context.drawImage(source as CanvasImageSource, r.x, r.y, r.width, r.height, 0, 0, r.width, r.height);
    data = context.getImageData(0, 0, r.width, r.height).data;
  } catch (e) {
    const reason =
      (e as Error).name === 'SecurityError'
        ? 'it is cross-origin (tainted canvas); serve it with CORS'
        : (e as Error).message;
    throw new InputError('bad-image', `${what} cannot be read: ${reason}`);
  }
  const shifted = box && { x: box.x - r.x, y: box.y - r.y, width: box.width, height: box.height };
  return { data, width: r.width, height: r.height, ...(shifted ? { box: shifted } : {}) };
}

function checkBoxOverlaps(box: FaceBox | undefined, width: number, height: number, what: string): void {
  if (!box) return;
  const values = [box.x, box.y, box.width, box.height];
  if (!values.every(Number.isFinite) || box.width <= 0 || box.height <= 0) {
    throw new InputError(
      'bad-size',
      `${what}.box must have finite x, y and positive width, height; got ${JSON.stringify(box)}`,
    );
  }
  if (box.x >= width || box.y >= height || box.x + box.width <= 0 || box.y + box.height <= 0) {
    throw new InputError(
      'bad-size',
      `${what}.box ${JSON.stringify(box)} lies entirely outside the ${width}×${height} image`,
    );
  }
}

/** Any accepted face → RGBA (RGBA inputs pass through untouched; validation of their size happens later). */
export function toRgba(face: FaceSource, index: number): RgbaImage {
  const what = `faces[${index}]`;
  if (isRgba(face)) return face;
  if (isImageSource(face)) return sourceToRgba(face, undefined, what);
  const wrapped = face as { image?: unknown; box?: FaceBox };
  if (typeof wrapped === 'object' && wrapped !== null && 'image' in wrapped) {
    // Not a spread: ImageData's fields are prototype getters.
    if (isRgba(wrapped.image))
      return { data: wrapped.image.data, width: wrapped.image.width, height: wrapped.image.height, box: wrapped.box };
    if (isImageSource(wrapped.image)) return sourceToRgba(wrapped.image, wrapped.box, what);
  }
  throw new InputError(
    'bad-image',
    `${what} is not a face: pass { data (RGBA), width, height, box? }, ImageData, ImageBitmap, HTMLImageElement, HTMLCanvasElement, ` +
      `HTMLVideoElement, OffscreenCanvas or VideoFrame, optionally as { image, box }`,
  );
}

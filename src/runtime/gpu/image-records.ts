import type { RgbaImage } from '../image.js';
import { IMAGE_RECORD } from './kernels.js';

/** Bytes per image record (`struct Image` of preprocess.wgsl). */
export const IMAGE_RECORD_BYTES = IMAGE_RECORD.bytes;

/** 32-bit words the images' pixels take in the packed pixel buffer. */
export function pixelWords(images: readonly RgbaImage[]): number {
  return images.reduce((sum, im) => sum + im.width * im.height, 0);
}

/** Concatenates the images' RGBA bytes and describes each (offset, size, source box) for the kernel. */
export function packImages(images: readonly RgbaImage[]): { pixels: Uint8Array<ArrayBuffer>; records: ArrayBuffer } {
  const pixels = new Uint8Array(pixelWords(images) * 4);
  const records = new ArrayBuffer(images.length * IMAGE_RECORD_BYTES);
  let word = 0;
  images.forEach((im, i) => {
    const box = im.box ?? { x: 0, y: 0, width: im.width, height: im.height };
    IMAGE_RECORD.encode(
      { offset: word, width: im.width, height: im.height, box: [box.x, box.y, box.width, box.height] },
      records,
      i * IMAGE_RECORD_BYTES,
    );
    pixels.set(im.data, word * 4);
    word += im.width * im.height;
  });
  return { pixels, records };
}

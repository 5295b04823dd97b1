import type { RgbaImage } from '../image.js';

/** Bytes per image record; layout matches `struct Image` in kernels/preprocess.wgsl. */
export const IMAGE_RECORD_BYTES = 32;

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
    new Uint32Array(records, i * IMAGE_RECORD_BYTES, 3).set([word, im.width, im.height]);
    new Float32Array(records, i * IMAGE_RECORD_BYTES + 16, 4).set([box.x, box.y, box.width, box.height]);
    pixels.set(im.data, word * 4);
    word += im.width * im.height;
  });
  return { pixels, records };
}

/**
 * CPU reference for kernels/preprocess.wgsl: RGBA8 image (optionally a face box of it) → resized S×S →
 * normalised planar RGB. The arithmetic is specified in docs/weights-format.md ("Preprocessing"); the taps come
 * from runtime/resize.ts, so the work per output pixel is bounded by the image whatever the box.
 */
import type { InputSpec } from '../../model/architecture.js';
import type { FaceBox, RgbaImage } from '../image.js';
import { resizeTaps } from '../resize.js';

/** Writes `images` as an N×3×S×S tensor into `out`. */
export function preprocess(images: readonly RgbaImage[], size: number, spec: InputSpec, out: Float32Array): void {
  const plane = size * size;
  images.forEach((image, n) => {
    const box: FaceBox = image.box ?? { x: 0, y: 0, width: image.width, height: image.height };
    const xs = Array.from({ length: size }, (_, i) => resizeTaps(i, size, box.x, box.width, image.width, spec.resize));
    const ys = Array.from({ length: size }, (_, i) =>
      resizeTaps(i, size, box.y, box.height, image.height, spec.resize),
    );
    const base = n * 3 * plane;
    for (let oy = 0; oy < size; oy++) {
      const ty = ys[oy];
      for (let ox = 0; ox < size; ox++) {
        const tx = xs[ox];
        let r = 0;
        let g = 0;
        let b = 0;
        for (let a = 0; a < ty.index.length; a++) {
          const row = ty.index[a] * image.width;
          for (let c = 0; c < tx.index.length; c++) {
            const w = ty.weight[a] * tx.weight[c];
            const p = (row + tx.index[c]) * 4;
            r += w * image.data[p];
            g += w * image.data[p + 1];
            b += w * image.data[p + 2];
          }
        }
        const o = base + oy * size + ox;
        out[o] = (r / 255 - spec.mean[0]) / spec.std[0];
        out[o + plane] = (g / 255 - spec.mean[1]) / spec.std[1];
        out[o + 2 * plane] = (b / 255 - spec.mean[2]) / spec.std[2];
      }
    }
  });
}

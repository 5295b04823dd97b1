// How the evaluation feeds the teacher a low-resolution face: the LR face itself is runtime/resize.ts's
// `degradeFace` (area downsample to N×N, 8-bit); the teacher then sees it bilinearly upsampled to its input size.

import type { RgbaImage } from '../runtime/image.js';

/** Bilinear resize (half-pixel centres, clamp, no antialiasing) of an RGBA image to S×S, as floats in RGB order —
 *  how the evaluation upsamples LR faces back to 150×150 for the teacher. */
export function bilinearUpsampleRGB(img: RgbaImage, S: number): Float32Array {
  const n = img.width,
    m = img.height;
  const out = new Float32Array(S * S * 3);
  for (let i = 0; i < S; i++) {
    const y = Math.min(Math.max((i + 0.5) * (m / S) - 0.5, 0), m - 1);
    const y0 = Math.floor(y),
      y1 = Math.min(y0 + 1, m - 1),
      fy = y - y0;
    for (let k = 0; k < S; k++) {
      const x = Math.min(Math.max((k + 0.5) * (n / S) - 0.5, 0), n - 1);
      const x0 = Math.floor(x),
        x1 = Math.min(x0 + 1, n - 1),
        fx = x - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * n + xx) * 4 + c];
        const t = p(y0, x0) + (p(y0, x1) - p(y0, x0)) * fx,
          b = p(y1, x0) + (p(y1, x1) - p(y1, x0)) * fx;
        out[(i * S + k) * 3 + c] = t + (b - t) * fy;
      }
    }
  }
  return out;
}
